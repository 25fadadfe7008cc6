"""The fleet's facts: every node's report (what its list lacks, what it really has), every
advisory's (who lacks it), computed once for status, report and explain. No I/O here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from errata_tpl.fleet.exposure import (
    NONE,
    UNKNOWN,
    WORST,
    AdvisoryInfo,
    Exposure,
    Newest,
    days_between,
    merge_info,
)
from errata_tpl.fleet.observed import UNKNOWN as UNKNOWN_STATE
from errata_tpl.fleet.observed import Listed, Observed
from errata_tpl.fleet.observing import Item, Observing, Result
from errata_tpl.profile.profile import Profile
from errata_tpl.values.package import PackageLike


@dataclass(frozen=True)
class NodeState:
    """What the report needs of one resolved node (see fleet.nodes for where it comes from)."""

    node: str
    os: str
    arch: str  # the OS's arch: an entry without arch is of this arch or noarch
    profile: str | None
    profile_from: str
    profile_date: str | None  # YYYY-MM-DD: the profile's --until, else its name (nodes.profile_date)
    clone: str | None
    kernel: str | None
    kernel_from: str
    kept: tuple[str, ...]
    running: str | None
    packages: Sequence[Listed]
    changed: int = 0  # entries the node's profile changed
    streams: tuple[tuple[str, str], ...] = ()  # (module, stream) active on the node: a modular profile offers by them
    stage: str | None = None
    hotfixes: tuple[str, ...] = ()
    error: str | None = None
    kernel_names: tuple[str, ...] = ()  # the OS's kernel packages: which installed builds are kernels
    manage: str = "all"  # listed: the outputs leave what the list does not name alone


@dataclass(frozen=True)
class NodeReport:
    state: NodeState
    newest: str | None  # the newest profile of the node's OS
    exposure: Exposure
    profile_age_days: int | None
    exposure_days: int | None
    known: bool = True  # False: no advisory data to judge by
    observed: Observed | None = None  # from the node's inventory, if it has one

    @property
    def worst(self) -> str:
        return self.exposure.worst if self.known else UNKNOWN

    @property
    def real(self) -> Exposure:
        """What the node lacks as it really is (its inventory), else as its list says."""
        return self.observed.applicable if self.observed is not None else self.exposure

    @property
    def real_worst(self) -> str:
        return self.real.worst if self.known else UNKNOWN

    @property
    def observed_state(self) -> str:
        """The observed state, ``unknown`` without an inventory."""
        return self.observed.state if self.observed is not None else UNKNOWN_STATE

    @property
    def reboot_needed(self) -> bool | None:
        """From the inventory where it says which kernel runs; else the selected kernel
        against the node's ``running_kernel`` setting."""
        if self.observed is not None and self.observed.reboot_needed is not None:
            return self.observed.reboot_needed
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
    observing: bool = False  # inventories were given (the report shows observed states)
    warnings: tuple[str, ...] = ()  # what reading the inventories said, in node order

    @property
    def errors(self) -> list[NodeReport]:
        return [n for n in self.nodes if n.state.error is not None]


def compute(
    states: Iterable[NodeState],
    newest: Mapping[str, Profile | None],
    today: dt.date,
    observing: Observing | None = None,
) -> Fleet:
    """The fleet's facts. Nodes that share a package list (the resolver shares them) are computed once."""
    indexes: dict[tuple[str, tuple[tuple[str, str], ...]], Newest] = {}  # per os (and streams, if modular)
    shared: dict[tuple[int, int], tuple[Sequence[PackageLike], Exposure]] = {}
    judged: list[tuple[NodeState, Profile | None, Newest | None, Exposure]] = []
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
        judged.append((s, profile, index, exp))
    seen: dict[str, Result] = {}
    if observing is not None:
        items = [
            Item(s.node, s.packages, s.arch, s.kernel_names, i, e, s.manage) for s, _, i, e in judged if s.error is None
        ]
        seen = observing.observe_all(items)
    nodes = [
        NodeReport(
            state=s,
            newest=profile.profile if profile is not None and s.error is None else None,
            exposure=exp,
            profile_age_days=days_between(s.profile_date, today),
            exposure_days=days_between(exp.since, today),
            known=index is not None and (index.known or bool(index.by_name)),
            observed=seen[s.node][0] if s.node in seen else None,
        )
        for s, profile, index, exp in judged
    ]
    return Fleet(
        today=today,
        newest={os_id: (p.profile if p else None) for os_id, p in sorted(newest.items())},
        nodes=tuple(nodes),
        advisories=_advisories(indexes, nodes),
        by_worst=_by_worst(nodes),
        observing=observing is not None,
        warnings=tuple(w for s, *_ in judged if s.node in seen for w in seen[s.node][1]),
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
            infos[i] = merge_info(infos.get(i), info)
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
