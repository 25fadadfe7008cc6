"""What a set of builds requires that a profile's versions do not give: solved by
libsolv over the repositories' own metadata (the pool ``check`` uses).

A requirement is met when one of its providers (of a compatible arch) is a build
the node may have: the pinned build where the profile (or the new builds) pin
that name and arch, any build where nothing pins it (the base repositories
decide). Otherwise the newest provider is needed; its own requirements are
followed in turn.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.checks.check import Repositories
from errata_tpl.errors import UserError
from errata_tpl.values import evr as evrmod
from errata_tpl.values.package import Package

NameArch = tuple[str, str]


@dataclass(frozen=True)
class Need:
    name: str
    evr: str  # as the profile writes it: no "0:" epoch
    arch: str
    needed_by: tuple[str, ...]  # NEVRAs of the builds that require it


def _evr(s: Any) -> str:
    evr = str(s.evr)
    return evr[2:] if evr.startswith("0:") else evr


def _nevra(s: Any) -> str:
    return f"{s.name}-{_evr(s)}.{s.arch}"


def unmet(
    repos: Repositories,
    arch: str,
    builds: Iterable[tuple[str, str, str]],
    pins: Mapping[NameArch, str],
) -> tuple[list[Need], list[str]]:
    """The builds (name, evr, arch) ``builds`` need beyond ``pins`` ((name, arch) ->
    evr: the versions a node on the profile has), and warnings (a requirement only
    an older build than the pinned one meets: replace-only cannot give it)."""
    import solv  # libsolv's bindings: loaded when requirements are checked

    pool = repos.pool(arch)
    exact = repos.by_package(arch)
    pinned = dict(pins)
    queue = []
    for name, evr, a in builds:
        s = exact.get(Package(name, evrmod.parse(evr), a))
        if s is None:
            dirs = ", ".join(str(d) for d in repos.dirs)
            raise UserError(f"{name}-{evr}.{a}: not in the repositories' metadata ({dirs}); is repodata/ current?")
        pinned[(name, a)] = evr
        queue.append(s)
    needs: dict[NameArch, tuple[Any, set[str]]] = {}
    warnings: list[str] = []
    while queue:
        s = queue.pop(0)
        ok_arches = {s.arch, arch, "noarch"}
        for dep in s.lookup_deparray(solv.SOLVABLE_REQUIRES):
            if str(dep).startswith("rpmlib("):
                continue
            providers = [p for p in pool.whatprovides(dep) if p.arch in ok_arches]
            met = [p for p in providers if pinned.get((p.name, p.arch), _evr(p)) == _evr(p)]
            for p in met:  # met by a build needed already: one more reason for it
                if (p.name, p.arch) in needs and needs[(p.name, p.arch)][0] == p:
                    needs[(p.name, p.arch)][1].add(_nevra(s))
            if met or not providers:
                continue  # met; or nothing provides it at all (check reports that)
            best = max(providers, key=_newest)
            key = (best.name, best.arch)
            old = exact.get(Package(best.name, evrmod.parse(pinned[key]), best.arch))
            if old is not None and best.evrcmp(old) < 0:
                warnings.append(
                    f"{_nevra(s)} requires {dep}: only older builds than {best.name}-{pinned[key]}.{best.arch} "
                    "give it; a replace-only entry cannot: it needs a fix-hook action"
                )
                continue
            if key not in needs:
                needs[key] = (best, set())
                pinned[key] = _evr(best)
                queue.append(best)
            needs[key][1].add(_nevra(s))
    out = [Need(s.name, _evr(s), s.arch, tuple(sorted(by))) for s, by in needs.values()]
    return sorted(out, key=lambda n: (n.name, n.arch)), warnings


def _order(a: Any, b: Any) -> int:
    """rpm's order of versions (libsolv's evrcmp), then names: one answer for equals."""
    return int(a.evrcmp(b)) or (a.name > b.name) - (a.name < b.name)


_newest = functools.cmp_to_key(_order)
