"""The fleet report as one self-contained HTML page (inline CSS, JS and SVG; no network).

The summary and its charts are plain HTML and SVG (readable without JavaScript); the
node and advisory tables are drawn by the page's script from the data embedded in it,
a page of rows at a time, so that 10,000 nodes stay quick to sort and filter. Nodes
that share a package list share one entry of what they lack (``sets``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
from importlib import resources
from typing import Any

from markupsafe import Markup

from errata_tpl import __version__
from errata_tpl.fleet import as_json
from errata_tpl.fleet.exposure import LEVELS, WORST, Exposure, Lack, days_between
from errata_tpl.fleet.facts import Fleet, oldest
from errata_tpl.fleet.observed import STATES, Drift, Observed

COLOURS = {
    "Critical": "#b3261e",
    "Important": "#e8710a",
    "Moderate": "#c99700",
    "Low": "#1a73e8",
    "unrated": "#6f6f6f",
    "current": "#188038",
    "unknown": "#b0b0b0",
}
LABELS = {
    "Critical": "Critical",
    "Important": "Important",
    "Moderate": "Moderate",
    "Low": "Low",
    "unrated": "Not rated",
    "current": "Up to date",
    "unknown": "No data",
}
AGE_BUCKETS = ((7, "up to 7 days"), (30, "8 to 30 days"), (90, "31 to 90 days"), (None, "over 90 days"))


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("errata_tpl.fleet") / "page" / name).read_text(encoding="utf-8")


def page_data(f: Fleet) -> dict[str, Any]:
    """What the page's script reads: advisories, the distinct sets of what nodes lack, nodes."""
    adv_index = {a.info.id: i for i, a in enumerate(f.advisories)}
    advisories = [
        [
            a.info.id,
            a.info.type,
            a.info.level,
            a.info.issued,
            list(a.info.cves),
            [f"{n}-{v}.{arch}" for n, v, arch in a.packages],
            len(a.lacking),
            a.have,
            list(a.os),
        ]
        for a in f.advisories
    ]
    lacks: dict[Lack, int] = {}
    sets: dict[int, tuple[Exposure, int]] = {}
    set_rows: list[list[int]] = []
    nodes = []
    for n in f.nodes:
        exp = n.exposure
        hit = sets.get(id(exp))
        if hit is None or hit[0] is not exp:
            ids = [lacks.setdefault(x, len(lacks)) for x in exp.lacks]
            hit = sets[id(exp)] = (exp, len(set_rows))
            set_rows.append(ids)
        s = n.state
        nodes.append(
            [
                s.node,
                s.os,
                s.profile,
                f"clone of {s.clone}" if s.clone else s.profile_from,
                n.profile_age_days,
                n.worst if s.error is None else "error",
                hit[1],
                n.exposure_days,
                s.kernel,
                s.running,
                n.reboot_needed,
                s.stage,
                list(s.hotfixes),
                s.error,
                n.newest,
                n.observed_state,
                _observed(n.observed, adv_index),
            ]
        )
    lack_rows = [
        [adv_index[x.advisory.id], *(f"{p.name}.{p.arch} {p.installed} \u2192 {p.fixed}" for p in x.packages)]
        for x in lacks
    ]
    return {
        "today": f.today.isoformat(),
        "levels": list(LEVELS),
        "labels": LABELS,
        "advisories": advisories,
        "lacks": lack_rows,
        "sets": set_rows,
        "nodes": nodes,
    }


# The page's names of an inventory's facts (report.js reads them), by their names in the JSON.
_SEEN = {
    "file": "file",
    "source": "source",
    "collected": "collected",
    "age": "age_days",
    "running": "running_kernel",
    "reboot": "reboot_needed",
    "epochs": "epochs",
}


def _observed(o: Observed | None, adv_index: dict[str, int]) -> dict[str, Any] | None:
    """A node's inventory for the page: what differs from its list, package by package."""
    if o is None:
        return None
    facts = o.facts("%Y-%m-%d %H:%M UTC")
    said = facts._asdict()

    def show(d: Drift) -> str:
        arch = f".{d.arch}" if d.arch else ""
        return f"{d.name}{arch} {d.installed or 'absent'} \u2192 {d.wanted or 'not on the list'}"

    return {
        **{key: said[fact] for key, fact in _SEEN.items()},
        "diff": [[kind, [show(d) for d in ds]] for kind, ds in o.compared.by_kind() if ds],
        "applicable": [adv_index[i] for i in facts.applicable],
        "installable": [adv_index[i] for i in facts.installable],
    }


