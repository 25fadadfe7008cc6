"""Promote a dated profile to a stage: decide (soak, check, the stage's nodes), then
add one record to site/promotions.yaml, all under the record's lock.

The refusals are decided on the record as read under the lock, so two promotions at
once never both pass one. Records are in time order; a record's time is the real
clock's, or SOURCE_DATE_EPOCH's (never ahead of the real clock; the record says
``clock: pinned``), and a soak is measured on one clock.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from errata_tpl.checks.check import solve_lists
from errata_tpl.errors import UserError
from errata_tpl.messages import Reporter
from errata_tpl.profile.profile import Profile
from errata_tpl.promotions import record as rec
from errata_tpl.promotions import store
from errata_tpl.promotions.chain import Effect, History
from errata_tpl.promotions.effect import StageEffect, as_it_is, effect, stage_nodes, text
from errata_tpl.resolve.model import Resolved
from errata_tpl.site import stages as st
from errata_tpl.site.tree import Tree
from errata_tpl.values import names

if TYPE_CHECKING:  # python-gnupg comes with it
    from errata_tpl.promotions.signing import Signer


class Request(NamedTuple):
    profile: str
    os_id: str
    stage: str
    by: str | None = None
    note: str | None = None
    force: bool = False
    repos: tuple[Path, ...] = ()
    sign: str | None = None  # a key of the user's GnuPG home
    keyring: Path | None = None  # a public keyring holding it, instead of the home's


class Plan(NamedTuple):
    """What the promotion would do and what refuses it."""

    profile: str
    os: str
    stage: st.Stage
    time: str
    by: str
    replaces: Effect | None  # the stage's current promotion for the os-id
    rollback: bool  # an older profile than the current one
    effect: StageEffect
    check: str  # ok, N problems, skipped, no nodes
    refusals: tuple[str, ...]
    problems: tuple[str, ...]  # check's: "node: libsolv's words"
    signer: str | None = None  # the signing key's fingerprint
    waits: tuple[int, int] | None = None  # (approvals given, needed) when it waits for approvals
    approved_by: tuple[str, ...] = ()  # when it is in effect at once at a stage with approvers
    pinned: bool = False  # its time is SOURCE_DATE_EPOCH's
    profile_sha256: str = ""  # the profile file's bytes as read: what the record binds


def _check(tree: Tree, results: Sequence[Resolved], repo_dirs: Sequence[Path]) -> list[str]:
    """libsolv over every node's list as the promotion makes it: one line per problem."""
    return [f"{node}: {p.text}" for node, o in solve_lists(tree, results, repo_dirs).items() for p in o.problems]


def _soak(history: History, stages: st.Stages, i: int, profile: str, os_id: str, now: str, pinned: bool) -> list[str]:
    """The soak refusal, if any, at ``now`` (``pinned``: SOURCE_DATE_EPOCH's time). A soak is
    measured on one clock: from a record whose time was pinned, only a pinned clock counts
    (a backdated record measured on the real clock would make any soak pass)."""
    if i == 0:
        return []
    stage, prev = stages.stages[i], stages.stages[i - 1]
    came = history.latest(profile, os_id, prev.name)
    if came is None:
        return [f"{profile} has never been promoted to {prev.name}, the stage before {stage.name}"]
    if 0 <= came.at < len(history.records) and history.records[came.at].pinned and not pinned and stage.soak:
        return [
            f"{profile} came to {prev.name} at {came.time} on a pinned clock (SOURCE_DATE_EPOCH, "
            f"{history.records[came.at].label()}): the {st.show_duration(stage.soak)} soak {stage.name} asks "
            "is never measured from a pinned time on the real clock"
        ]
    held = rec.parse_time(now) - rec.parse_time(came.time)
    if held >= dt.timedelta(seconds=stage.soak):
        return []
    ready = rec.later(came.time, stage.soak) or "never (past 9999-12-31)"
    return [
        f"{profile} has been at {prev.name} for {st.show_duration(max(0, int(held.total_seconds())))} "
        f"of the {st.show_duration(stage.soak)} soak {stage.name} asks (since {came.time}; ready at {ready})"
    ]


def _soaked_content(history: History, stages: st.Stages, i: int, profile: str, os_id: str, sha: str) -> list[str]:
    """The soak is of this content: the profile's latest promotion at the stage before
    bound the bytes the file holds now (a profile changed since soaked nowhere)."""
    came = history.latest(profile, os_id, stages.stages[i - 1].name) if i else None
    if came is None or came.binding is None or came.binding.sha256 == sha:
        return []
    prev = stages.stages[i - 1].name
    return [
        f"{profile} at {prev} is not the file's content: {came.binding.record} {came.binding.verb} SHA-256 "
        f"{came.binding.sha256[:8]}, the file's is {sha[:8]} (changed since): promote it to {prev} again first"
    ]


