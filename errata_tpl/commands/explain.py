"""``errata-tpl explain``: every step that touched one package on one node."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from errata_tpl.commands import _click
from errata_tpl.fleet.exposure import compute
from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.resolve import streams
from errata_tpl.resolve.kernelonly import BASE_SOURCES
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values import names
from errata_tpl.values.kernel import is_kernel_name
from errata_tpl.values.package import nevra

if TYPE_CHECKING:  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve.resolver import Resolved
    from errata_tpl.site.tree import Tree


@click.command("explain")
@click.argument("node", shell_complete=_click.complete_nodes)
@click.argument("package")
@click.pass_obj
def command(obj: _click.Context, node: str, package: str) -> None:
    """Print every step that touched PACKAGE on NODE.

    \b
    Example:
      errata-tpl explain wn-001.example.org nss
    """
    for line in explain(obj.tree(), node, package):
        _click.echo(line, one_line=True)


def explain(tree: Tree, node: str, package: str) -> list[str]:
    """Every step that touched ``package`` on ``node``, then what it ends as."""
    from errata_tpl.fleet import nodes as fleet_nodes  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve.resolver import Resolver

    resolver = Resolver(tree, trace=True)
    r = resolver.resolve(names.node(node))
    lines = [f"{r.node}: {package}", *(f"  {n}" for n in r.notes)]
    events = [e for e in r.events if e.name == package]
    lines += [f"  {e.text}" for e in events] or [f"  no step named {package}"]
    profile = tree.profile(r.os, r.errata) if r.errata else None
    if profile is not None and (profile.modular or r.active_streams):
        lines += [f"  not applied: {why}" for why in streams.not_offered(profile, r.active_streams, package)]
    final = [p for p in r.packages if p.name == package]
    if final:
        lines += [f"  result: {nevra(p)} (from {p.source}{', multi' if p.multi else ''})" for p in final]
    else:
        lines.append(f"  result: {package} is not in the list of {r.node}")
    for p in final:
        entry = tree.source_entry(r.os, p.source, r.errata, p)
        if entry is not None and entry.advisories:
            lines.append(f"  advisories: {_describe(entry.advisories)}")
    lines += _kernel_build(tree, r, package, final)
    newest = fleet_nodes.newest_profile(tree, r.os)
    if newest is not None:  # the same computation as status and report, for this one node
        (mine,) = compute([fleet_nodes.state(tree, r)], {r.os: newest}, fleet_nodes.today()).nodes
        lacking = {(f.name, f.arch, f.fixed) for x in mine.exposure.lacks for f in x.packages if f.name == package}
        for e in (*newest.packages, *newest.modular, *newest.kernels):
            if (e.name, e.arch, str(e.evr)) in lacking:  # described by the entry's own advisories
                desc = _describe(e.advisories)
                lines.append(f"  missing: profile {newest.profile} has {e.name}-{e.evr}.{e.arch} ({desc})")
    return lines


def _kernel_build(tree: Tree, r: Resolved, package: str, final: list[Pkg]) -> list[str]:
    """For a kernel-* name: whether it follows kernel selection on this node, and how
    to have it follow when it does not (profiles list it under ``kernels:`` only)."""
    if not is_kernel_name(package):
        return []
    osc = tree.os(r.os)
    if package in osc.kernel.packages:
        return [
            f"  kernel build: {package} follows kernel selection ({osc.where} key 'kernel.packages'): "
            f"version {r.kernel.version or 'none'} (kernel from {r.kernel.source})"
        ]
    profile = tree.profile(r.os, r.errata) if r.errata else None
    where = f"profile {profile.profile}" if profile is not None else "a profile"
    base = [p for p in final if p.source in BASE_SOURCES]
    lines = [
        f"  kernel build: {where} lists {package} only under 'kernels:' (the kernel-* rule): a kernel build "
        "that follows kernel selection, never a replace-only entry"
        + (", so errata leave this base-list entry at its version" if base else "")
    ]
    lines.append(
        f"  to have it follow the selected kernel ({r.kernel.version or 'none'}), list {package} in "
        f"{osc.where} key 'kernel.packages'"
    )
    return lines


def _describe(advs: tuple[Advisory, ...]) -> str:
    parts = [
        f"{a.id} {a.type}{' ' + a.severity if a.severity else ''} {a.issued or ''}".rstrip()
        + (" (retracted)" if a.retracted else "")
        for a in unique(advs)
    ]
    found = cves(advs)
    return "; ".join(parts) + (f"; {' '.join(found)}" if found else "")
