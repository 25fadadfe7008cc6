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
from typing import NamedTuple

import rpm

from . import __version__, atomic
from .caches import cache_dir
from .rpminfo import BadFile, RpmInfo

FORMAT = 2


class Stat(NamedTuple):
    size: int
    mtime_ns: int


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

    def get(self, rel: str, st: Stat) -> RpmInfo | BadFile | None:
        e = self._entries.get(rel)
        if e is None or e[0] != st.size or e[1] != st.mtime_ns:
            return None
        try:
            if e[2] == "bad":
                return BadFile(rel, e[3])
            name, epoch, version, release, arch, src, btime, digest, obs = e[3]
            return RpmInfo(rel, name, epoch, version, release, arch, src, btime, digest, tuple(obs))
        except (ValueError, TypeError, IndexError):
            return None  # a hand-edited or damaged entry: read the file again

    def put(self, rel: str, st: Stat, got: RpmInfo | BadFile) -> None:
        if isinstance(got, BadFile):
            if got.reason.startswith("cannot "):
                return  # an OS error may pass; read the file again next time
            value: list = [st.size, st.mtime_ns, "bad", got.reason]
        else:
            value = [st.size, st.mtime_ns, "ok", [
                got.name, got.epoch, got.version, got.release, got.arch,
                got.is_source, got.buildtime, got.digest, list(got.obsoletes),
            ]]
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
            atomic.write_text(self.path, text)
        self._dirty = False
