"""``errata-tpl check``: solve nodes' lists with libsolv against repositories."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from errata_tpl.checks.check import Given, Outcome, check_nodes
from errata_tpl.checks.modular import streams_text
from errata_tpl.commands import _click
from errata_tpl.fileio import yamlio
from errata_tpl.mirror import repomdsig


@click.command("check")
@click.argument("nodes", nargs=-1, shell_complete=_click.complete_nodes)
@click.option("--all", "all_nodes", is_flag=True, help="Every node in site/nodes/.")
@_click.os_repos(
    "A repository (a folder with repodata/) of that OS's packages; repeatable. The OS's repos: in "
    "site/site.yaml otherwise. A plain DIR is for the site's only OS."
)
@_click.keyring("An OpenPGP public key file to check each repository's repomd.xml.asc against; repeatable.")
@_click.require_repomd_signature()
@_click.text_or_json
@click.pass_obj
def command(
    obj: _click.Run,
    nodes: tuple[str, ...],
    all_nodes: bool,
    repos: tuple[Given, ...],
    keyring: tuple[Path, ...],
    require_repomd_signature: bool,
    fmt: str,
) -> None:
    """Solve each node's list with libsolv against its OS's repositories (rc 1 if any fails).

    \b
    Examples:
      errata-tpl check --all                  # repos: of site/site.yaml
      errata-tpl check --all --repo el9-x86_64=/mirror/el9/base --repo el9-x86_64=/mirror/el9/updates
      errata-tpl check wn-001.example.org --format json
    """
    if bool(nodes) == all_nodes:
        raise click.UsageError("name one or more nodes, or --all")
    _click.keyring_for_repomd(require_repomd_signature, keyring)
    tree = obj.tree()
    from errata_tpl.resolve import batch  # jinja2 comes with it: see commands/__init__

    given = [(None if os_id is None else obj.os_id(os_id), d) for os_id, d in repos]
    with repomdsig.checking(keyring, require_repomd_signature, obj.rep.warn):  # each repository's repomd.xml.asc
        outcomes = check_nodes(tree, batch.select(tree, nodes, all_nodes), given, obj.rep)
    if fmt == "json":
        click.echo(json.dumps(check_json(outcomes), indent=2))
    else:
        _click.echo(check_text(outcomes), nl=False)
    sys.exit(0 if all(o.ok for o in outcomes.values()) else 1)


def check_text(outcomes: dict[str, Outcome]) -> str:
    lines = []
    for node, o in outcomes.items():
        streams = f" (module streams: {streams_text(o.streams)})" if o.streams is not None else ""
        if o.ok:
            extra = f"; would also install {', '.join(o.pulled_in)}" if o.pulled_in else ""
            lines.append(f"{node}: ok{streams}{extra}")
            continue
        lines.append(f"{node}: {len(o.problems)} problem{'s' if len(o.problems) != 1 else ''}{streams}")
        for p in o.problems:
            lines.append(f"  - {p.text}")
            if p.suggestion is not None:
                lines.append(f"    fix hook: {yamlio.value(p.suggestion)}")
            if p.hint is not None:
                lines.append(f"    or: {p.hint}")
    bad = sum(1 for o in outcomes.values() if not o.ok)
    lines.append(f"{len(outcomes)} nodes: {len(outcomes) - bad} ok, {bad} with problems")
    return "\n".join(lines) + "\n"


def check_json(outcomes: dict[str, Outcome]) -> dict[str, Any]:
    return {
        node: {
            "ok": o.ok,
            "problems": [
                {"text": p.text, "fix": p.suggestion, **({"hint": p.hint} if p.hint else {})} for p in o.problems
            ],
            "pulled_in": list(o.pulled_in),
        }
        | ({"module_streams": o.streams} if o.streams is not None else {})
        for node, o in outcomes.items()
    }
