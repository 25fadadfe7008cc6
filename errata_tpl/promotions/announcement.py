"""What a promotion brought a stage's nodes, as data every announcement format is made
from (``errata-tpl announce``; its JSON form is schemas/announcement.schema.json).

The stage's nodes of that os-id are resolved twice, as they were just before the
promotion took effect and just after (the site as it is now: its nodes, hooks and
overrides), and compared: advisories of the versions they move to, worst first,
their CVEs, kernels (those nodes must reboot), hotfixes it supersedes.
"""

from __future__ import annotations

from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.mirror.advisories import SEVERITIES, Advisory, cves
from errata_tpl.promotions import record as rec
from errata_tpl.promotions.chain import Effect, History
from errata_tpl.promotions.effect import as_it_is, effect, stage_nodes
from errata_tpl.site import stages as st
from errata_tpl.site.stages import Rollout
from errata_tpl.site.tree import Tree


def _worst_first(a: Advisory) -> tuple[int, int, str]:
    return (-a.severity_rank(), a.type != "security", a.id)


def counts(advisories: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(Critical, n), ... for security advisories by severity, then the other types."""
    out: dict[str, int] = {}
    for a in advisories:
        key = a["severity"] if a["type"] == "security" and a["severity"] in SEVERITIES else a["type"]
        out[key] = out.get(key, 0) + 1
    return list(out.items())


def _record_hash(history: History, number: int) -> str:
    before = rec.ZERO
    for r in history.records[: number + 1]:
        before = rec.record_hash(r.raw, before)
    return before


def of(tree: Tree, rollout: Rollout, e: Effect) -> dict[str, Any]:
    """The announcement of one promotion in effect."""
    history = rollout.history
    stages = st.required(rollout.stages)
    k = history.effects.index(e)
    same = [x for x in history.effects[:k] if (x.record.stage, x.record.os) == (e.record.stage, e.record.os)]
    replaced = same[-1].profile if same else None
    then = "its nodes before this promotion are shown with the file as it is now"
    earlier, _ = as_it_is(tree, history.effects[:k], same[-1] if same else None, tree.warn, then)
    before = Rollout(stages, history.view(earlier))
    after = Rollout(stages, history.view(history.effects[: k + 1]))
    nodes = stage_nodes(tree, stages, e.record.stage, e.record.os)
    fx = effect(tree, before, after, nodes)
    advisories = sorted(fx.advisories(), key=_worst_first)
    superseded: dict[str, list[str]] = {}
    for old, new in zip(fx.before, fx.after):
        was = {h.name for h in old.hotfixes if h.superseded}
        for h in new.hotfixes:
            if h.superseded and h.name not in was:
                superseded.setdefault(h.name, []).append(new.node)
    kernels = [
        {"from": g.kernel[0], "to": g.kernel[1], "nodes": list(g.nodes)}
        for g in fx.groups
        if g.kernel[0] != g.kernel[1]
    ]
    r = e.record
    return {
        "os": r.os,
        "stage": r.stage,
        "profile": r.profile,
        "replaced": replaced,
        "rollback": r.rollback,
        "in_effect": e.time,
        "record": r.number,
        "hash": _record_hash(history, r.number),
        "promoted": {"by": r.by, "time": r.time, "signer": r.signer},
        "approved_by": list(e.approved_by),
        "forced": list(r.forced),
        "note": r.note,
        "before": sorted({g.profiles[0] or "" for g in fx.groups} - {""}),
        "nodes": {
            "count": len(nodes),
            "changed": sum(len(g.nodes) for g in fx.groups if g.diff.changes or g.profiles[0] != g.profiles[1]),
            "names": list(nodes),
            "clusters": sorted({c for n in nodes if (c := tree.node(n).cluster) is not None}),
        },
        "advisories": [
            {"id": a.id, "type": a.type, "severity": a.severity, "issued": a.issued, "cves": list(a.cves)}
            for a in advisories
        ],
        "cves": sorted(cves(advisories)),
        "kernels": kernels,
        "reboot": fx.reboot(),
        "hotfixes_superseded": [{"hotfix": h, "nodes": ns} for h, ns in sorted(superseded.items())],
        "packages_changed": fx.packages_changed(),
    }


def chosen(rollout: Rollout, os_id: str, stage: str, number: int | None) -> list[Effect]:
    """The stage's promotions in effect for the os-id, newest first; with ``number``,
    the one that record (a promotion, or the approval completing one) brought."""
    history = rollout.history
    mine = list(reversed(history.of_stage(stage, os_id)))
    if number is None:
        if not mine:
            raise UserError(f"{rec.PROMOTIONS}: no promotion in effect at {stage} for {os_id} yet")
        return mine
    if not 0 <= number < len(history.records):
        raise UserError(f"--record {number}: {rec.PROMOTIONS} has records 0 to {len(history.records) - 1}")
    found = [e for e in history.effects if number in (e.record.number, e.at)]
    if not found:
        raise UserError(f"--record {number}: {history.records[number].label()} brought no promotion into effect")
    e = found[0]
    if (e.record.stage, e.record.os) != (stage, os_id):
        raise UserError(f"--record {number}: {e.record.label()} is not a promotion to {stage} for {os_id}")
    return [e]


_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}
_OPT_STR = {"type": ["string", "null"]}
_TIME = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
_FPRS = {"type": "array", "items": {"type": "string", "pattern": "^([0-9A-F]{40}|[0-9A-F]{64})$"}}


def _object(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


# The JSON of `announce --format json` (schemas/announcement.schema.json), for webhooks.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "errata-tpl/announcement.schema.json",
    "title": "errata-tpl announcement: what a promotion brought a stage's nodes",
    **_object(
        {
            "os": _STR,
            "stage": _STR,
            "profile": {"type": "string", "pattern": "^[0-9]{8}$"},
            "replaced": {**_OPT_STR, "description": "the stage's profile before, null if it had none"},
            "before": {**_STRS, "description": "the profiles the stage's nodes had before"},
            "rollback": {"type": "boolean"},
            "in_effect": {**_TIME, "description": "when the promotion took effect (UTC)"},
            "record": {"type": "integer", "minimum": 0, "description": "the promotion's record in promotions.yaml"},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "the SHA-256 of that record"},
            "promoted": _object({"by": _STR, "time": _TIME, "signer": _OPT_STR}),
            "approved_by": _FPRS,
            "forced": {**_STRS, "description": "the refusals --force overrode"},
            "note": _OPT_STR,
            "nodes": _object(
                {"count": {"type": "integer"}, "changed": {"type": "integer"}, "names": _STRS, "clusters": _STRS}
            ),
            "advisories": {
                "type": "array",
                "description": "of the versions the nodes move to, worst first",
                "items": _object({"id": _STR, "type": _STR, "severity": _OPT_STR, "issued": _OPT_STR, "cves": _STRS}),
            },
            "cves": _STRS,
            "kernels": {
                "type": "array",
                "items": _object({"from": _OPT_STR, "to": _OPT_STR, "nodes": _STRS}),
            },
            "reboot": {**_STRS, "description": "the nodes whose kernel changes: they must reboot"},
            "hotfixes_superseded": {"type": "array", "items": _object({"hotfix": _STR, "nodes": _STRS})},
            "packages_changed": {"type": "integer"},
        }
    ),
}
