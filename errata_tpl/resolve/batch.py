"""A run over many nodes: which nodes, all resolved before anything is written, and
``resolve --out-dir``'s workers.

``write_out_dir`` splits the nodes over forked workers (``parallel.map_shares``), each
resolving and writing its share into the staging folder with its own copy of the
run's resolver. A worker sends back, per node, a ``_Done``: the first error of its
share, else what the node's resolving said (the changes to the tree's and the
resolver's warnings), whether it shared earlier work, and the node files it parsed;
the parent puts them together in node order, as one resolver over every node would
have said them (``errata_tpl.notices``), and keeps the parsed files for the next run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl import parallel
from errata_tpl.errors import UserError
from errata_tpl.fileio import outdir
from errata_tpl.fileio.parsedfiles import Entry as ParsedEntry
from errata_tpl.messages import Reporter
from errata_tpl.notices import Change, Notices
from errata_tpl.resolve.hookuse import HookState, HookUse
from errata_tpl.resolve.model import Resolved
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.values import names

if TYPE_CHECKING:
    from errata_tpl.output.render import Renderer
    from errata_tpl.site.tree import Tree


def select(tree: Tree, nodes: tuple[str, ...], all_nodes: bool) -> list[str]:
    """The nodes named, or with ``all_nodes`` every node of the site."""
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
    every = sorted(nodes) == tree.node_names()  # a fix-hook action idle on every node is said then
    _say(
        rep,
        tree.warnings + resolver.warnings + (resolver.hook_use.idle() if every else []),
        len(results),
        resolver.stats["shared"],
        {id(r.packages) for r in results},
    )
    return resolver, results


def write_out_dir(
    out_dir: Path,
    tree: Tree,
    nodes: list[str],
    renderer: Renderer,
    ext: str,
    complete: bool,
    rep: Reporter,
    jobs: int | None = None,
) -> int:
    """One file per node, ``DIR/<node>.<ext>``, replacing the earlier set as a whole
    (see fileio.outdir). A ``complete`` run (--all) removes the files of nodes that
    are gone: only files an earlier run listed, and only names the tool writes.

    Nodes are resolved and written by ``jobs`` forked workers (default: one per core
    for large runs), each a share of them into the staging folder. What they say
    (warnings, the first error in node order) is put together as one run would have
    said it; a failure leaves nothing, as the staging folder goes with it."""
    names.extension(ext)
    files = [f"{n}.{ext}" for n in nodes]
    # more workers than cores only share them; a -j of thousands must not fork thousands
    workers = min(jobs, 4 * parallel.cores()) if jobs is not None else parallel.cores() if len(nodes) >= 400 else 1

    def write_all(staging: outdir.Staging) -> None:
        resolver = Resolver(tree)
        said = len(tree.notices.log)  # what loading said before the workers part
        parent = os.getpid()

        def share(chunks: Iterable[range]) -> list[list[_Done | None]]:
            if os.getpid() != parent:
                staging.unlock_in_child()
            mine = list(chunks)
            todo = [(nodes[i], files[i]) for c in mine for i in c]
            got = iter(_write_share(tree, resolver, renderer, staging.path, todo, said, rep.verbosity >= 1))
            return [[next(got) for _ in c] for c in mine]

        # Workers take every n-th run of CHUNK nodes: each gets some of every stretch of the
        # node list (nodes named alike are often alike), yet neighbours share their work.
        chunks = [range(k, min(k + CHUNK, len(nodes))) for k in range(0, len(nodes), CHUNK)]
        per_chunk: list[list[_Done | None]] = parallel.map_shares(share, chunks, workers)
        _put_together(tree, said, [d for c in per_chunk for d in c], rep, complete)

    outdir.replace_set(out_dir, files, write_all, complete, rep.warn)
    return len(files)


CHUNK = 16  # nodes a worker resolves in a row


class _Done(NamedTuple):
    """What resolving and writing one node said (sent back pickled by a worker)."""

    error: str | None = None
    os_error: tuple[int, str, str] | None = None  # errno, strerror, file
    tree_notices: tuple[Change, ...] = ()
    notices: tuple[Change, ...] = ()
    shared: bool = False
    packages: int = 0  # the hash of its package list: nodes sharing a list share it
    parsed: tuple[ParsedEntry, ...] = ()  # node files it parsed: kept for the next run by the parent
    hooks: HookState = ()  # the worker's fix-hook actions that found something so far


def _write_share(
    tree: Tree,
    resolver: Resolver,
    renderer: Renderer,
    directory: Path,
    todo: list[tuple[str, str]],
    said: int,
    count: bool,
) -> list[_Done | None]:
    """Resolve (``resolver`` reads ``tree``) and write each node of a share in order;
    stop at the first failure. ``count``: tell the lists apart (for -v)."""
    out: list[_Done | None] = []
    hashes: dict[int, int] = {}
    for node, name in todo:
        heard, shared, parsed = len(resolver.notices.log), resolver.stats["shared"], len(tree.node_files.fresh)
        try:
            r = resolver.resolve(node)
            _write(directory / name, renderer.render_parts(r))
        except UserError as e:
            out.append(_Done(error=str(e)))
            break
        except OSError as e:
            out.append(_Done(os_error=(e.errno or 0, e.strerror or str(e), name)))
            break
        h = hashes.get(id(r.packages), 0)
        if count and not h:
            h = hashes[id(r.packages)] = hash(r.packages)
        out.append(
            _Done(
                tree_notices=tuple(tree.notices.log[said:]),
                notices=tuple(resolver.notices.log[heard:]),
                shared=resolver.stats["shared"] > shared,
                packages=h,
                parsed=tuple(tree.node_files.fresh[parsed:]),
                hooks=resolver.hook_use.state() if (node, name) == todo[-1] else (),
            )
        )
        said = len(tree.notices.log)
    return out + [None] * (len(todo) - len(out))


def _write(path: Path, parts: list[bytes]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        total = sum(len(p) for p in parts)
        done = os.writev(fd, parts)
        if done < total:  # a short write: finish the rest plainly
            rest = memoryview(b"".join(parts))[done:]
            while rest:
                rest = rest[os.write(fd, rest) :]
    finally:
        os.close(fd)


def _put_together(tree: Tree, said: int, done: list[_Done | None], rep: Reporter, complete: bool) -> None:
    """The workers' words in node order, as one resolver would have said them: the
    first error, else every warning once (see errata_tpl.notices); with ``complete``, the
    fix-hook actions no node's list found anything for."""
    loading, notices, hooks = Notices(), Notices(), HookUse()
    loading.replay(tree.notices.log[:said])
    for d in done:
        assert d is not None  # a share stops at its first error, which comes first in node order
        if d.error is not None:
            raise UserError(d.error)
        if d.os_error is not None:
            raise OSError(*d.os_error)
        loading.replay(d.tree_notices)
        tree.node_files.adopt(list(d.parsed))
        notices.replay(d.notices)
        hooks.merge(d.hooks)
    idle = hooks.idle() if complete else []
    shared = sum(d.shared for d in done if d)
    _say(rep, [*loading.lines, *notices.lines, *idle], len(done), shared, {d.packages for d in done if d})


def _say(rep: Reporter, warnings: list[str], nodes: int, shared: int, lists: set[int]) -> None:
    """What a resolve of many nodes says: its warnings, and with -v how work was shared."""
    for w in warnings:
        rep.warn(w)
    rep.detail(f"resolved {nodes} nodes: {shared} shared earlier work, {len(lists)} distinct package lists")
