"""A dated errata profile: the replace-only entries frozen on one day."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.mirror.advisories import Advisory, canonical_severity, canonical_type, cves, unique
from errata_tpl.profile.head import yaml_name_lines
from errata_tpl.site import schema
from errata_tpl.values import evr as evrmod
from errata_tpl.values import ref as refmod
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package, nevra
from errata_tpl.values.readonly import ReadOnly, setter


@dataclass(frozen=True)
class Earlier:
    """A build of an entry's name and arch older than the entry, and the advisories that
    shipped it: a node below it lacks them too (dnf counts them), even when a later build
    is only a bug fix."""

    evr: EVR
    advisories: tuple[Advisory, ...]

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"version": str(self.evr), "advisories": [a.as_dict() for a in self.advisories]}
        found = cves(self.advisories)
        if found:
            d["cves"] = found
        return d


class Entry(ReadOnly):
    """A profile entry: a package of known version and arch (``package``), the advisories
    that ship it, and those that shipped its earlier builds. Two are equal when all of
    that is; an entry never equals a bare Package (its ``package`` may), so equality is
    transitive and a set of entries and packages holds each once. The package's fields
    are kept at hand too (read in every step: a property would cost twice a slot),
    never set apart from it."""

    __slots__ = (
        "advisories",
        "arch",
        "earlier",
        "evr",
        "module",
        "module_context",
        "module_version",
        "name",
        "package",
    )
    package: Package
    name: str
    evr: EVR
    arch: str
    advisories: tuple[Advisory, ...]  # the advisories that ship this build
    earlier: tuple[Earlier, ...]  # older builds with advisories, oldest first
    module: str | None  # NAME:STREAM of a modular build: it applies only where that stream is enabled
    module_version: str | None  # the newest module build of that stream that ships it
    module_context: str | None

    def __init__(
        self,
        name: str,
        evr: EVR,
        arch: str,
        advisories: tuple[Advisory, ...] = (),
        module: str | None = None,
        module_version: str | None = None,
        module_context: str | None = None,
        earlier: tuple[Earlier, ...] = (),
    ) -> None:
        _set_package(self, Package(name, evr, arch))
        _set_name(self, name)
        _set_evr(self, evr)
        _set_arch(self, arch)
        _set_advisories(self, advisories)
        _set_earlier(self, earlier)
        _set_module(self, module)
        _set_module_version(self, module_version)
        _set_module_context(self, module_context)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Entry, (self.name, self.evr, self.arch, self.advisories, *self.module_fields(), self.earlier))

    def module_fields(self) -> tuple[str | None, str | None, str | None]:
        return (self.module, self.module_version, self.module_context)

    def same_package(self, other: Package) -> bool:
        """Name, arch and version equal to ``other``'s (rpm's equality), whatever else differs."""
        return self.package.same_package(other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return (
            self.package == other.package
            and self.advisories == other.advisories
            and self.earlier == other.earlier
            and self.module_fields() == other.module_fields()
        )

    def __hash__(self) -> int:
        return hash(self.package)

    def __str__(self) -> str:
        return nevra(self.package)

    def __repr__(self) -> str:
        return f"Entry({nevra(self.package)!r})"

    def but_earlier(self, earlier: tuple[Earlier, ...]) -> Entry:
        """The same entry with these earlier builds."""
        return Entry(
            self.name,
            self.evr,
            self.arch,
            self.advisories,
            self.module,
            self.module_version,
            self.module_context,
            earlier,
        )

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "version": str(self.evr), "arch": self.arch}
        if self.module is not None:
            d["module"] = self.module
            d["module_version"] = self.module_version
            d["module_context"] = self.module_context
        if self.advisories:
            d["advisories"] = [a.as_dict() for a in self.advisories]
            found = cves(self.advisories)
            if found:
                d["cves"] = found
        if self.earlier:
            d["earlier"] = [x.as_dict() for x in self.earlier]
        return d


@dataclass(frozen=True)
class Profile:
    profile: str
    os: str
    generated: str
    source: str
    packages: tuple[Entry, ...]
    kernels: tuple[Entry, ...] = ()
    kernel_named: tuple[Entry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # further header fields, kept as read
    # Builds of module streams, the newest per (name, arch, NAME:STREAM): replace-only
    # entries for the nodes that have that stream enabled, never across streams.
    modular: tuple[Entry, ...] = ()
    sha256: str = ""  # of the file's bytes, when read from one (what a promotion record binds)

    @functools.cached_property
    def _by_package(self) -> dict[Package, Entry]:
        return {e.package: e for e in (*self.modular, *self.packages, *self.kernels)}

    def module_defaults(self) -> dict[str, str]:
        """module -> the default stream the mirror's metadata gives it."""
        mods = self.extra.get("modules")
        if not isinstance(mods, dict):
            return {}
        return {
            str(m): str(v["default"]) for m, v in mods.items() if isinstance(v, dict) and v.get("default") is not None
        }

    def modular_lists(self) -> bool:
        """Whether the profile was made from a mirror with module metadata."""
        return bool(self.modular) or "modules" in self.extra

    @functools.cached_property
    def kernel_only(self) -> frozenset[str]:
        """Names listed under ``kernels`` and not under ``packages``: no replace-only entry."""
        plain = {e.name for e in self.packages}
        return frozenset(e.name for e in self.kernels if e.name not in plain)

    def find(self, p: Package) -> Entry | None:
        """The entry (a package or a kernel) of this name, arch and version (rpm's equality)."""
        if p.arch is None or p.evr is None:
            return None
        return self._by_package.get(Package(p.name, p.evr, p.arch))


