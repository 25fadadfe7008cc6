"""``errata-tpl generate``: scan a mirror, check trust, select, build (``profile.pipeline``), write a profile."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import click

from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.fileio.sitepaths import site_folder_of
from errata_tpl.messages import Reporter
from errata_tpl.parallel import Share
from errata_tpl.profile import pipeline
from errata_tpl.profile.selection import Selection
from errata_tpl.values import names

PROGRESS_MIN_FILES = 2000


@click.command("generate")
@_click.mirror_of("The os-id of the profile, e.g. el9-x86_64.")
@click.option("--profile", help="The profile name, YYYYMMDD. Default: today (UTC).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the profile instead of writing it.")
@_click.output("Write to FILE instead.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "pan"]), default="yaml", show_default=True)
@click.option("--force", is_flag=True, help="Replace an existing profile (a dated profile is a record).")
@click.option("--no-cache", is_flag=True, help="Read every header again; do not use the header cache.")
@click.option(
    "--check-all",
    is_flag=True,
    help="rpm's whole-file check (payload digests) of every file, not only of the builds the profile names.",
)
@_click.keyring(
    "An OpenPGP public key file (RPM-GPG-KEY-*, armoured or binary) to check signatures against; repeatable."
)
@click.option("--require-signature", is_flag=True, help="Leave out every package not signed by a key of the keyring.")
@_click.require_repomd_signature()
@click.option("--security-only", is_flag=True, help="Only builds a security advisory ships (needs updateinfo).")
@click.option(
    "--min-severity",
    type=click.Choice(["Low", "Moderate", "Important", "Critical"], case_sensitive=False),
    help="With --security-only: only advisories of at least this severity.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y%m%d"]),
    help="Only builds published by this day (inclusive): the mirror as it was then.",
)
@click.option(
    "--date-field",
    type=click.Choice(["issued", "updated", "buildtime"]),
    default="issued",
    show_default=True,
    help="What 'published' means for --until (advisory dates need updateinfo).",
)
@click.pass_obj
def command(
    obj: _click.Run,
    mirror: _click.MirrorOf,
    profile: str | None,
    to_stdout: bool,
    output: Path | None,
    fmt: str,
    force: bool,
    no_cache: bool,
    check_all: bool,
    keyring: tuple[Path, ...],
    require_signature: bool,
    require_repomd_signature: bool,
    security_only: bool,
    min_severity: str | None,
    until: Any,
    date_field: str,
) -> None:
    """Scan ERRATA_DIR and write the dated errata profile of OS.

    \b
    Examples:
      errata-tpl generate /mirror/el9/updates --os el9-x86_64
      errata-tpl generate /mirror/el9/updates --os el9-x86_64 --until 2026-10-01 --profile 20261001
    """
    if min_severity and not security_only:
        raise click.UsageError("--min-severity goes with --security-only")
    if to_stdout and output is not None:
        raise click.UsageError("--stdout and -o exclude each other")
    if require_signature and not keyring:
        raise click.UsageError("--require-signature needs at least one --keyring KEY")
    _click.keyring_for_repomd(require_repomd_signature, keyring)
    _click.outside_site(obj, output, "-o", allowed=profile_place)
    selection = Selection(security_only, min_severity, until.date().isoformat() if until else None, date_field)
    req = pipeline.GenerateRequest(
        mirror=mirror.errata_dir,
        os_id=obj.os_id(mirror.os_id),  # a profile of an OS the site has
        profile=profile,
        fmt=fmt,
        use_cache=not no_cache,
        check_all=check_all,
        keyring=keyring,
        require_signature=require_signature,
        require_repomd_signature=require_repomd_signature,
        selection=selection,
    )
    result = pipeline.generate(obj.site(), req, obj.rep, _click.now_utc(), _progress_bar(obj.rep))
    if to_stdout or output is _click.STDOUT:
        click.echo(result.text, nl=False)
        return
    path = output or result.default_path
    own_place(obj.root, path, result.default_path)
    write_profile(path, result.text, force, fmt, obj.root, obj.rep)
    obj.rep.info(f"wrote {path}")


def _progress_bar(rep: Reporter) -> Callable[[Share[str], int], Iterator[str]]:
    """A bar on stderr for a long scan at a terminal; otherwise the items as they are.

    ``scale``: each item stands for that many files (this process reads one share
    of them; worker processes read the others at the same pace)."""

    def wrap(items: Share[str], scale: int = 1) -> Iterator[str]:
        if len(items) * scale < PROGRESS_MIN_FILES or not rep.is_terminal():
            yield from items
            return
        with click.progressbar(
            length=len(items) * scale, label="reading headers", file=rep.stream or sys.stderr
        ) as bar:
            for item in items:
                yield item
                bar.update(scale)

    return wrap


def profile_place(rel: PurePosixPath) -> bool:
    """Where in the site ``generate -o`` may write: a profile's own place,
    ``errata/<os-id>/<YYYYMMDD>.yaml`` (or ``.pan``)."""
    return (
        len(rel.parts) == 3
        and rel.parts[0] == "errata"
        and rel.suffix in (".yaml", ".pan")
        and names.is_profile(rel.stem)
    )


def own_place(root: Path, path: Path, place: Path) -> None:
    """``-o`` inside ``errata/`` is the profile's own place (``place``: its os-id's folder,
    its name, its format's suffix), or the site would hold a file it cannot read; refused
    naming what differs, before anything is written."""
    inside, own = site_folder_of(root, path), site_folder_of(root, place)
    if inside is None or inside == own or own is None:
        return
    differs = []
    if inside.parent != own.parent:
        differs.append(f"folder {inside.parent.name} is not --os {own.parent.name}")
    if inside.stem != own.stem:
        differs.append(f"name {inside.stem} is not the profile's, {own.stem} (--profile names it)")
    if inside.suffix != own.suffix:
        differs.append(f"{inside.suffix} is not the suffix of --format {own.suffix.lstrip('.')}")
    raise UserError(
        f"{path}: -o inside errata/ must be the profile's own place, {own} ({'; '.join(differs)}); nothing written"
    )


def write_profile(
    path: Path, text: str, force: bool, fmt: str = "yaml", root: Path | None = None, rep: Reporter | None = None
) -> None:
    """Write a profile; a dated profile is a record, replaced only with ``force`` (and
    not while a promotion in force binds its bytes: ``promotions.bound``), and (yaml,
    which the tool reads again) written only once it reads back.
    The check and the write hold the directory's lock (flock on the directory: no
    lock file beside the profiles). A device or a pipe (-o /dev/stdout) is written into."""
    # the writers and the profile's reader: not for --stdout (a run over an unchanged
    # mirror then imports neither)
    from errata_tpl.fileio import atomic, yamlio
    from errata_tpl.fileio.parsedfiles import keep_copied
    from errata_tpl.profile.profile import from_data as profile_from_data

    if path.exists() and not path.is_file():
        atomic.write_text(path, text)
        return
    atomic.make_parent(path)
    with atomic.locked_dir(path.parent, f"profile {path.name}"):
        if not force and path.exists():
            raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)")
        if fmt == "yaml" and root is not None and rep is not None and path.is_file():
            from errata_tpl.promotions.bound import before_replacing  # reads the promotion record

            before_replacing(root, path, text, rep)
        if fmt == "yaml":
            data = yamlio.write_record(path, text, profile_from_data, overwrite=force)
            if root is not None:  # parsed back: the next run that reads it need not parse it again
                keep_copied(root, path, text, data)
        else:
            atomic.write_text(path, text, overwrite=force)
