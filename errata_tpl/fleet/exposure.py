"""Who lacks which advisory, how badly, since when: computed once for status, report and explain.

A node *lacks* an advisory when its resolved list has one of the advisory's package names
(same arch; an entry without arch counts as the OS's arch or noarch) at a version lower
than the build the newest profile of its OS has. The node's newest version of a name
decides, so an older kept kernel does not count. No I/O here: the inputs are values.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from errata_tpl.mirror.advisories import Advisory, unique
from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.resolve import streams
from errata_tpl.values import evr as evrmod
from errata_tpl.values.evr import EVR

SEVERITIES = ("Critical", "Important", "Moderate", "Low")  # worst first
UNRATED = "unrated"  # bugfix, enhancement, or a security advisory without a severity
LEVELS = (*SEVERITIES, UNRATED)
CURRENT = "current"  # a node that lacks nothing
UNKNOWN = "unknown"  # the newest profile of the node's OS records no advisories (or there is none)
WORST = (*LEVELS, CURRENT, UNKNOWN)


class PkgLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def arch(self) -> str | None: ...
    @property
    def evr(self) -> EVR | None: ...


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


@dataclass(frozen=True)
class NodeState:
    """What the report needs of one resolved node (see fleet.nodes for where it comes from)."""

    node: str
    os: str
    arch: str  # the OS's arch: an entry without arch is of this arch or noarch
    profile: str | None
    profile_from: str
    profile_date: str | None  # YYYY-MM-DD: the profile's `generated` day, else its name
    clone: str | None
    kernel: str | None
    kernel_from: str
    kept: tuple[str, ...]
    running: str | None
    packages: Sequence[PkgLike]
    changed: int = 0  # entries the node's profile changed
    streams: tuple[tuple[str, str], ...] = ()  # (module, stream) active on the node: a modular profile offers by them
    stage: str | None = None
    hotfixes: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class NodeReport:
    state: NodeState
    newest: str | None  # the newest profile of the node's OS
    exposure: Exposure
    profile_age_days: int | None
    exposure_days: int | None
    known: bool = True  # False: no advisory data to judge by

    @property
    def worst(self) -> str:
        return self.exposure.worst if self.known else UNKNOWN

    @property
    def reboot_needed(self) -> bool | None:
        s = self.state
        if s.kernel is None or s.running is None:
            return None
        return s.kernel != s.running


@dataclass(frozen=True)
class AdvisoryReport:
    info: AdvisoryInfo
    os: tuple[str, ...]
    packages: tuple[tuple[str, str, str], ...]  # (name, version, arch) in the newest profiles
    lacking: tuple[str, ...]  # node names
    have: int  # nodes that have its packages at its versions or newer


@dataclass(frozen=True)
class Fleet:
    today: dt.date
    newest: dict[str, str | None]  # os -> its newest profile
    nodes: tuple[NodeReport, ...]
    advisories: tuple[AdvisoryReport, ...]  # every advisory of the newest profiles, by id
    by_worst: dict[str, int] = field(default_factory=dict)  # WORST -> nodes

    @property
    def errors(self) -> list[NodeReport]:
        return [n for n in self.nodes if n.state.error is not None]


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
            advs = [a for a in unique(e.advisories) if not a.retracted]  # a retracted advisory fixes nothing
            if advs:
                for a in advs:
                    self.infos[a.id] = _merge(self.infos.get(a.id), _info(a))
                self.by_name.setdefault(e.name, []).append((e.arch, e.evr, tuple(a.id for a in advs)))
        # Verdicts, worked out once per run: lists differ in a few packages and share the rest.
        # A name the list has once: by that package (id, checked by identity); else by its versions.
        self._one: dict[tuple[int, str], tuple[PkgLike, _Verdict]] = {}
        self._many: dict[tuple[object, ...], _Verdict] = {}

    def exposure(self, packages: Iterable[PkgLike], arch: str) -> Exposure:
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

    def _verdict_many(self, name: str, pkgs: list[PkgLike], native: tuple[str, str]) -> _Verdict:
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


def _info(a: Advisory) -> AdvisoryInfo:
    return AdvisoryInfo(a.id, a.type, a.severity, a.issued, tuple(a.cves))


def _merge(old: AdvisoryInfo | None, new: AdvisoryInfo) -> AdvisoryInfo:
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


def compute(states: Iterable[NodeState], newest: Mapping[str, Profile | None], today: dt.date) -> Fleet:
    """The fleet's facts. Nodes that share a package list (the resolver shares them) are computed once."""
    indexes: dict[tuple[str, tuple[tuple[str, str], ...]], Newest] = {}  # per os (and streams, if modular)
    shared: dict[tuple[int, int], tuple[Sequence[PkgLike], Exposure]] = {}
    nodes = []
    for s in states:
        index = None
        profile = newest.get(s.os)
        if profile is not None and s.error is None:
            key = (s.os, s.streams if profile.modular_lists() else ())
            index = indexes.get(key)
            if index is None:
                index = indexes[key] = Newest(profile, dict(s.streams))
        if index is None:
            exp = NONE
        else:
            hit = shared.get((id(index), id(s.packages)))
            if hit is None or hit[0] is not s.packages:
                hit = shared[(id(index), id(s.packages))] = (s.packages, index.exposure(s.packages, s.arch))
            exp = hit[1]
        nodes.append(
            NodeReport(
                state=s,
                newest=profile.profile if profile is not None and s.error is None else None,
                exposure=exp,
                profile_age_days=days_between(s.profile_date, today),
                exposure_days=days_between(exp.since, today),
                known=index is not None and (index.known or bool(index.by_name)),
            )
        )
    return Fleet(
        today=today,
        newest={os_id: (p.profile if p else None) for os_id, p in sorted(newest.items())},
        nodes=tuple(nodes),
        advisories=_advisories(indexes, nodes),
        by_worst=_by_worst(nodes),
    )


