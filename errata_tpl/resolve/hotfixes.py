"""Hotfix overlays in the resolver: chosen by the ``hotfixes`` setting (the lists of
site, cluster and node add up), applied right after the dated profile (step 6)
and before the fix hook, replace-only, never lowering a version.

Where the node already has the same or a newer build (from its dated profile, or
a pin), the entry does nothing and says by what it is superseded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from errata_tpl.profile import hotfix as hf
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.values import evr as evrmod
from errata_tpl.values import package as notation

KEY = "hotfixes"


def chosen(layers: Iterable[tuple[str, Iterable[str]]]) -> tuple[tuple[str, str], ...]:
    """(name, where) of every hotfix the layers ((file, its list), site < cluster < node)
    name, in order, each once: the lists of all layers add up."""
    out: dict[str, str] = {}
    for where, items in layers:
        for name in items:
            out.setdefault(name, where)
    return tuple(out.items())


@dataclass(frozen=True)
class Outcome:
    """What one hotfix did on one node."""

    name: str
    applied: tuple[str, ...] = ()  # NEVRAs it set
    superseded: tuple[tuple[str, str], ...] = ()  # (its NEVRA, the source of the same-or-newer build)

    def __str__(self) -> str:
        """NAME; NAME(superseded) where the node had all it ships at the same or newer
        versions; NAME(N superseded) for part of it (status and report show this)."""
        if self.superseded and not self.applied:
            return f"{self.name}(superseded)"
        if self.superseded:
            return f"{self.name}({len(self.superseded)} superseded)"
        return self.name

    def describe(self) -> str:
        """One line for explain and status."""
        parts = [f"applied {', '.join(self.applied)}"] if self.applied else []
        parts += [f"{p} superseded by {by}" for p, by in self.superseded]
        return f"{self.name}: {'; '.join(parts) or 'nothing the node lists'}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "applied": list(self.applied),
            "superseded": [{"package": p, "by": by} for p, by in self.superseded],
        }


def apply(pset: PackageSet, hotfix: hf.Hotfix) -> Outcome:
    """Each entry replace-only, as a profile's; same-or-newer already there: superseded."""
    tag = f"hotfix:{hotfix.name}"
    applied: list[str] = []
    superseded: list[tuple[str, str]] = []
    for e in hotfix.entries():
        nevra = notation.nevra(e)
        have = [o for o in pset.get(e.name) if o.arch == e.arch or (o.arch is None and e.arch in pset.native_arches)]
        stays = [o for o in have if o.evr is not None and evrmod.compare(o.evr, e.evr) >= 0]
        if stays:
            by = stays[0].source
            superseded.append((nevra, by))
            text = f"{tag}: {nevra} superseded by {by} ({notation.nevra(stays[0])})"
            pset.note(e.name, tag, functools.partial(str, text))
            continue
        if pset.ronly(e.name, e.evr, e.arch, tag):
            applied.append(nevra)
    return Outcome(hotfix.name, tuple(applied), tuple(superseded))


def applied(pset: PackageSet, hotfix: hf.Hotfix) -> tuple[PackageSet, Outcome]:
    """``apply`` on a copy: the resolver's steps never change the set they are given."""
    out = pset.copy()
    return out, apply(out, hotfix)
