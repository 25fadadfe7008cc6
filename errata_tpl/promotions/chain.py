"""The records as a history: the hash chain checked, and what each record brings into
effect under site/stages.yaml's approvers.

A promotion to a stage without approvers is in effect from its own record. At a stage
with approvers it is in effect once records of distinct listed keys (its own signer's
and its approvals') reach the stage's ``approvals``, from the record that completes
them; a forced and signed promotion is in effect at once. A stage's current profile
for an os-id is its latest promotion in effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.promotions.record import PROMOTIONS, ZERO, Binding, Record, record_hash
from errata_tpl.site.stages import STAGES, Stage, Stages


class Effect(NamedTuple):
    """A promotion in effect: from the record at ``at`` (its own, or the approval that completed it)."""

    record: Record
    at: int
    time: str  # when it came into effect
    approved_by: tuple[str, ...] = ()
    binding: Binding | None = None  # the profile's content it put in effect; None: records written before that

    @property
    def profile(self) -> str:
        return self.record.profile

    @property
    def by(self) -> str:
        return self.record.by


class Waiting(NamedTuple):
    """A promotion waiting for approvals."""

    record: Record
    approvals: tuple[str, ...]  # listed keys so far, in the order they came
    needed: int
    # the content its approvals approve: its own profile_sha256, else (a promotion written
    # before the key) its first approval's that carries one; None: none carries one yet
    binding: Binding | None = None


class Chain(NamedTuple):
    head: str  # the hash of the last record (ZERO: no record)
    unchained: int  # how many records at the start were written before records were chained
    hashes: frozenset[str] = frozenset()  # every record's hash: the heads the file has had
    unbound: int = 0  # how many records at the start were written before records carried profile_sha256


# keys only versions that chain records write: a record holding one had a prev
_CHAINED_ONLY = ("type", "rollback", "approved_by", "clock", "signer", "key", "signature", "profile_sha256")


def check_chain(records: Sequence[Record]) -> Chain:
    """Each record's prev is the hash of the record before it; records written before
    the chain (no prev) are accepted only at the start. Times never go back."""
    before = ZERO
    unchained = unbound = 0
    hashes = set()
    for i, rec in enumerate(records):
        where = f"{PROMOTIONS}: {rec.label()}"
        unbound += rec.profile_sha256 is None and i == unbound
        if rec.prev is None:
            if i != unchained:
                raise UserError(
                    f"{where}: no prev (the hash of the record before it), though records before it have one: "
                    "records are added only by errata-tpl promote and approve"
                )
            later = next((k for k in _CHAINED_ONLY if k in rec.raw), None)
            if later is not None:
                raise UserError(
                    f"{where}: no prev (the hash of the record before it), but key '{later}', which only "
                    "versions of errata-tpl that chain records write: its prev was removed"
                )
            unchained += 1
        elif rec.prev != before:
            raise UserError(
                f"{where}: prev {rec.prev[:16]}... is not the hash of the record before it ({before[:16]}...): "
                "a record at or before this one was edited, removed or reordered"
            )
        if i and rec.time < records[i - 1].time:
            raise UserError(f"{where}: time {rec.time} is before record [{i - 1}]'s ({records[i - 1].time})")
        before = record_hash(rec.raw, before)
        hashes.add(before)
    return Chain(before, unchained, frozenset(hashes), unbound)


def binding(promotion: Record, at: Record) -> Binding | None:
    """What a promotion in effect binds its profile to: its own profile_sha256, else that
    of the approval that put it in effect (a promotion written before the key, approved
    after: the approvers approved the file as it was then)."""
    for r, verb in ((promotion, "promoted"), (at, "approved")):
        if r.profile_sha256 is not None:
            return Binding(r.profile_sha256, r.label(), verb)
    return None


def _stage(stages: Stages | None, rec: Record) -> Stage:
    found = None if stages is None else next((s for s in stages.stages if s.name == rec.stage), None)
    if found is None:
        known = ", ".join(s.name for s in stages.stages) if stages is not None and stages.stages else "none"
        raise UserError(f"{PROMOTIONS}: {rec.label()}: no stage '{rec.stage}' in {STAGES} (stages: {known})")
    return found


class History:
    """The records and what they brought into effect, checked; ``signers``: the verified
    signer of each signed record, by index."""

    def __init__(self, records: Sequence[Record] = (), stages: Stages | None = None, signers: Mapping[int, str] = {}):
        self.records = tuple(records)
        self.signers = dict(signers)
        self.chain = check_chain(self.records)
        self.effects: list[Effect] = []
        self.waiting: dict[tuple[str, str], Waiting] = {}  # (stage, os) -> the promotion waiting there
        self.unsigned_before_signing: list[Record] = []  # at stages with approvers, before their first signed record
        first_signed: dict[str, int] = {}
        for rec in reversed(self.records):
            if rec.number in signers:
                first_signed[rec.stage] = rec.number
        for rec in self.records:
            self._take(rec, _stage(stages, rec), signers.get(rec.number), first_signed.get(rec.stage))
        unbound = self.chain.unbound
        later = next((r for r in self.records[unbound:] if r.profile_sha256 is None), None)
        if later is not None:  # every version that writes the key reads only records with it after one
            raise UserError(
                f"{PROMOTIONS}: {later.label()}: no profile_sha256 (the SHA-256 of the profile it promoted), though "
                f"record [{unbound}] before it has one: records are added only by errata-tpl promote and approve"
            )

    def _take(self, rec: Record, stage: Stage, signer: str | None, first_signed: int | None) -> None:
        where = f"{PROMOTIONS}: {rec.label()}"
        approvers = stage.approvers
        if rec.kind == "approval":
            self._approval(rec, stage, signer, where)
            return
        self.waiting.pop((rec.stage, rec.os), None)  # a later promotion replaces one still waiting
        if not approvers:
            self._in_effect(rec, rec, (), where)
        elif signer is None:
            if first_signed is not None and rec.number > first_signed:
                raise UserError(
                    f"{where}: not signed, and stage {stage.name} has approvers in {STAGES} "
                    f"(record [{first_signed}] is its first signed one)"
                )
            self.unsigned_before_signing.append(rec)
            self._in_effect(rec, rec, (), where)
        elif rec.forced:
            self._in_effect(rec, rec, tuple(k for k in (signer,) if k in approvers), where)
        elif signer not in approvers:
            raise UserError(f"{where}: signed by {signer}, which is not an approver of stage {stage.name} in {STAGES}")
        elif stage.approvals <= 1:
            self._in_effect(rec, rec, (signer,), where)
        else:
            if rec.approved_by:
                raise UserError(f"{where}: says approved_by, but it waits for {stage.approvals} approvals")
            self.waiting[(rec.stage, rec.os)] = Waiting(rec, (signer,), stage.approvals, binding(rec, rec))

    def _approval(self, rec: Record, stage: Stage, signer: str | None, where: str) -> None:
        if not stage.approvers:
            raise UserError(f"{where}: an approval, but stage {stage.name} has no approvers in {STAGES}")
        if signer is None or signer not in stage.approvers:
            by = "not signed" if signer is None else f"signed by {signer}"
            raise UserError(f"{where}: {by}, which is not an approver of stage {stage.name} in {STAGES}")
        w = self.waiting.get((rec.stage, rec.os))
        if w is None or w.record.profile != rec.profile:
            raise UserError(f"{where}: no promotion of {rec.profile} waits for approval at {stage.name} for {rec.os}")
        if signer in w.approvals:
            raise UserError(f"{where}: {signer} already approved {w.record.label()}")
        if w.binding is not None and rec.profile_sha256 != w.binding.sha256:
            raise UserError(
                f"{where}: profile_sha256 {str(rec.profile_sha256)[:16]}... is not the one {w.binding.record} "
                f"{w.binding.verb} ({w.binding.sha256[:16]}...): an approval approves the content promoted"
            )
        approvals = (*w.approvals, signer)
        if len(approvals) >= w.needed:
            del self.waiting[(rec.stage, rec.os)]
            self._in_effect(w.record, rec, approvals, where)
        else:
            if rec.approved_by:
                raise UserError(f"{where}: says approved_by, but {len(approvals)} of {w.needed} approvals are in")
            bound = w.binding or binding(w.record, rec)  # a promotion without the key: its first approval's
            self.waiting[(rec.stage, rec.os)] = w._replace(approvals=approvals, binding=bound)

    def _in_effect(self, promotion: Record, at: Record, approvals: tuple[str, ...], where: str) -> None:
        if sorted(at.approved_by) != sorted(approvals):
            said = ", ".join(at.approved_by) or "nobody"
            raise UserError(f"{where}: says approved_by {said}, but the signed records say {', '.join(approvals)}")
        self.effects.append(Effect(promotion, at.number, at.time, approvals, binding(promotion, at)))

    def current(self, stage: str, os_id: str) -> Effect | None:
        """The stage's current profile for the os-id: its latest promotion in effect."""
        return next((e for e in reversed(self.effects) if (e.record.stage, e.record.os) == (stage, os_id)), None)

    def latest(self, profile: str, os_id: str, stage: str) -> Effect | None:
        """When ``profile`` last came into effect at ``stage``."""
        key = (profile, os_id, stage)
        return next((e for e in reversed(self.effects) if (e.profile, e.record.os, e.record.stage) == key), None)

    def of_stage(self, stage: str, os_id: str) -> list[Effect]:
        return [e for e in self.effects if (e.record.stage, e.record.os) == (stage, os_id)]

    def in_force(self) -> set[int]:
        """The records that decide now: each stage's current promotion (and the approvals
        that put it in effect), each promotion waiting for approvals (and its approvals)."""
        current: dict[tuple[str, str], tuple[Record, int]] = {}
        for e in self.effects:
            current[(e.record.stage, e.record.os)] = (e.record, e.at)
        last = len(self.records) - 1
        out: set[int] = set()
        for first, end in [*current.values(), *((w.record, last) for w in self.waiting.values())]:
            same = (first.stage, first.os, first.profile)
            out.update(r.number for r in self.records[first.number : end + 1] if (r.stage, r.os, r.profile) == same)
        return out

    def with_effect(self, effect: Effect) -> History:
        """As it will be once ``effect`` is in effect too (promote's preview)."""
        return self.view([*self.effects, effect])

    def view(self, effects: Sequence[Effect]) -> History:
        """The same records with only these promotions in effect (as it was before one)."""
        out = History.__new__(History)
        out.records, out.chain, out.waiting, out.signers = self.records, self.chain, self.waiting, self.signers
        out.unsigned_before_signing = self.unsigned_before_signing
        out.effects = list(effects)
        return out
