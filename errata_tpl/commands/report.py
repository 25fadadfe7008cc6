"""``errata-tpl report``: the fleet's exposure as HTML, JSON or text."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import atomic
from errata_tpl.fleet import as_html, as_json, as_text
from errata_tpl.fleet.exposure import Fleet
from errata_tpl.report import Reporter

if TYPE_CHECKING:
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

FORMATS = ("html", "json", "text")


@click.command("report")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "text"]), default="html", show_default=True)
@_click.output("Write to FILE, not stdout.")
@_click.today
@_click.verbosity
@click.pass_obj
def command(obj: _click.Context, fmt: str, output: Path | None, today: Any) -> None:
    """Who lacks which advisories of the newest profiles, how severe, since when (rc 1 if a node fails)."""
    f = fleet(obj.tree(), obj.rep, today.date() if today else None)
    chunks = render(f, fmt)
    if output is None or output is _click.STDOUT:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    else:
        write(chunks, output)
        obj.rep.info(f"wrote {output}")
    if f.errors:
        sys.exit(1)


def fleet(tree: Tree, rep: Reporter, now: dt.date | None = None) -> Fleet:
    """Every node of the tree, resolved; warnings on stderr."""
    from errata_tpl.fleet import nodes  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve.resolver import Resolver

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
    return [as_html.page(f)]


def write(chunks: Iterable[str], output: Path) -> None:
    atomic.write_chunks(output, chunks)
