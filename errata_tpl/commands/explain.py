"""``errata-tpl explain``: every step that touched one package on one node."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from errata_tpl.commands import _click
from errata_tpl.fleet.exposure import Exposure
from errata_tpl.fleet.facts import compute
from errata_tpl.fleet.observed import Drift, Observed
from errata_tpl.inventory.model import Inventory
from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve import streams
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values import names
from errata_tpl.values.kernel import is_kernel_name
from errata_tpl.values.package import nevra
from errata_tpl.values.source import BASE_LIST

if TYPE_CHECKING:  # jinja2 comes with these: see commands/__init__
    from errata_tpl.resolve.model import Resolved
    from errata_tpl.site.tree import Tree


@click.command("explain")
@click.argument("node", shell_complete=_click.complete_nodes)
@click.argument("package")
@_click.installed
@click.pass_obj
def command(obj: _click.Run, node: str, package: str, installed: Path | None) -> None:
    """Print every step that touched PACKAGE on NODE.

    \b
    Examples:
      errata-tpl explain wn-001.example.org nss
      errata-tpl explain wn-051.example.org bash --installed /srv/inventories
    """
    for line in explain(obj.tree(), node, package, installed, obj.rep.warn):
        _click.echo(line, one_line=True)


def explain(tree: Tree, node: str, package: str, installed: Path | None, warn: Callable[[str], None]) -> list[str]:
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
        lines.append(f"  result: {package} is not in the list of {r.node}{_near(package, r, profile)}")
    for p in final:
        entry = tree.source_entry(r.os, p.source, r.errata, p.package)
        if entry is not None and entry.advisories:
            lines.append(f"  advisories: {_describe(entry.advisories)}")
    lines += _kernel_build(tree, r, package, final)
    observing = fleet_nodes.observing(tree, [r.node], installed, warn)
    newest = fleet_nodes.newest_profile(tree, r.os)
    # the same computation as status and report, for this one node
    f = compute([fleet_nodes.state(tree, r)], {r.os: newest}, fleet_nodes.today(), observing)
    for w in f.warnings:
        warn(w)
    (mine,) = f.nodes
    if observing is not None:
        lines += _installed(observing.inventory(r.node)[0], mine.observed, package)
    if newest is not None:
        listed = _lacking(mine.exposure, package)
        real = _lacking(mine.observed.applicable, package) if mine.observed is not None else None
        for e in (*newest.packages, *newest.modular, *newest.kernels):
            for evr, advs, had in ((e.evr, e.advisories, "has"), *((x.evr, x.advisories, "had") for x in e.earlier)):
                key = (e.name, e.arch, str(evr))
                if key in listed or (real is not None and key in real):  # described by the build's own advisories
                    whose = "" if real is None else f", lacked by {_whose(key in listed, key in real)}"
                    build = f"{e.name}-{evr}.{e.arch}"
                    lines.append(f"  missing: profile {newest.profile} {had} {build} ({_describe(advs)}){whose}")
    return lines


def _near(package: str, r: Resolved, profile: Profile | None) -> str:
    """A misspelt name: the nearest one of the node's list or its profile, as the hint."""
    if any(e.name == package for e in r.events):
        return ""
    known = {p.name for p in r.packages}
    known |= {e.name for e in (*profile.packages, *profile.kernels, *profile.modular)} if profile else set()
    near = difflib.get_close_matches(package, sorted(known), n=1)
    return f" (did you mean {near[0]}?)" if near else ""


def _lacking(exp: Exposure, package: str) -> set[tuple[str, str, str]]:
    return {(f.name, f.arch, f.fixed) for x in exp.lacks for f in x.packages if f.name == package}


def _whose(listed: bool, installed: bool) -> str:
    if listed and installed:
        return "both the list and the installed version"
    return "the list only (installed newer)" if listed else "the installed version only: the list fixes it"


def _drift_text(kind: str, d: Drift) -> str:
    if kind == "missing":
        return f"is not installed; the list says {d.wanted}"
    if kind == "extra":
        return f"{d.installed} is installed, not on the list"
    if d.wanted is None and kind == "pending":
        return f"{d.installed} is installed, named for a kernel the list no longer keeps"
    if d.wanted is None:
        return f"{d.installed} is installed at an arch the list does not give it"
    return f"{d.installed} is {'older' if kind == 'pending' else 'newer'} than the list's {d.wanted}"


def _installed(inv: Inventory | None, o: Observed | None, package: str) -> list[str]:
    """The installed version(s) beside the resolved one."""
    if inv is None or o is None:
        return ["  installed: no inventory of this node"]
    when = f", collected {inv.collected:%Y-%m-%d %H:%M} UTC" if inv.collected else ""
    where = f"{inv.file}, {inv.source}{when}{', stale' if o.stale else ''}"
    have = [p for p in inv.packages if p.name == package]
    drift = [(kind, d) for kind, ds in o.compared.by_kind() for d in ds if d.name == package]
    lines = [f"  installed: {', '.join(nevra(p) for p in have) or 'none'} ({where})"]
    for kind, d in drift:
        lines.append(f"  not as listed: {d.name}{'.' + d.arch if d.arch else ''} {_drift_text(kind, d)} ({kind})")
    if have and not drift:
        lines.append("  installed as the list says")
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
    base = [p for p in final if p.source.kind in BASE_LIST]
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
