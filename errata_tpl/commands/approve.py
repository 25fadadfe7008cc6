"""``errata-tpl approve``: a signed approval of a promotion waiting at a stage with approvers."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("approve")
@click.argument("profile")
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
@click.option("--stage", required=True, help="The stage the promotion waits at.")
@_click.signing(required=True)
@click.option("--by", help="Who approves (recorded). Default: the login name.")
@click.option("--note", help="A note for the record.")
@click.pass_obj
def command(
    obj: _click.Run,
    profile: str,
    os_id: str,
    stage: str,
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

    outcome = engine.approve(obj.site(), engine.Request(profile, os_id, stage, sign, keyring, by, note), obj.rep.warn)
    _click.echo(outcome.text(), one_line=True)
