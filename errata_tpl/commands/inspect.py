"""Explain one package on one node; the status table of all nodes."""

from __future__ import annotations

from collections.abc import Mapping

from errata_tpl.errors import UserError
from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.profile.profile import Entry, Profile, source_profile
from errata_tpl.report import Reporter
from errata_tpl.resolve import streams
from errata_tpl.resolve.kernelonly import BASE_SOURCES
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.resolve.resolver import Resolved, Resolver
from errata_tpl.site.tree import Tree
from errata_tpl.values import names
from errata_tpl.values.kernel import is_kernel_name
from errata_tpl.values.package import nevra


def explain(tree: Tree, node: str, package: str) -> list[str]:
    """Every step that touched ``package`` on ``node``, then what it ends as."""
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
        entry = tree.entry(r.os, source_profile(p.source, r.errata), p)
        if entry is not None and entry.advisories:
            lines.append(f"  advisories: {_describe(entry.advisories)}")
    lines += _kernel_build(tree, r, package, final)
    newest = _newest_profile(tree, r.os)
    for name_arch, entry in sorted(_missing(newest, r.packages, r.active_streams).items()):
        if name_arch[0] == package and newest is not None:
            lines.append(f"  missing: profile {newest.profile} has {nevra(entry)} ({_describe(entry.advisories)})")
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


def _newest_profile(tree: Tree, os_id: str) -> Profile | None:
    found = tree.profiles(os_id)
    return tree.profile(os_id, found[-1]) if found else None


def _missing(
    newest: Profile | None, packages: tuple[Pkg, ...], active: Mapping[str, streams.Stream]
) -> dict[tuple[str, str], Entry]:
    """Entries of the newest profile that carry CVEs and are newer than the newest
    version the node has of that name and arch (kernels too: kept ones do not count).
    Of a modular mirror's profile, only what the node's module streams are offered."""
    if newest is None:
        return {}
    offered = (
        [e for es in streams.offered(newest, active).values() for e in es]
        if newest.modular_lists()
        else newest.packages
    )
    have: dict[str, list[Pkg]] = {}
    for p in packages:
        have.setdefault(p.name, []).append(p)
    out: dict[tuple[str, str], Entry] = {}
    for e in (*offered, *newest.kernels):
        if (e.name, e.arch) in out or not cves(e.advisories):
            continue  # kernels come newest first: the first entry of a name decides
        mine = [p.evr for p in have.get(e.name, ()) if p.arch in (e.arch, None) and p.evr is not None]
        if mine and max(mine) < e.evr:
            out[(e.name, e.arch)] = e
    return out


def missing_cves(tree: Tree, r: Resolved) -> list[str]:
    """CVEs the newest profile of the node's OS fixes and the node's list does not have."""
    return cves(
        a for e in _missing(_newest_profile(tree, r.os), r.packages, r.active_streams).values() for a in e.advisories
    )


STATUS_COLUMNS = ("node", "os", "deploy", "errata", "from", "kernel", "kernel from", "kept", "changed", "missing CVEs")


def status(tree: Tree, rep: Reporter) -> tuple[list[tuple[str, ...]], bool]:
    """One row per node; a node that fails shows its error and the run fails."""
    resolver = Resolver(tree)
    rows: list[tuple[str, ...]] = []
    ok = True
    missing: dict[tuple[str, int], tuple[tuple[Pkg, ...], list[str]]] = {}  # per shared list
    for n in tree.node_names():
        try:
            r = resolver.resolve(n)
        except UserError as e:
            ok = False
            rows.append((n, "-", "-", "ERROR", str(e), "", "", "", "", ""))
            continue
        deploy = "no" if r.errata_from == "deploy-off" else "yes"
        source = f"clone:{r.clone}" if r.clone else r.errata_from
        hit = missing.get((r.os, id(r.packages)))
        if hit is None or hit[0] is not r.packages:
            hit = missing[(r.os, id(r.packages))] = (r.packages, missing_cves(tree, r))
        cve_list = hit[1]
        rows.append(
            (
                n,
                r.os,
                deploy,
                r.errata or "-",
                source,
                r.kernel.version or "-",
                r.kernel.source,
                ",".join(r.kernel.kept) or "-",
                str(r.changed_by_errata),
                str(len(cve_list)),
            )
        )
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return rows, ok


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*row).rstrip() for row in (header, *rows)) + "\n"
