"""``errata-tpl status``: a table of every node, from the fleet's facts (the numbers
``report`` shows)."""

from __future__ import annotations

import sys
from typing import Any

import click

from errata_tpl.commands import _click
from errata_tpl.commands.report import fleet
from errata_tpl.fleet import as_json
from errata_tpl.fleet.exposure import Fleet


@click.command("status")
@_click.text_or_json
@_click.today
@_click.verbosity
@click.pass_obj
def command(obj: _click.Context, fmt: str, today: Any) -> None:
    """A table of every node: errata profile and where it came from, kernel, changes, exposure."""
    f = fleet(obj.tree(), obj.rep, today.date() if today else None)
    if fmt == "json":
        for chunk in as_json.status(f):
            click.echo(chunk, nl=False)
    else:
        click.echo(_click.table(STATUS_COLUMNS, status_rows(f)), nl=False)
    if f.errors:
        sys.exit(1)


STATUS_COLUMNS = (
    "node",
    "os",
    "deploy",
    "errata",
    "from",
    "kernel",
    "kernel from",
    "kept",
    "changed",
    "stage",
    "hotfixes",
    "reboot",
    "worst",
    "missing CVEs",
)


def status_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    """One row per node, from the fleet's facts (the numbers `report` shows); a node
    that failed shows its error."""
    rows: list[tuple[str, ...]] = []
    for n in fleet.nodes:
        s = n.state
        if s.error is not None:
            rows.append((s.node, "-", "-", "ERROR", s.error, "", "", "", "", "", "", "", "", ""))
            continue
        rows.append(
            (
                s.node,
                s.os,
                "no" if s.profile_from == "deploy-off" else "yes",
                s.profile or "-",
                f"clone:{s.clone}" if s.clone else s.profile_from,
                s.kernel or "-",
                s.kernel_from,
                ",".join(s.kept) or "-",
                str(s.changed),
                s.stage or "-",
                ",".join(s.hotfixes) or "-",  # NAME, NAME(superseded), NAME(N superseded)
                {True: "yes", False: "no", None: "-"}[n.reboot_needed],
                n.worst,  # one word, for awk: Critical .. Low, unrated, current, unknown
                str(len(n.exposure.cves)),
            )
        )
    return rows
