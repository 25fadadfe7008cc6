"""The report's one window on the resolver and the tree: every node as a NodeState.

Everything the fleet view reads of a resolved node is read here, so that a change
of the resolver's result (or of the tree's) is one change in this file.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from errata_tpl import clock, parallel
from errata_tpl.errors import UserError
from errata_tpl.fleet.facts import Fleet, NodeState, compute
from errata_tpl.fleet.observing import Observing
from errata_tpl.inventory.load import load as load_inventories
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve.model import Resolved
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.site.tree import Tree


def today(option: dt.date | None = None) -> dt.date:
    """The report's "now": the option, else SOURCE_DATE_EPOCH (reproducible outputs), else today (UTC)."""
    if option is not None:
        return option
    return clock.now().date()


def instant(option: dt.date | None = None) -> dt.datetime:
    """The instant inventories' ages are counted to: the end of the option's day, else
    the run's clock (SOURCE_DATE_EPOCH pins it)."""
    if option is not None:
        return dt.datetime.combine(option + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return clock.now()


def profile_date(p: Profile | None) -> str | None:
    """The day a profile's errata stop at: its selection's `until` (generate --until), else
    the day its name says (YYYYMMDD), else its `generated` stamp. Not the stamp first: a
    profile made today of the mirror as it was a month ago is a month old."""
    if p is None:
        return None
    until = (p.extra.get("selection") or {}).get("until")
    if isinstance(until, str) and len(until) == 10:
        return until
    name = p.profile
    if len(name) == 8 and name.isdigit():
        return f"{name[:4]}-{name[4:6]}-{name[6:8]}"
    return p.generated[:10] if p.generated[:4].isdigit() and len(p.generated) >= 10 else None


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
        kernel_names=tree.os(r.os).kernel.packages,
        manage=r.manage,
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


def fleet(
    tree: Tree,
    nodes: list[str],
    now: dt.date,
    resolver: Resolver | None = None,
    observing: Observing | None = None,
) -> Fleet:
    all_states = list(states(tree, nodes, resolver))
    oses = sorted({s.os for s in all_states if s.error is None})
    return compute(all_states, {o: newest_profile(tree, o) for o in oses}, now, observing)


def inventories_dir(tree: Tree, option: Path | None) -> tuple[Path, str] | None:
    """Where the inventories are (the option, else site.yaml's ``installed``, relative to
    the root), and how messages name it."""
    if option is not None:
        return option, str(option)
    rel = tree.site.installed
    if rel is None:
        return None
    path = tree.root / rel
    if not path.is_dir():
        raise UserError(f"site/site.yaml: key 'installed': {rel}: no such directory")
    return path, rel.rstrip("/")


def observing(
    tree: Tree,
    nodes: list[str],
    installed: Path | None,
    warn: Callable[[str], None],
    day: dt.date | None = None,
    max_age: dt.timedelta = dt.timedelta(days=7),
) -> Observing | None:
    """The inventories of ``nodes`` (the option's directory, else site.yaml's), None without any."""
    found = inventories_dir(tree, installed)
    if found is None:
        return None
    invs, reader = load_inventories(found[0], tree.node_names(), warn, found[1], only=frozenset(nodes))
    runner = functools.partial(parallel.map_shares, workers=parallel.cores()) if len(nodes) > 1 else None
    return Observing(invs, reader.complete, instant(day), today(day), max_age, runner)


def of_site(
    tree: Tree,
    warn: Callable[[str], None],
    day: dt.date | None = None,
    installed: Path | None = None,
    max_age: dt.timedelta = dt.timedelta(days=7),
) -> Fleet:
    """Every node of the tree, resolved, as status and report show them (observed from
    their inventories, when there are some); the tree's and the resolver's warnings
    through ``warn``, once each, after the work."""
    names = tree.node_names()
    if not names:  # a wrong root or an empty site: never a report of an all-clear fleet
        raise UserError("site/nodes: no node files (*.yaml): no node to report on")
    resolver = Resolver(tree)
    f = fleet(tree, names, today(day), resolver, observing(tree, names, installed, warn, day, max_age))
    for w in (*f.warnings, *tree.warnings, *resolver.warnings, *resolver.hook_use.idle()):
        warn(w)
    return f
