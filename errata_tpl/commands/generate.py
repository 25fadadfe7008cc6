"""``errata-tpl generate``: scan a mirror, check trust, select, build, write a profile."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import click

from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, yamlio
from errata_tpl.fileio.stamp import Stat
from errata_tpl.fileio.yamlio import load_text
from errata_tpl.mirror import memo
from errata_tpl.mirror.advisories import load as load_advisories
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.mirror.modules import load as load_modules
from errata_tpl.mirror.rpminfo import BadFile
from errata_tpl.mirror.walk import find_rpms, stat_all
from errata_tpl.profile.generate import build_profile
from errata_tpl.profile.profile import Profile, yaml_body, yaml_mirror_lines, yaml_name_lines
from errata_tpl.profile.profile import from_data as profile_from_data
from errata_tpl.profile.selection import Selection
from errata_tpl.report import Reporter
from errata_tpl.values import names

PROGRESS_MIN_FILES = 2000


@click.command("generate")
@click.argument("errata_dir", type=click.Path(path_type=Path))
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
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
    obj: _click.Context,
    errata_dir: Path,
    os_id: str,
    profile: str | None,
    to_stdout: bool,
    output: Path | None,
    fmt: str,
    force: bool,
    no_cache: bool,
    check_all: bool,
    keyring: tuple[Path, ...],
    require_signature: bool,
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
    _click.outside_site(obj, output, "-o", allowed=profile_place)
    selection = Selection(security_only, min_severity, until.date().isoformat() if until else None, date_field)
    req = GenerateRequest(
        mirror=errata_dir,
        source=str(errata_dir),
        os_id=obj.os_id(os_id),  # a profile of an OS the site has
        profile=profile,
        fmt=fmt,
        use_cache=not no_cache,
        check_all=check_all,
        keyring=keyring,
        require_signature=require_signature,
        selection=selection,
    )
    result = generate(obj.site(), req, obj.rep)
    if to_stdout or output is _click.STDOUT:
        click.echo(result.text, nl=False)
        return
    path = output or result.default_path
    write_profile(path, result.text, force, fmt)
    obj.rep.info(f"wrote {path}")


def _progress_bar(rep: Reporter) -> Callable[[list[str], int], Iterator[str]]:
    """A bar on stderr for a long scan at a terminal; otherwise the items as they are.

    ``scale``: each item stands for that many files (this process reads one share
    of them; worker processes read the others at the same pace)."""

    def wrap(items: list[str], scale: int = 1) -> Iterator[str]:
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


def _preload(*modules: str) -> Callable[[], None]:
    """Import ``modules`` in a thread while this one lists the mirror (the PyPI rpm
    shim spends its import waiting on two interpreters it starts); returns the
    join. A failure shows when a module is imported for real."""

    def load() -> None:
        for module in modules:
            with contextlib.suppress(Exception):
                importlib.import_module(module)

    thread = threading.Thread(target=load, name="preload")
    thread.start()
    return thread.join


class GenerateRequest(NamedTuple):
    mirror: Path
    source: str  # the mirror as given on the command line
    os_id: str
    selection: Selection
    profile: str | None = None
    fmt: str = "yaml"
    use_cache: bool = True
    keyring: tuple[Path, ...] = ()
    require_signature: bool = False
    check_all: bool = False  # rpm's whole-file check of every file, not only of the builds named


class Generated(NamedTuple):
    text: str
    default_path: Path
    kept: int


def generate(root: Path, req: GenerateRequest, rep: Reporter) -> Generated:
    os_id = names.os_id(req.os_id)
    clock = _click.now_utc()
    profile = names.profile(clock.strftime("%Y%m%d") if req.profile is None else req.profile)
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")

    # A run over an unchanged mirror with the same options gives the same lists: reuse
    # them. Not with a keyring: trust is checked afresh every time.
    use_memo = req.use_cache and not req.keyring
    options = {
        "os": os_id,
        "source": req.source,
        "selection": req.selection.rule(True),
        "date_field": req.selection.date_field,
        "check_all": req.check_all,
    }
    cached = req.use_cache and (memo.path(root, req.mirror).is_file() or header_cache_path(root, req.mirror).is_file())
    # nothing to reuse: the headers will be read (joined before the scan forks)
    preloading = _preload("rpm", "yaml") if not (use_memo and cached) else None
    rels, walk_errors = find_rpms(req.mirror)
    # Stat every file up front only when a cache can use it; else the scan learns
    # each file's stat from the open file, for free.
    stats = stat_all(req.mirror, rels) if cached else None
    key = memo.fingerprint(req.mirror, stats, options) if use_memo and stats is not None else None
    stamp = {"profile": profile, "generated": clock.strftime("%Y-%m-%dT%H:%M:%SZ")}
    found = memo.load(root, req.mirror, key, rep.warn) if key is not None else None
    reused = "; the mirror is unchanged since the last run: its result is reused"
    built = None
    if found is None:
        log: list[tuple[str, str]] = []
        built, stats = _build(root, req, os_id, Listing(rels, walk_errors, stats), log, rep, preloading)
        found = memo.Memo(log, yaml_body(built), len(built.packages), yaml_mirror_lines(os_id, req.source))
        if use_memo:
            memo.save(root, req.mirror, key or memo.fingerprint(req.mirror, stats, options), found)
            rep.detail(f"result kept for the next run over an unchanged mirror ({memo.path(root, req.mirror)})")
        reused = ""
    for level, text in found.messages:
        if level == "warn":
            rep.warn(text)
        else:
            rep.info(text + reused)
    ext = "pan" if req.fmt == "pan" else "yaml"
    text = yaml_name_lines(profile, stamp["generated"], found.yaml_mirror) + found.yaml_body
    if req.fmt != "yaml":
        from errata_tpl.output import render  # jinja2 comes with it: only for --format pan

        if built is not None:  # the profile as built, named and dated
            prof = dataclasses.replace(built, profile=profile, generated=stamp["generated"])
        else:  # reused: the memo keeps the yaml only, read back here
            prof = profile_from_data({**load_text(text, str(req.mirror)), **stamp}, str(req.mirror))
        text = render.profile_text(prof, req.fmt)
    return Generated(text, root / "errata" / os_id / f"{profile}.{ext}", found.count)


class Listing(NamedTuple):
    rels: list[str]  # every *.rpm below the mirror, sorted
    errors: list[BadFile]  # what the walk could not list
    stats: dict[str, Stat | None] | None  # when statted up front


def _build(
    root: Path,
    req: GenerateRequest,
    os_id: str,
    listing: Listing,
    log: list[tuple[str, str]],
    rep: Reporter,
    preloading: Callable[[], None] | None,
) -> tuple[Profile, dict[str, Stat | None]]:
    """Scan, check, select and build: the profile (its name and time still to be
    set), and every file's stat as the scan saw it."""

    def warn(text: str) -> None:
        log.append(("warn", text))

    # needs no rpm: read while the rpm bindings load (then the scan forks: no thread left)
    advisories = load_advisories(req.mirror, warn)
    modules = load_modules(req.mirror)
    sel = req.selection
    if sel.security_only and advisories is None:
        raise UserError(f"{req.source}: --security-only needs the mirror's updateinfo (repodata/repomd.xml): none")
    if preloading is not None:
        preloading()
    # rpm's bindings: imported once the preload has them (and before the scan forks)
    from errata_tpl.mirror.hdrcache import HeaderCache
    from errata_tpl.mirror.scan import check_whole, scan

    cache = HeaderCache(header_cache_path(root, req.mirror), rep.warn) if req.use_cache else None
    extra: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        keys = None
        if req.keyring:
            from errata_tpl.mirror.keyring import Keyring  # python-gnupg: only when keys are given

            keys = stack.enter_context(Keyring(req.keyring))
        result = scan(req.mirror, listing.rels, listing.stats, cache, progress=_progress_bar(rep))
        if keys is not None:
            from errata_tpl.mirror import signing  # the verifier: only when keys are given

            extra = signing.check(req.mirror, req.source, result, keys, req.require_signature, warn)
        elif req.check_all:
            check_whole(req.mirror, result, [p.path for p in result.packages])

    if not result.packages:
        _report_bad(req.source, listing.errors + result.bad, warn)
        raise UserError(
            f"{req.source}: no readable RPM packages found ({result.files} *.rpm files); no profile written"
        )
    if all(p.is_source for p in result.packages):
        _report_bad(req.source, listing.errors + result.bad, warn)
        raise UserError(
            f"{req.source}: only source RPMs ({len(result.packages)}), no binary package; no profile written"
        )
    if sel.until is not None and advisories is None and sel.date_field != "buildtime":
        warn(f"{req.source}: no updateinfo: --until {sel.until} uses each RPM's build time")
    # Only the builds the profile names need rpm's whole-file check (a damaged one
    # gives way to the next newest): older builds are read up to their header.
    built = build_profile(
        result.packages,
        os_id=os_id,
        profile="00000000",
        source=req.source,
        generated="",
        extra=extra,
        advisories=advisories,
        selection=sel,
        check=lambda builds: check_whole(req.mirror, result, [b.path for b in builds]),
        modules=modules,
    )
    if modules is not None:
        for w in modules.warnings:
            warn(w)
    if cache is not None:
        result.remember(cache)
        rep.detail(f"header cache: {cache.path} ({result.from_cache} of {result.files} files reused)")
    rep.detail(
        f"rpm's whole-file check (payload digests): {len(result.checked)} files passed "
        + (
            "(every file)"
            if req.check_all or req.keyring
            else "(the builds the profile names; --check-all or `errata-tpl verify` for every file)"
        )
    )
    _report_bad(req.source, listing.errors + result.bad, warn)
    for w in built.warnings:
        warn(w)
    p = built.profile
    log.append(
        (
            "info",
            f"{result.files} files: {result.files - len(result.bad)} read ({result.from_cache} from cache), "
            f"{len(result.bad)} skipped, {built.sources_skipped} source; kept {len(p.packages)} packages, "
            f"{len(p.kernels)} kernel builds, {len(p.kernel_named)} kernel-named"
            + (
                f", {len(p.modular)} modular in {len({e.module for e in p.modular})} module streams"
                if modules is not None
                else ""
            )
            + (f"; {built.left_out} builds left out by the selection" if sel.active() else ""),
        )
    )
    return p, result.stats


