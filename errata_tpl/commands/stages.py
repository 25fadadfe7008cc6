"""``errata-tpl stages``: where each profile stands, per os-id and stage."""

from __future__ import annotations

import click

from errata_tpl.commands import _click


@click.command("stages")
@click.option(
    "--verify", is_flag=True, help="Only check site/promotions.yaml: chain, signatures, approvals (rc 0 or 1)."
)
@click.pass_obj
def command(obj: _click.Run, verify: bool) -> None:
    """Where each profile stands: per os-id and stage, the current profile and what waits.

    \b
    Example:
      errata-tpl stages
      errata-tpl stages --verify      # in CI: exit 1 when the record does not hold
    """
    from errata_tpl.promotions import standing  # jinja2 comes with it: see commands/__init__

    tree = obj.tree()
    text = (
        "\n".join(standing.verify(tree)) + "\n"
        if verify
        else _click.table(standing.COLUMNS, standing.table(tree, _click.now_utc()))
    )
    for w in tree.warnings:
        obj.rep.warn(w)
    _click.echo(text, nl=False)
