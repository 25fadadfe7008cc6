"""``errata-tpl publish``: a dated profile, a stage's current profile or a hotfix as a
dnf repository under DIR (the engine: errata_tpl/publish/)."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("publish")
@_click.mirror_of("The os-id, e.g. el9-x86_64.")
@click.option("--profile", help="Publish this dated profile (YYYYMMDD): DIR/<os-id>/<profile>/.")
@click.option("--stage", help="Publish the stage's current profile and point DIR/<os-id>/<stage> at it.")
@click.option("--hotfix", help="Publish this hotfix: DIR/<os-id>/hotfix-<NAME>/.")
@click.option(
    "--to",
    "to",
    required=True,
    type=_click.WritePath(file_okay=False, path_type=Path),
    help="The folder that holds the published repositories.",
)
@click.option("--sign-key", help="Sign repomd.xml with this key of your GnuPG home (repomd.xml.asc).")
@click.option(
    "--keyring",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --sign-key: the public key file the nodes check the signature with (checked before publishing).",
)
@_click.repomd_keyring(
    "--mirror-keyring",
    "A public key file to check ERRATA_DIR's repomd.xml.asc against before its metadata is used; repeatable.",
)
@click.option("--force", is_flag=True, help="Replace a folder published from another version of the record.")
@click.pass_obj
def command(
    obj: _click.Run,
    mirror: _click.MirrorOf,
    profile: str | None,
    stage: str | None,
    hotfix: str | None,
    to: Path,
    sign_key: str | None,
    keyring: Path | None,
    mirror_keyring: tuple[Path, ...],
    require_repomd_signature: bool,
    force: bool,
) -> None:
    """Publish a profile, a stage or a hotfix of OS as a dnf repository under DIR.

    \b
    Example:
      errata-tpl publish /mirror/el9/updates --os el9-x86_64 --stage canary --to /srv/repos
    """
    if sum(x is not None for x in (profile, stage, hotfix)) != 1:
        raise click.UsageError("name exactly one of --profile, --stage and --hotfix")
    if keyring is not None and sign_key is None:
        raise click.UsageError("--keyring goes with --sign-key")
    _click.keyring_for_repomd(require_repomd_signature, mirror_keyring, "--mirror-keyring")
    _click.outside_site(obj, to, "--to")
    from errata_tpl.publish.engine import Request, publish_checked, said  # createrepo_c, rpm: see commands/__init__

    root = obj.site()
    errata_dir = mirror.errata_dir
    req = Request(
        errata_dir, str(errata_dir), obj.os_id(mirror.os_id), to, profile, stage, hotfix, sign_key, keyring, force
    )
    done = publish_checked(root, req, obj.rep, mirror_keyring, require_repomd_signature)
    for line in said(done):
        obj.rep.info(line)
