"""What the last publish of each folder wrote, kept in ``<root>/.errata-tpl-cache/publish/``,
so that publishing an unchanged record again reads neither a header nor the record.

An entry says: from this record (its bytes' SHA256), ERRATA_DIR listed as this
(every ``*.rpm`` path and stat, repomd.xml's bytes), and this signing request,
the folder got these files (the packages by the SHA256 of their paths, each
metadata file by its SHA256). Reused only when all of that is the same now and the folder still
holds exactly those files (a stat per package, a hash per metadata file):
the memo can spare work, never change what a folder holds. Safe to delete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sealed
from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.caches import cache_dir

FORMAT = 2  # 2: the packages by the digest of their paths, not listed
MAX_BYTES = 256 * regular.MB
KEPT = 256  # folders remembered (the latest)


class Entry(NamedTuple):
    inputs: str  # fingerprint of the record, ERRATA_DIR and the signing request
    packages: str  # the folder's package files (relative: their paths in ERRATA_DIR), by intact.listing_digest
    repodata: dict[str, str]  # every file in repodata/ -> its SHA256
    advisories: int
    builds: int


def fingerprint(record_sha256: str, mirror: Path, stats: Mapping[str, Stat | None], signing: list[str]) -> str:
    """The inputs of a publish: the record, every file of ERRATA_DIR by path and stat
    (any change, even a ``touch -r``, moves a ctime), ERRATA_DIR's repomd.xml by its
    bytes, and the signing request."""
    h = hashlib.sha256(json.dumps([FORMAT, __version__, record_sha256, signing]).encode())
    for rel, st in stats.items():
        h.update(f"{rel}\0{st}\n".encode("utf-8", "surrogateescape"))
    h.update((file_sha256(mirror / "repodata" / "repomd.xml") or "none").encode())
    return h.hexdigest()


def file_sha256(path: Path) -> str | None:
    """A regular file's SHA256; None for anything else (a FIFO is never opened blocking)."""
    h = hashlib.sha256()
    try:
        with regular.opened(path) as (fd, _):
            while chunk := os.read(fd, regular.MB):
                h.update(chunk)
    except (OSError, UserError):
        return None
    return h.hexdigest()


def repodata_hashes(folder: Path) -> dict[str, str]:
    """Every file in the folder's repodata/ by its SHA256."""
    out = {}
    for name in sorted(os.listdir(folder / "repodata")):
        digest = file_sha256(folder / "repodata" / name)
        if digest is not None:
            out[name] = digest
    return out


class Memo:
    def __init__(self, root: Path, warn: Callable[[str], None]) -> None:
        self.path = cache_dir(root, "publish") / "folders.json"
        self._entries: dict[str, Any] = {}
        text = sealed.read(self.path, self.path.name, warn, MAX_BYTES)
        with contextlib.suppress(ValueError):
            data = json.loads(text) if text is not None else None
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("folders"), dict):
                self._entries = data["folders"]

    @staticmethod
    def _key(folder: Path) -> str:
        return os.path.realpath(folder)

    def get(self, folder: Path, inputs: str) -> Entry | None:
        e = self._entries.get(self._key(folder))
        try:
            if e is not None and e["inputs"] == inputs:
                return Entry(
                    e["inputs"], str(e["packages"]), dict(e["repodata"]), int(e["advisories"]), int(e["builds"])
                )
        except (KeyError, TypeError, ValueError):
            pass  # a damaged entry: do the work
        return None

    def put(self, folder: Path, entry: Entry) -> None:
        key = self._key(folder)
        self._entries.pop(key, None)
        self._entries[key] = entry._asdict()
        kept = dict(list(self._entries.items())[-KEPT:])
        text = json.dumps({"format": FORMAT, "folders": kept}, separators=(",", ":"))
        sealed.write(self.path, self.path.name, text, MAX_BYTES)  # one that cannot be written is only slower
