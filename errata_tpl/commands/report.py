"""``errata-tpl report``: the fleet's exposure as HTML, JSON or text."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import atomic
from errata_tpl.fleet.render import FORMATS, render


@click.command("report")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@_click.output("Write to FILE, not stdout.")
@_click.today
@_click.installed
@_click.max_age
@click.pass_obj
def command(
    obj: _click.Run,
    fmt: str,
    output: Path | None,
    today: dt.datetime | None,
    installed: Path | None,
    max_age: dt.timedelta,
) -> None:
    """Who lacks which advisories of the newest profiles, how severe, since when (rc 1 if a node fails).

    \b
    Examples:
      errata-tpl report -o fleet.html
      errata-tpl report --format text | mail -s errata root
      errata-tpl report --installed /srv/inventories --format json -o fleet.json
    """
    _click.outside_site(obj, output, "-o")
    from errata_tpl.fleet import nodes  # jinja2 comes with it: see commands/__init__

    f = nodes.of_site(obj.tree(), obj.rep.warn, today.date() if today else None, installed, max_age)
    chunks = render(f, fmt)
    if output is None or output is _click.STDOUT:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    else:
        atomic.write_chunks(output, chunks)
        obj.rep.info(f"wrote {output}")
    if f.errors:
        sys.exit(1)
