"""``errata-tpl announce``: the chosen promotions' announcements in one format."""

from __future__ import annotations

from typing import NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.messages import Reporter
from errata_tpl.promotions import announce_formats as formats
from errata_tpl.promotions import announcement
from errata_tpl.promotions import record as rec
from errata_tpl.site import stages as st
from errata_tpl.site.tree import Tree
from errata_tpl.values import names


class Request(NamedTuple):
    os_id: str
    stage: str
    number: int | None = None
    fmt: str = "text"
    entries: int = 20
    to: tuple[str, ...] = ()
    sender: str | None = None


def announce(tree: Tree, req: Request, rep: Reporter) -> str:
    os_id = names.os_id(req.os_id)
    rollout = tree.rollout
    stages = st.required(rollout.stages)
    stage = stages.stages[stages.index(req.stage)].name
    chosen = announcement.chosen(rollout, os_id, stage, req.number)
    if req.fmt == "atom":
        history = rollout.history
        site = rec.record_hash(history.records[0].raw, rec.ZERO)
        text = formats.atom([announcement.of(tree, rollout, e) for e in chosen[: req.entries]], os_id, stage, site)
    else:
        a = announcement.of(tree, rollout, chosen[0])
        if req.fmt == "email":
            configured = tree.announce
            sender = req.sender or configured.sender
            to = req.to or configured.to
            if not sender or not to:
                missing = "--from ADDR" if not sender else "--to ADDR"
                raise UserError(f"announce --format email: give {missing}, or announce: {{from, to}} in site/site.yaml")
            text = formats.email(a, sender, to)
        else:
            text = {"text": formats.text, "markdown": formats.markdown, "json": formats.json}[req.fmt](a)
    for w in tree.warnings:
        rep.warn(w)
    return text
