"""What changes between two package lists: profiles or resolved node lists."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package
from errata_tpl.values.source import Source

if TYPE_CHECKING:  # jinja2 comes with these
    from errata_tpl.resolve.model import Resolved
    from errata_tpl.site.tree import Tree

KINDS = ("upgraded", "downgraded", "pinned", "unpinned", "added", "removed")


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    arch: str | None
    old: EVR | None  # None: any version, or none (added)
    new: EVR | None
    advisories: tuple[Advisory, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        old, new = (None if v is None else str(v) for v in (self.old, self.new))
        d: dict[str, Any] = {"name": self.name, "arch": self.arch, "from": old, "to": new}
        if self.advisories:
            d["advisories"] = [a.as_dict() for a in self.advisories]
            d["cves"] = cves(self.advisories)
        return d


@dataclass(frozen=True)
class KernelChange:
    """A kernel package of two profiles' ``kernels:``: versions side by side, not an upgrade."""

    name: str
    arch: str | None
    added: tuple[tuple[EVR, tuple[Advisory, ...]], ...]  # newest first, with the advisories that ship it
    removed: tuple[EVR, ...]
    kept: tuple[EVR, ...]

    def as_dict(self) -> dict[str, Any]:
        added = []
        for version, advs in self.added:
            d: dict[str, Any] = {"version": str(version)}
            if advs:
                d["advisories"] = [a.as_dict() for a in advs]
                d["cves"] = cves(advs)
            added.append(d)
        return {
            "name": self.name,
            "arch": self.arch,
            "added": added,
            "removed": [str(v) for v in self.removed],
            "kept": [str(v) for v in self.kept],
        }


@dataclass(frozen=True)
class Diff:
    a: str
    b: str
    changes: tuple[Change, ...] = field(default_factory=tuple)
    kernels: tuple[KernelChange, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for c in self.changes if c.kind == k) for k in KINDS}

    def kernel_counts(self) -> dict[str, int]:
        return {
            "added": sum(len(k.added) for k in self.kernels),
            "removed": sum(len(k.removed) for k in self.kernels),
            "kept": sum(len(k.kept) for k in self.kernels),
        }

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"a": self.a, "b": self.b}
        for k in KINDS:
            out[k] = [c.as_dict() for c in self.changes if c.kind == k]
        out["kernels"] = [k.as_dict() for k in self.kernels]
        out["summary"] = {**self.counts(), "kernels": self.kernel_counts()}
        return out


def _key(v: EVR | None) -> tuple[Any, ...]:
    return (0,) if v is None else (1, v)


AdvisoryMap = Mapping[Package, tuple[Advisory, ...]]


def compare_kernels(
    a: Iterable[Package], b: Iterable[Package], advisories: AdvisoryMap | None = None
) -> tuple[KernelChange, ...]:
    """Per kernel package (name, arch): the versions added, removed and kept, newest first;
    only packages where something was added or removed."""
    left: dict[tuple[str, str | None], set[EVR]] = {}
    right: dict[tuple[str, str | None], set[EVR]] = {}
    for side, items in ((left, a), (right, b)):
        for i in items:
            if i.evr is not None:
                side.setdefault((i.name, i.arch), set()).add(i.evr)
    adv = advisories or {}
    out = []
    for key in sorted(set(left) | set(right), key=lambda k: (k[0], k[1] or "")):
        old, new = left.get(key, set()), right.get(key, set())
        if old == new:
            continue
        newest_first = functools.partial(sorted, key=_key, reverse=True)
        name, arch = key
        added = tuple((v, adv.get(Package(name, v, arch), ())) for v in newest_first(new - old))
        out.append(KernelChange(name, arch, added, tuple(newest_first(old - new)), tuple(newest_first(old & new))))
    return tuple(out)


