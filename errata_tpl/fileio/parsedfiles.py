"""Many small YAML files (node files) parsed once and kept between runs in one JSON file.

Each entry is keyed by its file's size, mtime, inode and ctime (a rewrite that keeps
size and mtime still changes ctime) and used only while the file is unchanged. A run
reads one JSON file instead of parsing ten thousand YAML ones; what it parsed anew
is saved for the next. Safe to delete; a cache that cannot be read or written is
only a miss. Only data JSON keeps exactly is kept (no dates, no integer keys).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, regular, yamlio
from errata_tpl.fileio.stamp import stat_of

MAX_BYTES = 1024 * 1024 * 1024  # a hundred thousand node files' data; a larger file is no cache we wrote
Entry = tuple[str, list[int], Any]  # (file as named in messages, its stamp, its data)


class ParsedFiles:
    def __init__(self, root: Path, path: Path) -> None:
        self.root = root  # the files are named relative to it
        self.path = path
        self._kept: dict[str, list[Any]] | None = None  # what the last run saved, read when first needed
        self._used: dict[str, list[Any]] = {}  # the entries of this run: what the next one gets
        self.fresh: list[Entry] = []  # parsed by this run (a forked worker sends these back)

    def _last(self) -> dict[str, list[Any]]:
        if self._kept is None:
            self._kept = {}
            with contextlib.suppress(UserError, ValueError):
                got = json.loads(regular.read_bytes(self.path, MAX_BYTES))
                if isinstance(got, dict):
                    self._kept = got
        return self._kept

    def load(self, where: str) -> Any:
        """``yamlio.load_file`` of ``root/where``, from the cache while the file is
        unchanged (the caller must not change what it is given)."""
        path = self.root / where
        try:
            st = os.stat(path)
        except OSError:
            return yamlio.load_file(path, where)  # which says what is wrong
        stamp = list(stat_of(st))
        hit = self._last().get(where)
        if isinstance(hit, list) and len(hit) == 2 and hit[0] == stamp:
            self._used[where] = hit
            return hit[1]
        data = yamlio.load_file(path, where)
        with contextlib.suppress(TypeError, ValueError):
            if json.loads(json.dumps(data)) == data:
                self.adopt([(where, stamp, data)])
        return data

    def adopt(self, entries: list[Entry]) -> None:
        for where, stamp, data in entries:
            self._used[where] = [stamp, data]
            self.fresh.append((where, stamp, data))

    def save(self) -> None:
        """Keep this run's entries (and the last run's for files this run did not read),
        if anything was parsed anew."""
        if not self.fresh:
            return
        gone = [w for w in self._last() if w not in self._used and not (self.root / w).is_file()]
        kept = {**{w: e for w, e in self._last().items() if w not in gone}, **self._used}
        with contextlib.suppress(OSError, UserError, TypeError, ValueError):
            atomic.write_text(
                self.path, json.dumps(kept, separators=(",", ":"), sort_keys=True), durable=False, into_special=False
            )
        self.fresh = []
