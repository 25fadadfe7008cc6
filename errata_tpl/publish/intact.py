"""Does a published folder hold exactly given files? Cheap: an lstat per package (the
very file ERRATA_DIR has: the same inode for a hard link, the same size and mtime
for a copy; a symbolic link, or a file mounted over one, is neither) and a hash per
metadata file."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from errata_tpl.fileio.stamp import Stat
from errata_tpl.publish.folder import files_in, is_metadata_name
from errata_tpl.publish.memo import file_sha256

REPODATA = "repodata"


def _same_file(st: os.stat_result, source: Stat | None, mirror_dev: int) -> bool:
    if source is None or not stat.S_ISREG(st.st_mode):
        return False
    size, mtime, ino, _ = source
    if st.st_dev == mirror_dev and st.st_ino == ino:
        return True  # the hard link
    return (st.st_size, st.st_mtime_ns) == (size, mtime)  # a copy: its size and mtime (the metadata's)


def listing_digest(packages: Iterable[str]) -> str:
    """The SHA256 of a folder's package paths, sorted: what the memo keeps of them (a
    list of 4,000 paths per folder, kept for hundreds of folders, was megabytes read
    and written by every publish)."""
    text = "\n".join(sorted(packages))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def holds(
    folder: Path,
    packages: Collection[str] | str,
    repodata: Mapping[str, str],
    mirror: Path,
    stats: Mapping[str, Stat | None],
    unchecked: Collection[str] = (),
) -> bool:
    """The folder's files are exactly ``packages`` (as ERRATA_DIR's ``stats`` say; a
    ``str``: the ``listing_digest`` of them) and, in repodata/, the files of
    ``repodata`` with those SHA256s, besides metadata files kept for readers of an
    earlier repomd.xml and ``unchecked`` names (present, not hashed)."""
    try:
        listed = set(os.listdir(folder / REPODATA))
        if not set(repodata) | set(unchecked) <= listed:
            return False
        if not all(is_metadata_name(n) for n in listed - set(repodata) - set(unchecked)):
            return False
        if any(file_sha256(folder / REPODATA / n) != digest for n, digest in repodata.items()):
            return False
        mirror_dev = os.stat(mirror).st_dev
        found = []
        for rel, path in files_in(folder):
            # lstat: what the path holds, as a reader opening it through a mount gets it
            if not _same_file(os.lstat(path), stats.get(rel), mirror_dev):
                return False
            found.append(rel)
    except OSError:
        return False
    if isinstance(packages, str):
        return listing_digest(found) == packages
    return len(found) == len(packages) and set(found) == set(packages)