def compare(
    a_label: str,
    a: Iterable[Package],
    b_label: str,
    b: Iterable[Package],
    advisories: AdvisoryMap | None = None,
    kernels: tuple[Iterable[Package], Iterable[Package]] | None = None,
) -> Diff:
    """Per (name, arch): one version each side is an upgrade or a downgrade (``pinned``
    from any version to one, ``unpinned`` back); other
    differences (versions of a multi package, a name on one side only) are added or removed.
    ``kernels``: two profiles' kernels: lists, compared version by version. Versions
    are equal as rpm says (``0:1-1`` is ``1-1``)."""
    left: dict[tuple[str, str | None], set[EVR | None]] = {}
    right: dict[tuple[str, str | None], set[EVR | None]] = {}
    for side, items in ((left, a), (right, b)):
        for i in items:
            side.setdefault((i.name, i.arch), set()).add(i.evr)
    adv = advisories or {}
    changes: list[Change] = []
    for key in sorted(set(left) | set(right), key=lambda k: (k[0], k[1] or "")):
        name, arch = key
        old, new = left.get(key, set()), right.get(key, set())
        if old == new:
            continue
        if len(old) == 1 and len(new) == 1:
            (o,), (n,) = old, new
            if o is None or n is None:  # "any version" pinned, or a pin let go: not an order
                kind = "pinned" if o is None else "unpinned"
            else:
                kind = "upgraded" if n > o else "downgraded"
            changes.append(Change(kind, name, arch, o, n, unique(adv.get(Package(name, n, arch), ()))))
            continue
        for v in sorted(new - old, key=_key):
            changes.append(Change("added", name, arch, None, v, unique(adv.get(Package(name, v, arch), ()))))
        for v in sorted(old - new, key=_key):
            changes.append(Change("removed", name, arch, v, None))
    kernel_changes = compare_kernels(*kernels, advisories) if kernels is not None else ()
    return Diff(a_label, b_label, tuple(changes), kernel_changes)


def _advisories_text(advs: tuple[Advisory, ...]) -> str:
    names = ", ".join(
        f"{a.id} ({a.type}{', ' + a.severity if a.severity else ''}{', retracted' if a.retracted else ''})"
        for a in advs
    )
    found = cves(advs)
    return f"[{names}]" + (f" {' '.join(found)}" if found else "")


def text(d: Diff) -> str:
    lines = [f"--- {d.a}", f"+++ {d.b}"]
    for c in d.changes:
        what = c.name if c.arch is None else f"{c.name}.{c.arch}"
        versions = {
            "upgraded": f"{c.old or '(any version)'} -> {c.new or '(any version)'}",
            "downgraded": f"{c.old or '(any version)'} -> {c.new or '(any version)'}",
            "pinned": f"(any version) -> {c.new}",
            "unpinned": f"{c.old} -> (any version)",
            "added": c.new or "(any version)",
            "removed": c.old or "(any version)",
        }[c.kind]
        line = f"{c.kind:<10}  {what}  {versions}"
        if c.advisories:
            line += "  " + _advisories_text(c.advisories)
        lines.append(line)
    for k in d.kernels:  # versions side by side: what is added, removed, kept
        what = k.name if k.arch is None else f"{k.name}.{k.arch}"
        parts = [f"added {v}" + (f"  {_advisories_text(advs)}" if advs else "") for v, advs in k.added]
        parts += [f"removed {v}" for v in k.removed]
        if k.kept:
            parts.append(f"kept {', '.join(str(v) for v in k.kept)}")
        lines.append(f"{'kernel':<10}  {what}  " + "; ".join(parts))
    summary = f"{len(d.changes)} changes: " + ", ".join(f"{n} {k}" for k, n in d.counts().items())
    if d.kernels:
        summary += "; kernel versions: " + ", ".join(f"{n} {k}" for k, n in d.kernel_counts().items())
    lines.append(summary)
    return "\n".join(lines) + "\n"


Side = tuple[list[Package], dict[Package, tuple[Advisory, ...]]]


def resolved_items(tree: Tree, os_id: str, errata: str | None, packages: list[tuple[Package, Source | None]]) -> Side:
    """A resolved list's packages; advisories from the profile each version came from."""
    advs = {}
    for p, source in packages:
        entry = tree.source_entry(os_id, source, errata, p)
        if entry is not None and entry.advisories:
            advs[p.package()] = entry.advisories
    return [p for p, _ in packages], advs


def items_of_resolved(tree: Tree, r: Resolved) -> Side:
    return resolved_items(tree, r.os, r.errata, [(p.package, p.source) for p in r.packages])
