"""A cache of what ``scan`` learnt of each file, keyed by path, size, mtime, inode
and ctime (a rewrite that keeps size and mtime, ``touch -r``, changes the ctime).

Stored beside the root in ``.errata-tpl-cache/headers/``, sealed (``fileio.sealed``):
one that is not as a run wrote it is ignored with a warning. Safe to delete at any
time. A file whose stat changed is read again. The cache is tied to the rpm
library's version and this tool's, so an upgrade of either starts afresh.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import rpm

from errata_tpl import __version__
from errata_tpl.fileio import sealed
from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.rpminfo import BadFile, RpmInfo

FORMAT = 8
MAX_BYTES = 1024 * 1024 * 1024  # a million files' entries; a larger file is no cache we wrote

# An entry: [size, mtime_ns, inode, ctime_ns, state, ...]; state "sha256:<hex>" (header read, whole
# file checked, its SHA256), "ok" (the same, no SHA256 made) or "hdr" (header read, payload not
# checked yet), then the RpmInfo
# fields after its path, obsoletes last and spread (a flat list is the quickest
# to write); or "bad", then why.
_OK, _HEADER, _BAD, _SHA256 = "ok", "hdr", "bad", "sha256:"
_SHA256_STATE = len(_SHA256) + 64
_FIELDS = len(RpmInfo._fields) - 1  # without the path


class HeaderCache:
    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self._stamp = f"{FORMAT}/{__version__}/{rpm.__version__}"
        self._entries: dict[str, list[Any]] = {}
        text = sealed.read(path, path.name, warn, MAX_BYTES)  # named for its mirror: another's does not match
        with contextlib.suppress(ValueError):
            data = json.loads(text) if text is not None else None
            if isinstance(data, dict) and data.get("stamp") == self._stamp and isinstance(data.get("files"), dict):
                self._entries = data["files"]

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, rel: str, st: Stat) -> tuple[RpmInfo | BadFile, bool, str | None] | None:
        """What was learnt of the file when it had this stat, whether its whole
        file passed rpm's check, and its SHA256 if one was made; None when it must
        be read again."""
        e = self._entries.get(rel)
        try:
            if e is None or e[0] != st[0] or e[1] != st[1] or e[2] != st[2] or e[3] != st[3]:
                return None
            state = e[4]
            if state == _BAD:
                return BadFile(rel, str(e[5])), False, None
            if len(e) < 5 + _FIELDS - 1:  # obsoletes may be none
                return None
            info = RpmInfo.of(rel, (*e[5 : 5 + _FIELDS - 1], tuple(e[5 + _FIELDS - 1 :])))
            if state.startswith(_SHA256) and len(state) == _SHA256_STATE:
                return info, True, state[len(_SHA256) :]
            return info, state == _OK, None
        except (ValueError, TypeError, IndexError, KeyError):
            return None  # a hand-edited or damaged entry: read the file again

    def save(
        self,
        stats: Mapping[str, Stat | None],
        packages: Iterable[RpmInfo],
        bad: Iterable[BadFile],
        checked: Mapping[str, str | None],
    ) -> None:
        """Replace the cache with what one run learnt: every file it read or reused
        (files gone from the mirror drop out). Bad files are kept, except for OS
        errors, which may pass."""
        files: dict[str, tuple[Any, ...]] = {}
        for p in packages:
            st = stats.get(p.path)
            if st is not None:
                files[p.path] = (*st, _state(p.path, checked), *p[1:-1], *p.obsoletes)
        for b in bad:
            st = stats.get(b.path)
            if st is not None and not b.os_error:
                files[b.path] = (*st, _BAD, b.reason)
        text = json.dumps({"stamp": self._stamp, "files": files}, separators=(",", ":"), check_circular=False)
        sealed.write(self.path, self.path.name, text, MAX_BYTES)  # a cache that cannot be written is only slower


def _state(rel: str, checked: Mapping[str, str | None]) -> str:
    if rel not in checked:
        return _HEADER
    digest = checked[rel]
    return _OK if digest is None else _SHA256 + digest
