"""Does a published folder hold exactly given files? Cheap: an lstat per package (the
very file ERRATA_DIR has: the same inode for a hard link, the same size and mtime
for a copy; a symbolic link, or a file mounted over one, is neither) and a hash per
metadata file."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from errata_tpl.fileio.stamp import Stat
from errata_tpl.publish.folder import entries_in, is_metadata_name
from errata_tpl.publish.memo import file_sha256

REPODATA = "repodata"
MOUNTINFO_BYTES = 16 * 1024 * 1024  # tens of thousands of mounts; past it, every package is lstat'ed


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
        # nothing mounted below the folder and on the mirror's file system: a hard link is
        # the directory entry's inode, as readdir gives it (4,000 lstats were a tenth of a
        # republish); anything else is the lstat's
        listed_is_held = os.stat(folder).st_dev == mirror_dev and not _mounts_below(folder)
        found = []
        for rel, e in entries_in(folder):
            source = stats.get(rel)
            linked = listed_is_held and source is not None and e.inode() == source[2]
            # lstat: what the path holds, as a reader opening it through a mount gets it
            if not (linked and e.is_file(follow_symlinks=False)) and not _same_file(
                os.lstat(e.path), source, mirror_dev
            ):
                return False
            found.append(rel)
    except OSError:
        return False
    if isinstance(packages, str):
        return listing_digest(found) == packages
    return len(found) == len(packages) and set(found) == set(packages)


def _mounts_below(folder: Path) -> bool:
    """Is anything mounted at a path below the folder (a file mounted over a package's
    path)? True too when the mount table cannot be read."""
    top = os.path.join(os.path.realpath(folder), "")
    try:
        with open("/proc/self/mountinfo", "rb") as f:  # the kernel's (no size to bound it by)
            table = f.read(MOUNTINFO_BYTES + 1)
    except OSError:
        return True
    if len(table) > MOUNTINFO_BYTES:
        return True
    for line in table.splitlines():
        fields = line.split(b" ")
        if len(fields) < 5:
            return True
        # the mount point, as the kernel escapes it (a space is \040)
        point = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
        if os.fsdecode(point).startswith(top):
            return True
    return False