def _same(waiting: rec.Record, found: Profile) -> bool:
    """Whether a waiting promotion is of this profile as the file holds it now."""
    return waiting.profile == found.profile and waiting.profile_sha256 in (None, found.sha256)


def _approvals(
    stage: st.Stage, signer: str | None, history: History, found: Profile, force: bool
) -> tuple[list[str], tuple[int, int] | None, tuple[str, ...]]:
    """At a stage with approvers: (refusals, (given, needed) if it will wait, approved_by)."""
    profile, os_id = found.profile, found.os
    if not stage.approvers:
        return [], None, ()
    if signer is None:
        raise UserError(
            f"{st.STAGES}: key '{stage.name}': stage {stage.name} has approvers: sign the promotion "
            "(--sign KEYID), with --force too"
        )
    refusals = []
    listed = (signer,) if signer in stage.approvers else ()
    if not listed:
        refusals.append(f"{signer} is not an approver of stage {stage.name} ({st.STAGES})")
    w = history.waiting.get((stage.name, os_id))
    if w is not None and _same(w.record, found):
        refusals.append(
            f"{profile} already waits for approval at {stage.name} for {os_id} "
            f"({len(w.approvals)} of {w.needed}): approve it (errata-tpl approve)"
        )
    if len(listed) >= stage.approvals:
        return refusals, None, listed
    if force:
        refusals.append(f"in effect with {len(listed)} of the {stage.approvals} approvals {stage.name} asks")
        return refusals, None, listed
    return refusals, (len(listed), stage.approvals), ()


def plan(tree: Tree, req: Request, rep: Reporter, signer: str | None = None) -> Plan:
    """Decide on the record as it is now (read it under the lock to act on it)."""
    os_id, profile = names.os_id(req.os_id), names.profile(req.profile)
    found = tree.profile(os_id, profile)
    if found is None:
        raise UserError(f"no profile {profile} for {os_id} ({tree.profile_rel(os_id, profile)})")
    rollout = tree.rollout
    stages = st.required(rollout.stages)
    i = stages.index(req.stage)
    stage = stages.stages[i]
    history = rollout.history
    when, pinned = rec.stamp(history.records[-1] if history.records else None)
    refusals: list[str] = []
    current = history.current(stage.name, os_id)
    effects, changed = as_it_is(tree, history.effects, current, rep.warn, "this promotion replaces it")
    rollout = st.Rollout(stages, history.view(effects)) if changed else rollout
    if current is not None and current.profile == profile and not changed:
        refusals.append(f"{profile} is already the current profile of {stage.name} for {os_id} (since {current.time})")
    refusals += _soak(history, stages, i, profile, os_id, when, pinned)
    refusals += _soaked_content(history, stages, i, profile, os_id, found.sha256)
    approval_refusals, waits, approved_by = _approvals(stage, signer, history, found, req.force)
    refusals += approval_refusals
    waiting = history.waiting.get((stage.name, os_id))
    if waiting is not None and not _same(waiting.record, found):
        rep.warn(f"{waiting.record.label()} waits for approval at {stage.name}: this promotion replaces it")

    nodes = stage_nodes(tree, stages, stage.name, os_id)
    if not nodes:
        refusals.append(
            f"no {os_id} node is in stage {stage.name} (its globs: {', '.join(stage.nodes)}): "
            "a stage without nodes tests nothing"
        )
    by = req.by or getpass.getuser()
    pending = rec.Record(-1, {}, "promotion", profile, os_id, stage.name, when, by, req.note, (), False, (), None, None)
    fx = effect(tree, rollout, rollout.with_effect(Effect(pending, -1, pending.time)), nodes)
    check, problems = _checked(tree, req, stages, os_id, fx, rep, refusals)
    for w in tree.warnings:
        rep.warn(w)
    rollback = current is not None and profile < current.profile
    return Plan(
        profile,
        os_id,
        stage,
        pending.time,
        by,
        current,
        rollback,
        fx,
        check,
        tuple(refusals),
        tuple(problems),
        signer,
        waits,
        approved_by,
        pinned,
        found.sha256,
    )


