"""The commands' work: read inputs, call the pure core, write outputs.

The CLI parses arguments and prints; everything between is here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from . import atomic, names, render
from .errors import UserError
from .generate import build_profile
from .hdrcache import HeaderCache, cache_path
from .report import Reporter
from .scan import scan

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
        with click.progressbar(items, label="reading headers", file=click.get_text_stream("stderr")) as bar:
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

    cache = HeaderCache(cache_path(root, req.mirror)) if req.use_cache else None

    result = scan(req.mirror, cache, progress=_progress_bar(rep))
    if cache is not None:
        cache.prune({p.path for p in result.packages} | {b.path for b in result.bad})
        cache.save()

    for bad in result.walk_errors + result.bad:
        rep.warn(f"{req.source}/{bad.path}: skipped: {bad.reason}")
    if not result.packages:
        raise UserError(f"{req.source}: no readable RPM packages found ({result.files} *.rpm files); no profile written")

    built = build_profile(
        result.packages, os_id=os_id, profile=profile, source=req.source,
        generated=clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    for w in built.warnings:
        rep.warn(w)
    p = built.profile
    rep.info(
        f"{result.files} files: {result.files - len(result.bad)} read ({result.from_cache} from cache), "
        f"{len(result.bad)} skipped, {built.sources_skipped} source; kept {len(p.packages)} packages, "
        f"{len(p.kernels)} kernel builds, {len(p.kernel_named)} kernel-named"
    )
    ext = "pan" if req.fmt == "pan" else "yaml"
    return Generated(render.profile_text(p, req.fmt), root / "errata" / os_id / f"{profile}.{ext}", len(p.packages))


def write_profile(path: Path, text: str, force: bool) -> None:
    """Write a profile; a dated profile is a record, replaced only with ``force``."""
    with atomic.locked(path.parent / f".{path.name}.lock"):
        if not force and path.exists():
            raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)")
        atomic.write_text(path, text, overwrite=force)
