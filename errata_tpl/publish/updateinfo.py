"""A published folder's updateinfo: the advisories its record gives the builds it
holds, each advisory's package list cut to those builds.

Taken from ERRATA_DIR's updateinfo (title, description, references as the
distributor wrote them); an advisory that updateinfo no longer has is written
from the record (id, type, severity, dates, status, CVEs), with a warning.
Advisories ERRATA_DIR has for those builds that the record does not give are
left out: the folder publishes the record.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from errata_tpl import forking
from errata_tpl.fileio import regular, sealed
from errata_tpl.mirror import advisories as advmod
from errata_tpl.mirror import listed as listing
from errata_tpl.mirror.advisories import Advisory, NevraKey, nevra_key
from errata_tpl.mirror.caches import cache_dir, mirror_key
from errata_tpl.mirror.listed import ById, Listed
from errata_tpl.mirror.repomd import Repodata, in_memory, quiet_stderr
from errata_tpl.publish.content import Build, Content

FORMAT = 5  # 5: an advisory written from the record is not kept (it names its folder)
MAX_BYTES = 512 * regular.MB  # RHEL's updateinfo is some tens of MB

# An UpdateRecord's fields besides its references and collections (createrepo_c's names).
_FIELDS = (
    "id",
    "type",
    "title",
    "fromstr",
    "status",
    "version",
    "release",
    "severity",
    "rights",
    "summary",
    "description",
    "solution",
    "pushcount",
    "reboot_suggested",
    "issued_date",
    "updated_date",
)


def _copy_fields(src: Any, dst: Any) -> None:
    for name in _FIELDS:
        try:
            value = getattr(src, name)
        except Exception:  # createrepo_c raises reading a date it cannot parse: left out
            continue
        if value is not None:
            setattr(dst, name, value)
    for ref in src.references:
        dst.append_reference(ref)


def _cut(records: list[Any], present: set[NevraKey]) -> Any:
    """One record of an id (listed once or more): the first one's fields, and of
    every collection the packages among ``present`` (the builds the record gives
    it), each once."""
    import createrepo_c as cr

    out = cr.UpdateRecord()
    _copy_fields(records[0], out)
    seen: set[tuple[str, NevraKey]] = set()
    for rec in records:
        for coll in rec.collections:
            kept = cr.UpdateCollection()
            kept.shortname, kept.name = coll.shortname, coll.name
            if coll.module is not None:
                kept.module = coll.module
            for p in coll.packages:
                key = nevra_key(p.name, p.epoch, p.version, p.release, p.arch)
                if key in present and (coll.name or "", key) not in seen:
                    seen.add((coll.name or "", key))
                    kept.append(p)
            if kept.packages:
                out.append_collection(kept)
    return out


def _date(day: str | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.fromisoformat(day)


def _from_record(a: Advisory, builds: list[Build], files: Mapping[NevraKey, str], folder: str) -> Any:
    """An advisory as the record keeps it: what dnf lists and shows of it."""
    import createrepo_c as cr

    rec = cr.UpdateRecord()
    rec.id, rec.type, rec.title, rec.status = a.id, a.type, a.id, a.status or "final"
    if a.severity is not None:
        rec.severity = a.severity
    issued, updated = _date(a.issued), _date(a.updated or a.issued)
    if issued is not None:
        rec.issued_date = issued
    if updated is not None:
        rec.updated_date = updated
    for cve in a.cves:
        ref = cr.UpdateReference()
        ref.type, ref.id, ref.title = "cve", cve, cve
        rec.append_reference(ref)
    coll = cr.UpdateCollection()
    coll.shortname = coll.name = folder
    for b in builds:
        name, epoch, version, release, arch = b.key
        p = cr.UpdateCollectionPackage()
        p.name, p.epoch, p.version, p.release, p.arch = name, epoch, version, release, arch
        p.filename = os.path.basename(files[b.key])
        coll.append(p)
    rec.append_collection(coll)
    return rec


def _record_key(a: Advisory, builds: list[Build]) -> str:
    """An advisory cut to some builds: what its published XML depends on besides ERRATA_DIR's
    updateinfo. Fields joined by control characters (a JSON list per advisory cost 40 us),
    and JSON when a field holds one of them (JSON escapes them: the two never meet)."""
    key = "\x1e".join([a.id, *sorted("\x1f".join(b.key) for b in builds)])
    if key.count("\x1e") == len(builds) and key.count("\x1f") == 4 * len(builds):
        return key
    return json.dumps([a.id, sorted(b.key for b in builds)])


def _by_id(mirror: Path) -> list[Any]:
    """ERRATA_DIR's advisories: createrepo_c's records (none without an updateinfo)."""
    found = advmod.read(mirror)
    return found[1] if found is not None else []


def _parsed(listed: Iterable[Listed]) -> list[Any]:
    """createrepo_c's records of these (read back from the XML it wrote)."""
    import createrepo_c as cr

    doc = "".join(['<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n', *(x.xml for x in listed), "</updates>\n"])
    with quiet_stderr(), in_memory(doc.encode(), "updateinfo.xml") as name:
        return list(cr.UpdateInfo(name).updates)


