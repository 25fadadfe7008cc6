"""Step 7b's work on a package set: a profile's entries applied replace-only, name by name.

What replace-only does to a name depends only on the set's entries of that name,
the profile's entries offered for it and the set's native arches. So a set that
differs from one already done in a few names (a node's pin, a cluster's tools, the
kernel packages) is that result with just those names done again; ``explain``'s
trace is put together from the same per-name work, in the set's order of names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.resolve import cache, streams
from errata_tpl.resolve.pkgset import Event, PackageSet
from errata_tpl.values.source import Source, source


@dataclass(frozen=True)
class Applied:
    """The set after step 7b, with what each name changed and (tracing) recorded."""

    pl: PackageSet
    changes: Mapping[str, int]  # name -> entries it changed (names that changed nothing are absent)
    events: Mapping[str, tuple[Event, ...]]

    @property
    def changed(self) -> int:
        return sum(self.changes.values())


def apply(pl: PackageSet, offered: Mapping[str, tuple[Entry, ...]], tag: Source) -> Applied:
    """Every name of ``pl`` the profile offers entries for."""
    out = pl.copy()
    changes: dict[str, int] = {}
    events: dict[str, tuple[Event, ...]] = {}
    for name in pl.names():
        entries = offered.get(name)
        if entries is not None:
            _name(out, name, entries, tag, changes, events)
    out.frozen()  # the sets derived from this one freeze by splicing their few names into it
    return Applied(out, changes, events)


def again(
    done: Applied, names: frozenset[str], pl: PackageSet, offered: Mapping[str, tuple[Entry, ...]], tag: Source
) -> Applied:
    """``apply(pl)``, given ``done`` for a set that differs from ``pl`` only in ``names``."""
    out = done.pl.copy()
    changes = dict(done.changes)
    events = dict(done.events)
    for name in sorted(names):
        changes.pop(name, None)
        events.pop(name, None)
        out.set_entries(name, pl.entries(name))  # back to what pl holds (none: the name goes)
        entries = offered.get(name)
        if entries is not None and name in pl:
            _name(out, name, entries, tag, changes, events)
    if pl.events is not None:  # in the order apply() would have recorded them
        out.events = [*pl.events, *(e for n in pl.names() for e in events.get(n, ()))]
    return Applied(out, changes, events)


def cached(steps: cache.StepCaches, pl: PackageSet, profile: Profile, active: Mapping[str, streams.Stream]) -> Applied:
    """Step 7b through its cache: made once per set; a set that differs in a few names
    from one done already (or from the set it descends from, done first) is that one's
    result redone in them (``again``)."""
    pid, sid = cache.profile_id(profile), streams.key(active)
    offered = steps.offered.get((pid, sid), lambda: streams.offered(profile, active))
    tag = source("errata", profile.profile)
    key: cache.ErrataKey = (pl, pid, sid)
    hit = steps.errata.peek(key)
    if hit is None:
        near = list(pl.lineage(limit=max(16, pl.name_count() // 8)))[1:]
        found = ((steps.errata.peek((s, pid, sid)), names) for s, names in near)
        done = next(((d, names) for d, names in found if d is not None), None)
        if done is None and near:
            furthest, names = near[-1]
            done = (cached(steps, furthest, profile, active), names)
        hit = apply(pl, offered, tag) if done is None else again(*done, pl, offered, tag)
        steps.errata.put(key, hit)
    # check mode: every result (a hit, or one redone from a near set) against a fresh one
    if steps.errata.check:
        steps.errata.verify(key, hit, lambda: apply(pl, streams.offered(profile, active), tag))
    return hit


def _name(
    out: PackageSet,
    name: str,
    entries: tuple[Entry, ...],
    tag: Source,
    changes: dict[str, int],
    events: dict[str, tuple[Event, ...]],
) -> None:
    mark = len(out.events) if out.events is not None else 0
    n = sum(out.ronly(e.name, e.evr, e.arch, tag) for e in entries)
    if n:
        changes[name] = n
    if out.events is not None and len(out.events) > mark:
        events[name] = tuple(out.events[mark:])
