"""ERRATA_DIR's updateinfo as createrepo_c writes each advisory: its XML and the builds
its collections list, by id.

What ``publish`` cuts each published advisory from. ``generate`` keeps it as it
reads the advisories (in ``<root>/.errata-tpl-cache/publish/``, sealed, tied to the
updateinfo file by the checksum its repomd.xml gives it and by its stat, and to
this tool's and createrepo_c's versions), so a publish after it does not parse the
updateinfo again. Another updateinfo file, or none kept: the publish parses it. Safe to delete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sealed
from errata_tpl.fileio.stamp import stat_of
from errata_tpl.mirror.advisories import NevraKey, nevra_key
from errata_tpl.mirror.caches import cache_dir, mirror_key

if TYPE_CHECKING:
    from errata_tpl.mirror.repomd import Repodata

FORMAT = 1
KEPT_BYTES = 128 * regular.MB  # of XML kept: RHEL's updateinfo is some tens of MB
MAX_BYTES = 2 * KEPT_BYTES  # with the builds listed
TOO_LARGE = "too large"  # the entry of an updateinfo that was not kept


class Listed(NamedTuple):
    """One record of an advisory as ERRATA_DIR's updateinfo lists it."""

    xml: str  # as createrepo_c writes it
    keys: tuple[NevraKey, ...]  # the builds its collections list
    collections: bool  # it has any


ById = dict[str, list[Listed]]


def listed(record: Any) -> Listed:
    """createrepo_c's record of an advisory, listed."""
    import createrepo_c as cr

    colls = record.collections
    keys = tuple(nevra_key(p.name, p.epoch, p.version, p.release, p.arch) for c in colls for p in c.packages)
    return Listed(cr.xml_dump_updaterecord(record), keys, bool(colls))


def by_id(records: Iterable[Any], ids: Iterable[str] | None = None) -> ById:
    """The records of these advisories (None: of all), each listed."""
    wanted = None if ids is None else set(ids)
    out: ById = {}
    for u in records:
        if wanted is None or u.id in wanted:
            out.setdefault(u.id, []).append(listed(u))
    return out


class Keeping:
    """Each advisory listed as it is read, up to ``KEPT_BYTES`` of XML: a larger updateinfo
    is not kept (the reading holds one piece of it at a time; a publish parses it)."""

    def __init__(self) -> None:
        self.advisories: ById | None = {}
        self._bytes = 0

    def add(self, record: Any) -> None:
        if self.advisories is None:
            return
        x = listed(record)
        self._bytes += len(x.xml)
        if self._bytes > KEPT_BYTES:
            self.advisories = None
        else:
            self.advisories.setdefault(record.id, []).append(x)


def source(repodata: Repodata | None) -> str:
    """The updateinfo file, by the checksum its repomd.xml gives it and by its stat ("":
    none, or none to stat): a file rewritten since repomd.xml was is read again, and
    refused as it is without a cache, never stood for by what was kept of the old one."""
    rec = repodata.record("updateinfo") if repodata is not None else None
    if repodata is None or rec is None:
        return ""
    try:
        st = stat_of(os.stat(repodata.path(rec)))
    except (OSError, UserError):
        return ""  # its reader says why
    return json.dumps([rec.href, *rec.checksum, *st])


def _path(root: Path, mirror: Path, stamp: str) -> Path:
    """Named by what it stands for: whether it is kept is one stat, not a read of megabytes."""
    name = hashlib.sha256(stamp.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return cache_dir(root, "publish") / f"{mirror_key(mirror)}-listed-{name}.marshal"


def _stamp(updateinfo: str) -> str:
    import createrepo_c as cr

    return f"{FORMAT}/{__version__}/{cr.VERSION}/{updateinfo}"


def read(root: Path, mirror: Path, updateinfo: str, warn: Callable[[str], None]) -> ById | None:
    """The advisories kept for this updateinfo file (``source``); None when none are (or
    it was too large to keep). A file not as written here is removed (after ``warn``),
    for the next generate to make again; one of an updateinfo without advisories is kept."""
    if not updateinfo:
        return None
    stamp = _stamp(updateinfo)
    path = _path(root, mirror, stamp)
    found = sealed.read_map(path, stamp, warn, MAX_BYTES)
    if found.get(TOO_LARGE) is True:
        return None
    try:
        return {
            i: [Listed(xml, tuple(tuple(k) for k in keys), collections) for xml, keys, collections in records]
            for i, records in found["advisories"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError):  # none, or not as written here
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None


def holds(root: Path, mirror: Path, updateinfo: str) -> bool:
    """Is this updateinfo file's listing kept (or known too large to keep)?"""
    return bool(updateinfo) and _path(root, mirror, _stamp(updateinfo)).is_file()


def write(root: Path, mirror: Path, updateinfo: str, advisories: ById | None) -> None:
    """Keep the listing of this updateinfo file (None: it was too large: that is kept),
    in place of the listings of the mirror's earlier updateinfo files (one that cannot
    be written is only slower)."""
    stamp = _stamp(updateinfo)
    path = _path(root, mirror, stamp)
    if advisories is None:
        entries: dict[str, Any] = {TOO_LARGE: True}
    else:
        entries = {"advisories": {i: [(x.xml, x.keys, x.collections) for x in rs] for i, rs in advisories.items()}}
    sealed.write_map(path, stamp, entries, MAX_BYTES)
    for old in path.parent.glob(f"{mirror_key(mirror)}-listed-*.marshal"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