def _by_worst(nodes: list[NodeReport]) -> dict[str, int]:
    out = dict.fromkeys(WORST, 0)
    for n in nodes:
        if n.state.error is None:
            out[n.worst] += 1
    return out


def _advisories(
    indexes: Mapping[tuple[str, tuple[tuple[str, str], ...]], Newest], nodes: list[NodeReport]
) -> tuple[AdvisoryReport, ...]:
    infos: dict[str, AdvisoryInfo] = {}
    oses: dict[str, set[str]] = {}
    pkgs: dict[str, set[tuple[str, str, str]]] = {}
    for (os_id, _), index in indexes.items():
        for i, info in index.infos.items():
            infos[i] = _merge(infos.get(i), info)
            oses.setdefault(i, set()).add(os_id)
        for name, entries in index.by_name.items():
            for arch, fixed, advs in entries:
                for i in advs:
                    pkgs.setdefault(i, set()).add((name, str(fixed), arch))
    groups: dict[int, tuple[Exposure, list[str]]] = {}  # nodes that share what they lack
    for n in nodes:
        hit = groups.get(id(n.exposure))
        if hit is None:
            hit = groups[id(n.exposure)] = (n.exposure, [])
        hit[1].append(n.state.node)
    lacking: dict[str, list[str]] = {i: [] for i in infos}
    applies = dict.fromkeys(infos, 0)
    for exp, names in groups.values():
        for i in exp.applies:
            if i in applies:
                applies[i] += len(names)
        for lack in exp.lacks:
            lacking[lack.advisory.id] += names
    return tuple(
        AdvisoryReport(
            info=infos[i],
            os=tuple(sorted(oses[i])),
            packages=tuple(sorted(pkgs[i])),
            lacking=tuple(sorted(lacking[i])),
            have=applies[i] - len(lacking[i]),
        )
        for i in sorted(infos)
    )


def oldest(fleet: Fleet) -> AdvisoryReport | None:
    """The security advisory lacked the longest (by issue date) somewhere in the fleet."""
    found = [a for a in fleet.advisories if a.lacking and a.info.type == "security" and a.info.issued]
    return min(found, key=lambda a: (a.info.issued or "", a.info.id), default=None)
