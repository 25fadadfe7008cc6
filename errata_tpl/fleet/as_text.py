"""The fleet report as plain text: a terminal, or the e-mail a cron job sends."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from errata_tpl.fleet.as_json import observed_counts
from errata_tpl.fleet.exposure import (
    CURRENT,
    LEVELS,
    SEVERITIES,
    UNKNOWN,
    UNRATED,
    WORST,
    days_between,
)
from errata_tpl.fleet.facts import Fleet, NodeReport, oldest
from errata_tpl.fleet.observed import APPLIED, STATES
from errata_tpl.messages import counted
from errata_tpl.terminal import printable

LABELS = {**{s: s for s in SEVERITIES}, UNRATED: "unrated", CURRENT: "up to date", UNKNOWN: "no data"}
_RANK = {lv: i for i, lv in enumerate(WORST)}
BAR = 40


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: frozenset[int] = frozenset()) -> list[str]:
    rows = [tuple(printable(c, one_line=True) for c in row) for row in rows]  # one line per row, aligned
    widths = [max(len(x) for x in col) for col in zip(header, *rows)]
    return [
        "  ".join(x.rjust(w) if i in right else x.ljust(w) for i, (x, w) in enumerate(zip(row, widths))).rstrip()
        for row in (header, *rows)
    ]


def summary_lines(f: Fleet) -> list[str]:
    ok = [n for n in f.nodes if n.state.error is None]
    newest = ", ".join(f"{o} {p or '(none)'}" for o, p in f.newest.items()) or "none"
    lines = [f"Fleet report, {f.today.isoformat()}: {counted(len(f.nodes), 'node')}", f"Newest profiles: {newest}", ""]
    lines.append("Nodes by the worst advisory they lack:")
    top = max(f.by_worst.values(), default=0) or 1
    for lv in WORST:
        count = f.by_worst.get(lv, 0)
        bar = "#" * (0 if count == 0 else max(1, round(BAR * count / top)))
        lines.append(f"  {LABELS[lv]:<11} {count:>6}  {bar}".rstrip())
    reboot = sum(1 for n in ok if n.reboot_needed)
    failed = len(f.nodes) - len(ok)
    why = "by inventories, else the selected kernel not running" if f.observing else "selected kernel not running"
    lines.append(
        f"{counted(reboot, 'node')} need{'s' if reboot == 1 else ''} a reboot ({why})."
        + (f" {counted(failed, 'node')} failed to resolve." if failed else "")
    )
    if f.observing:
        lines += observed_lines(f)
    old = oldest(f)
    if old is not None:
        i = old.info
        lines.append(
            f"Oldest exposure: {i.id} ({i.severity or 'no severity'}), issued {i.issued}, "
            f"{days_between(i.issued, f.today)} days ago, lacked by {counted(len(old.lacking), 'node')}."
        )
    return lines


def observed_lines(f: Fleet) -> list[str]:
    """The states the inventories show, and what the nodes lack as installed."""
    counts = observed_counts(f)
    states = ", ".join(f"{counts[s]} {s}" for s in STATES)
    seen = [n for n in f.nodes if n.observed is not None]
    real = [n for n in seen if n.real.lacks]
    fixable = [n for n in real if n.observed is not None and n.observed.installable]
    worst = {lv: sum(1 for n in real if n.real_worst == lv) for lv in LEVELS}
    spread = ", ".join(f"{c} {LABELS[lv]}" for lv, c in worst.items() if c)
    return [
        f"Observed (inventories of {counted(len(seen), 'node')}): {states} (no inventory).",
        f"As installed, {counted(len(real), 'node')} lack advisories"
        + (f" (worst: {spread})" if spread else "")
        + f"; the own lists of {len(fixable)} of them fix some of it (installable).",
    ]


OBSERVED_COLUMNS = ("node", "state", "age", "pending", "missing", "drifted", "extra", "applic", "instal", "inventory")


def observed_rows(f: Fleet) -> list[tuple[str, ...]]:
    """A node a line where the inventory differs from the list (or is stale)."""
    rows = []
    for n in f.nodes:
        o = n.observed
        if o is None or o.state == APPLIED:
            continue
        c = o.compared
        rows.append(
            (
                n.state.node,
                o.state,
                "-" if o.age_days is None else f"{o.age_days}d",
                *(str(len(x)) for x in (c.pending, c.missing, c.drifted, c.extra)),
                str(len(o.applicable.lacks)),
                str(len(o.installable)),
                o.inventory.file,
            )
        )
    return rows


def _first(items: list[str], n: int = 3) -> str:
    """A few, then how many more: a line stays a line."""
    return " ".join(items[:n]) + (f" +{len(items) - n} more" if len(items) > n else "")


def _node_row(n: NodeReport) -> tuple[str, ...]:
    s, exp = n.state, n.exposure
    c = exp.counts
    return (
        s.node,
        s.os,
        s.profile or "-",
        "-" if n.profile_age_days is None else str(n.profile_age_days),
        LABELS[n.worst],
        *(str(c[lv]) for lv in LEVELS),
        str(len(exp.cves)),
        "-" if n.exposure_days is None else f"{n.exposure_days}d",
        {True: "yes", False: "no", None: "-"}[n.reboot_needed],
    )


def report(f: Fleet) -> str:
    lines = summary_lines(f)
    exposed = [n for n in f.nodes if n.state.error is None and n.exposure.lacks]
    exposed.sort(key=lambda n: (_RANK[n.worst], -(n.exposure_days or 0), n.state.node))
    if exposed:
        lines += ["", f"Nodes lacking advisories, worst first ({len(exposed)}):"]
        header: tuple[str, ...] = (
            "node",
            "os",
            "profile",
            "age",
            "worst",
            "Crit",
            "Imp",
            "Mod",
            "Low",
            "unr",
            "CVEs",
            "exposed",
            "reboot",
        )
        rows = [_node_row(n) for n in exposed]
        if f.observing:
            header, rows = (*header, "state"), [(*r, n.observed_state) for r, n in zip(rows, exposed)]
        lines += table(header, rows, frozenset({3, 5, 6, 7, 8, 9, 10, 11}))
    differ = observed_rows(f)
    if differ:
        lines += ["", f"Nodes whose inventory differs from their list ({len(differ)}):"]
        lines += table(OBSERVED_COLUMNS, differ, frozenset({2, 3, 4, 5, 6, 7, 8}))
    lacked = [a for a in f.advisories if a.lacking]
    lacked.sort(key=lambda a: (_RANK[a.info.level], a.info.issued or "9999", a.info.id))
    if lacked:
        lines += ["", f"Advisories lacked, worst first ({len(lacked)}):"]
        rows = [
            (
                a.info.id,
                LABELS[a.info.level],
                a.info.issued or "-",
                str(len(a.lacking)),
                str(a.have),
                _first(list(a.info.cves) or sorted({n for n, _, _ in a.packages})),
            )
            for a in lacked
        ]
        lines += table(
            ("advisory", "severity", "issued", "lacking", "have", "CVEs (else packages)"), rows, frozenset({3, 4})
        )
    lines += failed_lines(f)
    return "\n".join(lines) + "\n"


def failed_lines(f: Fleet) -> list[str]:
    """The nodes that failed to resolve, each with its error, wrapped at 100 columns."""
    if not f.errors:
        return []
    lines = ["", f"Nodes that failed to resolve ({len(f.errors)}):"]
    for n in f.errors:
        lines += textwrap.wrap(f"{n.state.node}: {n.state.error}", 100, initial_indent="  ", subsequent_indent="    ")
    return lines


STATUS_COLUMNS = (
    "node",
    "os",
    "deploy",
    "errata",
    "from",
    "kernel",
    "kernel from",
    "kept",
    "changed",
    "stage",
    "hotfixes",
    "reboot",
    "worst",
    "missing CVEs",
)


def status_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    """One row per node, from the fleet's facts (the numbers `report` shows); a node
    that failed shows its error."""
    rows: list[tuple[str, ...]] = []
    for n in fleet.nodes:
        s = n.state
        if s.error is not None:
            rows.append((s.node, "-", "-", "ERROR", s.error, *("",) * (len(status_columns(fleet)) - 5)))
            continue
        rows.append(
            (
                s.node,
                s.os,
                "no" if s.profile_from == "deploy-off" else "yes",
                s.profile or "-",
                f"clone:{s.clone}" if s.clone else s.profile_from,
                s.kernel or "-",
                s.kernel_from,
                ",".join(s.kept) or "-",
                str(s.changed),
                s.stage or "-",
                ",".join(s.hotfixes) or "-",  # NAME, NAME(superseded), NAME(N superseded)
                {True: "yes", False: "no", None: "-"}[n.reboot_needed],
                n.worst,  # one word, for awk: Critical .. Low, unrated, current, unknown
                str(len(n.exposure.cves)),
                *((n.observed_state,) if fleet.observing else ()),
            )
        )
    return rows


# status without --wide: the example site's table fits 100 columns, inventories' state too
NARROW = ("node", "errata", "kernel", "reboot", "worst", "missing CVEs", "state")


def status_columns(fleet: Fleet) -> tuple[str, ...]:
    return (*STATUS_COLUMNS, "state") if fleet.observing else STATUS_COLUMNS


def narrow(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The NARROW columns of a status table (a failed node shows ERROR; failed_lines says why)."""
    keep = [i for i, h in enumerate(header) if h in NARROW]
    return tuple(header[i] for i in keep), [tuple(row[i] for i in keep) for row in rows]


def status_counts(fleet: Fleet) -> str:
    """The line under status's table when inventories are read: nodes by observed state."""
    counts = observed_counts(fleet)
    return "observed: " + ", ".join(f"{counts[s]} {s}" for s in STATES) + f", {counts['reboot_needed']} must reboot\n"
