"""Who lacks which advisory, how badly, since when: computed once for status, report and explain.

A node *lacks* an advisory when its resolved list has one of the advisory's package names
(same arch; an entry without arch counts as the OS's arch or noarch) at a version lower
than the build the newest profile of its OS has. The node's newest version of a name
decides, so an older kept kernel does not count. No I/O here: the inputs are values.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.mirror.advisories import Advisory, unique
from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.resolve import streams
from errata_tpl.values import evr as evrmod
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import PackageLike

SEVERITIES = ("Critical", "Important", "Moderate", "Low")  # worst first
UNRATED = "unrated"  # bugfix, enhancement, or a security advisory without a severity
LEVELS = (*SEVERITIES, UNRATED)
CURRENT = "current"  # a node that lacks nothing
UNKNOWN = "unknown"  # the newest profile of the node's OS records no advisories (or there is none)
WORST = (*LEVELS, CURRENT, UNKNOWN)


@dataclass(frozen=True)
class AdvisoryInfo:
    id: str
    type: str
    severity: str | None
    issued: str | None
    cves: tuple[str, ...]

    @property
    def level(self) -> str:
        return self.severity if self.severity in SEVERITIES else UNRATED


@dataclass(frozen=True)
class Fix:
    """One package of an advisory, as the node has it and as the advisory ships it."""

    name: str
    arch: str
    installed: str
    fixed: str


@dataclass(frozen=True)
class Lack:
    advisory: AdvisoryInfo
    packages: tuple[Fix, ...]


@dataclass(frozen=True)
class Exposure:
    """What one package list lacks; nodes that share a list share this."""

    lacks: tuple[Lack, ...]  # by advisory id
    applies: frozenset[str]  # advisories some package of which the list has, lacking or not

    @functools.cached_property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(LEVELS, 0)
        for lack in self.lacks:
            out[lack.advisory.level] += 1
        return out

    @functools.cached_property
    def worst(self) -> str:
        levels = {lack.advisory.level for lack in self.lacks}
        return next((lv for lv in LEVELS if lv in levels), CURRENT)

    @functools.cached_property
    def cves(self) -> list[str]:
        return sorted({c for lack in self.lacks for c in lack.advisory.cves})

    @functools.cached_property
    def since(self) -> str | None:
        """The issue date of the oldest security advisory lacked: exposed since then."""
        dates = [lack.advisory.issued for lack in self.lacks if lack.advisory.type == "security"]
        return min((d for d in dates if d), default=None)


_Verdict = tuple[tuple[tuple[str, "Fix"], ...], tuple[str, ...]]


class Newest:
    """The newest profile of one OS, indexed by package name: the entries that ship advisories."""

    def __init__(self, profile: Profile, active: Mapping[str, str] | None = None) -> None:
        self.profile = profile.profile
        self.known = profile.extra.get("advisories") is not None
        offered: Iterable[Entry] = profile.packages
        if profile.modular_lists():  # only what the node's module streams are offered
            chosen = {m: streams.Stream(s, "node") for m, s in (active or {}).items()}
            offered = [e for es in streams.offered(profile, chosen).values() for e in es]
        self.by_name: dict[str, list[tuple[str, EVR, tuple[str, ...]]]] = {}  # name -> (arch, build, advisory ids)
        self.infos: dict[str, AdvisoryInfo] = {}
        for e in (*offered, *profile.kernels):
            # the entry's build, and its earlier builds: below one, a node lacks its advisories too
            for evr, shipped in ((e.evr, e.advisories), *((x.evr, x.advisories) for x in e.earlier)):
                advs = [a for a in unique(shipped) if not a.retracted]  # a retracted advisory fixes nothing
                if advs:
                    for a in advs:
                        self.infos[a.id] = merge_info(self.infos.get(a.id), _info(a))
                    self.by_name.setdefault(e.name, []).append((e.arch, evr, tuple(a.id for a in advs)))
        # Verdicts, worked out once per run: lists differ in a few packages and share the rest.
        # A name the list has once: by that package (id, checked by identity); else by its versions.
        self._one: dict[tuple[int, str], tuple[PackageLike, _Verdict]] = {}
        self._many: dict[tuple[object, ...], _Verdict] = {}

    @functools.cached_property
    def evrs(self) -> dict[str, EVR]:
        """name -> a build of it (for its epoch: an inventory without epochs borrows it)."""
        return {name: builds[0][1] for name, builds in self.by_name.items()}

    def exposure(self, packages: Iterable[PackageLike], arch: str) -> Exposure:
        by_name = self.by_name
        mine: dict[str, Any] = {}  # name -> its one package, or a list of them
        for p in packages:
            name = p.name
            if name in by_name and p.evr is not None:
                cur = mine.get(name)
                if cur is None:
                    mine[name] = p
                elif type(cur) is list:
                    cur.append(p)
                else:
                    mine[name] = [cur, p]
        lacking: dict[str, list[Fix]] = {}
        applies: set[str] = set()
        one, native = self._one, (arch, "noarch")
        for name, p in mine.items():
            if type(p) is list:
                verdict = self._verdict_many(name, p, native)
            else:
                hit = one.get((id(p), arch))
                if hit is None or hit[0] is not p:
                    hit = one[(id(p), arch)] = (p, self._judge(name, {p.arch: p.evr}, native))
                verdict = hit[1]
            for adv, fix in verdict[0]:
                if adv in lacking:
                    lacking[adv].append(fix)
                else:
                    lacking[adv] = [fix]
            if verdict[1]:
                applies.update(verdict[1])
        lacks = tuple(Lack(self.infos[i], tuple(lacking[i])) for i in sorted(lacking))
        return Exposure(lacks, frozenset(applies))

    def _verdict_many(self, name: str, pkgs: list[PackageLike], native: tuple[str, str]) -> _Verdict:
        """A name the list has in several versions or arches (kernels, multilib): the newest per arch counts."""
        tops: dict[str | None, EVR] = {}
        for p in pkgs:
            cur = tops.get(p.arch)
            if p.evr is not None and (cur is None or evrmod.compare(p.evr, cur) > 0):
                tops[p.arch] = p.evr
        key = (name, native, *sorted(tops.items(), key=lambda kv: kv[0] or ""))
        verdict = self._many.get(key)
        if verdict is None:
            verdict = self._many[key] = self._judge(name, tops, native)
        return verdict

    def _judge(self, name: str, mine: Mapping[str | None, EVR | None], native: tuple[str, str]) -> _Verdict:
        """(advisory id, Fix) for what this name lacks, and the advisories that apply to it."""
        lacked: list[tuple[str, Fix]] = []
        applies: list[str] = []
        for arch, fixed, advs in self.by_name[name]:
            have = [v for a, v in mine.items() if v is not None and (a == arch or (a is None and arch in native))]
            if not have:
                continue
            top = have[0]
            for v in have[1:]:
                if evrmod.compare(v, top) > 0:
                    top = v
            applies += advs
            if evrmod.compare(top, fixed) < 0:
                fix = Fix(name, arch, str(top), str(fixed))
                lacked += [(a, fix) for a in advs]
        return tuple(lacked), tuple(applies)


NONE = Exposure((), frozenset())


def replaced(base: Exposure, names: frozenset[str], part: Exposure) -> Exposure:
    """``base`` with ``part``'s verdicts on ``names`` instead of its own: what a package set
    lacks when it differs from one already judged only in those names. (``applies`` is
    ``base``'s: the advisory table counts lists, not inventories.)"""
    lacking: dict[str, tuple[AdvisoryInfo, list[Fix]]] = {}
    for lack in base.lacks:
        kept = [f for f in lack.packages if f.name not in names]
        if kept:
            lacking[lack.advisory.id] = (lack.advisory, kept)
    for lack in part.lacks:
        hit = lacking.setdefault(lack.advisory.id, (lack.advisory, []))
        hit[1].extend(lack.packages)
    return Exposure(tuple(Lack(a, tuple(f)) for i, (a, f) in sorted(lacking.items())), base.applies)


def _info(a: Advisory) -> AdvisoryInfo:
    return AdvisoryInfo(a.id, a.type, a.severity, a.issued, tuple(a.cves))


def merge_info(old: AdvisoryInfo | None, new: AdvisoryInfo) -> AdvisoryInfo:
    """One advisory seen on several entries: their CVE lists add up (a profile keeps CVEs per entry)."""
    if old is None or set(new.cves) <= set(old.cves):
        return old or new
    return AdvisoryInfo(old.id, old.type, old.severity, old.issued, tuple(sorted({*old.cves, *new.cves})))


def days_between(day: str | None, today: dt.date) -> int | None:
    if not day:
        return None
    try:
        return (today - dt.date.fromisoformat(day[:10])).days
    except ValueError:
        return None
