"""``errata-tpl pending``: security advisories not yet at the last stage, worst first
(exit 1 when something Critical or Important has waited longer than --max-wait)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import yamlio


@click.command("pending")
@_click.text_or_json
@click.option(
    "--max-wait", default="7d", show_default=True, help="How long a Critical or Important advisory may wait (2d, 1w)."
)
@_click.today
@click.pass_obj
def command(obj: _click.Run, fmt: str, max_wait: str, today: dt.datetime | None) -> None:
    """Security advisories the newest profile fixes and the last stage lacks (rc 1 if one is overdue).

    \b
    Example:
      errata-tpl pending --max-wait 3d || mail -s "errata waiting" ops@example.org
    """
    from errata_tpl.promotions import pending  # jinja2 comes with it: see commands/__init__
    from errata_tpl.site import stages as st

    wait = st.duration(max_wait, "--max-wait", limit=10 * 366 * 86400)
    tree = obj.tree()
    data = pending.pending(tree, today.date() if today else _click.now_utc().date(), wait)
    for w in tree.warnings:
        obj.rep.warn(w)
    if fmt == "json":
        click.echo(yamlio.json_text(data))
    else:
        _click.echo(pending.text(data), nl=False)
    if data["overdue"]:
        sys.exit(1)
