"""``errata-tpl status``: a table of every node, from the fleet's facts (the numbers
``report`` shows)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.fleet import as_json, as_text


@click.command("status")
@_click.text_or_json
@_click.today
@_click.installed
@_click.max_age
@click.option("--wide", is_flag=True, help="Every column (os, deploy, from, kernel from, kept, changed, stage, ...).")
@click.pass_obj
def command(
    obj: _click.Run, fmt: str, today: dt.datetime | None, installed: Path | None, max_age: dt.timedelta, wide: bool
) -> None:
    """A table of every node: errata profile and where it came from, kernel, changes, exposure.

    \b
    Examples:
      errata-tpl status
      errata-tpl status --wide                            # every column: where profile and kernel came from, ...
      errata-tpl status --format json | jq -r '.nodes[] | select(.kernel.reboot_needed) | .node'
      errata-tpl status --installed /srv/inventories      # and each node's observed state
    """
    from errata_tpl.fleet import nodes  # jinja2 comes with it: see commands/__init__

    f = nodes.of_site(obj.tree(), obj.rep.warn, today.date() if today else None, installed, max_age)
    if fmt == "json":
        for chunk in as_json.status(f):
            click.echo(chunk, nl=False)
    else:
        header, rows = as_text.status_columns(f), as_text.status_rows(f)
        if not wide:
            header, rows = as_text.narrow(header, rows)
        _click.echo(_click.table(header, rows), nl=False)
        if not wide and f.errors:
            _click.echo("\n".join(as_text.failed_lines(f)) + "\n", nl=False)
        if f.observing:
            _click.echo(as_text.status_counts(f), nl=False)
    if f.errors:
        sys.exit(1)
