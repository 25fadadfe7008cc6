"""``errata-tpl diff``: two lists (profiles, resolved files, two nodes), or what a
profile or a hotfix would change on a node."""

from __future__ import annotations

import json

import click

from errata_tpl.checks import diff as diffmod
from errata_tpl.checks import sides
from errata_tpl.commands import _click


@click.command("diff")
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option(
    "--node",
    "nodes",
    multiple=True,
    shell_complete=_click.complete_nodes,
    help="Compare two nodes' resolved lists: --node N1 --node N2.",
)
@click.option("--profile", help="With one NODE: what switching it to this profile would change.")
@click.option("--hotfix", "hotfixes", multiple=True, help="With one NODE: what adding this hotfix would change.")
@click.option("--os", "os_id", help="With two profile names: the os-id they belong to.")
@_click.text_or_json
@click.pass_obj
def command(
    obj: _click.Run,
    a: str | None,
    b: str | None,
    nodes: tuple[str, ...],
    profile: str | None,
    hotfixes: tuple[str, ...],
    os_id: str | None,
    fmt: str,
) -> None:
    """Added, removed, upgraded, downgraded and pinned packages between A and B.

    A and B are two profile files or resolved lists (yaml or json), or two profile
    names with --os; or --node N1 --node N2; or NODE --profile P; or NODE --hotfix NAME.

    \b
    Examples:
      errata-tpl diff 20261001 20261121 --os el9-x86_64
      errata-tpl diff wn-051.example.org --profile 20261121
      errata-tpl diff --node wn-001.example.org --node wn-051.example.org
    """
    tree = obj.tree()
    usage(a, b, nodes, profile, hotfixes)
    d = sides.diff(tree, a, b, nodes, profile, os_id, hotfixes)
    _click.echo(json.dumps(d.as_dict(), indent=2) if fmt == "json" else diffmod.text(d), nl=fmt == "json")


def usage(a: str | None, b: str | None, nodes: tuple[str, ...], profile: str | None, hotfixes: tuple[str, ...]) -> None:
    """The argument combinations diff takes; any other is a usage error."""
    if hotfixes:
        if not a or b or nodes or profile:
            raise click.UsageError("diff NODE --hotfix NAME: name one node")
    elif nodes:
        if len(nodes) != 2 or a or b or profile:
            raise click.UsageError("diff --node takes exactly two nodes: --node N1 --node N2")
    elif profile is not None:
        if not a or b:
            raise click.UsageError("diff NODE --profile P: name one node")
    elif not a or not b:
        raise click.UsageError(
            "diff needs A and B (files, or profile names with --os), --node N1 --node N2, or NODE --profile P"
        )