def _checked(
    tree: Tree, req: Request, stages: st.Stages, os_id: str, fx: StageEffect, rep: Reporter, refusals: list[str]
) -> tuple[str, list[str]]:
    """check run on the stage's nodes with the profile (ok, N problems, skipped, no nodes)
    and its problems, said as warnings; what refuses the promotion added to ``refusals``."""
    repo_dirs = (
        list(req.repos)
        or [tree.root / d for d in stages.repos.get(os_id, ())]
        or [tree.root / d for d in tree.site.repos.get(os_id, ())]  # what check solves the OS against
    )
    if not fx.nodes:
        return "no nodes", []
    if not repo_dirs:
        refusals.append(
            f"no repositories to check against: --repo DIR, or repos: {{{os_id}: [...]}} in {st.STAGES} "
            "or site/site.yaml"
        )
        return "skipped", []
    problems = _check(tree, fx.after, repo_dirs)
    for line in problems:
        rep.warn(f"check: {line}")
    if problems:
        refusals.append(f"check: {len(problems)} problems on the stage's nodes (shown above)")
    return (f"{len(problems)} problems" if problems else "ok"), problems


def _signer(req: Request) -> Signer | None:
    if req.sign is None:
        return None
    from errata_tpl.promotions.signing import Signer  # python-gnupg: only to sign

    return Signer(req.sign, req.keyring)


def dry_run(root: Path, req: Request, rep: Reporter) -> Plan:
    """What ``promote`` would do, deciding on the record as it is; nothing written, no lock."""
    signer = _signer(req)
    return plan(Tree(root), req, rep, signer.fingerprint if signer else None)


def promote(root: Path, req: Request, rep: Reporter) -> tuple[Plan, dict[str, Any]]:
    """Refuse (UserError, nothing written) or add one record; the plan and the record."""
    signer = _signer(req)
    with store.locked(root):
        tree = Tree(root)
        p = plan(tree, req, rep, signer.fingerprint if signer else None)
        if p.refusals and not req.force:
            raise UserError(f"{st.STAGES}: key '{p.stage.name}': refused: {'; '.join(p.refusals)} (--force overrides)")
        history = tree.rollout.history
        raw = rec.new(
            "promotion",
            p.profile,
            p.os,
            p.stage.name,
            p.time,
            p.by,
            req.note,
            forced=p.refusals,
            rollback=p.rollback,
            summary={**p.effect.summary(), "check": p.check},
            approved_by=p.approved_by,
            pinned=p.pinned,
            profile_sha256=p.profile_sha256,
        )
        if history.chain.unchained and history.chain.unchained == len(history.records):
            rep.warn(
                f"{rec.PROMOTIONS}: the {len(history.records)} records before this one were written before "
                "records were chained: accepted as the chain's start"
            )
        store.add(root, history, st.required(tree.rollout.stages), raw, signer)
        return p, raw


def done_text(p: Plan, raw: dict[str, Any]) -> str:
    what = f"rollback: {p.profile} (older than {p.replaces.profile})" if p.rollback and p.replaces else p.profile
    signed = f", signed by {p.signer}" if p.signer else ""
    text = (
        f"{what} -> {p.stage.name} ({p.os}) at {p.time} by {p.by}{signed}: {len(raw['nodes'])} nodes, "
        f"{raw['packages_changed']} packages changed, {len(raw['cves_fixed'])} CVEs fixed, check {raw['check']}"
    )
    if p.waits is not None:
        text += (
            f"; waits for approvals ({p.waits[0]} of {p.waits[1]}): errata-tpl approve {p.profile} "
            f"--os {p.os} --stage {p.stage.name} --sign KEYID"
        )
    return text


def dry_run_text(p: Plan, force: bool) -> list[str]:
    """The stage's diff and the refusals, as ``promote --dry-run`` shows them."""
    fx = p.effect
    lines = [f"dry run: {p.profile} -> {p.stage.name} ({p.os}); nothing written"]
    if p.replaces is None:
        lines.append(f"replaces: nothing (no {p.os} profile at {p.stage.name} yet)")
    else:
        lines.append(f"replaces: {p.replaces.profile} (since {p.replaces.time} by {p.replaces.by})")
    if p.rollback and p.replaces is not None:
        lines.append(f"rollback: {p.profile} is older than {p.replaces.profile}, the stage's current profile")
    lines.append(f"nodes: {len(fx.nodes)}" + (f" ({', '.join(fx.nodes)})" if fx.nodes else ""))
    lines += text(fx)
    lines.append(
        f"{fx.packages_changed()} packages changed, {len(fx.cves_fixed())} CVEs fixed, "
        f"{len(fx.reboot())} nodes must reboot, check {p.check}"
    )
    lines += [f"refused: {r}" for r in p.refusals]
    if p.refusals and not force:
        lines.append("would be refused (--force overrides)")
    elif p.waits is not None:
        lines.append(f"would wait for approvals ({p.waits[0]} of {p.waits[1]})")
    else:
        lines.append("would promote (--force)" if p.refusals else "would promote")
    return lines
