"""What changes between two package lists: profiles or resolved node lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.values import evr as evrmod

KINDS = ("upgraded", "downgraded", "added", "removed")


@dataclass(frozen=True)
class Item:
    name: str
    arch: str | None
    version: str | None  # None: any version


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    arch: str | None
    old: str | None
    new: str | None
    advisories: tuple[Advisory, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "arch": self.arch, "from": self.old, "to": self.new}
        if self.advisories:
            d["advisories"] = [a.as_dict() for a in self.advisories]
            d["cves"] = cves(self.advisories)
        return d


@dataclass(frozen=True)
class Diff:
    a: str
    b: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for c in self.changes if c.kind == k) for k in KINDS}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"a": self.a, "b": self.b}
        for k in KINDS:
            out[k] = [c.as_dict() for c in self.changes if c.kind == k]
        out["summary"] = self.counts()
        return out


def _key(v: str | None) -> Any:
    return evrmod.sort_key(evrmod.parse(v)) if v is not None else evrmod.sort_key(evrmod.EVR(None, ""))


def compare(
    a_label: str,
    a: Iterable[Item],
    b_label: str,
    b: Iterable[Item],
    advisories: Mapping[tuple[str, str | None, str | None], tuple[Advisory, ...]] | None = None,
) -> Diff:
    """Per (name, arch): one version each side is an upgrade or a downgrade; other
    differences (versions of a multi package, a name on one side only) are added or removed."""
    left: dict[tuple[str, str | None], set[str | None]] = {}
    right: dict[tuple[str, str | None], set[str | None]] = {}
    for side, items in ((left, a), (right, b)):
        for i in items:
            side.setdefault((i.name, i.arch), set()).add(i.version)
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
                kind = "upgraded" if o is None else "downgraded"
            else:
                kind = "upgraded" if evrmod.compare(evrmod.parse(n), evrmod.parse(o)) > 0 else "downgraded"
            changes.append(Change(kind, name, arch, o, n, unique(adv.get((name, arch, n), ()))))
            continue
        for v in sorted(new - old, key=_key):
            changes.append(Change("added", name, arch, None, v, unique(adv.get((name, arch, v), ()))))
        for v in sorted(old - new, key=_key):
            changes.append(Change("removed", name, arch, v, None))
    return Diff(a_label, b_label, tuple(changes))


def text(d: Diff) -> str:
    lines = [f"--- {d.a}", f"+++ {d.b}"]
    for c in d.changes:
        what = c.name if c.arch is None else f"{c.name}.{c.arch}"
        versions = {
            "upgraded": f"{c.old or '(any version)'} -> {c.new or '(any version)'}",
            "downgraded": f"{c.old or '(any version)'} -> {c.new or '(any version)'}",
            "added": c.new or "(any version)",
            "removed": c.old or "(any version)",
        }[c.kind]
        line = f"{c.kind:<10}  {what}  {versions}"
        if c.advisories:
            names = ", ".join(
                f"{a.id} ({a.type}{', ' + a.severity if a.severity else ''}{', retracted' if a.retracted else ''})"
                for a in c.advisories
            )
            line += f"  [{names}]"
            found = cves(c.advisories)
            if found:
                line += f" {' '.join(found)}"
        lines.append(line)
    counts = d.counts()
    lines.append(f"{len(d.changes)} changes: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return "\n".join(lines) + "\n"
