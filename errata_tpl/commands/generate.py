"""Generate a profile: scan, check trust, select, build, write."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import memo, names
from ..errors import UserError
from ..profile import from_data as profile_from_data
from ..profile import to_data, yaml_body, yaml_mirror_lines, yaml_name_lines
from ..report import Reporter
from ..selection import Selection

if TYPE_CHECKING:
    from ..keyring import Keyring
    from ..scan import ScanResult
    from ..verify import Verdict

PROGRESS_MIN_FILES = 2000


def now_utc() -> dt.datetime:
    """The run's clock; SOURCE_DATE_EPOCH pins it for reproducible output."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.isdigit():
        return dt.datetime.fromtimestamp(int(sde), tz=dt.timezone.utc)
    return dt.datetime.now(tz=dt.timezone.utc)


def _progress_bar(rep: Reporter) -> Callable[[list[str]], Iterator[str]]:
    """A bar on stderr for a long scan at a terminal; otherwise the items as they are."""

    def wrap(items: list[str]) -> Iterator[str]:
        if len(items) < PROGRESS_MIN_FILES or not rep.is_terminal():
            yield from items
            return
        with click.progressbar(items, label="reading headers", file=rep.stream or sys.stderr) as bar:
            yield from bar

    return wrap


@dataclass(frozen=True)
class GenerateRequest:
    mirror: Path
    source: str  # the mirror as given on the command line
    os_id: str
    profile: str | None = None
    fmt: str = "yaml"
    use_cache: bool = True
    keyring: tuple[Path, ...] = ()
    require_signature: bool = False
    selection: Selection = field(default_factory=Selection)


@dataclass(frozen=True)
class Generated:
    text: str
    default_path: Path
    kept: int


def generate(root: Path, req: GenerateRequest, rep: Reporter) -> Generated:
    os_id = names.os_id(req.os_id)
    clock = now_utc()
    profile = names.profile(req.profile or clock.strftime("%Y%m%d"))
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")
    if req.require_signature and not req.keyring:
        raise UserError("--require-signature needs at least one --keyring KEY")

    # A run over an unchanged mirror with the same options gives the same lists: reuse
    # them. Not with a keyring: trust is checked afresh every time.
    key = None
    if req.use_cache and not req.keyring:
        from ..walk import find_rpms

        rels, _ = find_rpms(req.mirror)
        key = memo.fingerprint(req.mirror, rels, {
            "os": os_id, "source": req.source, "selection": req.selection.rule(True),
            "date_field": req.selection.date_field,
        })
    stamp = {"profile": profile, "generated": clock.strftime("%Y-%m-%dT%H:%M:%SZ")}
    found = memo.load(root, req.mirror, key) if key is not None else None
    reused = "; the mirror is unchanged since the last run: its result is reused"
    if found is None:
        log: list[tuple[str, str]] = []
        data = _build(root, req, os_id, log, rep)
        built = profile_from_data({**data, **stamp}, str(req.mirror))
        found = memo.Memo(data, log, yaml_body(built), len(built.packages), yaml_mirror_lines(os_id, req.source))
        if key is not None:
            memo.save(root, req.mirror, key, found)
            rep.detail(f"result kept for the next run over an unchanged mirror ({memo.path(root, req.mirror)})")
        reused = ""
    for level, text in found.messages:
        if level == "warn":
            rep.warn(text)
        else:
            rep.info(text + reused)
    ext = "pan" if req.fmt == "pan" else "yaml"
    if req.fmt == "yaml":
        text = yaml_name_lines(profile, stamp["generated"], found.yaml_mirror) + found.yaml_body
    else:
        from .. import render

        text = render.profile_text(profile_from_data({**found.profile, **stamp}, str(req.mirror)), req.fmt)
    return Generated(text, root / "errata" / os_id / f"{profile}.{ext}", found.count)


