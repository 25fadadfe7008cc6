"""Whole-file SHA256 of the files rpm's check reads whole anyway.

It is the checksum dnf checks a downloaded package against (createrepo_c's
``pkgid``). Made beside ``rpmkeys --checksig``, while the files are in the page
cache, and kept in the header cache with the check's verdict, so that
``publish`` never reads a build whole again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.fileio.stamp import Stat, stat_of
from errata_tpl.parallel import InThreads, cores

CHUNK = regular.MB  # hashlib lets other threads run while it hashes a buffer this large


def sha256_file(path: str, expected: Stat | None, buf: bytearray | None = None) -> str | None:
    """The file's SHA256 if it is a regular file of stat ``expected`` when opened,
    else None. The caller keeps it under ``expected``: a file that changes while it
    is read gets a new stat (its ctime moves), which this SHA256 is never taken for.
    ``buf``: the buffer to read into (one per thread, reused from file to file)."""
    buf = buf if buf is not None else bytearray(CHUNK)
    view = memoryview(buf)
    h = hashlib.sha256()
    try:
        fd, st = regular.open_fd(path)  # a FIFO put there since is never read
    except UserError:
        return None
    try:
        if stat_of(st) != expected:
            return None
        left = st.st_size
        while left > 0 and (n := os.readv(fd, [buf])):  # one read for most files: this runs per build
            h.update(view[:n])
            left -= n
    except OSError:
        return None
    finally:
        os.close(fd)
    return h.hexdigest()


def _share(items: list[tuple[str, Stat | None]]) -> dict[str, str | None]:
    buf = bytearray(CHUNK)
    return {p: sha256_file(p, st, buf) for p, st in items}


class Background(InThreads[tuple[str, Stat | None], str, str | None]):
    """``sha256_file`` of every path in worker threads, one share per core; ``result()`` waits.

    Each share a run of consecutive paths, as rpm's check deals them out (``rpmcheck``
    batches): a thread and an rpmkeys process then read the same files at about the
    same time, so a mirror larger than the page cache is read from disk once, not twice.
    """

    def __init__(self, expected: Mapping[str, Stat | None], workers: int | None = None) -> None:
        items = list(expected.items())
        n = max(1, min(workers or cores(), len(items)))
        size = -(-len(items) // n)
        super().__init__(_share, [items[i : i + size] for i in range(0, len(items), size)] if items else [])
