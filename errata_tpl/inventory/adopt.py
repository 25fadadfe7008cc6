"""``adopt``: node files written from inventories, for a site that owns its lists from then on.

Each node's file gets ``packages:``, what its inventory says is installed (at its version
and arch; kernels left to kernel selection, as ``base: installed`` does), and keeps the
other keys of the node file it replaces (or ``os``/``cluster`` given for a new one). A
file is written only once its text reads back as a node file, atomically; an existing one
only when asked (``force``: its comments are not kept).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.inventory.model import Deferred, Inventory
from errata_tpl.site import schema
from errata_tpl.values import names
from errata_tpl.values.package import nevra

if TYPE_CHECKING:  # jinja2 comes with it
    from errata_tpl.site.config import OsConfig
    from errata_tpl.site.tree import Tree


@dataclass(frozen=True)
class Adopted:
    node: str
    path: Path  # the node file written
    packages: int


def node_text(inv: Inventory, keep: Mapping[str, Any], packages: list[str]) -> str:
    """The node file: where it came from, the keys kept, and the installed packages."""
    when = f", collected {inv.collected:%Y-%m-%d %H:%M} UTC" if inv.collected else ""
    lines = [f"# written by errata-tpl adopt from {inv.file} ({inv.source}{when})\n"]
    lines += [f"{k}: {yamlio.value(v)}\n" for k, v in keep.items()]
    if inv.running_version is not None and "running_kernel" not in keep:
        lines.append(f"running_kernel: {yamlio.value(inv.running_version)}  # when adopted: kept until it is not\n")
    lines.append("packages:\n" if packages else "packages: []\n")
    lines += [f"  - {yamlio.value(p)}\n" for p in packages]
    return "".join(lines)


def refuse(rel: str, inv: Inventory, existing: Mapping[str, Any] | None, force: bool) -> None:
    """Why ``inv`` may not be adopted into ``rel`` (checked for every node before any is written)."""
    if existing is not None and not force:
        raise UserError(f"{rel}: exists; adopt rewrites it from {inv.file} (its comments are not kept): --force")
    if not inv.epochs:
        raise UserError(
            f"{inv.file}: an inventory without epochs (rpm -qa's default): a package's epoch would be lost; "
            "collect it with --qf '%{NEVRA}\\n'"
        )


def adopt(
    root: Path,
    rel: str,
    node: str,
    inv: Inventory,
    existing: Mapping[str, Any] | None,
    osc: OsConfig,
    new_keys: Mapping[str, Any],
    warn: Callable[[str], None],
) -> Adopted:
    """Write the node file ``rel`` from ``inv``; ``existing``: its data, if there is one."""
    keep = {k: v for k, v in (existing or new_keys).items() if k not in ("packages", "base")}
    kernels, arch, side_by_side = osc.kernel.packages, osc.arch, osc.installonly
    for name, evrs in inv.doubled(kernels, arch, side_by_side).items():
        warn(
            f"{inv.file}: {name} is installed at {len(evrs)} versions ({', '.join(map(str, evrs))}), "
            f"which {osc.os_id} does not keep side by side (an interrupted transaction left them: dnf remove "
            f"--duplicates); adopted at the newest, {evrs[-1]}"
        )
    packages = sorted({nevra(p) for p in inv.base(kernels, arch, {}, side_by_side)})
    text = node_text(inv, keep, packages)
    yamlio.write_record(root / rel, text, _node_file)
    return Adopted(node, root / rel, len(packages))


def _node_file(data: Any, where: str) -> None:
    schema.check("node", data, where)


def run(
    tree: Tree,
    directory: Path,
    nodes: tuple[str, ...],
    os_id: str | None,
    cluster: str | None,
    force: bool,
    warn: Callable[[str], None],
) -> list[Adopted]:
    """Every node asked for (none: every node of the site with an inventory in ``directory``),
    checked first; then their files written."""
    from errata_tpl.inventory.load import load

    site = tree.node_names()
    found, reader = load(directory, {*site, *nodes}, warn, str(directory), only=nodes or None)
    todo: list[tuple[str, str, Inventory, dict[str, Any] | None, OsConfig]] = []
    for node in nodes or tuple(n for n in site if n in found):
        names.node(node)
        got = found.get(node)
        inv, said = reader.complete(got) if isinstance(got, Deferred) else (got, [])
        for w in said:
            warn(w)
        if inv is None:
            raise UserError(f"{directory}: no inventory of {node}; nothing written")
        rel = tree.node(node).where if node in site else f"site/nodes/{node}.yaml"
        loaded = yamlio.load_file(tree.root / rel, rel) if node in site else None
        existing = loaded if isinstance(loaded, dict) else None  # the tree read it: a mapping, or empty
        os_of = (existing or {}).get("os") or os_id
        if os_of is None:
            raise UserError(f"{node}: no node file: --os OS_ID is needed for it; nothing written")
        refuse(rel, inv, existing, force)
        todo.append((rel, node, inv, existing, tree.os(str(os_of))))
    if not todo:  # a fleet the site does not know yet: its nodes are named, with their OS
        raise UserError(
            f"{directory}: no inventory of a node of the site; name new nodes: adopt {directory} NODE... --os OS_ID;"
            " nothing written"
        )
    new_keys = {"os": os_id, **({"cluster": cluster} if cluster else {})}
    return [adopt(tree.root, rel, node, inv, existing, osc, new_keys, warn) for rel, node, inv, existing, osc in todo]
