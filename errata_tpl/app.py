"""The commands' work: read inputs, call the pure core, write outputs.

The CLI parses arguments and prints; everything between is here.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from . import atomic, names, render
from .errors import UserError
from .generate import build_profile
from .hdrcache import HeaderCache, cache_path
from .render import Renderer
from .report import Reporter
from .resolve import Resolved, Resolver
from .scan import scan
from .tree import Tree

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
        raise UserError(
            f"{req.source}: no readable RPM packages found ({result.files} *.rpm files); no profile written"
        )

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


# --- resolve, explain, status ------------------------------------------------------------

MANIFEST = ".errata-tpl-manifest"


def select_nodes(tree: Tree, nodes: tuple[str, ...], all_nodes: bool) -> list[str]:
    if all_nodes:
        found = tree.node_names()
        if not found:
            raise UserError(f"{tree.root / 'site/nodes'}: no node files (*.yaml)")
        return found
    return [names.node(n) for n in nodes]


def resolve_all(tree: Tree, nodes: list[str], rep: Reporter, trace: bool = False) -> tuple[Resolver, list[Resolved]]:
    """Resolve every node before anything is written: one failure, nothing written."""
    resolver = Resolver(tree, trace=trace)
    results = [resolver.resolve(n) for n in nodes]
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return resolver, results


def render_many(renderer: Renderer, results: list[Resolved]) -> str:
    texts = [renderer.render(r) for r in results]
    if len(texts) == 1:
        return texts[0]
    if renderer.user_template is None and renderer.fmt == "json":
        return "[\n" + ",\n".join(t.rstrip("\n") for t in texts) + "\n]\n"
    if renderer.user_template is None and renderer.fmt in ("yaml", "ansible"):
        return "".join(t if t.startswith("---\n") else f"---\n{t}" for t in texts)
    return "".join(texts)


def write_out_dir(out_dir: Path, renderer: Renderer, results: list[Resolved], ext: str, complete: bool) -> int:
    """One file per node. Files are written to a staging folder, then renamed into
    place; the manifest, written last, lists the set. A ``complete`` run (--all)
    removes the files of nodes that are gone: only files an earlier run listed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old_manifest = out_dir / MANIFEST
    previous: set[str] = set()
    if old_manifest.is_file():
        previous = set(old_manifest.read_text(encoding="utf-8").split())
    staging = Path(tempfile.mkdtemp(prefix=".errata-tpl-staging-", dir=out_dir))
    written = [f"{r.node}.{ext}" for r in results]
    try:
        with _Writers(staging) as writers:
            for name, r in zip(written, results):
                writers.write(name, renderer.render(r))
        for name in written:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    listed = set(written) if complete else set(written) | previous
    for stale in sorted(previous - listed):
        with contextlib.suppress(FileNotFoundError):
            (out_dir / stale).unlink()
    atomic.write_text(old_manifest, "".join(f"{n}\n" for n in sorted(listed)))
    return len(written)


class _Writers:
    """Files written by two threads while the caller renders the next ones: creating
    and filling many files is kernel work that a second core halves. At most
    ``depth`` texts wait in memory."""

    def __init__(self, directory: Path, threads: int = 2, depth: int = 64) -> None:
        self.directory = directory
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)
        self._slots = threading.BoundedSemaphore(depth)
        self._futures: list[concurrent.futures.Future[None]] = []

    def _write(self, name: str, data: bytes) -> None:
        try:
            fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        finally:
            self._slots.release()

    def write(self, name: str, text: str) -> None:
        self._slots.acquire()
        self._futures.append(self._pool.submit(self._write, name, text.encode("utf-8")))

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        for f in self._futures:
            f.result()  # an OSError of a writer surfaces here


def explain(tree: Tree, node: str, package: str) -> list[str]:
    """Every step that touched ``package`` on ``node``, then what it ends as."""
    resolver = Resolver(tree, trace=True)
    r = resolver.resolve(names.node(node))
    lines = [f"{r.node}: {package}", *(f"  {n}" for n in r.notes)]
    events = [e for e in r.events if e.name == package]
    lines += [f"  {e.text}" for e in events] or [f"  no step named {package}"]
    final = [p for p in r.packages if p.name == package]
    if final:
        lines += [f"  result: {p.nevra()} (from {p.source}{', multi' if p.multi else ''})" for p in final]
    else:
        lines.append(f"  result: {package} is not in the list of {r.node}")
    return lines


STATUS_COLUMNS = ("node", "os", "deploy", "errata", "from", "kernel", "kernel from", "kept", "changed")


def status(tree: Tree, rep: Reporter) -> tuple[list[tuple[str, ...]], bool]:
    """One row per node; a node that fails shows its error and the run fails."""
    resolver = Resolver(tree)
    rows: list[tuple[str, ...]] = []
    ok = True
    for n in tree.node_names():
        try:
            r = resolver.resolve(n)
        except UserError as e:
            ok = False
            rows.append((n, "-", "-", "ERROR", str(e), "", "", "", ""))
            continue
        deploy = "no" if r.errata_from == "deploy-off" else "yes"
        source = f"clone:{r.clone}" if r.clone else r.errata_from
        rows.append((
            n, r.os, deploy, r.errata or "-", source, r.kernel.version or "-", r.kernel.source,
            ",".join(r.kernel.kept) or "-", str(r.changed_by_errata),
        ))
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return rows, ok


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*row).rstrip() for row in (header, *rows)) + "\n"
