"""Resolve nodes and write their lists (stdout, a file, or one file per node)."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import outdir
from errata_tpl.output.render import Renderer
from errata_tpl.report import Reporter
from errata_tpl.resolve.resolver import Resolved, Resolver
from errata_tpl.site.tree import Tree
from errata_tpl.values import names

# --- resolve, explain, status ------------------------------------------------------------

MANIFEST = outdir.MANIFEST


MAX_TEMPLATE_BYTES = 4 * 1024 * 1024


def read_template(path: Path) -> str:
    """A ``--template`` file: UTF-8 text of a sane size, from a regular file."""
    from errata_tpl.fileio.yamlio import read_text

    return read_text(path, str(path), MAX_TEMPLATE_BYTES)


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
    distinct = len({id(r.packages) for r in results})
    rep.detail(
        f"resolved {len(results)} nodes: {resolver.stats['shared']} shared earlier work, "
        f"{distinct} distinct package lists"
    )
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


def tidy_out_dir(out_dir: Path, rep: Reporter) -> None:
    outdir.tidy(out_dir, rep.warn)


def write_out_dir(
    out_dir: Path, renderer: Renderer, results: list[Resolved], ext: str, complete: bool, rep: Reporter
) -> int:
    """One file per node, ``DIR/<node>.<ext>``, replacing the earlier set as a whole
    (see fileio.outdir). A ``complete`` run (--all) removes the files of nodes that
    are gone: only files an earlier run listed, and only names the tool writes."""
    names.extension(ext)
    written = [f"{r.node}.{ext}" for r in results]

    def write_all(staging: Path) -> None:
        with _Writers(staging) as writers:
            for name, r in zip(written, results):
                writers.write(name, renderer.render_parts(r))

    outdir.replace_set(out_dir, written, write_all, complete, rep.warn)
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

    def _write(self, name: str, parts: list[bytes]) -> None:
        try:
            fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                total = sum(len(p) for p in parts)
                done = os.writev(fd, parts)
                if done < total:  # a short write: finish the rest plainly
                    rest = memoryview(b"".join(parts))[done:]
                    while rest:
                        rest = rest[os.write(fd, rest) :]
            finally:
                os.close(fd)
        finally:
            self._slots.release()

    def write(self, name: str, parts: list[bytes]) -> None:
        self._slots.acquire()
        self._futures.append(self._pool.submit(self._write, name, parts))

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        for f in self._futures:
            f.result()  # an OSError of a writer surfaces here
