"""`errata-tpl report`: the fleet's exposure as HTML, JSON or text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from errata_tpl.fileio import atomic
from errata_tpl.fleet import as_json, as_text, nodes
from errata_tpl.fleet.exposure import Fleet
from errata_tpl.report import Reporter
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.site.tree import Tree

FORMATS = ("html", "json", "text")


def fleet(tree: Tree, rep: Reporter, now: dt.date | None = None) -> Fleet:
    """Every node of the tree, resolved; warnings on stderr."""
    resolver = Resolver(tree)
    f = nodes.fleet(tree, tree.node_names(), nodes.today(now), resolver)
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return f


def render(f: Fleet, fmt: str) -> Iterable[str]:
    """The report in pieces (JSON at 10,000 nodes is large: it is never one string)."""
    if fmt == "json":
        return as_json.report(f)
    if fmt == "text":
        return [as_text.report(f)]
    from errata_tpl.fleet import as_html

    return [as_html.page(f)]


def write(chunks: Iterable[str], output: Path) -> None:
    atomic.write_chunks(output, chunks)
