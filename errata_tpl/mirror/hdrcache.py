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

from errata_tpl import __version__
from errata_tpl.fileio import sealed
from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.rpminfo import BadFile, RpmInfo
from errata_tpl.rpmlib import rpm

FORMAT = 10
MAX_BYTES = 1024 * 1024 * 1024  # a million files' entries; a larger file is no cache we wrote

# The file: {"stamp": ..., "files": {rel: entry}, "checked": {rel: verdict}}.
# An entry: [size, mtime_ns, inode, ctime_ns, "hdr", then the RpmInfo fields after its
# path, obsoletes last and spread (a flat list is the quickest to write)]: the header
# read; or [size, mtime_ns, inode, ctime_ns, "bad", why]: not a package.
# A verdict, rpm's whole-file check of a file: "sha256:<hex>" (passed, the file's
# SHA256), "ok" (passed, no SHA256 made) or "bad:<why>" (failed). Apart from the
# entries, so that the entries (most of the file) are made while rpm still checks.
_HEADER, _BAD = "hdr", "bad"
_OK, _SHA256, _FAILED = "ok", "sha256:", "bad:"
_SHA256_STATE = len(_SHA256) + 64
_FIELDS = len(RpmInfo._fields) - 1  # without the path


class HeaderCache:
    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self._stamp = f"{FORMAT}/{__version__}/{rpm.__version__}"
        self._entries: dict[str, list[Any]] = {}
        self._verdicts: dict[str, str] = {}
        text = sealed.read(path, path.name, warn, MAX_BYTES)  # named for its mirror: another's does not match
        with contextlib.suppress(ValueError):
            data = json.loads(text) if text is not None else None
            if (
                isinstance(data, dict)
                and data.get("stamp") == self._stamp
                and isinstance(data.get("files"), dict)
                and isinstance(data.get("checked"), dict)
            ):
                self._entries, self._verdicts = data["files"], data["checked"]

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
            if e[4] == _BAD:
                return BadFile(rel, str(e[5])), False, None
            verdict = self._verdicts.get(rel)
            if verdict is not None and verdict.startswith(_FAILED):
                return BadFile(rel, verdict[len(_FAILED) :]), False, None
            if e[4] != _HEADER or len(e) < 5 + _FIELDS - 1:  # obsoletes may be none
                return None
            info = RpmInfo.of(rel, (*e[5 : 5 + _FIELDS - 1], tuple(e[5 + _FIELDS - 1 :])))
            if verdict is None:
                return info, False, None
            if verdict == _OK:
                return info, True, None
            if verdict.startswith(_SHA256) and len(verdict) == _SHA256_STATE:
                return info, True, verdict[len(_SHA256) :]
            return None
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
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
        self.write(self.entries_text(stats, packages, bad), checked)

    def entries_text(
        self, stats: Mapping[str, Stat | None], packages: Iterable[RpmInfo], bad: Iterable[BadFile]
    ) -> str:
        """The cache's text without rpm's verdicts (``write`` adds them): every file's
        header or why it is bad."""
        files: dict[str, tuple[Any, ...]] = {}
        for p in packages:
            st = stats.get(p.path)
            if st is not None:
                files[p.path] = (*st, _HEADER, *p[1:-1], *p.obsoletes)
        for b in bad:
            st = stats.get(b.path)
            if st is not None and not b.os_error:
                files[b.path] = (*st, _BAD, b.reason)
        return json.dumps({"stamp": self._stamp, "files": files}, separators=(",", ":"), check_circular=False)

    def write(self, entries: str, checked: Mapping[str, str | None], failed: Iterable[BadFile] = ()) -> None:
        """Write ``entries_text`` with rpm's verdicts: ``checked`` (the files that passed
        -> their SHA256 or None) and ``failed`` (files it failed, of ``entries``' packages)."""
        verdicts = {rel: _OK if digest is None else _SHA256 + digest for rel, digest in checked.items()}
        verdicts.update({b.path: _FAILED + b.reason for b in failed if not b.os_error})
        text = f'{entries[:-1]},"checked":{json.dumps(verdicts, separators=(",", ":"))}}}'
        sealed.write(self.path, self.path.name, text, MAX_BYTES)  # a cache that cannot be written is only slower
