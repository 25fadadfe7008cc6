"""``errata-tpl resolve``: resolve nodes and write their lists (stdout, a file, or one
file per node)."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import atomic, outdir
from errata_tpl.fileio.yamlio import read_text
from errata_tpl.output import formats


@click.command("resolve")
@click.argument("nodes", nargs=-1, shell_complete=_click.complete_nodes)
@click.option("--all", "all_nodes", is_flag=True, help="Every node in site/nodes/.")
@click.option("--format", "fmt", type=click.Choice(list(formats.FORMATS)), default="yaml", show_default=True)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Render with your own Jinja2 template (the yaml output's keys at top level).",
)
@_click.output("Write to FILE.")
@click.option(
    "--out-dir", type=_click.WritePath(file_okay=False, path_type=Path), help="One file per node: DIR/<node>.<ext>."
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes resolving and writing --out-dir files [default: one per core from 400 nodes].",
)
@click.pass_obj
def command(
    obj: _click.Run,
    nodes: tuple[str, ...],
    all_nodes: bool,
    fmt: str,
    template: Path | None,
    output: Path | None,
    out_dir: Path | None,
    jobs: int | None,
) -> None:
    """Resolve NODE... (or --all) into concrete package lists.

    \b
    Examples:
      errata-tpl resolve wn-001.example.org
      errata-tpl resolve --all --format ansible --out-dir host_vars/
    """
    if bool(nodes) == all_nodes:
        raise click.UsageError("name one or more nodes, or --all")
    if output is not None and out_dir is not None:
        raise click.UsageError("-o and --out-dir exclude each other")
    _click.outside_site(obj, output or out_dir, "-o" if output else "--out-dir")
    tree = obj.tree()
    from errata_tpl.output import render  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve import batch

    if out_dir is not None:  # a killed run's leftovers go, even if this run fails
        outdir.tidy(out_dir, obj.rep.warn)
    chosen = batch.select(tree, nodes, all_nodes)
    renderer = render.Renderer(
        fmt,
        read_template(template) if template else None,
        str(template) if template else "",
    )
    if out_dir is not None:
        ext = formats.extension(fmt, template.name if template else None)
        n = batch.write_out_dir(out_dir, tree, chosen, renderer, ext, complete=all_nodes, rep=obj.rep, jobs=jobs)
        obj.rep.info(f"wrote {n} files to {out_dir}")
        return
    _, results = batch.resolve_all(tree, chosen, obj.rep)
    text = renderer.render_all(results)
    if output is None or output is _click.STDOUT:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
        obj.rep.info(f"wrote {output}")


MAX_TEMPLATE_BYTES = 4 * 1024 * 1024


def read_template(path: Path) -> str:
    """A ``--template`` file: UTF-8 text of a sane size, from a regular file."""
    return read_text(path, str(path), MAX_TEMPLATE_BYTES)
