"""``errata-tpl promote``: a dated profile to a stage, soaked and checked first, then
one record appended to ``site/promotions.yaml``."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from errata_tpl.checks import diff as diffmod
from errata_tpl.checks.check import Repositories, solve
from errata_tpl.commands import _click
from errata_tpl.commands.diff import resolved_to_items
from errata_tpl.commands.stages import defined_stages
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, yamlio
from errata_tpl.mirror.advisories import cves
from errata_tpl.report import Reporter
from errata_tpl.site import stages as st
from errata_tpl.values import names

if TYPE_CHECKING:  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve.resolver import Resolved
    from errata_tpl.site.tree import Tree


@click.command("promote")
@click.argument("profile")
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
@click.option("--stage", required=True, help="The stage of site/stages.yaml to promote the profile to.")
@click.option("--by", help="Who promotes (recorded). Default: the login name.")
@click.option("--note", help="A note for the record.")
@click.option(
    "--force", is_flag=True, help="Promote despite the soak time, check problems or a missing check (recorded)."
)
@_click.repos("A repository to check the stage's nodes against; repeatable. Default: repos: in site/stages.yaml.")
@_click.verbosity
@click.pass_obj
def command(
    obj: _click.Context,
    profile: str,
    os_id: str,
    stage: str,
    by: str | None,
    note: str | None,
    force: bool,
    repos: tuple[Path, ...],
) -> None:
    """Promote PROFILE of OS to STAGE: soak and check first, then a record in site/promotions.yaml."""
    req = PromoteRequest(profile, os_id, stage, by, note, force, repos)
    rec = promote(obj.root, req, obj.rep, _click.now_utc())
    for reason in rec.forced:
        obj.rep.warn(f"forced: {reason}")
    s = rec.summary
    _click.echo(
        f"{rec.profile} -> {rec.stage} ({rec.os}) at {rec.time} by {rec.by}: {len(s['nodes'])} nodes, "
        f"{s['packages_changed']} packages changed, {len(s['cves_fixed'])} CVEs fixed, check {s['check']}",
        one_line=True,
    )


class PromoteRequest(NamedTuple):
    profile: str
    os_id: str
    stage: str
    by: str | None = None
    note: str | None = None
    force: bool = False
    repos: tuple[Path, ...] = ()


def stage_nodes(tree: Tree, stages: st.Stages, stage: str, os_id: str) -> list[str]:
    """The nodes of that os whose first matching stage is ``stage``."""
    out = []
    for n in tree.node_names():
        s = stages.of_node(n)
        if s is not None and s.name == stage and tree.node(n).os == os_id:
            out.append(n)
    return out


def _summary(tree: Tree, before: Sequence[Resolved], after: Sequence[Resolved]) -> dict[str, object]:
    changed: set[tuple[str, str | None]] = set()
    fixed: set[str] = set()
    for a, b in zip(before, after):
        (ia, aa), (ib, ab) = resolved_to_items(tree, a), resolved_to_items(tree, b)
        for c in diffmod.compare(a.node, ia, b.node, ib, {**aa, **ab}).changes:
            changed.add((c.name, c.arch))
            if c.kind in ("upgraded", "added"):
                fixed.update(cves(c.advisories))
    return {"packages_changed": len(changed), "cves_fixed": sorted(fixed)}


def _check(tree: Tree, results: Sequence[Resolved], repo_dirs: Sequence[Path], rep: Reporter) -> list[str]:
    """libsolv over every node's list as the promotion makes it: one line per problem."""
    repos = Repositories(repo_dirs)
    lines: list[str] = []
    solved: dict[tuple[Any, ...], list[str]] = {}
    for r in results:
        key = (id(r.packages), tuple(r.modules.items()))
        if key not in solved:
            osc = tree.os(r.os)
            solved[key] = [
                p.text for p in solve(repos, osc.arch, r.packages, r.modules, installonly=osc.installonly).problems
            ]
        for text in solved[key]:
            rep.warn(f"check: {r.node}: {text}")
            lines.append(f"{r.node}: {text}")
    return lines


