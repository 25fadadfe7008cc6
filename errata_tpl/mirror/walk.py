"""The ``*.rpm`` files below a mirror directory (no rpm library needed to list them)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from errata_tpl.fileio.regular import kind
from errata_tpl.fileio.stamp import Stat, stat_of
from errata_tpl.mirror.rpminfo import BadFile
from errata_tpl.parallel import cores, map_claimed

SKIP_DIRS = frozenset({"repodata"})


def find_rpms(top: Path) -> tuple[list[str], list[BadFile]]:
    """Every ``*.rpm`` below ``top`` (relative, sorted), skipping ``repodata/``.

    Directory symlinks are not followed, so a symlink loop cannot trap the walk;
    file symlinks are read like files (a dangling one is reported when read).
    Anything that is not a regular file (a FIFO would block a reader forever, a
    device may act when opened) is reported and never opened. A name that is not
    valid UTF-8 is an ordinary name (kept as Python's surrogate escapes).
    """
    found: list[str] = []
    errors: list[BadFile] = []
    todo = [""]
    while todo:
        prefix = todo.pop()
        try:
            with os.scandir(os.path.join(top, prefix) if prefix else top) as it:
                entries = list(it)
        except OSError as e:
            errors.append(BadFile(prefix.rstrip("/") or ".", f"cannot read directory: {e.strerror}"))
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                # most entries: a regular *.rpm file, as the listing tells (d_type): no syscall
                if rel.endswith(".rpm") and "\n" not in rel and entry.is_file(follow_symlinks=False):
                    found.append(rel)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        todo.append(rel + "/")
                    continue
                if not entry.name.endswith(".rpm"):
                    continue
                mode = _mode(entry)
            except OSError as e:
                errors.append(BadFile(rel, f"cannot read: {e.strerror}"))
                continue
            if "\n" in rel:  # rpm's verifier reports per line: such a name cannot be checked
                errors.append(BadFile(rel, "file name contains a newline"))
            elif mode is None or stat.S_ISREG(mode):
                found.append(rel)  # a dangling link is reported when read
            elif not stat.S_ISDIR(mode):  # a link to a directory is not followed
                errors.append(BadFile(rel, f"{kind(mode)}, not a package file; skipped without opening it"))
    found.sort()
    errors.sort()
    return found, errors


def _mode(entry: os.DirEntry[str]) -> int | None:
    """The file type of the entry (through a symlink; None if it dangles), without
    a syscall where the directory listing says it (d_type)."""
    if entry.is_file(follow_symlinks=False):
        return stat.S_IFREG
    if not entry.is_symlink():
        return entry.stat(follow_symlinks=False).st_mode
    try:
        return entry.stat(follow_symlinks=True).st_mode
    except FileNotFoundError:
        return None


# Below this many files, forking a second process to stat costs more than it saves.
PARALLEL_MIN_FILES = 4000
STAT_CHUNK = 1000  # files a worker claims at a time (~2 ms of stats)


def stat_all(top: Path, rels: list[str]) -> dict[str, Stat | None]:
    """The Stat of every file (following file symlinks); None where stat fails.

    A large mirror is statted by one process per core: on a second run over an
    unchanged mirror these syscalls are most of the work.
    """
    base = os.path.join(str(top), "")  # plain strings: pathlib costs more than the syscall here

    def share(items: Iterable[str]) -> Iterator[Stat | None]:
        for rel in items:
            try:
                st = os.stat(base + rel)
            except OSError:
                yield None
            else:
                yield stat_of(st)

    workers = cores() if len(rels) >= PARALLEL_MIN_FILES else 1
    return dict(zip(rels, map_claimed(share, rels, workers, STAT_CHUNK)))
