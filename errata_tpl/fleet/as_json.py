"""The fleet report as JSON: a stable schema (README, "The fleet report") for CI pipelines.

Adding a key is compatible; renaming, removing or changing a key's meaning raises
SCHEMA_VERSION.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from errata_tpl import __version__
from errata_tpl.fileio import yamlio
from errata_tpl.fleet.exposure import LEVELS, WORST, AdvisoryInfo, Exposure, Lack, days_between
from errata_tpl.fleet.facts import AdvisoryReport, Fleet, NodeReport, oldest
from errata_tpl.fleet.observed import STATES, Drift, Observed

SCHEMA_VERSION = 1


def node(n: NodeReport) -> dict[str, Any]:
    s, exp = n.state, n.exposure
    return {
        "node": s.node,
        "os": s.os,
        "profile": s.profile,
        "profile_from": s.profile_from,
        "clone": s.clone,
        "profile_date": s.profile_date,
        "profile_age_days": n.profile_age_days,
        "newest_profile": n.newest,
        "stage": s.stage,
        "hotfixes": list(s.hotfixes),
        "kernel": {
            "selected": s.kernel,
            "from": s.kernel_from,
            "running": s.running,
            "kept": list(s.kept),
            "reboot_needed": n.reboot_needed,
        },
        "changed_by_errata": s.changed,
        "worst": None if s.error else n.worst,
        "counts": exp.counts,
        "cves": exp.cves,
        "exposed_since": exp.since,
        "exposure_days": n.exposure_days,
        "error": s.error,
        "observed": observed(n.observed),
        # and "missing": [lack_dict(...)], added by _document (shared text)
    }


def _drifts(ds: tuple[Drift, ...], *keys: str) -> list[dict[str, Any]]:
    return [{"name": d.name, "arch": d.arch, **{k: getattr(d, k) for k in keys}} for d in ds]


def observed(o: Observed | None) -> dict[str, Any] | None:
    """The node as its inventory shows it (README, "report --format json")."""
    if o is None:
        return None
    said, c = o.facts("%Y-%m-%dT%H:%M:%SZ")._asdict(), o.compared
    return {
        **{k: said[k] for k in ("source", "file", "collected", "age_days", "state")},
        "pending": _drifts(c.pending, "installed", "wanted"),
        "drifted": _drifts(c.drifted, "installed", "wanted"),
        "extra": _drifts(c.extra, "installed"),
        "missing": _drifts(c.missing, "wanted"),
        **{k: said[k] for k in ("running_kernel", "reboot_needed", "applicable", "installable")},
    }


def _advisory_fields(a: AdvisoryInfo) -> dict[str, Any]:
    """The fields every advisory carries in the JSON, wherever it stands (a node's lack, the advisory list)."""
    return {"id": a.id, "type": a.type, "severity": a.severity, "issued": a.issued, "cves": list(a.cves)}


def lack_dict(x: Lack) -> dict[str, Any]:
    return {
        **_advisory_fields(x.advisory),
        "packages": [{"name": f.name, "arch": f.arch, "installed": f.installed, "fixed": f.fixed} for f in x.packages],
    }


def advisory(a: AdvisoryReport) -> dict[str, Any]:
    return {
        **_advisory_fields(a.info),
        "os": list(a.os),
        "packages": [{"name": n, "version": v, "arch": arch} for n, v, arch in a.packages],
        "lacking": len(a.lacking),
        "have": a.have,
        "nodes_lacking": list(a.lacking),
    }


def summary(f: Fleet) -> dict[str, Any]:
    lacked = [a for a in f.advisories if a.lacking]
    by_level = dict.fromkeys(LEVELS, 0)
    for a in lacked:
        by_level[a.info.level] += 1
    old = oldest(f)
    ok = [n for n in f.nodes if n.state.error is None]
    return {
        "nodes": len(f.nodes),
        "failed": len(f.nodes) - len(ok),
        "exposed": sum(1 for n in ok if n.exposure.lacks),
        "reboot_needed": sum(1 for n in ok if n.reboot_needed),
        "nodes_by_worst": {k: f.by_worst.get(k, 0) for k in WORST},
        "advisories": len(f.advisories),
        "advisories_lacked": len(lacked),
        "advisories_lacked_by_severity": by_level,
        "observed": observed_counts(f),
        "oldest_exposure": None
        if old is None
        else {
            "id": old.info.id,
            "severity": old.info.severity,
            "issued": old.info.issued,
            "days": days_between(old.info.issued, f.today),
            "nodes": len(old.lacking),
        },
    }


def observed_counts(f: Fleet) -> dict[str, int]:
    """Nodes by observed state (``unknown``: no inventory, or failed to resolve), and how
    many must reboot by their inventories."""
    out = dict.fromkeys(STATES, 0)
    for n in f.nodes:
        out[n.observed_state] += 1
    out["reboot_needed"] = sum(1 for n in f.nodes if n.observed is not None and n.observed.reboot_needed)
    return out


def head(f: Fleet) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"errata-tpl {__version__}",
        "today": f.today.isoformat(),
        "newest_profiles": f.newest,
    }


def report(f: Fleet) -> Iterator[str]:
    """`report --format json`, in pieces: at 10,000 nodes it is hundreds of MB."""
    yield from _document({**head(f), "summary": summary(f)}, f, advisories=True)


def status(f: Fleet) -> Iterator[str]:
    """`status --format json`: the report's node objects, without the per-advisory part."""
    yield from _document(head(f), f, advisories=False)


def _document(top: dict[str, Any], f: Fleet, advisories: bool) -> Iterator[str]:
    """One top-level key a line, then one node (and advisory) a line: diffable and greppable.
    Nodes that share a package list share the text of what they lack."""
    yield "{\n"
    for key, value in top.items():
        yield f" {_compact(key)}: {_compact(value)},\n"
    yield ' "nodes": ['
    missing: dict[int, tuple[Exposure, str]] = {}
    for i, n in enumerate(f.nodes):
        hit = missing.get(id(n.exposure))
        if hit is None:
            hit = missing[id(n.exposure)] = (n.exposure, _compact([lack_dict(x) for x in n.exposure.lacks]))
        yield f'{"," if i else ""}\n  {_compact(node(n))[:-1]}, "missing": {hit[1]}}}'
    yield "\n ]" if f.nodes else "]"
    if advisories:
        yield ',\n "advisories": ['
        yield ",".join(f"\n  {_compact(advisory(a))}" for a in f.advisories)
        yield "\n ]" if f.advisories else "]"
    yield "\n}\n"


def _compact(value: Any) -> str:
    return yamlio.json_text(value, separators=(", ", ": "))  # no raw C1, DEL or bidi control from data
