"""Reading a file: the one way errata-tpl opens a file it reads.

Opened without blocking (a FIFO with no writer cannot hang the run) and never as
a controlling terminal; then ``fstat`` of what was opened decides: anything but a
regular file (a FIFO, a device such as /dev/zero, a socket, a directory) is
refused unread. A regular file is read up to a bound: a file that grows while it
is read, or a huge one, cannot fill memory.

    data = regular.read_bytes(path, 16 * MB)           # bytes, at most 16 MB
    text = regular.read_text(path, 16 * MB, where)     # UTF-8 text
    with regular.opened(path) as (fd, st): ...         # the open descriptor, for a library that reads it
    fd, st = regular.open_fd(path)                     # the same, closed by the caller (a loop over many files)

Each raises ``Unreadable`` (a UserError: ``<where>: <reason>``); ``reason`` is the
text without the path, ``missing`` tells "no such file" apart (a cache takes
either as a miss).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from errata_tpl.errors import UserError

MB = 1024 * 1024


class Unreadable(UserError):
    def __init__(self, where: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.missing = missing


def kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _os_reason(e: OSError) -> str:
    return f"cannot read: {(e.strerror or str(e)).lower()}"


def present(path: Path | str, where: str | None = None) -> bool:
    """Whether an optional file (site.yaml, a hook, a profile) is there to be read.
    False only when nothing at all is at ``path``; anything there that is not a
    regular file (a directory, a FIFO, a dangling link) is an ``Unreadable`` naming
    it: read as absent, it would silently change every node's list."""
    where = str(path) if where is None else where
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise Unreadable(where, "not a regular file (a symbolic link to nothing)") from None
        return False
    except NotADirectoryError:
        return False  # a file where a folder of the path should be: nothing there either
    except OSError as e:
        raise Unreadable(where, _os_reason(e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable(where, f"not a regular file ({kind(st.st_mode)})")
    return True


@contextlib.contextmanager
def opened(
    path: Path | str, where: str | None = None, *, follow_symlinks: bool = True
) -> Iterator[tuple[int, os.stat_result]]:
    """The file's descriptor and its stat, if it is a regular file; closed after the block.
    ``follow_symlinks=False``: a symbolic link is refused too (a file the tool wrote)."""
    fd, st = open_fd(path, where, follow_symlinks=follow_symlinks)
    try:
        yield fd, st
    finally:
        os.close(fd)


def open_fd(path: Path | str, where: str | None = None, *, follow_symlinks: bool = True) -> tuple[int, os.stat_result]:
    """``opened`` without the block: the descriptor, which the caller closes, and its
    stat. For a loop over thousands of files (a context manager costs a microsecond each)."""
    where = str(path) if where is None else where
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable(where, "no such file", missing=True) from None
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_symlinks:
            raise Unreadable(where, "not a regular file (a symbolic link, not followed)") from None
        raise Unreadable(where, _os_reason(e)) from None
    try:
        st = os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise Unreadable(where, _os_reason(e)) from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Unreadable(where, "not a regular file")
    return fd, st


def read_bytes(path: Path | str, max_bytes: int, where: str | None = None, *, follow_symlinks: bool = True) -> bytes:
    """The whole file, at most ``max_bytes``; larger is refused."""
    where = str(path) if where is None else where
    with opened(path, where, follow_symlinks=follow_symlinks) as (fd, st):
        try:
            # sized by fstat: a read of max_bytes would allocate (and fault in) that much every time
            data = _read_upto(fd, min(max_bytes, st.st_size) + 1)
            if st.st_size < len(data) <= max_bytes:  # it grew since fstat: on, up to the bound
                data += _read_upto(fd, max_bytes + 1 - len(data))
        except OSError as e:
            raise Unreadable(where, _os_reason(e)) from None
    if len(data) > max_bytes:
        raise Unreadable(where, f"file is larger than {_size(max_bytes)}; refused")
    return data


def read_text(path: Path | str, max_bytes: int, where: str | None = None, *, follow_symlinks: bool = True) -> str:
    """``read_bytes`` as UTF-8 text."""
    where = str(path) if where is None else where
    return decoded(read_bytes(path, max_bytes, where, follow_symlinks=follow_symlinks), where)


def decoded(data: bytes, where: str) -> str:
    """``data`` as UTF-8 text; an Unreadable naming ``where`` when it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Unreadable(where, f"not UTF-8 text (byte {e.start + 1})") from None


def _size(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{n:,} bytes"


def _read_upto(fd: int, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the file."""
    chunks = []
    while n > 0:
        chunk = os.read(fd, n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
