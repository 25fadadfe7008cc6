"""``errata-tpl stages``: where each profile stands, per os-id and stage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.site import stages as st


@click.command("stages")
@click.pass_obj
def command(obj: _click.Context) -> None:
    """Where each profile stands: per os-id and stage, the current profile and what waits."""
    _click.echo(_click.table(STAGES_COLUMNS, stages_table(obj.root, _click.now_utc())), nl=False)


def defined_stages(root: Path) -> st.Stages:
    """site/stages.yaml's stages; a UserError when there are none."""
    found = st.load_stages(root)
    if found is None or not found.stages:
        raise UserError(f"{st.STAGES}: no stages defined (stages: [{{name, nodes, soak}}, ...])")
    return found


STAGES_COLUMNS = ("os", "stage", "nodes", "soak", "profile", "since", "by", "next")


def stages_table(root: Path, now: dt.datetime) -> list[tuple[str, ...]]:
    """Per os-id and stage: its nodes, soak, current profile (since, by whom), and the
    profile waiting at the stage before it (ready now, or when)."""
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

    tree = Tree(root)
    stages = defined_stages(root)
    records = st.load_promotions(root)
    counts: dict[tuple[str, str], int] = {}
    for n in tree.node_names():
        s = stages.of_node(n)
        if s is not None:
            key = (tree.node(n).os, s.name)
            counts[key] = counts.get(key, 0) + 1
    os_ids = sorted({k[0] for k in counts} | {r.os for r in records.records})
    rows: list[tuple[str, ...]] = []
    for os_id in os_ids:
        for i, s in enumerate(stages.stages):
            cur = records.current(s.name, os_id)
            waiting = "-"
            if i > 0:
                prev = records.current(stages.stages[i - 1].name, os_id)
                if prev is not None and (cur is None or cur.profile != prev.profile):
                    came = records.latest(prev.profile, os_id, stages.stages[i - 1].name)
                    ready = (came or prev).when() + dt.timedelta(seconds=s.soak)
                    waiting = f"{prev.profile} " + ("ready" if ready <= now else f"at {st.show_time(ready)}")
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