def promote(root: Path, req: PromoteRequest, rep: Reporter, now: dt.datetime) -> st.Promotion:
    """Refuse (UserError, nothing written) or append one record and return it."""
    from errata_tpl.resolve.resolver import Resolver  # jinja2 comes with these: see commands/__init__
    from errata_tpl.site.tree import Tree

    tree = Tree(root)
    os_id, profile = names.os_id(req.os_id), names.profile(req.profile)
    if tree.profile(os_id, profile) is None:
        raise UserError(f"no profile {profile} for {os_id} ({tree.profile_rel(os_id, profile)})")
    stages = defined_stages(root)
    i = stages.index(req.stage)
    stage = stages.stages[i]
    records = tree.rollout.promotions
    refusals: list[str] = []
    current = records.current(stage.name, os_id)
    if current is not None and current.profile == profile:
        refusals.append(f"{profile} is already the current profile of {stage.name} for {os_id} (since {current.time})")
    if i > 0:
        prev = stages.stages[i - 1]
        came = records.latest(profile, os_id, prev.name)
        if came is None:
            refusals.append(f"{profile} has never been promoted to {prev.name}, the stage before {stage.name}")
        elif now - came.when() < dt.timedelta(seconds=stage.soak):
            ready = st.show_time(came.when() + dt.timedelta(seconds=stage.soak))
            held = st.show_duration(int((now - came.when()).total_seconds()))
            refusals.append(
                f"{profile} has been at {prev.name} for {held} of the {st.show_duration(stage.soak)} soak "
                f"{stage.name} asks (since {came.time}; ready at {ready})"
            )

    nodes = stage_nodes(tree, stages, stage.name, os_id)
    now_resolver = Resolver(tree)
    before = [now_resolver.resolve(n) for n in nodes]
    # the promotion's effect: the nodes the stage decides get the profile
    # the promotion's effect: resolved as if its record were there (the stage decides only
    # where the deploy flag, the node file and the override file do not)
    by = req.by or getpass.getuser()
    pending = st.Promotion(profile, os_id, stage.name, st.show_time(now), by, req.note)
    after_resolver = Resolver(tree, rollout=tree.rollout.with_record(pending))
    after = [after_resolver.resolve(n) for n in nodes]
    summary: dict[str, object] = {"nodes": nodes, **_summary(tree, before, after)}

    repo_dirs = list(req.repos) or [root / d for d in stages.repos.get(os_id, ())]
    if not nodes:
        summary["check"] = "no nodes"
    elif not repo_dirs:
        summary["check"] = "skipped"
        refusals.append(
            f"no repositories to check against: give --repo DIR or repos: {{{os_id}: [...]}} in {st.STAGES}"
        )
    else:
        problems = _check(tree, after, repo_dirs, rep)
        summary["check"] = f"{len(problems)} problems" if problems else "ok"
        if problems:
            refusals.append(f"check: {len(problems)} problems on the stage's nodes (shown above)")

    if refusals and not req.force:
        raise UserError(f"{st.STAGES}: key '{stage.name}': refused: {'; '.join(refusals)} (--force overrides)")
    record = st.Promotion(
        profile=profile,
        os=os_id,
        stage=stage.name,
        time=st.show_time(now),
        by=by,
        note=req.note,
        forced=tuple(refusals),
        summary=summary,
    )
    append(root, record)
    return record


def append(root: Path, record: st.Promotion) -> None:
    """Append one record: the file's text as it was, plus the record, written whole
    and atomically under a lock (two promotions never lose one another)."""
    path = root / st.PROMOTIONS
    atomic.make_parent(path)
    with atomic.locked_dir(path.parent, "the promotion record"):  # a lock on site/: no lock file
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        st.promotions_from_data(yamlio.load_text(old, st.PROMOTIONS) if old.strip() else None)  # still a record
        if not old.strip():
            old = st.HEADER
        elif not old.endswith("\n"):
            old += "\n"
        yamlio.write_record(path, old + st.record_text(record), lambda data, _: st.promotions_from_data(data))
