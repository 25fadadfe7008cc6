"""``errata-tpl schema``: JSON Schemas of the files a site writes or reads, for editors'
YAML language servers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from errata_tpl.commands import _click
from errata_tpl.fileio import atomic
from errata_tpl.site import schema_json


@click.command("schema")
@click.argument("kind", required=False, type=click.Choice(list(schema_json.FILES)))
@click.option(
    "--out-dir",
    type=_click.WritePath(file_okay=False, path_type=Path),
    help="Write <kind>.schema.json of every file kind here.",
)
@click.pass_obj
def command(obj: _click.Run, kind: str | None, out_dir: Path | None) -> None:
    """The JSON Schema of a file KIND (for an editor's YAML language server), or all with --out-dir.

    \b
    Examples:
      errata-tpl schema node
      errata-tpl schema --out-dir schemas/
    """
    if kind is not None and out_dir is None:
        click.echo(text(kind), nl=False)
    elif kind is None and out_dir is not None:
        _click.outside_site(obj, out_dir, "--out-dir")
        for path in write_all(out_dir):
            obj.rep.info(f"wrote {path}")
    else:
        raise click.UsageError("name one KIND, or --out-dir for all")


def text(file_kind: str) -> str:
    return json.dumps(schema_json.json_schema(file_kind), indent=2, sort_keys=False) + "\n"


def write_all(out_dir: Path) -> list[Path]:
    """``<kind>.schema.json`` for every file kind; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in schema_json.FILES:
        path = out_dir / f"{kind}.schema.json"
        atomic.write_text(path, text(kind))
        written.append(path)
    return written