def _report_bad(source: str, files: list[BadFile], warn: Callable[[str], None]) -> None:
    for bad in files:
        warn(f"{source}/{bad.path}: skipped: {bad.reason}")


def profile_place(rel: PurePosixPath) -> bool:
    """Where in the site ``generate -o`` may write: a profile's own place,
    ``errata/<os-id>/<YYYYMMDD>.yaml`` (or ``.pan``)."""
    return (
        len(rel.parts) == 3
        and rel.parts[0] == "errata"
        and rel.suffix in (".yaml", ".pan")
        and names.is_profile(rel.stem)
    )


def write_profile(path: Path, text: str, force: bool, fmt: str = "yaml") -> None:
    """Write a profile; a dated profile is a record, replaced only with ``force``, and
    (yaml, which the tool reads again) written only once it reads back.
    The check and the write hold the directory's lock (flock on the directory: no
    lock file beside the profiles). A device or a pipe (-o /dev/stdout) is written into."""
    if path.exists() and not path.is_file():
        atomic.write_text(path, text)
        return
    atomic.make_parent(path)
    with atomic.locked_dir(path.parent, f"profile {path.name}"):
        if not force and path.exists():
            raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)")
        if fmt == "yaml":
            yamlio.write_record(path, text, profile_from_data, overwrite=force)
        else:
            atomic.write_text(path, text, overwrite=force)
