"""Hotfix overlays in the resolver: chosen by the ``hotfixes`` setting (the lists of
site, cluster and node add up), applied right after the dated profile (step 7c)
and before the fix hook, replace-only, never lowering a version.

Where the node already has the same or a newer build (from its dated profile, or
a pin), the entry does nothing and says by what it is superseded. Module streams
are kept as in a profile: a build of a module stream applies only where that
stream is active, and a build of a name an active stream ships (dnf hides it)
does not apply; each says why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.profile import hotfix as hf
from errata_tpl.profile.profile import Entry
from errata_tpl.resolve import streams
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.values import evr as evrmod
from errata_tpl.values import package as notation
from errata_tpl.values.source import source

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
    not_offered: tuple[tuple[str, str], ...] = ()  # (its NEVRA, why dnf would not offer it: module streams)

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
        parts += [f"{p} not applied: {why}" for p, why in self.not_offered]
        return f"{self.name}: {'; '.join(parts) or 'nothing the node lists'}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "applied": list(self.applied),
            "superseded": [{"package": p, "by": by} for p, by in self.superseded],
        } | ({"not_offered": [{"package": p, "why": why} for p, why in self.not_offered]} if self.not_offered else {})


def apply(pset: PackageSet, hotfix: hf.Hotfix, offered: Offered | None = None) -> Outcome:
    """Each entry replace-only, as a profile's; same-or-newer already there: superseded.
    ``offered`` (the node's module streams) says which entries dnf would offer it."""
    tag = source("hotfix", hotfix.name)
    applied: list[str] = []
    superseded: list[tuple[str, str]] = []
    not_offered: list[tuple[str, str]] = []
    for e in (*hotfix.entries(), *hotfix.modular_entries()):
        nevra = notation.nevra(e)
        why = offered(e) if offered is not None else _stream_of(e)
        if why is not None:
            not_offered.append((nevra, why))
            pset.note(e.name, tag, functools.partial(str, f"{tag}: {nevra} not applied: {why}"))
            continue
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
    return Outcome(hotfix.name, tuple(applied), tuple(superseded), tuple(not_offered))


# Why dnf would not offer a node an entry (its module streams), or None: it may apply.
Offered = Callable[[Entry], "str | None"]


def _stream_of(e: Entry) -> str | None:
    """Without the node's streams: a build of a module stream is never applied."""
    return None if e.module is None else f"a build of module stream {e.module}, which is not active here"


def offered_with(active: Mapping[str, streams.Stream], shipped: Mapping[str, str]) -> Offered:
    """What a node with these active streams is offered: a modular entry only of an
    active stream; a non-modular entry only of a name no active stream ships
    (``shipped``: name -> the stream NAME:STREAM that ships it)."""
    ids = {f"{m}:{s.stream}" for m, s in active.items()}

    def why(e: Entry) -> str | None:
        if e.module is not None:
            return None if e.module in ids else _stream_of(e)
        by = shipped.get(e.name)
        return None if by is None else f"module stream {by} is active and ships {e.name}; dnf hides other builds of it"

    return why


def applied(pset: PackageSet, hotfix: hf.Hotfix, offered: Offered | None = None) -> tuple[PackageSet, Outcome]:
    """``apply`` on a copy: the resolver's steps never change the set they are given."""
    out = pset.copy()
    return out, apply(out, hotfix, offered)
