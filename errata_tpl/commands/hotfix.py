"""``errata-tpl hotfix``: scan the mirror as generate does, take the builds the
selection ships, add what they need beyond the newest dated profile (libsolv), write
(the work: ``profile.hotfixing``)."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, yamlio
from errata_tpl.mirror import repomdsig
from errata_tpl.profile import hotfix as hf
from errata_tpl.profile.hotfixing import HotfixRequest, Made, make


@click.command("hotfix")
@_click.mirror_of("The os-id of the hotfix, e.g. el9-x86_64.")
@click.option("--name", required=True, help="The hotfix name: errata/<os-id>/hotfix-<NAME>.yaml.")
@click.option("--advisory", "advisories", multiple=True, help="An advisory id whose builds to ship; repeatable.")
@click.option("--cve", "cves", multiple=True, help="A CVE: the builds of every advisory that fixes it; repeatable.")
@click.option("--package", "packages", multiple=True, help="A package name: its newest builds; repeatable.")
@_click.repos("A further repository (with repodata/) that requirements may be met from; repeatable.")
@click.option("--force", is_flag=True, help="Replace an existing hotfix (a hotfix is a record).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the hotfix instead of writing it.")
@_click.keyring("An OpenPGP public key file to check each repository's repomd.xml.asc against; repeatable.")
@_click.require_repomd_signature()
@click.pass_obj
def command(
    obj: _click.Run,
    mirror: _click.MirrorOf,
    name: str,
    advisories: tuple[str, ...],
    cves: tuple[str, ...],
    packages: tuple[str, ...],
    repos: tuple[Path, ...],
    force: bool,
    to_stdout: bool,
    keyring: tuple[Path, ...],
    require_repomd_signature: bool,
) -> None:
    """Freeze the builds some advisories, CVEs or packages ship into a hotfix for OS.

    \b
    Example:
      errata-tpl hotfix /mirror/el9/updates --os el9-x86_64 --name openssl-urgent --advisory RHSA-2026:1002
    """
    if not (advisories or cves or packages):
        raise click.UsageError("name at least one --advisory, --cve or --package")
    req = HotfixRequest(
        mirror.errata_dir, obj.os_id(mirror.os_id), name, hf.Selection(advisories, cves, packages), repos
    )
    _click.keyring_for_repomd(require_repomd_signature, keyring)
    with repomdsig.checking(keyring, require_repomd_signature, obj.rep.warn):  # the mirror's and each --repo's
        made = make(obj.site(), req, obj.rep, _click.now_utc())
    if to_stdout:
        click.echo(made.text, nl=False)
        return
    write(made, force)
    obj.rep.info(f"wrote {made.path}")


def write(made: Made, force: bool) -> None:
    """A hotfix is a record like a profile: replaced only with ``force``, and written
    only once it reads back as made."""
    path = made.path
    atomic.make_parent(path)
    with atomic.locked_dir(path.parent, f"hotfix {path.name}"):  # a lock on the directory: no lock file
        if not force and path.exists():
            raise UserError(f"{path}: exists; a hotfix is a record (use --force to replace it)")
        yamlio.write_record(path, made.text, hf.from_data, expect=hf.to_data(made.hotfix), overwrite=force)
