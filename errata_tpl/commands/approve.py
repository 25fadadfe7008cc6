"""``errata-tpl approve``: a signed approval of a promotion waiting at a stage with approvers."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("approve")
@_click.promotion("The stage the promotion waits at.")
@_click.signing(required=True)
@_click.for_the_record("approves")
@click.pass_obj
def command(
    obj: _click.Run,
    promotion: _click.Promotion,
    sign: str,
    keyring: Path | None,
    by: str | None,
    note: str | None,
) -> None:
    """Approve the promotion of PROFILE waiting at STAGE: a signed record in site/promotions.yaml.

    \b
    Example:
      errata-tpl approve 20261121 --os el9-x86_64 --stage all --sign bob@example.org
    """
    from errata_tpl.promotions import approve as engine  # python-gnupg comes with it: see commands/__init__

    outcome = engine.approve(obj.site(), engine.Request(*promotion, sign, keyring, by, note), obj.rep.warn)
    _click.echo(outcome.text(), one_line=True)
