"""What ``diff`` compares: two profile files or resolved lists, two profiles of an OS
by name, two nodes' lists, or a node's list now and as a profile or hotfixes would
make it; ``checks.diff`` compares them. (Which of these the arguments ask for is the
command's to check.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from errata_tpl.checks import diff as diffmod
from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.mirror.advisories import Advisory
from errata_tpl.profile.profile import Profile
from errata_tpl.profile.profile import from_data as profile_from_data
from errata_tpl.values import names, ref, source
from errata_tpl.values.package import Package

if TYPE_CHECKING:  # jinja2 comes with it
    from errata_tpl.site.tree import Tree

AdvisoryIndex = dict[Package, tuple[Advisory, ...]]
Side = diffmod.Side


def _profile_items(p: Profile) -> Side:
    return [e.package for e in p.packages], {e.package: e.advisories for e in (*p.packages, *p.kernels) if e.advisories}


def _items_of_file(tree: Tree, path: Path) -> tuple[list[Package], AdvisoryIndex, list[Package] | None]:
    """A file's packages, advisories and (for a profile) its kernels."""
    data = yamlio.load_file(path)  # JSON is YAML too
    if isinstance(data, dict) and "node" in data and isinstance(listed := data.get("packages"), list):
        packages = []
        for i, p in enumerate(listed):
            if not (isinstance(p, dict) and {"name", "version", "arch"} <= set(p)):
                raise UserError(f"{path}: packages[{i}]: expected name, version and arch")
            try:
                pkg = ref.parse({k: p[k] for k in ("name", "version", "arch") if p[k] is not None})
            except UserError as e:
                raise e.located(f"{path}: packages[{i}]") from None
            packages.append((pkg, source.parse(str(p.get("from") or ""))))
        errata = data.get("errata")
        side = diffmod.resolved_items(tree, str(data.get("os")), errata if isinstance(errata, str) else None, packages)
        return (*side, None)
    prof = profile_from_data(data, str(path))
    return (*_profile_items(prof), [e.package for e in prof.kernels])


def diff(
    tree: Tree,
    a: str | None,
    b: str | None,
    nodes: tuple[str, ...],
    profile: str | None,
    os_id: str | None,
    hotfixes: tuple[str, ...] = (),
) -> diffmod.Diff:
    """Two files, two profiles of an OS, two nodes, or a node and the profile it could
    switch to, or the hotfixes it could add (the arguments checked by the command)."""
    from errata_tpl.resolve.resolver import Resolver  # jinja2 comes with it: only for nodes

    if hotfixes:
        assert a is not None
        node = names.node(a)
        now = Resolver(tree).resolve(node)
        then = Resolver(tree, preview_hotfixes={node: tuple(names.hotfix(h) for h in hotfixes)}).resolve(node)
        (ia, aa), (ib, ab) = diffmod.items_of_resolved(tree, now), diffmod.items_of_resolved(tree, then)
        return diffmod.compare(node, ia, f"{node} with hotfix {', '.join(hotfixes)}", ib, {**aa, **ab})
    if nodes:
        resolver = Resolver(tree)
        ra, rb = (resolver.resolve(names.node(n)) for n in nodes)
        (ia, aa), (ib, ab) = diffmod.items_of_resolved(tree, ra), diffmod.items_of_resolved(tree, rb)
        return diffmod.compare(nodes[0], ia, nodes[1], ib, {**aa, **ab})
    if profile is not None:
        assert a is not None
        node = names.node(a)
        now = Resolver(tree).resolve(node)
        then = Resolver(tree, preview={node: names.profile(profile)}).resolve(node)
        (ia, aa), (ib, ab) = diffmod.items_of_resolved(tree, now), diffmod.items_of_resolved(tree, then)
        label = f"{node} ({now.errata or 'no errata'})"
        return diffmod.compare(label, ia, f"{node} with profile {profile}", ib, {**aa, **ab})
    assert a is not None and b is not None
    sides = []
    for arg in (a, b):
        path = Path(arg)
        if path.is_file():
            sides.append(_items_of_file(tree, path))
        elif os_id is not None:
            prof = tree.profile(names.os_id(os_id), names.profile(arg))
            if prof is None:
                raise UserError(f"no profile {arg} for {os_id} ({tree.profile_rel(os_id, arg)})")
            sides.append((*_profile_items(prof), [e.package for e in prof.kernels]))
        else:
            raise UserError(f"{arg}: no such file (for a profile name, give --os)")
    (ia, aa, ka), (ib, ab, kb) = sides
    # two profiles: their kernels: lists too (resolved lists hold kernels among their packages)
    kernels = (ka, kb) if ka is not None and kb is not None else None
    return diffmod.compare(a, ia, b, ib, {**aa, **ab}, kernels=kernels)
