"""Writes that either happen whole or not at all, and a lock for writers."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from errata_tpl.errors import UserError


def _temp_in(directory: Path, name: str) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)


def write_text(path: Path, text: str, *, overwrite: bool = True, mode: int = 0o644, durable: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (temp file + rename in the same directory).

    With ``overwrite=False`` an existing file is refused, race-free: the temp
    file is hard-linked into place, which fails if the name already exists.
    ``durable=False`` skips the fsync: for caches, where a file lost in a crash
    is only a miss.
    """
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise UserError(f"{path}: is a directory")
        # a device or a pipe (/dev/stdout, /dev/null): write into it, never rename over it
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_in(path.parent, path.name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed); refuse if it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{path}: another errata-tpl run holds this lock; try again when it ends") from None
        yield
    finally:
        os.close(fd)
