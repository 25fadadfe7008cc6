"""Where each profile stands: per os-id and stage, its nodes, soak, current profile
(since when, by whom), and what waits to come (``errata-tpl stages``)."""

from __future__ import annotations

import datetime as dt

from errata_tpl import clock
from errata_tpl.profile import records
from errata_tpl.profile.paths import profile_rel
from errata_tpl.promotions import record as rec
from errata_tpl.promotions.chain import History
from errata_tpl.promotions.store import load_rollout
from errata_tpl.site import stages as st
from errata_tpl.site.tree import Tree

COLUMNS = ("os", "stage", "nodes", "soak", "profile", "since", "by", "next")


def table(tree: Tree, now: dt.datetime) -> list[tuple[str, ...]]:
    rollout = tree.rollout
    stages = st.required(rollout.stages)
    history = rollout.history
    counts: dict[tuple[str, str], int] = {}
    for n in tree.node_names():
        s = stages.of_node(n)
        if s is not None:
            key = (tree.node(n).os, s.name)
            counts[key] = counts.get(key, 0) + 1
    os_ids = sorted({k[0] for k in counts} | {r.os for r in history.records})
    rows: list[tuple[str, ...]] = []
    for os_id in os_ids:
        for i, s in enumerate(stages.stages):
            cur = history.current(s.name, os_id)
            waiting = "-"
            w = history.waiting.get((s.name, os_id))
            if w is not None:
                waiting = f"{w.record.profile} waits for approvals ({len(w.approvals)} of {w.needed})"
            elif i > 0:
                prev = history.current(stages.stages[i - 1].name, os_id)
                if prev is not None and (cur is None or cur.profile != prev.profile):
                    ready = rec.later(prev.time, s.soak)
                    when = "never (past 9999-12-31)" if ready is None else f"at {ready}"
                    done = ready is not None and ready <= rec.show_time(now)
                    if s.soak and 0 <= prev.at < len(history.records) and history.records[prev.at].pinned:
                        # as promote measures it: from a pinned time, only on a pinned clock
                        done = done and clock.pinned() is not None
                        when = when if clock.pinned() is not None else "on a pinned clock only (SOURCE_DATE_EPOCH)"
                    waiting = f"{prev.profile} " + ("ready" if done else when)
            rows.append(
                (
                    os_id,
                    s.name,
                    str(counts.get((os_id, s.name), 0)),
                    st.show_duration(s.soak) if s.soak else "-",
                    cur.profile if cur else "-",
                    cur.time if cur else "-",
                    cur.by if cur else "-",
                    waiting,
                )
            )
    return rows


def verify(tree: Tree) -> list[str]:
    """What ``stages --verify`` says once the whole record has been checked (the
    loading raises the error naming a record that does not hold). Every signature is
    checked by gpg here, none taken from the cache of good ones."""
    _ = tree.rollout  # the tree's own warnings (stages without nodes) are said as always
    history = load_rollout(tree.root, tree.warn, afresh=True).history
    n = len(history.records)
    if not n:
        return [f"{rec.PROMOTIONS}: no records"]
    lines = [f"{rec.PROMOTIONS}: {n} records, the chain holds (head {history.chain.head})"]
    if history.signers:
        lines.append(f"{len(history.signers)} signed records, every signature good")
    if history.chain.unchained:
        k = history.chain.unchained
        lines.append(
            f"records [0] to [{k - 1}] were written before records were chained: accepted as the chain's start"
        )
    lines += bindings(tree, history)
    for r in history.unsigned_before_signing:
        lines.append(f"{r.label()}: not signed, written before the first signed record of stage {r.stage}: accepted")
    for r, why in unforced_past_refusals(history, st.required(tree.rollout.stages)):
        tree.warn(
            f"{rec.PROMOTIONS}: {r.label()}: says forced: false, but {why}: added by hand, or the soak was "
            "raised since (only signed records at stages with approvers keep records from being added by hand)"
        )
    for why in forced_past_approvers(history, st.required(tree.rollout.stages)):
        tree.warn(f"{rec.PROMOTIONS}: {why}")
    for w in history.waiting.values():
        signed = ", ".join(w.approvals)
        lines.append(f"{w.record.label()}: waits for approvals ({len(w.approvals)} of {w.needed}: {signed})")
    return lines


def bindings(tree: Tree, history: History) -> list[str]:
    """Each record's profile_sha256 against its profile file's bytes, read now (no cache):
    a record in force (the current promotion of a stage, or one waiting for approvals,
    and their approvals) whose file changed is an error; an older one a warning (no node
    gets the profile through it, but it no longer shows what that record brought)."""
    sums: dict[tuple[str, str], str] = {}
    force = history.in_force()
    bound = [r for r in history.records if r.profile_sha256 is not None]
    for r in sorted(bound, key=lambda r: (r.number not in force, r.number)):  # errors first
        assert r.profile_sha256 is not None
        if (r.os, r.profile) not in sums:
            sums[(r.os, r.profile)] = records.profile_sha256(tree.root, r.os, r.profile)
        found, rel = sums[(r.os, r.profile)], profile_rel(r.os, r.profile)
        verb = "approved" if r.kind == "approval" else "promoted"
        binding = rec.Binding(r.profile_sha256, r.label(), verb)
        if r.number in force:
            binding.check(rel, found)
        elif found != r.profile_sha256:
            tree.warn(binding.changed(rel, found, "no stage has it in effect through this record now"))
    lines = []
    if bound:
        lines.append(f"{len(sums)} promoted profiles hashed: each holds what the records in effect promoted")
    if history.chain.unbound:
        k = history.chain.unbound
        lines.append(
            f"records [0] to [{k - 1}] carry no profile_sha256 (written before records bound their profile's "
            "content): accepted as they are"
        )
    return lines


def forced_past_approvers(history: History, stages: st.Stages) -> list[str]:
    """The promotions --force put in effect at a stage with approvers with fewer approvals
    than it asks: any key signs those, so the audit names each and its signer."""
    out = []
    for e in history.effects:
        stage = stages.stages[stages.index(e.record.stage)]
        if not stage.approvers or len(e.approved_by) >= stage.approvals or e.record.signer is None:
            continue
        signer = e.record.signer
        listed = "an approver" if signer in stage.approvers else "not an approver of it"
        out.append(
            f"{e.record.label()}: forced into effect with {len(e.approved_by)} of the {stage.approvals} approvals "
            f"stage {stage.name} asks, signed by {signer}, {listed}"
        )
    return out


def unforced_past_refusals(history: History, stages: st.Stages) -> list[tuple[rec.Record, str]]:
    """Promotions that say forced: false though the stage's soak (as site/stages.yaml
    says now) had not passed at their time, or the profile never reached the stage
    before: what promote would have refused."""
    out = []
    for r in history.records:
        if r.kind != "promotion" or r.forced or r.stage not in {x.name for x in stages.stages}:
            continue
        i = stages.index(r.stage)
        if i == 0:
            continue
        prev, soak = stages.stages[i - 1].name, stages.stages[i].soak
        came = next(
            (
                e
                for e in reversed(history.effects)
                if e.at < r.number and (e.profile, e.record.os, e.record.stage) == (r.profile, r.os, prev)
            ),
            None,
        )
        if came is None:
            out.append((r, f"{r.profile} had never been promoted to {prev} before it"))
            continue
        held = int((r.when() - rec.parse_time(came.time)).total_seconds())
        if held < soak:
            was = f"{st.show_duration(max(held, 0))} of the {st.show_duration(soak)} soak {r.stage} asks"
            out.append((r, f"{r.profile} had been at {prev} for {was}"))
    return out
