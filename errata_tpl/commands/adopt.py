"""``errata-tpl adopt``: node files written from inventories (the site owns the lists from then on)."""

from __future__ import annotations

from pathlib import Path

import click

from errata_tpl.commands import _click


@click.command("adopt")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("nodes", nargs=-1, shell_complete=_click.complete_nodes)
@click.option("--os", "os_id", metavar="OS_ID", help="The os-id of a node without a node file yet.")
@click.option("--cluster", help="The cluster of a node without a node file yet.")
@click.option("--force", is_flag=True, help="Rewrite node files that exist (their comments are not kept).")
@click.pass_obj
def command(
    obj: _click.Run, directory: Path, nodes: tuple[str, ...], os_id: str | None, cluster: str | None, force: bool
) -> None:
    """Write site/nodes/NODE.yaml with the packages the inventories in DIRECTORY say are installed.

    \b
    Examples:
      errata-tpl adopt /srv/inventories wn-101.example.org --os el9-x86_64 --cluster compute
      errata-tpl adopt /srv/inventories --force      # every node of the site with an inventory
    """
    from errata_tpl.inventory import adopt  # jinja2 comes with the tree: see commands/__init__

    tree = obj.tree()
    for a in adopt.run(tree, directory, nodes, os_id, cluster, force, obj.rep.warn):
        obj.rep.info(f"wrote {a.path.relative_to(tree.root)}: {a.packages} packages")
    for w in tree.warnings:
        obj.rep.warn(w)
