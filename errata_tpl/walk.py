"""The ``*.rpm`` files below a mirror directory (no rpm library needed to list them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from .rpminfo import BadFile

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


class Stat(NamedTuple):
    size: int
    mtime_ns: int


def stat_all(top: Path, rels: list[str]) -> dict[str, Stat | None]:
    """Size and mtime of every file (following file symlinks); None where stat fails."""
    base = os.path.join(str(top), "")  # plain strings: pathlib costs more than the syscall here
    out: dict[str, Stat | None] = {}
    for rel in rels:
        try:
            st = os.stat(base + rel)
        except OSError:
            out[rel] = None
        else:
            out[rel] = Stat(st.st_size, st.st_mtime_ns)
    return out