_SET = {n: setter(Entry, n) for n in Entry.__slots__}
_set_package, _set_name, _set_evr, _set_arch = _SET["package"], _SET["name"], _SET["evr"], _SET["arch"]
_set_advisories, _set_earlier = _SET["advisories"], _SET["earlier"]
_set_module, _set_module_version, _set_module_context = _SET["module"], _SET["module_version"], _SET["module_context"]


HEADER_KEYS = ("profile", "os", "generated", "source")
LIST_KEYS = ("packages", "kernels", "kernel_named", "modular")  # "modular" only from a modular mirror
MODULE_KEYS = ("module", "module_version", "module_context")


def _lists(p: Profile) -> tuple[str, ...]:
    return LIST_KEYS if p.modular_lists() else LIST_KEYS[:-1]


def to_data(p: Profile) -> dict[str, Any]:
    """The profile as plain data, as from_data reads it back."""
    d: dict[str, Any] = {k: getattr(p, k) for k in HEADER_KEYS}
    d.update(p.extra)
    for key in _lists(p):
        d[key] = [e.as_dict() for e in getattr(p, key)]
    return d


def dump_yaml(p: Profile) -> str:
    return yaml_head(p.profile, p.os, p.generated, p.source) + yaml_body(p)


def yaml_head(profile: str, os: str, generated: str, source: str) -> str:
    """The lines that name and date a profile (the rest depends only on the mirror)."""
    return yaml_name_lines(profile, generated, yaml_mirror_lines(os, source))


def yaml_mirror_lines(os: str, source: str) -> tuple[str, str]:
    return f"os: {yamlio.value(os)}\n", f"source: {yamlio.value(source)}\n"


def yaml_body(p: Profile) -> str:
    out = [_header_line(k, v) for k, v in sorted(p.extra.items())]
    for key in _lists(p):
        entries = getattr(p, key)
        out.append(f"{key}:\n{''.join(_yaml_item(e) for e in entries)}" if entries else f"{key}: []\n")
    return "".join(out)


def _header_line(key: str, value: Any) -> str:
    if key == "modules" and isinstance(value, dict) and value:  # one line per module
        return f"{key}:\n" + "".join(f"  {yamlio.scalar(m)}: {yamlio.value(v)}\n" for m, v in value.items())
    return f"{key}: {yamlio.value(value)}\n"


def _yaml_item(e: Entry) -> str:
    """One list item, as yamlio.block_list writes it; the common case (no
    advisories, not modular) written directly: a profile has thousands."""
    if e.advisories or e.module is not None or e.earlier:
        return f"  - {yamlio.flow_map(e.as_dict())}\n"
    scalar = yamlio.scalar
    return f"  - {{name: {scalar(e.name)}, version: {scalar(str(e.evr))}, arch: {scalar(e.arch)}}}\n"


