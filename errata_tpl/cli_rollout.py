"""The click layer of the rollout commands: hotfix, promote, stages.

Registered on ``errata_tpl.cli.main`` when that module loads (it imports this one last).
"""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.cli import Context, _user_errors, _verbosity, main


@main.command()
@click.argument("errata_dir", type=click.Path(path_type=Path))
@click.option("--os", "os_id", required=True, help="The os-id of the hotfix, e.g. el9-x86_64.")
@click.option("--name", required=True, help="The hotfix name: errata/<os-id>/hotfix-<NAME>.yaml.")
@click.option("--advisory", "advisories", multiple=True, help="An advisory id whose builds to ship; repeatable.")
@click.option("--cve", "cves", multiple=True, help="A CVE: the builds of every advisory that fixes it; repeatable.")
@click.option("--package", "packages", multiple=True, help="A package name: its newest builds; repeatable.")
@click.option(
    "--repo",
    "repos",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A further repository (with repodata/) that requirements may be met from; repeatable.",
)
@click.option("--force", is_flag=True, help="Replace an existing hotfix (a hotfix is a record).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the hotfix instead of writing it.")
@_verbosity
@click.pass_obj
@_user_errors
def hotfix(
    obj: Context,
    errata_dir: Path,
    os_id: str,
    name: str,
    advisories: tuple[str, ...],
    cves: tuple[str, ...],
    packages: tuple[str, ...],
    repos: tuple[Path, ...],
    force: bool,
    to_stdout: bool,
) -> None:
    """Freeze the builds some advisories, CVEs or packages ship into a hotfix for OS."""
    if not (advisories or cves or packages):
        raise click.UsageError("name at least one --advisory, --cve or --package")
    from errata_tpl.commands import hotfix as cmd
    from errata_tpl.profile.hotfix import Selection

    req = cmd.HotfixRequest(errata_dir, str(errata_dir), os_id, name, Selection(advisories, cves, packages), repos)
    made = cmd.make(obj.root, req, obj.rep)
    if to_stdout:
        click.echo(made.text, nl=False)
        return
    cmd.write(made.path, made.text, force)
    obj.rep.info(f"wrote {made.path}")
