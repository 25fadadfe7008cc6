"""``errata-tpl stages``: where each profile stands, per os-id and stage."""

from __future__ import annotations

import click

from errata_tpl.commands import _click


@click.command("stages")
@_click.verbosity
@click.pass_obj
def command(obj: _click.Context) -> None:
    """Where each profile stands: per os-id and stage, the current profile and what waits.

    \b
    Example:
      errata-tpl stages
    """
    from errata_tpl.promotions import standing  # jinja2 comes with it: see commands/__init__

    tree = obj.tree()
    rows = standing.table(tree, _click.now_utc())
    for w in tree.warnings:
        obj.rep.warn(w)
    _click.echo(_click.table(standing.COLUMNS, rows), nl=False)
