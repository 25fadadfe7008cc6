"""Advisories from a mirror's ``updateinfo`` (read with the createrepo_c bindings).

Found through ``repodata/repomd.xml`` (compressed or not), as dnf finds it.
Real updateinfo varies: dates as ``YYYY-MM-DD``, with a time, fractional seconds,
`` UTC``, or epoch seconds (SUSE); severities and types in any case; SUSE's
``retracted`` status; an advisory listed in several collections, or naming one
build once per subpackage (Fedora Core). All of it is read into one form here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio.atomic import signals_immediate
from errata_tpl.fileio.xmlsplit import Bounds
from errata_tpl.mirror.repomd import Record, Repodata, gc_paused, in_memory, quiet_stderr

SEVERITIES = ("Low", "Moderate", "Important", "Critical")
_SEVERITY = {s.lower(): s for s in SEVERITIES}
RETRACTED = "retracted"


def canonical_severity(value: object) -> str | None:
    """``Moderate`` for any case of it; ``None`` for none/empty; an unknown severity as given."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() == "none":
        return None
    return _SEVERITY.get(text.lower(), text)


def canonical_type(value: object) -> str:
    """Lower case (``Security`` is ``security``); no type is a bugfix, as dnf reads it."""
    return str(value or "").strip().lower() or "bugfix"


@dataclass(frozen=True)
class Advisory:
    id: str
    type: str  # security | bugfix | enhancement | newpackage | SUSE's recommended, optional, feature
    severity: str | None  # one of SEVERITIES, an unknown one as given, or None
    issued: str | None  # YYYY-MM-DD; None: no date, or one nobody could read
    updated: str | None
    cves: tuple[str, ...]
    status: str | None = None  # as given: stable, final, testing, retracted

    @property
    def retracted(self) -> bool:
        """Withdrawn by its publisher (SUSE): it fixes nothing, dates nothing."""
        return (self.status or "").lower() == RETRACTED

    def as_dict(self) -> dict[str, str | None]:
        d = {"id": self.id, "type": self.type, "severity": self.severity, "issued": self.issued}
        if self.status is not None:
            d["status"] = self.status
        return d

    def severity_rank(self) -> int:
        """The index in SEVERITIES; -1 for none or an unknown severity (never a minimum's match)."""
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else -1


NevraKey = tuple[str, str, str, str, str]  # name, epoch ("0" if none), version, release, arch


def nevra_key(name: str, epoch: str | int | None, version: str, release: str, arch: str) -> NevraKey:
    return (name, str(epoch or 0), version, release, arch)


