"""``errata-tpl status``: a table of every node, from the fleet's facts (the numbers
``report`` shows)."""

from __future__ import annotations

import sys
from typing import Any

import click

from errata_tpl.commands import _click
from errata_tpl.fleet import as_json, as_text


@click.command("status")
@_click.text_or_json
@_click.today
@click.pass_obj
def command(obj: _click.Context, fmt: str, today: Any) -> None:
    """A table of every node: errata profile and where it came from, kernel, changes, exposure.

    \b
    Examples:
      errata-tpl status
      errata-tpl status --format json | jq -r '.nodes[] | select(.kernel.reboot_needed) | .node'
    """
    from errata_tpl.fleet import nodes  # jinja2 comes with it: see commands/__init__

    f = nodes.of_site(obj.tree(), obj.rep.warn, today.date() if today else None)
    if fmt == "json":
        for chunk in as_json.status(f):
            click.echo(chunk, nl=False)
    else:
        _click.echo(_click.table(as_text.STATUS_COLUMNS, as_text.status_rows(f)), nl=False)
    if f.errors:
        sys.exit(1)
