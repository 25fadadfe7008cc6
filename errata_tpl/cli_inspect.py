"""The click layer of the commands that read the tree and say what they find:
explain, check, diff, status, report, schema.

Registered on ``errata_tpl.cli.main`` when that module loads (it imports this one last).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from errata_tpl.cli import Context, _user_errors, _verbosity, main


@main.command()
@click.argument("node")
@click.argument("package")
@click.pass_obj
@_user_errors
def explain(obj: Context, node: str, package: str) -> None:
    """Print every step that touched PACKAGE on NODE."""
    from errata_tpl.commands import inspect as cmd

    for line in cmd.explain(obj.tree(), node, package):
        click.echo(line)


@main.command()
@click.argument("nodes", nargs=-1)
@click.option("--all", "all_nodes", is_flag=True, help="Every node in site/nodes/.")
@click.option(
    "--repo",
    "repos",
    multiple=True,
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A repository (a directory with repodata/); repeatable.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_verbosity
@click.pass_obj
@_user_errors
def check(obj: Context, nodes: tuple[str, ...], all_nodes: bool, repos: tuple[Path, ...], fmt: str) -> None:
    """Solve each node's list with libsolv against the repositories (rc 1 if any fails)."""
    if bool(nodes) == all_nodes:
        raise click.UsageError("name one or more nodes, or --all")
    tree = obj.tree()
    from errata_tpl.commands import check as cmd
    from errata_tpl.commands.resolve import select_nodes

    outcomes = cmd.check(tree, select_nodes(tree, nodes, all_nodes), repos, obj.rep)
    if fmt == "json":
        click.echo(json.dumps(cmd.check_json(outcomes), indent=2))
    else:
        click.echo(cmd.check_text(outcomes), nl=False)
    sys.exit(0 if all(o.ok for o in outcomes.values()) else 1)


@main.command()
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--node", "nodes", multiple=True, help="Compare two nodes' resolved lists: --node N1 --node N2.")
@click.option("--profile", help="With one NODE: what switching it to this profile would change.")
@click.option("--hotfix", "hotfixes", multiple=True, help="With one NODE: what adding this hotfix would change.")
@click.option("--os", "os_id", help="With two profile names: the os-id they belong to.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@_user_errors
def diff(
    obj: Context,
    a: str | None,
    b: str | None,
    nodes: tuple[str, ...],
    profile: str | None,
    hotfixes: tuple[str, ...],
    os_id: str | None,
    fmt: str,
) -> None:
    """Added, removed, upgraded and downgraded packages between A and B.

    A and B are two profile files or resolved lists (yaml or json), or two profile
    names with --os; or --node N1 --node N2; or NODE --profile P; or NODE --hotfix NAME."""
    from errata_tpl.checks import diff as diffmod
    from errata_tpl.commands import diff as cmd

    d = cmd.diff(obj.tree(), a, b, nodes, profile, os_id, hotfixes)
    click.echo(json.dumps(d.as_dict(), indent=2) if fmt == "json" else diffmod.text(d), nl=fmt == "json")


_TODAY = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day ages and exposures are counted to. Default: $SOURCE_DATE_EPOCH, else today (UTC).",
)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_TODAY
@_verbosity
@click.pass_obj
@_user_errors
def status(obj: Context, fmt: str, today: Any) -> None:
    """A table of every node: errata profile and where it came from, kernel, changes, exposure."""
    from errata_tpl.commands import inspect as cmd
    from errata_tpl.commands import report
    from errata_tpl.fleet import as_json

    fleet = report.fleet(obj.tree(), obj.rep, today.date() if today else None)
    if fmt == "json":
        for chunk in as_json.status(fleet):
            click.echo(chunk, nl=False)
    else:
        click.echo(cmd.table(cmd.STATUS_COLUMNS, cmd.status_rows(fleet)), nl=False)
    if fleet.errors:
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["html", "json", "text"]), default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE, not stdout.")
@_TODAY
@_verbosity
@click.pass_obj
@_user_errors
def report(obj: Context, fmt: str, output: Path | None, today: Any) -> None:
    """Who lacks which advisories of the newest profiles, how severe, since when (rc 1 if a node fails)."""
    from errata_tpl.commands import report as cmd

    fleet = cmd.fleet(obj.tree(), obj.rep, today.date() if today else None)
    chunks = cmd.render(fleet, fmt)
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    else:
        cmd.write(chunks, output)
        obj.rep.info(f"wrote {output}")
    if fleet.errors:
        sys.exit(1)


@main.command()
@click.argument("kind", required=False, type=click.Choice(["site", "cluster", "node", "os", "init-hook", "fix-hook"]))
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <kind>.schema.json of every file kind here.",
)
@click.pass_obj
@_user_errors
def schema(obj: Context, kind: str | None, out_dir: Path | None) -> None:
    """The JSON Schema of a file KIND (for an editor's YAML language server), or all with --out-dir."""
    from errata_tpl.commands import schema as cmd

    if kind is not None and out_dir is None:
        click.echo(cmd.text(kind), nl=False)
    elif kind is None and out_dir is not None:
        for path in cmd.write_all(out_dir):
            obj.rep.info(f"wrote {path}")
    else:
        raise click.UsageError("name one KIND, or --out-dir for all")