def _published(listed: list[Listed], present: set[NevraKey]) -> str | None:
    """An advisory's XML as published: ERRATA_DIR's when it is listed once with only
    builds present (the common case: no copy), else a copy cut to them; None when it
    lists none."""
    import createrepo_c as cr

    if len(listed) == 1 and all(k in present for k in listed[0].keys):
        return listed[0].xml if listed[0].collections else None
    cut = _cut(_parsed(listed), present)
    return cr.xml_dump_updaterecord(cut) if cut.collections else None


class Chunks:
    """Each published advisory's XML, kept while ERRATA_DIR's updateinfo is the same file
    (its checksum in repomd.xml): another publish of those advisories does not read it."""

    def __init__(self, root: Path, mirror: Path, warn: Callable[[str], None]) -> None:
        self.path = cache_dir(root, "publish") / f"{mirror_key(mirror)}-updateinfo.marshal"
        self.source = listing.source(Repodata.read(mirror))  # the updateinfo file, by its checksum and stat
        self._stamp = f"{FORMAT}/{self.source}"
        found = sealed.read_map(self.path, self._stamp, warn, MAX_BYTES)
        self.records: dict[str, str] = {str(k): v for k, v in found.items() if isinstance(v, str)}
        self._changed = False

    def put(self, key: str, xml: str) -> None:
        self.records[key] = xml
        self._changed = True

    def save(self, used: Iterable[str]) -> None:
        if self._changed:
            sealed.write_map(self.path, self._stamp, {k: self.records[k] for k in used}, MAX_BYTES)


class Reading:
    """ERRATA_DIR's advisories for a publish: the cache of published ones and, when the
    cache holds none of this updateinfo's, a forked child that reads the whole
    updateinfo meanwhile (started before the record is read: the record and the
    builds are read on one core), then sends the records of the advisories asked
    for. ``close`` when done."""

    def __init__(self, root: Path, mirror: Path, warn: Callable[[str], None]) -> None:
        self.mirror = mirror
        self.cache = Chunks(root, mirror, warn)
        self._kept: ById | None = None  # the updateinfo's listing generate kept
        self._unread: tuple[Path, Callable[[str], None]] | None = (root, warn)  # read when first needed
        fresh = bool(self.cache.source) and not self.cache.records
        ask = fresh and self._kept_listing() is None
        self._child = forking.asked(functools.partial(_by_id, mirror), listing.by_id) if ask else None
        self.used: list[str] = []  # the cache's entries the publish used

    def _kept_listing(self) -> ById | None:
        if self._unread is not None:
            root, warn = self._unread
            self._unread = None
            self._kept = listing.read(root, self.mirror, self.cache.source, warn)
        return self._kept

    def save(self) -> None:
        """Keep the cache's entries the publish used (when anything changed)."""
        self.cache.save(self.used)

    def listed(self, ids: Collection[str]) -> ById:
        """ERRATA_DIR's records of these advisories (read here if the child failed, or
        none was started and generate kept no listing of this updateinfo)."""
        kept = self._kept_listing()
        if kept is not None:
            return {i: kept[i] for i in ids if i in kept}
        if self._child is not None:
            self._child.ask(sorted(ids))
            got = self._child.result()  # raises what the child could not read, in one line
            if isinstance(got, dict):
                return got
        return listing.by_id(_by_id(self.mirror), ids)  # the child failed otherwise: all of it here

    def close(self) -> None:
        if self._child is not None:
            self._child.close()


def updateinfo(
    content: Content, files: Mapping[NevraKey, str], reading: Reading, warn: Callable[[str], None]
) -> list[str]:
    """Each published advisory's XML (createrepo_c's), sorted by id; none when the
    record gives its builds no advisory."""
    import createrepo_c as cr

    wanted: dict[str, tuple[Advisory, list[Build]]] = {}
    for b in content.builds:
        for a in b.advisories:
            wanted.setdefault(a.id, (a, []))[1].append(b)
    if not wanted:
        return []
    cache = reading.cache
    keys = {i: _record_key(a, builds) for i, (a, builds) in wanted.items()}
    out = {i: cache.records[k] for i, k in keys.items() if k in cache.records}
    missing = sorted(i for i in wanted if i not in out)
    listed = reading.listed(missing) if missing else {}
    for i in missing:
        a, builds = wanted[i]
        xml = _published(listed[i], {b.key for b in builds}) if i in listed else None
        if xml is not None:
            cache.put(keys[i], xml)
        else:  # never kept: it names the folder, and each publish says so
            where = "has no advisory" if i not in listed else "lists none of its builds under advisory"
            warn(
                f"{reading.mirror}: updateinfo {where} {i} ({content.record} gives it to {builds[0].nevra}): "
                "written from the record (id, type, severity, dates, CVEs)"
            )
            xml = cr.xml_dump_updaterecord(_from_record(a, builds, files, content.folder))
        out[i] = xml
    reading.used = [keys[i] for i in out if keys[i] in cache.records]
    return [out[i] for i in sorted(wanted)]
