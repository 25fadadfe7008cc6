"""What caches key a file on: its stat, reduced to what a rewrite cannot keep."""

from __future__ import annotations

import os

# A file's (size in bytes, mtime in ns, inode, ctime in ns): what caches key on.
# Size and mtime alone can be kept by a rewrite (``touch -r``); a new inode or a
# new ctime cannot (git's index keys on them too). A plain tuple: a mirror has
# tens of thousands, made on every run.
Stat = tuple[int, int, int, int]


def stat_of(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
