"""A cache of what ``scan`` learnt of each file, keyed by path, size and mtime.

Stored beside the root in ``.errata-tpl-cache/``; safe to delete at any time.
A file whose size or mtime changed is read again. The cache is tied to the
rpm library's version and this tool's, so an upgrade of either starts afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import rpm

from . import __version__, atomic
from .caches import cache_dir
from .rpminfo import BadFile, RpmInfo
from .walk import Stat

FORMAT = 3

# An entry: [size, mtime_ns, state, facts]; state "ok" (header read, whole file
# checked), "hdr" (header read, payload not checked yet) or "bad" (facts: why).
_OK, _HEADER, _BAD = "ok", "hdr", "bad"


def cache_path(root: Path, mirror: Path) -> Path:
    key = hashlib.sha256(str(mirror.resolve()).encode()).hexdigest()[:16]
    return cache_dir(root, "headers") / f"{key}.json"


class HeaderCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = f"{FORMAT}/{__version__}/{rpm.__version__}"
        self._entries: dict[str, list] = {}
        self._dirty = False
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("stamp") == self._stamp:
                self._entries = data["files"]

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, rel: str, st: Stat) -> tuple[RpmInfo | BadFile, bool] | None:
        """What was learnt of the file when it had this size and mtime, and whether
        its whole file passed rpm's check; None when it must be read again."""
        e = self._entries.get(rel)
        if e is None or e[0] != st.size or e[1] != st.mtime_ns:
            return None
        try:
            if e[2] == _BAD:
                return BadFile(rel, str(e[3])), False
            facts = e[3]
            if len(facts) != len(RpmInfo._fields) - 1:
                return None
            return RpmInfo.of(rel, (*facts[:-1], tuple(facts[-1]))), e[2] == _OK
        except (ValueError, TypeError, IndexError):
            return None  # a hand-edited or damaged entry: read the file again

    def put(self, rel: str, st: Stat | None, got: RpmInfo | BadFile) -> None:
        """Record a header as read (payload not checked yet) or a file as bad."""
        if st is None or (isinstance(got, BadFile) and got.os_error):
            return  # an OS error may pass; read the file again next time
        if isinstance(got, BadFile):
            self._set(rel, [st.size, st.mtime_ns, _BAD, got.reason])
        else:
            self._set(rel, [st.size, st.mtime_ns, _HEADER, got.facts])

    def put_checked(self, rel: str, st: Stat | None) -> None:
        """Record that the whole file (as recorded by ``put``) passed rpm's check."""
        e = self._entries.get(rel)
        if st is not None and e is not None and e[0] == st.size and e[1] == st.mtime_ns and e[2] == _HEADER:
            self._set(rel, [*e[:2], _OK, e[3]])

    def _set(self, rel: str, value: list) -> None:
        if self._entries.get(rel) != value:
            self._entries[rel] = value
            self._dirty = True

    def prune(self, keep: set[str]) -> None:
        gone = set(self._entries) - keep
        for rel in gone:
            del self._entries[rel]
        self._dirty = self._dirty or bool(gone)

    def save(self) -> None:
        if not self._dirty:
            return
        text = json.dumps({"stamp": self._stamp, "files": self._entries}, separators=(",", ":"))
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            atomic.write_text(self.path, text, durable=False)
        self._dirty = False
