"""``errata-tpl pending``: per os-id, the security advisories the newest profile has and
the last stage's current profile does not, worst first, with how long each has waited.

An advisory waits from the day it was issued (the newest profile's day when it has no
date); one that is Critical or Important and has waited longer than ``max_wait`` is
overdue, and the command exits 1 (for a cron job or CI to mail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from errata_tpl.fleet.nodes import newest_profile, profile_date
from errata_tpl.mirror.advisories import Advisory
from errata_tpl.profile.profile import Profile
from errata_tpl.promotions.chain import Effect
from errata_tpl.site import stages as st
from errata_tpl.site.tree import Tree
from errata_tpl.terminal import printable

URGENT = ("Critical", "Important")


def _advisories(p: Profile | None) -> dict[str, Advisory]:
    if p is None:
        return {}
    return {a.id: a for e in (*p.packages, *p.kernels, *p.modular) for a in e.advisories}


def _days(since: str | None, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(since)).days if since else None
    except ValueError:
        return None


def os_ids(tree: Tree) -> list[str]:
    d = tree.root / "os"
    return sorted(p.name for p in d.iterdir() if (p / "os.yaml").is_file()) if d.is_dir() else []


def in_effect(tree: Tree, e: Effect) -> Profile | None:
    """The profile a promotion in effect put there, its file checked against the record."""
    found = tree.profile(e.record.os, e.profile)
    if found is not None and e.binding is not None:
        e.binding.check(tree.profile_rel(e.record.os, e.profile), found.sha256)
    return found


def pending(tree: Tree, today: dt.date, max_wait: int) -> dict[str, Any]:
    """The JSON form: ``{today, max_wait_days, overdue, os: [...]}``."""
    rollout = tree.rollout
    last = st.required(rollout.stages).stages[-1]
    out = []
    overdue = 0
    for os_id in os_ids(tree):
        newest = newest_profile(tree, os_id)
        if newest is None:
            continue
        current = rollout.history.current(last.name, os_id)
        have = _advisories(in_effect(tree, current) if current else None)
        made = profile_date(newest)
        found: list[tuple[tuple[int, int, str], dict[str, Any]]] = []
        for a in _advisories(newest).values():
            if a.type != "security" or a.retracted or a.id in have:
                continue
            waited = _days(a.issued, today)
            waited = _days(made, today) if waited is None else waited
            late = a.severity in URGENT and waited is not None and waited * 86400 > max_wait
            overdue += late
            found.append(
                (
                    (-a.severity_rank(), -(_days(a.issued, today) or 0), a.id),
                    {
                        "id": a.id,
                        "severity": a.severity,
                        "issued": a.issued,
                        "cves": list(a.cves),
                        "days_since_issued": _days(a.issued, today),
                        "days_since_profile": _days(made, today),
                        "overdue": late,
                    },
                )
            )
        rows = [row for _, row in sorted(found, key=lambda x: x[0])]  # worst first
        out.append(
            {
                "os": os_id,
                "newest": newest.profile,
                "newest_made": made,
                "stage": last.name,
                "stage_profile": current.profile if current else None,
                "advisories": rows,
            }
        )
    return {"today": today.isoformat(), "max_wait": st.show_duration(max_wait), "overdue": overdue, "os": out}


def text(data: dict[str, Any]) -> str:
    lines = []
    for o in data["os"]:
        has = f"it has {o['stage_profile']}" if o["stage_profile"] else "it has no profile yet"
        lines.append(
            f"{o['os']}: {len(o['advisories'])} security advisories of {o['newest']} (made {o['newest_made']}) "
            f"are not at stage {o['stage']} ({has})"
        )
        for r in o["advisories"]:
            since = "?" if r["days_since_issued"] is None else f"{r['days_since_issued']}d"
            mark = "  OVERDUE" if r["overdue"] else ""
            lines.append(
                f"  {r['severity'] or 'unrated':<9} {r['id']}  issued {r['issued'] or '?'} ({since} ago), "
                f"in a profile {r['days_since_profile']}d  {' '.join(r['cves'])}{mark}".rstrip()
            )
    if data["overdue"]:
        lines.append(f"{data['overdue']} Critical or Important advisories have waited longer than {data['max_wait']}")
    # one line per advisory whatever its fields hold (a mirror's id may carry a line feed)
    return "".join(printable(line, one_line=True) + "\n" for line in lines)
