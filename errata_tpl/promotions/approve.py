"""Approve a promotion waiting at a stage with approvers: one signed approval record;
the promotion takes effect with the one that completes the stage's ``approvals``."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.profile import records
from errata_tpl.profile.paths import profile_rel
from errata_tpl.promotions import record as rec
from errata_tpl.promotions import store
from errata_tpl.promotions.signing import Signer
from errata_tpl.site import stages as st
from errata_tpl.values import names


class Request(NamedTuple):
    profile: str
    os_id: str
    stage: str
    sign: str
    keyring: Path | None = None
    by: str | None = None
    note: str | None = None


class Outcome(NamedTuple):
    profile: str
    os: str
    stage: str
    signer: str
    approvals: tuple[str, ...]  # every listed key's approval so far, the promoter's first
    needed: int

    def text(self) -> str:
        given = f"{len(self.approvals)} of {self.needed} approvals"
        what = "in effect" if len(self.approvals) >= self.needed else f"{self.needed - len(self.approvals)} more needed"
        return f"approved: {self.profile} -> {self.stage} ({self.os}) by {self.signer}: {given}, {what}"


def approve(root: Path, req: Request, warn: Callable[[str], None] = lambda _: None) -> Outcome:
    """Add the approval record; ``warn``: what reading the record warns about."""
    os_id, profile = names.os_id(req.os_id), names.profile(req.profile)
    signer = Signer(req.sign, req.keyring)
    with store.locked(root):
        rollout = store.load_rollout(root, warn)
        stages = st.required(rollout.stages)
        stage = stages.stages[stages.index(req.stage)]
        history = rollout.history
        where = f"{st.STAGES}: key '{stage.name}'"
        if not stage.approvers:
            raise UserError(f"{where}: stage {stage.name} has no approvers: its promotions need no approval")
        waiting = history.waiting.get((stage.name, os_id))
        if waiting is None or waiting.record.profile != profile:
            also = f" ({waiting.record.profile} does)" if waiting is not None else ""
            raise UserError(f"no promotion of {profile} waits for approval at {stage.name} for {os_id}{also}")
        if signer.fingerprint not in stage.approvers:
            raise UserError(f"{where}: {signer.fingerprint} is not an approver of stage {stage.name}")
        if signer.fingerprint in waiting.approvals:
            raise UserError(f"{signer.fingerprint} already approved {profile} at {stage.name} for {os_id}")
        # what the approver approves: the file's bytes now, the ones the promotion bound (or,
        # a promotion written before the key, the first approval that carried them)
        sha = records.profile_sha256(root, os_id, profile)
        if waiting.binding is not None:
            waiting.binding.check(profile_rel(os_id, profile), sha)
        when, pinned = rec.stamp(history.records[-1] if history.records else None)
        approvals = (*waiting.approvals, signer.fingerprint)
        done = approvals if len(approvals) >= waiting.needed else ()
        by = req.by or getpass.getuser()
        raw = rec.new("approval", profile, os_id, stage.name, when, by, req.note, pinned=pinned, profile_sha256=sha)
        if done:
            raw["approved_by"] = sorted(done)
        store.add(root, history, stages, raw, signer)
    return Outcome(profile, os_id, stage.name, signer.fingerprint, approvals, waiting.needed)
