"""``errata-tpl promote``: a dated profile to a stage, soaked and checked first, then
one record added to ``site/promotions.yaml`` (``--dry-run``: what it would change)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("promote")
@_click.promotion("The stage of site/stages.yaml to promote the profile to.")
@_click.for_the_record("promotes")
@click.option(
    "--force",
    is_flag=True,
    help="Promote despite the soak time, check problems, a missing check or a stage without nodes (recorded).",
)
@click.option("--dry-run", is_flag=True, help="Show what the promotion would change and refuse; write nothing.")
@_click.signing(required=False)
@_click.repos("A repository to check the stage's nodes against; repeatable. Default: repos: in site/stages.yaml.")
@_click.repomd_keyring(
    "--repo-keyring", "A public key file to check each repository's repomd.xml.asc against; repeatable."
)
@click.option(
    "--publish",
    "publish_to",
    type=_click.WritePath(file_okay=False, path_type=Path),
    help="Publish the stage under DIR too, as `publish --stage` does (the profile's folder before the record).",
)
@click.pass_obj
def command(
    obj: _click.Run,
    promotion: _click.Promotion,
    by: str | None,
    note: str | None,
    force: bool,
    dry_run: bool,
    sign: str | None,
    keyring: Path | None,
    repos: tuple[Path, ...],
    repo_keyring: tuple[Path, ...],
    require_repomd_signature: bool,
    publish_to: Path | None,
) -> None:
    """Promote PROFILE of OS to STAGE: soak and check first, then a record in site/promotions.yaml.

    \b
    Example:
      errata-tpl promote 20261121 --os el9-x86_64 --stage canary --note "November errata"
      errata-tpl promote 20261121 --os el9-x86_64 --stage compute --dry-run
      errata-tpl promote 20261121 --os el9-x86_64 --stage all --sign alice@example.org
      errata-tpl promote 20261121 --os el9-x86_64 --stage canary --publish /srv/repos
    """
    _click.keyring_for_repomd(require_repomd_signature, repo_keyring, "--repo-keyring")
    from errata_tpl.mirror import repomdsig
    from errata_tpl.promotions import promote as engine  # jinja2 comes with it: see commands/__init__

    req = engine.Request(*promotion, by, note, force, repos, sign, keyring)
    # each repository the stage's nodes are checked against: its repomd.xml.asc, as check does
    signatures = repomdsig.checking(repo_keyring, require_repomd_signature, obj.rep.warn)
    if dry_run:
        with signatures:
            p = engine.dry_run(obj.site(), req, obj.rep)
        _click.echo("\n".join(engine.dry_run_text(p, force)))
        if p.refusals and not force:
            sys.exit(1)
        return
    _click.outside_site(obj, publish_to, "--publish")
    published = None
    if publish_to is not None:  # the profile's folder first: a failure refuses the promotion
        from errata_tpl.publish import engine as publishing  # createrepo_c, rpm: see commands/__init__

        site, os_name = obj.site(), obj.os_id(promotion.os_id)
        mirror = publishing.errata_dir(site, os_name, promotion.profile)
        published = publishing.Request(mirror, str(mirror), os_name, publish_to, profile=promotion.profile)
        # ERRATA_DIR's repomd.xml.asc too
        done = publishing.publish_checked(site, published, obj.rep, repo_keyring, require_repomd_signature)
        for line in publishing.said(done):
            obj.rep.info(line)
    with signatures:
        p, raw = engine.promote(obj.site(), req, obj.rep)
    for reason in p.refusals:
        obj.rep.warn(f"forced: {reason}")
    _click.echo(engine.done_text(p, raw), one_line=True)
    if published is not None:  # the stage's link, to its profile in effect now
        stage = published._replace(profile=None, stage=promotion.stage)
        done = publishing.publish_checked(obj.site(), stage, obj.rep, repo_keyring, require_repomd_signature)
        obj.rep.info(publishing.said(done)[-1])
