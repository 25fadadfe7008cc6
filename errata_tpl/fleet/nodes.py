"""The report's one window on the resolver and the tree: every node as a NodeState.

Everything the fleet view reads of a resolved node is read here, so that a change
of the resolver's result (or of the tree's) is one change in this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from errata_tpl import clock
from errata_tpl.errors import UserError
from errata_tpl.fleet.exposure import Fleet, NodeState, compute
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve.resolver import Resolved, Resolver
from errata_tpl.site.tree import Tree


def today(option: dt.date | None = None) -> dt.date:
    """The report's "now": the option, else SOURCE_DATE_EPOCH (reproducible outputs), else today (UTC)."""
    if option is not None:
        return option
    return clock.now().date()


def profile_date(p: Profile | None) -> str | None:
    """The day a profile was made: its `generated` stamp, else its name (YYYYMMDD)."""
    if p is None:
        return None
    if p.generated[:4].isdigit() and len(p.generated) >= 10:
        return p.generated[:10]
    name = p.profile
    return f"{name[:4]}-{name[4:6]}-{name[6:8]}" if len(name) == 8 and name.isdigit() else None


def newest_profile(tree: Tree, os_id: str) -> Profile | None:
    found = tree.profiles(os_id)
    return tree.profile(os_id, found[-1]) if found else None


def state(tree: Tree, r: Resolved) -> NodeState:
    running = tree.node(r.node).running_kernel
    profile = tree.profile(r.os, r.errata) if r.errata else None
    return NodeState(
        node=r.node,
        os=r.os,
        arch=tree.os(r.os).arch,
        profile=r.errata,
        profile_from=r.errata_from,
        profile_date=profile_date(profile),
        clone=r.clone,
        kernel=r.kernel.version,
        kernel_from=r.kernel.source,
        kept=tuple(r.kernel.kept),
        running=None if running is None else str(running),
        packages=r.packages,
        changed=r.changed_by_errata,
        streams=tuple(sorted((m, st.stream) for m, st in r.active_streams.items())),
        # issue 14 (stages, hotfixes) adds these to the resolved result; absent until then
        stage=_opt_str(getattr(r, "stage", None)),
        hotfixes=tuple(str(h) for h in (getattr(r, "hotfixes", None) or ())),
    )


def failed(tree: Tree, node: str, error: UserError) -> NodeState:
    try:
        os_id = tree.node(node).os or "-"
    except UserError:
        os_id = "-"
    return NodeState(node, os_id, "", None, "error", None, None, None, "none", (), None, (), error=str(error))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def states(tree: Tree, nodes: list[str], resolver: Resolver | None = None) -> Iterator[NodeState]:
    """Every node resolved; a node that fails is a state with its error (the caller decides the exit code)."""
    resolver = resolver or Resolver(tree)
    for n in nodes:
        try:
            r = resolver.resolve(n)
        except UserError as e:
            yield failed(tree, n, e)
            continue
        yield state(tree, r)


def fleet(tree: Tree, nodes: list[str], now: dt.date, resolver: Resolver | None = None) -> Fleet:
    all_states = list(states(tree, nodes, resolver))
    oses = sorted({s.os for s in all_states if s.error is None})
    return compute(all_states, {o: newest_profile(tree, o) for o in oses}, now)


def of_site(tree: Tree, warn: Callable[[str], None], now: dt.date | None = None) -> Fleet:
    """Every node of the tree, resolved, as status and report show them; the tree's and the
    resolver's warnings through ``warn``, once each, after the work."""
    found = tree.node_names()
    if not found:  # a wrong root or an empty site: never a report of an all-clear fleet
        raise UserError("site/nodes: no node files (*.yaml): no node to report on")
    resolver = Resolver(tree)
    f = fleet(tree, found, today(now), resolver)
    for w in tree.warnings + resolver.warnings:
        warn(w)
    return f