def real_counts(f: Fleet) -> dict[str, int]:
    """The cards' figures as nodes really are: from the inventory where there is one."""
    ok = [n for n in f.nodes if n.state.error is None]
    return {
        "critical": sum(1 for n in ok if n.real_worst == "Critical"),
        "exposed": sum(1 for n in ok if n.real.lacks),
        "current": sum(1 for n in ok if n.real_worst == "current"),
    }


def _script_json(data: Any) -> str:
    # inside <script>: "</" must not appear, nor U+2028/9 (line ends to old parsers)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def bar_chart(title: str, rows: list[tuple[str, str, int, str]], chart_id: str) -> str:
    """Horizontal bars: (key, label, count, colour) per row; an accessible SVG."""
    top = max((c for _, _, c, _ in rows), default=0) or 1
    label_w, bar_w, row_h = 100, 200, 24
    height = row_h * len(rows) + 8
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {label_w + bar_w + 70} {height}" '
        f'width="{label_w + bar_w + 70}" height="{height}" aria-labelledby="{chart_id}-t">'
        f'<title id="{chart_id}-t">{html.escape(title)}</title>'
    ]
    for i, (key, label, count, colour) in enumerate(rows):
        y = 4 + i * row_h
        w = 0 if count == 0 else max(2, round(bar_w * count / top))
        parts.append(
            f'<g class="bar" data-key="{html.escape(key)}" data-count="{count}">'
            f"<title>{html.escape(label)}: {count}</title>"
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 7}" rx="3" fill="{colour}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 16}" class="n">{count:,}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _age_rows(f: Fleet) -> list[tuple[str, str, int, str]]:
    counts = [0] * len(AGE_BUCKETS)
    for n in f.nodes:
        d = n.exposure_days
        if d is None:
            continue
        i = next(i for i, (limit, _) in enumerate(AGE_BUCKETS) if limit is None or d <= limit)
        counts[i] += 1
    shades = ("#f3b7a3", "#e57a5a", "#c84a2c", "#8c1d0b")
    return [(f"age{i}", label, c, shades[i]) for i, ((_, label), c) in enumerate(zip(AGE_BUCKETS, counts))]


def policy(script: str) -> str:
    """The page's Content-Security-Policy: nothing from the network; only its own
    script runs (by its digest: a script that found its way into the page does not);
    no form is sent and no <base> moves its links; WebRTC blocked where a browser
    enforces ``webrtc``. ``frame-ancestors`` and ``sandbox`` work only as an HTTP
    header (README: publishing the report)."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'none'; base-uri 'none'; webrtc 'block'"
    )


def page(f: Fleet) -> str:
    import jinja2  # only the HTML report needs it

    summary = as_json.summary(f)
    cards = (
        real_counts(f)
        if f.observing
        else {
            "critical": summary["nodes_by_worst"]["Critical"],
            "exposed": summary["exposed"],
            "current": summary["nodes_by_worst"]["current"],
        }
    )
    worst_rows = [(k, LABELS[k], f.by_worst.get(k, 0), COLOURS[k]) for k in WORST]
    lacked_rows = [(k, LABELS[k], summary["advisories_lacked_by_severity"][k], COLOURS[k]) for k in LEVELS]
    old = oldest(f)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_asset("report.html.j2"))
    return template.render(
        today=f.today.isoformat(),
        version=__version__,
        summary=summary,
        newest=f.newest,
        oldest=old,
        oldest_days=None if old is None else days_between(old.info.issued, f.today),
        colours=COLOURS,
        worst_chart=_markup(bar_chart("Nodes by the most severe update they lack", worst_rows, "chart-worst")),
        lacked_chart=_markup(bar_chart("Missing updates by severity", lacked_rows, "chart-lacked")),
        age_chart=_markup(bar_chart("How long nodes have lacked a security update", _age_rows(f), "chart-age")),
        css=_markup(_asset("report.css")),
        js=_markup(_asset("report.js")),
        csp=policy(_asset("report.js")),
        data=_markup(_script_json(page_data(f))),
        has_stage=any(n.state.stage for n in f.nodes),
        has_hotfixes=any(n.state.hotfixes for n in f.nodes),
        observing=f.observing,
        cards=cards,
        states=STATES,
    )


def _markup(text: str) -> Markup:
    return Markup(text)  # our own text: CSS, JS, SVG built here, JSON made safe above
