"""A hotfix: the builds a few advisories, CVEs or packages ship, frozen like a
profile, for every node a site names, on whatever dated profile it is.

``errata/<os-id>/hotfix-<name>.yaml`` holds replace-only entries in a profile's
form: exactly the builds the selection ships (newest per name and arch; kernels
apart), plus, marked ``needed_by``, the builds those require at versions the
OS's newest dated profile does not give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.mirror.advisories import Advisory, NevraKey, nevra_key
from errata_tpl.mirror.rpminfo import RpmInfo
from errata_tpl.profile.profile import Entry, entries
from errata_tpl.site import schema


@dataclass(frozen=True)
class Selection:
    """What the hotfix is for: advisory ids, CVE ids, package names."""

    advisories: tuple[str, ...] = ()
    cves: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {k: sorted(set(v)) for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Item:
    entry: Entry
    needed_by: tuple[str, ...] = ()  # NEVRAs requiring it; empty: the selection ships it

    def as_dict(self) -> dict[str, Any]:
        d = self.entry.as_dict()
        if self.needed_by:
            d["needed_by"] = list(self.needed_by)
        return d


@dataclass(frozen=True, eq=False)  # one per file: compared and hashed by identity (resolver cache keys)
class Hotfix:
    name: str
    os: str
    generated: str
    source: str
    selection: dict[str, Any]
    packages: tuple[Item, ...]  # replace-only, sorted by name and arch
    kernels: tuple[Entry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # further header fields
    modular: tuple[Item, ...] = ()  # builds of a module stream (``module: NAME:STREAM``): only where it is active

    def entries(self) -> tuple[Entry, ...]:
        return tuple(i.entry for i in self.packages)

    def modular_entries(self) -> tuple[Entry, ...]:
        return tuple(i.entry for i in self.modular)


def select_builds(
    builds: Iterable[RpmInfo],
    advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None,
    sel: Selection,
    source: str,
) -> list[RpmInfo]:
    """The binary builds the selection names: shipped by a chosen advisory or by one
    that fixes a chosen CVE, or of a chosen package name. Anything it names that
    the mirror does not have is an error."""
    if not (sel.advisories or sel.cves or sel.packages):
        raise UserError("a hotfix needs at least one --advisory, --cve or --package")
    known: dict[str, Advisory] = {}
    if sel.advisories or sel.cves:
        if advisories is None:
            raise UserError(f"{source}: --advisory and --cve need the mirror's updateinfo (repodata/repomd.xml): none")
        known = {a.id: a for advs in advisories.values() for a in advs}
    for a in sel.advisories:
        if a not in known:
            raise UserError(f"{source}: no advisory {a!r} in the mirror's updateinfo")
    ids = set(sel.advisories)
    for cve in sel.cves:
        fixing = {a.id for a in known.values() if cve in a.cves}
        if not fixing:
            raise UserError(f"{source}: no advisory in the mirror's updateinfo fixes {cve}")
        ids |= fixing
    wanted = set(sel.packages)
    out, shipped, named = [], set(), set()
    for p in builds:
        if p.is_source:
            continue
        by = {a.id for a in (advisories or {}).get(nevra_key(p.name, p.epoch, p.version, p.release, p.arch), ())} & ids
        if by or p.name in wanted:
            out.append(p)
            shipped |= by
            named |= {p.name} & wanted
    for a in sorted(ids - shipped):
        raise UserError(f"{source}: advisory {a} ships no build the mirror has")
    for n in sorted(wanted - named):
        raise UserError(f"{source}: no build of package {n!r} in the mirror")
    return out


def to_data(h: Hotfix) -> dict[str, Any]:
    return {
        "name": h.name,
        "os": h.os,
        "generated": h.generated,
        "source": h.source,
        "selection": h.selection,
        **h.extra,
        "packages": [i.as_dict() for i in h.packages],
        "kernels": [e.as_dict() for e in h.kernels],
    } | ({"modular": [i.as_dict() for i in h.modular]} if h.modular else {})


def dump_yaml(h: Hotfix) -> str:
    out = [
        f"name: {yamlio.scalar(h.name)}\n",
        f"os: {yamlio.scalar(h.os)}\n",
        f"generated: {json.dumps(h.generated)}\n",
        f"source: {yamlio.scalar(h.source)}\n",
        f"selection: {yamlio.value(h.selection)}\n",
    ]
    out += [f"{k}: {yamlio.value(v)}\n" for k, v in sorted(h.extra.items())]
    out.append(yamlio.block_list("packages", [i.as_dict() for i in h.packages]))
    out.append(yamlio.block_list("kernels", [e.as_dict() for e in h.kernels]))
    if h.modular:  # only from a modular mirror: other hotfixes stay as they were
        out.append(yamlio.block_list("modular", [i.as_dict() for i in h.modular]))
    return "".join(out)


HEADER = ("name", "os", "generated", "source", "selection")


def from_data(data: yamlio.Data, where: str) -> Hotfix:
    if not isinstance(data, dict):
        raise UserError(f"{where}: a hotfix must be a mapping")
    schema.check("hotfix", data, where)  # a key no errata-tpl writes: named
    name, os_id, selection = data.get("name"), data.get("os"), data.get("selection")
    for k, v in (("name", name), ("os", os_id)):
        if not isinstance(v, str):
            raise UserError(f"{where}: key '{k}' is missing or not a string")
    assert isinstance(name, str) and isinstance(os_id, str)  # for mypy: checked above
    return Hotfix(
        name=name,
        os=os_id,
        generated=str(data.get("generated", "")),
        source=str(data.get("source", "")),
        selection=dict(selection) if isinstance(selection, dict) else {},  # a mapping or none (schema.check)
        packages=_items(data, "packages", where),
        kernels=entries(data, "kernels", where),
        extra={k: v for k, v in data.items() if k not in HEADER and k not in LISTS},
        modular=_items(data, "modular", where),
    )


LISTS = ("packages", "kernels", "modular")


def _items(data: dict[str, Any], key: str, where: str) -> tuple[Item, ...]:
    """The entries of ``key``, each with what needs it (``needed_by``)."""
    items = data.get(key) or []
    if not isinstance(items, list):
        raise UserError(f"{where}: key '{key}' must be a list")
    needed_by: list[tuple[str, ...]] = []
    plain = []
    for i, item in enumerate(items):
        by = item.get("needed_by", ()) if isinstance(item, dict) else ()
        if not (isinstance(by, list | tuple) and all(isinstance(x, str) for x in by)):
            raise UserError(f"{where}: {key}[{i}]: key 'needed_by' must be a list of NEVRAs")
        needed_by.append(tuple(by))
        plain.append({k: v for k, v in item.items() if k != "needed_by"} if isinstance(item, dict) else item)
    got = entries({key: plain}, key, where)
    return tuple(Item(e, by) for e, by in zip(got, needed_by))


def load(path: Path, where: str) -> Hotfix:
    return from_data(yamlio.load_file(path, where), where)


def sorted_items(items: Iterable[Item]) -> tuple[Item, ...]:
    """By name and arch, newest first: the order of the file."""
    by_evr = sorted(items, key=lambda i: i.entry.evr, reverse=True)
    return tuple(sorted(by_evr, key=lambda i: (i.entry.name, i.entry.arch)))