def parse_day(value: object) -> str | None:
    """The UTC day (YYYY-MM-DD) of an updateinfo date as createrepo_c gives it: a
    datetime, an int (epoch seconds), or text (the same forms, from older bindings).
    None for no date (createrepo_c gives 0 for an empty one); ValueError when
    the value is no date."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.date().isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch seconds out of range: {value}") from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_day(int(text))
        if text.endswith(" UTC"):
            text = text[: -len(" UTC")]
        try:
            return parse_day(dt.datetime.fromisoformat(text))
        except ValueError:
            raise ValueError(f"not a date: {value!r}") from None
    raise ValueError(f"not a date: {value!r}")


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _day_of(record: Any, attr: str) -> tuple[str | None, str | None]:
    """(day, None), or (None, why) when the date cannot be read: createrepo_c raises
    on a form it does not know, when the attribute is read."""
    try:
        return parse_day(getattr(record, attr)), None
    except Exception as e:  # createrepo_c's own error types, or ours
        return None, _one_line(e)


def _merged(a: Advisory, b: Advisory) -> Advisory:
    """One advisory of an id listed twice (two records, as Fedora Core's files do): the
    later revision, with the CVEs of both, dated by the earlier record: the build was
    offered from the first record on (the rule "published" follows)."""
    keep = b if (b.updated or "") > (a.updated or "") else a
    return replace(
        keep,
        issued=min((d for d in (a.issued, b.issued) if d is not None), default=None),
        updated=min((d for d in (a.updated, b.updated) if d is not None), default=None),
        cves=tuple(sorted({*a.cves, *b.cves})),
    )


MAX_UPDATEINFO_BYTES = 512 * 1024 * 1024  # decompressed; real ones (RHEL, Fedora, SUSE) are tens of MB
MAX_ADVISORY_BYTES = 16 * 1024 * 1024  # one <update>; the largest real ones (texlive) are a few MB
MAX_COLLECTIONS = 1000  # <collection>s in one advisory: real ones have one per module stream, a few
MAX_REFERENCES = 5000  # <reference>s in one advisory: a large kernel advisory has a few hundred
PACKAGES_PER_COLLECTION = 1000  # a longer <collection> is handed to createrepo_c as several
# createrepo_c's parser appends each advisory, collection, package and reference to a linked list
# (time quadratic in a list's length: 10,000 advisories 4 s, 20,000 40 s; one collection of
# 20,000 packages 2.3 s, 30,000 80 s): it is given a few hundred advisories at a time, at most
# 4 MB, long collections in pieces, and refuses what no real advisory holds.
BOUNDS = Bounds(
    per=500,
    piece_bytes=4 * 1024 * 1024,
    child_bytes=MAX_ADVISORY_BYTES,
    counted={"collection": MAX_COLLECTIONS, "reference": MAX_REFERENCES},
    split=("collection", "package", PACKAGES_PER_COLLECTION),
    label="id",
)


def _records(repodata: Repodata, rec: Record) -> Iterator[Any]:
    """createrepo_c's records of the updateinfo, parsed a piece at a time (``BOUNDS``): in
    pieces, the time is linear. The pieces are cut between the root's children, found by
    expat. A collection cut in pieces is several collections of one advisory: the same
    packages. SIGTERM ends the run at once while createrepo_c parses (nothing to clean)."""
    import createrepo_c as cr  # its C library: loaded when updateinfo is read

    from errata_tpl.fileio import xmlsplit  # expat: only when updateinfo is read

    path = repodata.path(rec)
    for doc in xmlsplit.documents(repodata.content(rec, MAX_UPDATEINFO_BYTES), str(path), BOUNDS):
        try:
            with quiet_stderr(), in_memory(doc, "updateinfo.xml") as name, signals_immediate():
                info = cr.UpdateInfo(name)
        except Exception as e:
            raise UserError(f"{path}: createrepo_c cannot read this updateinfo: {_one_line(e)}") from None
        yield from info.updates


def read(mirror: Path) -> tuple[Path, list[Any]] | None:
    """The mirror's updateinfo file and createrepo_c's records of it, checked against
    repomd.xml (for a copy cut to some builds: ``publish``); None when it has none."""
    repodata = Repodata.read(mirror)
    rec = repodata.record("updateinfo") if repodata is not None else None
    if repodata is None or rec is None:
        return None
    return repodata.path(rec), list(_records(repodata, rec))


def load(
    source: Path | Repodata | None,
    warn: Callable[[str], None] | None = None,
    each: Callable[[Any], object] | None = None,
) -> dict[NevraKey, tuple[Advisory, ...]] | None:
    """Advisories by the NEVRA they ship, each id once per NEVRA (all collections and
    pkglists merged); None when the repository (a directory, or its repomd.xml read
    already) has no updateinfo. A date nobody can read is one ``warn`` naming the
    advisory, which then counts as undated. ``each``: given createrepo_c's record of
    every advisory with an id, as it is read."""
    repodata = Repodata.read(source) if isinstance(source, Path) else source
    rec = repodata.record("updateinfo") if repodata is not None else None
    if repodata is None or rec is None:
        return None
    with gc_paused():
        return _by_nevra(repodata, rec, warn, each)


def _by_nevra(
    repodata: Repodata, rec: Record, warn: Callable[[str], None] | None, each: Callable[[Any], object] | None
) -> dict[NevraKey, tuple[Advisory, ...]]:
    path = repodata.path(rec)
    by_nevra: dict[NevraKey, dict[str, Advisory]] = {}
    for u in _records(repodata, rec):
        if not (u.id or "").strip():
            if warn is not None:
                warn(f"{path}: an advisory without an <id> ({u.title or 'no title'}); left out")
            continue
        if each is not None:
            each(u)
        issued, bad_issued = _day_of(u, "issued_date")
        updated, bad_updated = _day_of(u, "updated_date")
        if (bad_issued or bad_updated) and warn is not None:
            warn(f"{path}: advisory {u.id}: unreadable date ({bad_issued or bad_updated}); treated as undated")
        adv = Advisory(
            id=u.id,
            type=canonical_type(u.type),
            severity=canonical_severity(u.severity),
            issued=issued,
            updated=updated or issued,  # no `updated`: the advisory was not revised
            cves=tuple(sorted({r.id for r in u.references if (r.type or "").lower() == "cve" and r.id})),
            status=(u.status or "").strip() or None,
        )
        for coll in u.collections:
            for p in coll.packages:
                advs = by_nevra.setdefault(nevra_key(p.name, p.epoch, p.version, p.release, p.arch), {})
                seen = advs.get(adv.id)
                advs[adv.id] = adv if seen is None or seen is adv else _merged(seen, adv)
    return {k: tuple(v[i] for i in sorted(v)) for k, v in by_nevra.items()}


def unique(advisories: Iterable[Advisory]) -> tuple[Advisory, ...]:
    """Each id once, sorted by id (a profile written before de-duplication may repeat one)."""
    by_id: dict[str, Advisory] = {}
    for a in advisories:
        by_id[a.id] = a if a.id not in by_id else _merged(by_id[a.id], a)
    return tuple(by_id[i] for i in sorted(by_id))


def cves(advisories: Iterable[Advisory]) -> list[str]:
    """The CVEs the advisories fix; a retracted advisory fixes none."""
    return sorted({c for a in advisories if not a.retracted for c in a.cves})
