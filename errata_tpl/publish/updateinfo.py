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
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from errata_tpl.mirror import advisories as advmod
from errata_tpl.mirror.advisories import Advisory, NevraKey, nevra_key
from errata_tpl.publish.content import Build, Content

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


def updateinfo(
    mirror: Path, content: Content, files: Mapping[NevraKey, str], warn: Callable[[str], None]
) -> Any | None:
    """createrepo_c's UpdateInfo of the folder (advisories sorted by id); None when
    the record gives its builds no advisory."""
    import createrepo_c as cr

    wanted: dict[str, tuple[Advisory, list[Build]]] = {}
    for b in content.builds:
        for a in b.advisories:
            wanted.setdefault(a.id, (a, []))[1].append(b)
    if not wanted:
        return None
    found = advmod.read(mirror)
    by_id: dict[str, list[Any]] = {}
    for u in found[1] if found is not None else ():
        if u.id in wanted:
            by_id.setdefault(u.id, []).append(u)
    info = cr.UpdateInfo()
    for i in sorted(wanted):
        a, builds = wanted[i]
        rec = _cut(by_id[i], {b.key for b in builds}) if i in by_id else None
        if rec is None or not rec.collections:
            where = "has no advisory" if i not in by_id else "lists none of its builds under advisory"
            warn(
                f"{mirror}: updateinfo {where} {i} ({content.record} gives it to {builds[0].nevra}): "
                "written from the record (id, type, severity, dates, CVEs)"
            )
            rec = _from_record(a, builds, files, content.folder)
        info.append(rec)
    return info