def entries(data: dict[str, Any], key: str, where: str) -> tuple[Entry, ...]:
    items = data.get(key) or []
    if not isinstance(items, list):
        raise UserError(f"{where}: '{key}' must be a list")
    out = []
    for i, item in enumerate(items):
        try:
            advs: tuple[Advisory, ...] = ()
            module: tuple[str | None, ...] = (None, None, None)
            earlier: tuple[Earlier, ...] = ()
            if isinstance(item, dict) and "earlier" in item:
                earlier = _earlier(item["earlier"])
                item = {k: v for k, v in item.items() if k != "earlier"}
            if isinstance(item, dict) and ("advisories" in item or "cves" in item):
                advs = _advisories(item.get("advisories"), item.get("cves"))
                item = {k: v for k, v in item.items() if k not in ("advisories", "cves")}
            if isinstance(item, dict) and "module" in item:
                module = _module(item)
                item = {k: v for k, v in item.items() if k not in MODULE_KEYS}
            if (key == "modular") != (module[0] is not None):
                raise UserError("'module: NAME:STREAM' belongs to the entries of 'modular', and only there")
            r = refmod.parse(item)
            if r.evr is None or r.arch is None:
                raise UserError("a profile entry needs name, version and arch")
        except UserError as e:
            raise UserError(f"{where}: {key}[{i}]: {e}") from None
        stream, version, context = module
        out.append(Entry(r.name, r.evr, r.arch, advs, stream, version, context, earlier))
    return tuple(out)


def _earlier(items: Any) -> tuple[Earlier, ...]:
    if not isinstance(items, list) or not all(isinstance(x, dict) and isinstance(x.get("version"), str) for x in items):
        raise UserError("'earlier' must be a list of {version, advisories, cves}")
    return tuple(Earlier(evrmod.parse(x["version"]), _advisories(x.get("advisories"), x.get("cves"))) for x in items)


def _module(item: dict[str, Any]) -> tuple[str | None, ...]:
    stream = item.get("module")
    if not isinstance(stream, str) or stream.count(":") != 1 or not all(stream.split(":")):
        raise UserError("'module' must be NAME:STREAM")
    return (stream, _str(item.get("module_version")), _str(item.get("module_context")))


def _advisories(items: Any, cve_ids: Any) -> tuple[Advisory, ...]:
    """Read back what as_dict wrote. The CVE list is per entry; each advisory of
    the entry is given all of them (a profile records no finer mapping). Each id
    once, severities and types in their one spelling, whoever wrote the file."""
    if not isinstance(items, list) or not all(isinstance(a, dict) and isinstance(a.get("id"), str) for a in items):
        raise UserError("'advisories' must be a list of {id, type, severity, issued}")
    if cve_ids is not None and not (isinstance(cve_ids, list) and all(isinstance(c, str) for c in cve_ids)):
        raise UserError("'cves' must be a list of CVE ids")
    found = tuple(cve_ids or ())
    return unique(
        Advisory(
            a["id"],
            canonical_type(a.get("type")),
            canonical_severity(a.get("severity")),
            _str(a.get("issued")),
            _str(a.get("issued")),
            found,
            _str(a.get("status")),
        )
        for a in items
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def from_data(data: yamlio.Data, where: str, line_of: schema.LineOf | None = None, sha256: str = "") -> Profile:
    if not isinstance(data, dict):
        raise UserError(f"{where}: a profile must be a mapping")
    schema.check("profile", data, where, line_of)  # a key no errata-tpl writes: named, with its line
    profile, os_id = data.get("profile"), data.get("os")
    for k, v in (("profile", profile), ("os", os_id)):
        if not isinstance(v, str):
            raise UserError(f"{where}: '{k}' is missing or not a string")
    assert isinstance(profile, str) and isinstance(os_id, str)  # for mypy: checked above
    extra = {k: v for k, v in data.items() if k not in HEADER_KEYS and k not in LIST_KEYS}
    return Profile(
        profile=profile,
        os=os_id,
        generated=str(data.get("generated", "")),
        source=str(data.get("source", "")),
        packages=entries(data, "packages", where),
        kernels=entries(data, "kernels", where),
        kernel_named=entries(data, "kernel_named", where),
        extra=extra,
        modular=entries(data, "modular", where),
        sha256=sha256,
    )


def load(path: Path, where: str | None = None) -> Profile:
    where = where or str(path)
    return from_data(yamlio.load_file(path, where), where)


def newest_first(entries: list[Entry]) -> list[Entry]:
    """By name and arch, newest version first within each (the ``kernels`` order)."""
    by_evr = sorted(entries, key=lambda e: e.evr, reverse=True)
    return sorted(by_evr, key=lambda e: (e.name, e.arch))  # stable: keeps newest first
