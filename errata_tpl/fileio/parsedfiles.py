"""Parsed YAML kept between runs in ``.errata-tpl-cache/parsed/``: a JSON copy of each
large file (profiles, ``os.yaml``: JSON loads ten times faster than YAML), and one file
holding every node file's parsed data (a run reads one JSON file instead of parsing ten
thousand YAML ones).

Each entry is keyed by its file's size, mtime, inode and ctime (a rewrite that keeps size
and mtime still changes ctime) and used only while the file is unchanged; each cache file
is sealed (``sealed``): one that is not as a run wrote it is ignored with a warning and
made again. Safe to delete; a cache that cannot be read or written is only a miss. Only
data JSON keeps exactly is kept (no dates, no integer keys). A large file's copy keeps the
SHA-256 of the bytes parsed too (what a promotion record binds a profile to).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sealed, sitepaths, yamlio
from errata_tpl.fileio.atomic import wait_lock
from errata_tpl.fileio.stamp import stat_of

Entry = tuple[str, list[int], yamlio.Data]  # (file as named in messages, its stamp, its data)
Warn = Callable[[str], None]
NODES_SOURCE = "site/nodes/*.yaml"  # what the node cache stands for (its seal's name)


def _unseal(path: Path, source: str, warn: Warn) -> dict[str, yamlio.Data] | None:
    """The payload of a sealed cache file written by this version, or None."""
    text = sealed.read(path, source, warn)
    with contextlib.suppress(ValueError):
        got: yamlio.Data = json.loads(text) if text is not None else None
        if isinstance(got, dict) and got.get("version") == __version__:
            return got
    return None


def _seal(path: Path, source: str, data_json: str, **head: Any) -> None:
    """Seal ``{"version", **head, "data"}``, the data given as JSON text (made once)."""
    text = json.dumps({"version": __version__, **head}, separators=(",", ":"))
    sealed.write(path, source, f'{text[:-1]},"data":{data_json}}}')


class ParsedFiles:
    """The node files' parsed data."""

    def __init__(self, root: Path, path: Path, warn: Warn) -> None:
        self.root = root  # the files are named relative to it
        self.path = path
        self.warn = warn
        self._kept: dict[str, yamlio.Data] | None = None  # what the last run saved, read when first needed
        self._used: dict[str, list[Any]] = {}  # the entries of this run: what the next one gets
        self.fresh: list[Entry] = []  # parsed by this run (a forked worker sends these back)

    def _last(self) -> dict[str, yamlio.Data]:
        if self._kept is None:
            got = _unseal(self.path, NODES_SOURCE, self.warn)
            files = got.get("data") if got is not None else None
            self._kept = files if isinstance(files, dict) else {}
        return self._kept

    def load(self, where: str) -> yamlio.Data:
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
        """Keep this run's entries (and the last run's for files this run did not read,
        while they exist), if anything was parsed anew."""
        if not self.fresh:
            return
        gone = [w for w in self._last() if w not in self._used and not (self.root / w).is_file()]
        kept = {**{w: e for w, e in self._last().items() if w not in gone}, **self._used}
        with contextlib.suppress(TypeError, ValueError):
            _seal(self.path, NODES_SOURCE, json.dumps(kept, separators=(",", ":"), sort_keys=True))
        self.fresh = []


def load_copied(path: Path, where: str, cache_dir: Path, warn: Warn, min_size: int = 64 * 1024) -> yamlio.Data:
    """``yamlio.load_file`` for large files (generated profiles, os.yaml) through a JSON
    copy of the parsed data: one copy per file, used only while the file is unchanged."""
    return load_copied_hashed(path, where, cache_dir, warn, min_size)[0]


def load_copied_hashed(
    path: Path, where: str, cache_dir: Path, warn: Warn, min_size: int = 64 * 1024
) -> tuple[yamlio.Data, str]:
    """``load_copied``, and the SHA-256 of the file's bytes: of the bytes parsed, kept in
    the copy beside the data (a copy without it is made again), so that a run reading
    the copy knows the file's hash without reading the file. Trusted as far as the copy
    is: while the file's stamp is the one the bytes had."""
    try:
        st = path.stat()
    except OSError:
        return yamlio.load_file_hashed(path, where)
    if st.st_size < min_size:
        return yamlio.load_file_hashed(path, where)
    stamp = list(stat_of(st))
    copy = _copy_path(cache_dir, where)
    found = _unseal(copy, where, warn)
    if found is not None and found.get("stamp") == stamp and isinstance(found.get("sha256"), str):
        return found.get("data"), str(found["sha256"])
    with _parsing(path):  # a worker parsing the same file: wait for its copy rather than parse it twice
        found = _unseal(copy, where, lambda _: None)  # a damaged copy was said above
        if found is not None and found.get("stamp") == stamp and isinstance(found.get("sha256"), str):
            return found.get("data"), str(found["sha256"])
        data, sha = yamlio.load_file_hashed(path, where)
        with contextlib.suppress(TypeError, ValueError):
            text = json.dumps(data, separators=(",", ":"))
            if json.loads(text) == data:  # only what JSON keeps exactly (no dates, no integer keys)
                _seal(copy, where, text, stamp=stamp, sha256=sha)
    return data, sha


def keep_copied(root: Path, path: Path, text: str, data: Any, min_size: int = 64 * 1024) -> None:
    """After ``path`` was written with ``text`` (which parses to ``data``): its JSON copy,
    so that the next run reads the file without parsing it (a profile just parsed back
    is not parsed again). Only for a file in the site, and only if the file holds that
    text when its stat is taken (someone may have replaced it since)."""
    rel = sitepaths.site_folder_of(root, path)
    raw = text.encode()
    if rel is None or rel.parts[0] == sitepaths.CACHE_DIR or len(raw) < min_size:
        return
    try:
        with regular.opened(path, follow_symlinks=False) as (fd, st):
            got = b""
            while len(got) <= len(raw):
                chunk = os.read(fd, len(raw) + 1 - len(got))
                if not chunk:
                    break
                got += chunk
    except (UserError, OSError):
        return
    if got != raw:
        return
    with contextlib.suppress(TypeError, ValueError):
        copied = json.dumps(data, separators=(",", ":"))
        if json.loads(copied) == data:
            where = str(rel)
            copy = _copy_path(root / sitepaths.CACHE_DIR / "parsed", where)
            _seal(copy, where, copied, stamp=list(stat_of(st)), sha256=hashlib.sha256(raw).hexdigest())


def _copy_path(cache_dir: Path, where: str) -> Path:
    return cache_dir / f"{hashlib.sha256(where.encode('utf-8', 'surrogateescape')).hexdigest()[:24]}.json"


@contextlib.contextmanager
def _parsing(path: Path, wait: float = 30.0) -> Iterator[None]:
    """An flock on the file itself while it is parsed (no lock file is made); after
    ``wait`` seconds, or where locks do not work, the parse goes on unlocked."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError:
        yield
        return
    try:
        wait_lock(fd, wait, poll=0.01)  # not got in time: parse it anyway
        yield
    finally:
        os.close(fd)
