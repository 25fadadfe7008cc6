"""``generate``'s work: read the mirror, check trust, select, build the profile's text.

A run over an unchanged mirror with the same options reuses the last result
(``mirror.memo``); otherwise the mirror is read (``mirror.reader``: the files'
headers through the header cache, the metadata through repomd.xml, checked),
rpm checks the builds the profile names, and ``generate.build_profile`` chooses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.fileio.stamp import Stat
from errata_tpl.messages import Reporter
from errata_tpl.mirror import memo, reader, repomdsig
from errata_tpl.mirror.caches import header_cache_path, publishes
from errata_tpl.profile.head import yaml_name_lines
from errata_tpl.profile.selection import Selection
from errata_tpl.values import names

# A run over an unchanged mirror (the memo) needs none of the modules that read
# headers and metadata, choose and write the profile's YAML: they are imported where
# the mirror is read (a tenth of that run's time went to importing them).
if TYPE_CHECKING:
    from errata_tpl.mirror.hdrcache import HeaderCache
    from errata_tpl.mirror.rpminfo import BadFile, RpmInfo
    from errata_tpl.mirror.scan import CacheWriter, Progress, ScanResult  # rpm's bindings come with them
    from errata_tpl.profile.generate import Built
    from errata_tpl.profile.profile import Profile


class GenerateRequest(NamedTuple):
    mirror: Path
    os_id: str
    selection: Selection
    profile: str | None = None
    fmt: str = "yaml"
    use_cache: bool = True
    keyring: tuple[Path, ...] = ()
    require_signature: bool = False
    require_repomd_signature: bool = False  # dnf's repo_gpgcheck: repomd.xml.asc by a key of the keyring
    check_all: bool = False  # rpm's whole-file check of every file, not only of the builds named

    @property
    def source(self) -> str:
        """The mirror as given on the command line (messages, the profile's ``source``)."""
        return str(self.mirror)


class Generated(NamedTuple):
    text: str
    default_path: Path
    kept: int


def generate(
    root: Path, req: GenerateRequest, rep: Reporter, clock: dt.datetime, progress: Progress | None = None
) -> Generated:
    """The profile's text (named and dated by ``clock`` unless the request names it)
    and where it goes by default; ``progress`` wraps the header scan (a bar)."""
    os_id = names.os_id(req.os_id)
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
    files = reader.listing(req.mirror, stat_up_front=cached)
    key = memo.fingerprint(req.mirror, files.stats, options) if use_memo and files.stats is not None else None
    stamp = {"profile": profile, "generated": clock.strftime("%Y-%m-%dT%H:%M:%SZ")}
    found = memo.load(root, req.mirror, key, rep.warn) if key is not None else None
    reused = "; the mirror is unchanged since the last run: its result is reused"
    built = None
    if found is None:
        from errata_tpl.mirror.repomd import gc_paused
        from errata_tpl.profile.profile import yaml_body, yaml_mirror_lines

        log: list[tuple[str, str]] = []
        # The scan and the choice make one object per file and no cycle: Python's cycle
        # collector, passing over all of them again and again, cost a tenth of the run.
        with gc_paused():
            built, stats, cache_written = _build(root, req, os_id, files, log, rep, progress)
            try:
                found = memo.Memo(log, yaml_body(built), len(built.packages), yaml_mirror_lines(os_id, req.source))
                if use_memo:
                    memo.save(root, req.mirror, key or memo.fingerprint(req.mirror, stats, options), found)
                    rep.detail(f"result kept for the next run over an unchanged mirror ({memo.path(root, req.mirror)})")
            finally:
                cache_written()
        reused = ""
    for level, text in found.messages:
        if level == "warn":
            rep.warn(text)
        else:
            rep.info(text + reused)
    ext = "pan" if req.fmt == "pan" else "yaml"
    text = yaml_name_lines(profile, stamp["generated"], found.yaml_mirror) + found.yaml_body
    if req.fmt != "yaml":
        text = _rendered(req, text, built, stamp)
    return Generated(text, root / "errata" / os_id / f"{profile}.{ext}", found.count)


def _rendered(req: GenerateRequest, text: str, built: Profile | None, stamp: dict[str, str]) -> str:
    """The profile in ``req.fmt`` (not YAML): from the profile as built, named and
    dated by ``stamp``, or (``built`` None: the memo's result, which keeps the YAML
    ``text`` only) as read back from it."""
    from errata_tpl.output import render  # jinja2 comes with it: only for --format pan

    if built is not None:
        prof = dataclasses.replace(built, profile=stamp["profile"], generated=stamp["generated"])
    else:
        from errata_tpl.fileio.yamlio import load_text
        from errata_tpl.profile.profile import from_data as profile_from_data

        data = load_text(text, str(req.mirror))
        prof = profile_from_data({**data, **stamp} if isinstance(data, dict) else data, str(req.mirror))
    return render.profile_text(prof, req.fmt)


def _build(
    root: Path,
    req: GenerateRequest,
    os_id: str,
    files: reader.Listing,
    log: list[tuple[str, str]],
    rep: Reporter,
    progress: Progress | None,
) -> tuple[Profile, dict[str, Stat | None], Callable[[], bool]]:
    """Scan, check, select and build: the profile (its name and time still to be
    set), every file's stat as the scan saw it, and the wait for the header cache's
    writing (``CacheWriter.wait``), to call before the run ends."""

    def warn(text: str) -> None:
        log.append(("warn", text))

    read = _read(root, req, files, rep, warn, progress)
    _refuse_empty(req.source, files, read.result, warn)
    sel = req.selection
    if sel.until is not None and read.metadata.advisories is None and sel.date_field != "buildtime":
        warn(f"{req.source}: no updateinfo: --until {sel.until} uses each RPM's build time")
    built, writer, named = _choose(req, os_id, read)
    log.append(("info", _tell(req, files, read, built, rep, warn)))
    writer.finish(read.result)  # when no check round passed every build (or none ran)
    if req.use_cache and publishes(root):
        _for_publish(root, req.mirror, read.result, named, warn)
    return built.profile, read.result.stats, writer.wait


def _for_publish(
    root: Path, mirror: Path, result: ScanResult, named: list[RpmInfo], warn: Callable[[str], None]
) -> None:
    """Each named build's repository metadata (``mirror.chunks``), made now that rpm's
    check has just read its file, from its headers and the SHA256 made then: a later
    ``publish`` of the profile reads no build again (the way Pulp keeps each package's
    metadata from its sync). Builds made before are taken from the cache. Only at a
    site that publishes: elsewhere it would be work and disk for nothing."""
    from errata_tpl.mirror.chunks import ChunkCache, chunks

    cache = ChunkCache(root, mirror, warn)
    files = {b.path: st for b in named if (st := result.stats.get(b.path)) is not None}
    ends = {b.path: b.header_end for b in named}
    chunks(mirror, files, cache, {rel: (result.checked.get(rel), ends[rel]) for rel in files}, strict=False)
    cache.save(result.stats)


class _Read(NamedTuple):
    """The mirror as read: its metadata, every file's header, what trust recorded."""

    metadata: reader.Metadata
    result: ScanResult
    cache: HeaderCache | None
    extra: dict[str, object]  # the profile header's record of the signature check


def _read(
    root: Path,
    req: GenerateRequest,
    files: reader.Listing,
    rep: Reporter,
    warn: Callable[[str], None],
    progress: Progress | None,
) -> _Read:
    """The metadata (repomd.xml.asc checked, with a keyring), every header, then trust:
    with a keyring every file's signature and digests, with --check-all its digests."""
    extra: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        keys = None
        if req.keyring:
            from errata_tpl.mirror.keyring import Keyring  # python-gnupg: only when keys are given

            keys = stack.enter_context(Keyring(req.keyring))
        with repomdsig.checked(keys, req.require_repomd_signature, warn):  # repomd.xml.asc, with a keyring
            metadata = reader.metadata(req.mirror, warn, root if req.use_cache and publishes(root) else None)
        if req.selection.security_only and metadata.advisories is None:
            raise UserError(f"{req.source}: --security-only needs the mirror's updateinfo (repodata/repomd.xml): none")
        from errata_tpl.mirror.scan import check_whole  # rpm's bindings (errata_tpl.rpmlib)

        result, cache = reader.headers(root, req.mirror, files, req.use_cache, rep.warn, progress)
        if keys is not None:
            from errata_tpl.mirror import signing  # the verifier: only when keys are given

            extra = signing.check(req.mirror, req.source, result, keys, req.require_signature, warn)
        elif req.check_all:
            check_whole(req.mirror, result, [p.path for p in result.packages])
    return _Read(metadata, result, cache, extra)


def _refuse_empty(source: str, files: reader.Listing, result: ScanResult, warn: Callable[[str], None]) -> None:
    """No readable package, or only source packages: an error (what was skipped said first)."""
    if not result.packages:
        _report_bad(source, files.errors + result.bad, warn)
        raise UserError(f"{source}: no readable RPM packages found ({result.files} *.rpm files); no profile written")
    if all(p.is_source for p in result.packages):
        _report_bad(source, files.errors + result.bad, warn)
        raise UserError(f"{source}: only source RPMs ({len(result.packages)}), no binary package; no profile written")


def _choose(req: GenerateRequest, os_id: str, read: _Read) -> tuple[Built, CacheWriter, list[RpmInfo]]:
    """``build_profile``, rpm's whole-file check on the builds it names (a damaged one gives
    way to the next newest: older builds are read up to their header only); and the header
    cache's writer. The cache is written by a forked child (``CacheWriter``) that makes its
    entries while rpm checks, and writes it once rpm's verdicts are final: after a round of
    rpm's check that failed no build (choose checks again only the groups whose pick
    failed), while the profile is built and written out. The third value: the builds
    rpm's check passed (those the profile names)."""
    from errata_tpl.mirror.scan import CacheWriter, check_builds
    from errata_tpl.profile.generate import build_profile

    result = read.result
    writer = CacheWriter(result, read.cache)

    named: list[RpmInfo] = []

    def check(builds: list[RpmInfo]) -> set[str]:
        failed = check_builds(req.mirror, result, builds)
        if not failed:
            writer.finish(result)
        named.extend(b for b in builds if b.path not in failed)
        return failed

    try:
        built = build_profile(
            result.packages,
            os_id=os_id,
            profile="00000000",
            source=req.source,
            generated="",
            extra=read.extra,
            advisories=read.metadata.advisories,
            selection=req.selection,
            check=check,
            modules=read.metadata.modules,
        )
    except BaseException:
        writer.wait()
        raise
    return built, writer, named


def _tell(
    req: GenerateRequest, files: reader.Listing, read: _Read, built: Built, rep: Reporter, warn: Callable[[str], None]
) -> str:
    """What the run says once the profile is built: the metadata's warnings, what the
    caches and rpm's check did (-v), what was skipped, the choice's warnings; the
    summary line returned."""
    result, modules, sel = read.result, read.metadata.modules, req.selection
    if modules is not None:
        for w in modules.warnings:
            warn(w)
    if read.cache is not None:
        rep.detail(f"header cache: {read.cache.path} ({result.from_cache} of {result.files} files reused)")
    rep.detail(
        f"rpm's whole-file check (payload digests): {len(result.checked)} files passed "
        + (
            "(every file)"
            if req.check_all or req.keyring
            else "(the builds the profile names; --check-all or `errata-tpl verify` for every file)"
        )
    )
    _report_bad(req.source, files.errors + result.bad, warn)
    for w in built.warnings:
        warn(w)
    p = built.profile
    if sel.active() and not (p.packages or p.kernels or p.modular):  # a date or severity off by a year
        warn(f"{req.source}: {sel.options()} selects none of the {built.left_out} builds: the profile lists nothing")
    return (
        # from cache: of all the files (a skipped one's verdict may be the cache's too)
        f"{result.files} files ({result.from_cache} from cache): {result.files - len(result.bad)} read, "
        f"{len(result.bad)} skipped, {built.sources_skipped} source; kept {len(p.packages)} packages, "
        f"{len(p.kernels)} kernel builds, {len(p.kernel_named)} kernel-named"
        + (
            f", {len(p.modular)} modular in {len({e.module for e in p.modular})} module streams"
            if modules is not None
            else ""
        )
        + (f"; {built.left_out} builds left out by the selection" if sel.active() else "")
    )


def _report_bad(source: str, files: list[BadFile], warn: Callable[[str], None]) -> None:
    for bad in files:
        warn(f"{source}/{bad.path}: skipped: {bad.reason}")
