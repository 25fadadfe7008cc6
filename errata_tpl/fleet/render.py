"""The fleet report in the format asked for, as pieces to write (no jinja2 until the HTML page is made)."""

from __future__ import annotations

from collections.abc import Iterable

from errata_tpl.fleet import as_html, as_json, as_text
from errata_tpl.fleet.facts import Fleet
from errata_tpl.terminal import printable

FORMATS = ("html", "json", "text")


def render(f: Fleet, fmt: str) -> Iterable[str]:
    """The report in pieces (JSON at 10,000 nodes is large: it is never one string)."""
    if fmt == "json":
        return as_json.report(f)
    if fmt == "text":
        return [printable(as_text.report(f))]  # for a terminal or a mail: data's controls escaped
    return [as_html.page(f)]
