"""The ``*.rpm`` files below a mirror directory (no rpm library needed to list them)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from errata_tpl.mirror.rpminfo import BadFile

SKIP_DIRS = frozenset({"repodata"})


def find_rpms(top: Path) -> tuple[list[str], list[BadFile]]:
    """Every ``*.rpm`` below ``top`` (relative, sorted), skipping ``repodata/``.

    Directory symlinks are not followed, so a symlink loop cannot trap the walk;
    file symlinks are read like files (a dangling one is reported when read).
    """
    found: list[str] = []
    errors: list[BadFile] = []

    def onerror(e: OSError) -> None:
        errors.append(BadFile(os.path.relpath(e.filename or str(top), top), f"cannot read directory: {e.strerror}"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        rel = os.path.relpath(dirpath, top)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for f in filenames:
            if not f.endswith(".rpm"):
                continue
            if "\n" in prefix + f:  # rpm's verifier reports per line: such a name cannot be checked
                errors.append(BadFile(prefix + f, "file name contains a newline"))
            else:
                found.append(prefix + f)
    found.sort()
    return found, errors


# A file's (size in bytes, mtime in ns): what caches key on. A plain tuple: a
# mirror has tens of thousands, made on every run.
Stat = tuple[int, int]


# Below this many files, forking a second process to stat costs more than it saves.
PARALLEL_MIN_FILES = 4000


def stat_all(top: Path, rels: list[str]) -> dict[str, Stat | None]:
    """Size and mtime of every file (following file symlinks); None where stat fails.

    A large mirror is statted by one process per core: on a second run over an
    unchanged mirror these syscalls are most of the work.
    """
    base = os.path.join(str(top), "")  # plain strings: pathlib costs more than the syscall here

    def share(items: Iterable[str]) -> list[Stat | None]:
        out: list[Stat | None] = []
        for rel in items:
            try:
                st = os.stat(base + rel)
            except OSError:
                out.append(None)
            else:
                out.append((st.st_size, st.st_mtime_ns))
        return out

    from errata_tpl.mirror.parallel import cores, map_shares

    workers = cores() if len(rels) >= PARALLEL_MIN_FILES else 1
    return dict(zip(rels, map_shares(share, rels, workers)))
