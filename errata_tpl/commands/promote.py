"""``errata-tpl promote``: a dated profile to a stage, soaked and checked first, then
one record added to ``site/promotions.yaml`` (``--dry-run``: what it would change)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("promote")
@click.argument("profile")
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
@click.option("--stage", required=True, help="The stage of site/stages.yaml to promote the profile to.")
@click.option("--by", help="Who promotes (recorded). Default: the login name.")
@click.option("--note", help="A note for the record.")
@click.option(
    "--force",
    is_flag=True,
    help="Promote despite the soak time, check problems, a missing check or a stage without nodes (recorded).",
)
@click.option("--dry-run", is_flag=True, help="Show what the promotion would change and refuse; write nothing.")
@_click.signing(required=False)
@_click.repos("A repository to check the stage's nodes against; repeatable. Default: repos: in site/stages.yaml.")
@click.pass_obj
def command(
    obj: _click.Context,
    profile: str,
    os_id: str,
    stage: str,
    by: str | None,
    note: str | None,
    force: bool,
    dry_run: bool,
    sign: str | None,
    keyring: Path | None,
    repos: tuple[Path, ...],
) -> None:
    """Promote PROFILE of OS to STAGE: soak and check first, then a record in site/promotions.yaml.

    \b
    Example:
      errata-tpl promote 20261121 --os el9-x86_64 --stage canary --note "November errata"
      errata-tpl promote 20261121 --os el9-x86_64 --stage compute --dry-run
      errata-tpl promote 20261121 --os el9-x86_64 --stage all --sign alice@example.org
    """
    from errata_tpl.promotions import promote as engine  # jinja2 comes with it: see commands/__init__

    req = engine.Request(profile, os_id, stage, by, note, force, repos, sign, keyring)
    if dry_run:
        p = engine.dry_run(obj.site(), req, obj.rep)
        _click.echo("\n".join(engine.dry_run_text(p, force)))
        if p.refusals and not force:
            sys.exit(1)
        return
    p, raw = engine.promote(obj.site(), req, obj.rep)
    for reason in p.refusals:
        obj.rep.warn(f"forced: {reason}")
    _click.echo(engine.done_text(p, raw), one_line=True)
