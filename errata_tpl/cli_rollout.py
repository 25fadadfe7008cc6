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


@main.command()
@click.argument("profile")
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
@click.option("--stage", required=True, help="The stage of site/stages.yaml to promote the profile to.")
@click.option("--by", help="Who promotes (recorded). Default: the login name.")
@click.option("--note", help="A note for the record.")
@click.option(
    "--force", is_flag=True, help="Promote despite the soak time, check problems or a missing check (recorded)."
)
@click.option(
    "--repo",
    "repos",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A repository to check the stage's nodes against; repeatable. Default: repos: in site/stages.yaml.",
)
@_verbosity
@click.pass_obj
@_user_errors
def promote(
    obj: Context,
    profile: str,
    os_id: str,
    stage: str,
    by: str | None,
    note: str | None,
    force: bool,
    repos: tuple[Path, ...],
) -> None:
    """Promote PROFILE of OS to STAGE: soak and check first, then a record in site/promotions.yaml."""
    from errata_tpl.commands import promote as cmd
    from errata_tpl.commands.generate import now_utc

    req = cmd.PromoteRequest(profile, os_id, stage, by, note, force, repos)
    rec = cmd.promote(obj.root, req, obj.rep, now_utc())
    for reason in rec.forced:
        obj.rep.warn(f"forced: {reason}")
    s = rec.summary
    click.echo(
        f"{rec.profile} -> {rec.stage} ({rec.os}) at {rec.time} by {rec.by}: {len(s['nodes'])} nodes, "
        f"{s['packages_changed']} packages changed, {len(s['cves_fixed'])} CVEs fixed, check {s['check']}"
    )


@main.command()
@click.pass_obj
@_user_errors
def stages(obj: Context) -> None:
    """Where each profile stands: per os-id and stage, the current profile and what waits."""
    from errata_tpl.commands import inspect
    from errata_tpl.commands import promote as cmd
    from errata_tpl.commands.generate import now_utc

    click.echo(inspect.table(cmd.STAGES_COLUMNS, cmd.stages_table(obj.root, now_utc())), nl=False)
