"""``errata-tpl announce``: what a promotion brought a stage's nodes, for people (text,
Markdown, an e-mail for ``sendmail -t``), feed readers (Atom) and webhooks (JSON)."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import atomic


@click.command("announce")
@click.option("--os", "os_id", required=True, help="The os-id, e.g. el9-x86_64.")
@click.option("--stage", required=True, help="The stage of site/stages.yaml.")
@click.option(
    "--record",
    "number",
    type=click.IntRange(min=0),
    help="The record (its number in site/promotions.yaml) of the promotion. Default: the stage's latest.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "email", "atom", "json"]),
    default="text",
    show_default=True,
    help="atom: every promotion of the stage, newest first (at most --entries).",
)
@click.option("--entries", type=click.IntRange(min=1), default=20, show_default=True, help="Atom: at most this many.")
@click.option("--to", "to", multiple=True, help="email: a recipient; repeatable. Default: announce: to in site.yaml.")
@click.option("--from", "sender", help="email: the sender. Default: announce: from in site/site.yaml.")
@_click.output("Write to FILE, not stdout.")
@click.pass_obj
def command(
    obj: _click.Run,
    os_id: str,
    stage: str,
    number: int | None,
    fmt: str,
    entries: int,
    to: tuple[str, ...],
    sender: str | None,
    output: Path | None,
) -> None:
    """What a promotion brought STAGE's nodes: profiles, advisories, CVEs, kernels, who and why.

    \b
    Example:
      errata-tpl announce --os el9-x86_64 --stage canary
      errata-tpl announce --os el9-x86_64 --stage all --format email | sendmail -t
      errata-tpl announce --os el9-x86_64 --stage all --format atom -o /var/www/errata/all.atom
    """
    _click.outside_site(obj, output, "-o")
    from errata_tpl.promotions import announce  # jinja2 comes with it: see commands/__init__

    text = announce.announce(obj.tree(), announce.Request(os_id, stage, number, fmt, entries, to, sender), obj.rep)
    if output is None or output is _click.STDOUT:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
        obj.rep.info(f"wrote {output}")