def _build(root: Path, req: GenerateRequest, os_id: str, log: list[tuple[str, str]],
           rep: Reporter) -> dict[str, object]:
    """Scan, check, select and build: the profile's content (without name and time)."""
    from ..advisories import load as load_advisories
    from ..generate import build_profile
    from ..hdrcache import HeaderCache, cache_path
    from ..scan import scan

    def warn(text: str) -> None:
        log.append(("warn", text))

    cache = HeaderCache(cache_path(root, req.mirror)) if req.use_cache else None
    extra: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        keys = None
        if req.keyring:
            from ..keyring import Keyring  # python-gnupg: only when keys are given

            keys = stack.enter_context(Keyring(req.keyring))
        result = scan(req.mirror, cache, progress=_progress_bar(rep),
                      signatures=keys.rpmkeys_args() if keys is not None else None)
        if keys is not None:
            for k in keys.keys:
                if k.expired:
                    warn(f"{k.source}: key {k.fingerprint} expired on {k.expires}")
            from ..verify import Status

            untrusted = _apply_signature_policy(result, keys, req.require_signature)
            for v in untrusted:
                warn(f"{req.source}/{v.path}: {v.status.value}{f' (key {v.keyid})' if v.keyid else ''}"
                     + ("; left out" if req.require_signature or v.status is Status.BAD_SIGNATURE else ""))
            extra = {"signatures": "required" if req.require_signature else "checked",
                     "keyring": [k.fingerprint for k in keys.keys]}
    if cache is not None:
        cache.prune({p.path for p in result.packages} | {b.path for b in result.bad})
        cache.save()
        rep.detail(f"header cache: {cache.path} ({result.from_cache} of {result.files} files reused)")

    for bad in result.walk_errors + result.bad:
        warn(f"{req.source}/{bad.path}: skipped: {bad.reason}")
    if not result.packages:
        raise UserError(
            f"{req.source}: no readable RPM packages found ({result.files} *.rpm files); no profile written"
        )

    advisories = load_advisories(req.mirror)
    sel = req.selection
    if sel.security_only and advisories is None:
        raise UserError(f"{req.source}: --security-only needs the mirror's updateinfo (repodata/repomd.xml): none")
    if sel.until is not None and advisories is None and sel.date_field != "buildtime":
        warn(f"{req.source}: no updateinfo: --until {sel.until} uses each RPM's build time")
    built = build_profile(
        result.packages, os_id=os_id, profile="00000000", source=req.source, generated="",
        extra=extra, advisories=advisories, selection=sel,
    )
    for w in built.warnings:
        warn(w)
    p = built.profile
    log.append(("info",
        f"{result.files} files: {result.files - len(result.bad)} read ({result.from_cache} from cache), "
        f"{len(result.bad)} skipped, {built.sources_skipped} source; kept {len(p.packages)} packages, "
        f"{len(p.kernels)} kernel builds, {len(p.kernel_named)} kernel-named"
        + (f"; {built.left_out} builds left out by the selection" if sel.active() else "")
    ))
    return to_data(p)


def _apply_signature_policy(result: ScanResult, keys: Keyring, required: bool) -> list[Verdict]:
    """Leave out what the policy refuses: a bad signature always, and with
    ``required`` anything not signed by a key of the keyring. Returns the
    packages that were not ok, kept or not."""
    from ..verify import Status, classify

    verdicts = {rel: classify(rel, c) for rel, c in result.checks.items()}
    not_ok: list[Verdict] = []
    kept = []
    for p in result.packages:
        v = verdicts.get(p.path)
        if v is None or v.status is Status.OK:
            kept.append(p)
            continue
        not_ok.append(v)
        if not (required or v.status is Status.BAD_SIGNATURE):
            kept.append(p)
    result.packages = kept
    return not_ok

def write_profile(path: Path, text: str, force: bool) -> None:
    """Write a profile; a dated profile is a record, replaced only with ``force``."""
    from .. import atomic

    with atomic.locked(path.parent / f".{path.name}.lock"):
        if not force and path.exists():
            raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)")
        atomic.write_text(path, text, overwrite=force)
