"""The configuration tree as frozen, typed values: what the resolver reads.

Each object is built once from one file by ``site.tree`` (the only part that
reads the disk) and knows where it came from (``where``: the file, relative to
the root) for error messages. Objects compare and hash by identity: one per
file, so they key the resolver's caches cheaply.

A new setting of site, cluster and node files is one field of ``Settings``
(its ``merge`` rule in the field's metadata) and one line in ``site.schema``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.site import templating
from errata_tpl.values import ref
from errata_tpl.values.package import Package

# How a key of later layers (site < cluster < node) combines with earlier ones.
REPLACE = {"merge": "replace"}  # the last layer that says it wins
UPDATE = {"merge": "update"}  # mappings: key by key (dicts inside merge deeply)
OWN = {"merge": "own"}  # read from each layer apart, never merged


@dataclass(frozen=True, eq=False)
class PackageEntry:
    """One entry of a ``packages`` list (or kernel modules, or an action's reference):
    parsed once when it has no template, else rendered per node."""

    raw: Any
    where: str  # "site/site.yaml: packages[3]"
    parsed: Package | None  # None: templated
    key: Hashable = None  # equal for entries written alike (the text, not rpm's equality)

    @staticmethod
    def of(raw: Any, where: str) -> PackageEntry:
        key = json.dumps(raw, sort_keys=True, default=str)
        if is_templated(raw):
            return PackageEntry(raw, where, None, key)
        try:
            return PackageEntry(raw, where, ref.parse(raw), key)
        except UserError as e:
            raise e.located(where) from None

    def render(self, variables: Mapping[str, Any]) -> Package:
        if self.parsed is not None:
            return self.parsed
        try:
            return ref.parse(templating.render_value(self.raw, variables, self.where))
        except UserError as e:
            raise e.located(self.where) from None

    @property
    def name(self) -> str | None:
        """The package's name when it is known before rendering."""
        if self.parsed is not None:
            return self.parsed.name
        name = self.raw.get("name") if isinstance(self.raw, Mapping) else None
        return name if isinstance(name, str) and not templating.is_template(name) else None


def is_templated(item: Any) -> bool:
    if isinstance(item, str):
        return templating.is_template(item)
    if isinstance(item, Mapping):
        return any(isinstance(v, str) and templating.is_template(v) for v in item.values())
    return False


def templated(items: tuple[PackageEntry, ...]) -> bool:
    """Has any entry a template, to be rendered per node?"""
    return any(e.parsed is None for e in items)


def streams(data: Any) -> dict[str, str | None]:
    """A ``modules`` mapping (checked by site.schema) with its streams as text."""
    return {str(m): None if s is None else str(s) for m, s in sorted((data or {}).items())}


def entries(items: Any, where: str, key: str = "packages") -> tuple[PackageEntry, ...]:
    return tuple(PackageEntry.of(item, f"{where}: {key}[{i}]") for i, item in enumerate(items or ()))


@dataclass(frozen=True, eq=False)
class Settings:
    """The keys site.yaml, a cluster file and a node file share."""

    where: str
    deploy_errata: bool | None = field(default=None, metadata=REPLACE)
    errata_defaults: Mapping[str, str | None] = field(default_factory=dict, metadata=UPDATE)
    kernel_version: Mapping[str, str] = field(default_factory=dict, metadata=OWN)  # pins by os-id / os-version
    hook_suffix: Mapping[str, str] = field(default_factory=dict, metadata=UPDATE)
    installonly_limit: int | None = field(default=None, metadata=REPLACE)
    profile_cloning_disabled: Mapping[str, bool] = field(default_factory=dict, metadata=UPDATE)
    variables: Mapping[str, Any] = field(default_factory=dict, metadata=UPDATE)
    packages: tuple[PackageEntry, ...] = field(default=(), metadata=OWN)
    # module -> stream (None: disabled); read per layer (os < site < cluster < node), see resolve.streams
    modules: Mapping[str, str | None] = field(default_factory=dict, metadata=OWN)
    hotfixes: tuple[str, ...] = field(default=(), metadata=OWN)  # the lists of all layers add up


@dataclass(frozen=True, eq=False)
class NodeConfig(Settings):
    name: str = ""
    os: str = ""
    cluster: str | None = None
    errata: str | None = None
    errata_set: bool = False  # the node file has 'errata' (null included)
    kernel_pin: str | None = None  # the node's kernel_version
    running_kernel: str | None = None
    keep_kernels: tuple[str, ...] = ()
    clone: str | None = None


DEFAULT_SUFFIX = {"init": "-init", "fix": "-fix"}
DEFAULT_INSTALLONLY_LIMIT = 3


@dataclass(frozen=True)
class Merged:
    """Site < cluster < node (step 1), with the spec's defaults."""

    deploy_errata: bool
    errata_defaults: Mapping[str, str | None]
    hook_suffix: Mapping[str, str]
    installonly_limit: int
    profile_cloning_disabled: Mapping[str, bool]
    variables: Mapping[str, Any]


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Dicts merge deeply, anything else (lists too) is replaced."""
    out = dict(a)
    for k, v in b.items():
        old = out.get(k)
        out[k] = deep_merge(old, v) if isinstance(old, Mapping) and isinstance(v, Mapping) else v
    return out


def _rules() -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.metadata["merge"]) for f in dataclasses.fields(Settings) if "merge" in f.metadata)


RULES = _rules()  # (field, merge rule) of every Settings field


def merges_nothing(s: Settings) -> bool:
    """True when the layer sets none of the keys ``merge`` combines: merging it changes nothing."""
    return all(getattr(s, n) is None if rule == "replace" else not getattr(s, n) for n, rule in RULES if rule != "own")


def merge(*layers: Settings, variables_below: Mapping[str, Any] = {}) -> Merged:
    values: dict[str, Any] = {}
    for name, rule in RULES:
        if rule == "replace":
            values[name] = next((v for v in (getattr(s, name) for s in reversed(layers)) if v is not None), None)
        elif rule == "update":
            acc: dict[str, Any] = dict(variables_below) if name == "variables" else {}
            for s in layers:
                acc = deep_merge(acc, getattr(s, name))
            values[name] = acc
    suffix = {**DEFAULT_SUFFIX, **values["hook_suffix"]}
    if suffix["init"] == suffix["fix"]:  # the fix hook would be read as the init hook
        where = next((s.where for s in reversed(layers) if s.hook_suffix), "site/site.yaml")
        raise UserError(f"{where}: key 'hook_suffix': init and fix are both {suffix['fix']!r}; they name two files")
    return Merged(
        deploy_errata=values["deploy_errata"] is True,
        errata_defaults=values["errata_defaults"],
        hook_suffix=suffix,
        installonly_limit=values["installonly_limit"] or DEFAULT_INSTALLONLY_LIMIT,
        profile_cloning_disabled=values["profile_cloning_disabled"],
        variables=values["variables"],
    )


@dataclass(frozen=True, eq=False)
class KernelConfig:
    name: str
    arch: str
    version: str | None
    packages: tuple[str, ...]
    modules: tuple[PackageEntry, ...]  # rendered per kernel version


@dataclass(frozen=True, eq=False)
class OsConfig:
    os_id: str
    version: str
    arch: str
    kernel: KernelConfig
    installonly: tuple[str, ...]
    variables: Mapping[str, Any]
    packages: tuple[PackageEntry, ...]
    where: str
    modules: Mapping[str, str | None] = field(default_factory=dict)  # the OS's module streams (lowest layer)


@dataclass(frozen=True, eq=False)
class InitHook:
    kernel_version: str | None
    variables: Mapping[str, Any]
    where: str


@dataclass(frozen=True, eq=False)
class Action:
    """One fix-hook action: a verb (ronly, repl, add, del) on a package, maybe conditional."""

    verb: str
    target: PackageEntry
    multi: bool
    when: str | None
    if_present: str | None
    where: str  # "errata/os/p-fix.yaml: actions[2]"

    @property
    def name(self) -> str:
        """The package it is about, for explain (an unrendered template as written)."""
        known = self.target.name
        if known is not None:
            return known
        raw = self.target.raw
        return str(raw.get("name", "")) if isinstance(raw, Mapping) else str(raw)


@dataclass(frozen=True, eq=False)
class FixHook:
    actions: tuple[Action, ...]
    profile: str
    where: str


@dataclass(frozen=True, eq=False)
class Overrides:
    exact: Mapping[str, str | None]
    globs: tuple[tuple[str, str | None], ...]  # in file order: the first match wins
    where: str

    def lookup(self, node: str) -> tuple[bool, str | None, str]:
        """(found, profile-or-None, the key that matched)."""
        if node in self.exact:
            return True, self.exact[node], node
        for pattern, value in self.globs:
            if fnmatch.fnmatchcase(node, pattern):
                return True, value, pattern
        return False, None, ""


@dataclass(frozen=True)
class Announce:
    """site.yaml's ``announce:``: the sender and recipients of announce --format email."""

    where: str
    sender: str | None = None
    to: tuple[str, ...] = ()
