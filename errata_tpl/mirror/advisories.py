"""Advisories from a mirror's ``updateinfo`` (read with the createrepo_c bindings).

Found through ``repodata/repomd.xml`` (compressed or not), as dnf finds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from errata_tpl.errors import UserError

SEVERITIES = ("Low", "Moderate", "Important", "Critical")


@dataclass(frozen=True)
class Advisory:
    id: str
    type: str  # security | bugfix | enhancement | newpackage
    severity: str | None
    issued: str | None  # YYYY-MM-DD
    updated: str | None
    cves: tuple[str, ...]

    def as_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "type": self.type, "severity": self.severity, "issued": self.issued}

    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else -1


NevraKey = tuple[str, str, str, str, str]  # name, epoch ("0" if none), version, release, arch


def nevra_key(name: str, epoch: str | int | None, version: str, release: str, arch: str) -> NevraKey:
    return (name, str(epoch or 0), version, release, arch)


def _date(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, str) and value[:4].isdigit():
        return value[:10]
    return None


def _updateinfo_path(mirror: Path) -> Path | None:
    import createrepo_c as cr

    repomd = mirror / "repodata" / "repomd.xml"
    if not repomd.is_file():
        return None
    try:
        md = cr.Repomd(str(repomd))
    except Exception as e:  # createrepo_c raises its own error types
        raise UserError(f"{repomd}: unreadable repository metadata: {e}") from None
    for record in md.records:
        if record.type == "updateinfo":
            return mirror / record.location_href
    return None


def load(mirror: Path) -> dict[NevraKey, tuple[Advisory, ...]] | None:
    """Advisories by the NEVRA they ship; None when the mirror has no updateinfo."""
    import createrepo_c as cr

    path = _updateinfo_path(mirror)
    if path is None:
        return None
    try:
        info = cr.UpdateInfo(str(path))
    except Exception as e:
        raise UserError(f"{path}: unreadable updateinfo: {e}") from None
    by_nevra: dict[NevraKey, list[Advisory]] = {}
    for u in info.updates:
        severity = u.severity if u.severity and u.severity != "None" else None
        adv = Advisory(
            id=u.id,
            type=u.type or "bugfix",
            severity=severity,
            issued=_date(u.issued_date),
            updated=_date(u.updated_date) or _date(u.issued_date),
            cves=tuple(sorted({r.id for r in u.references if r.type == "cve" and r.id})),
        )
        for coll in u.collections:
            for p in coll.packages:
                by_nevra.setdefault(nevra_key(p.name, p.epoch, p.version, p.release, p.arch), []).append(adv)
    return {k: tuple(sorted(v, key=lambda a: a.id)) for k, v in by_nevra.items()}


def cves(advisories: Iterable[Advisory]) -> list[str]:
    return sorted({c for a in advisories for c in a.cves})
