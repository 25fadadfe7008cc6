"""Explain one package on one node; the status table of all nodes (from the fleet's facts)."""

from __future__ import annotations

from errata_tpl.fleet import nodes as fleet_nodes
from errata_tpl.fleet.exposure import Fleet, compute
from errata_tpl.mirror.advisories import Advisory, cves, unique
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


STATUS_COLUMNS = (
    "node",
    "os",
    "deploy",
    "errata",
    "from",
    "kernel",
    "kernel from",
    "kept",
    "changed",
    "stage",
    "hotfixes",
    "reboot",
    "worst",
    "missing CVEs",
)


def status_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    """One row per node, from the fleet's facts (the numbers `report` shows); a node
    that failed shows its error."""
    rows: list[tuple[str, ...]] = []
    for n in fleet.nodes:
        s = n.state
        if s.error is not None:
            rows.append((s.node, "-", "-", "ERROR", s.error, "", "", "", "", "", "", "", "", ""))
            continue
        rows.append(
            (
                s.node,
                s.os,
                "no" if s.profile_from == "deploy-off" else "yes",
                s.profile or "-",
                f"clone:{s.clone}" if s.clone else s.profile_from,
                s.kernel or "-",
                s.kernel_from,
                ",".join(s.kept) or "-",
                str(s.changed),
                s.stage or "-",
                ",".join(s.hotfixes) or "-",  # NAME, NAME(superseded), NAME(N superseded)
                {True: "yes", False: "no", None: "-"}[n.reboot_needed],
                n.worst,  # one word, for awk: Critical .. Low, unrated, current, unknown
                str(len(n.exposure.cves)),
            )
        )
    return rows


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*row).rstrip() for row in (header, *rows)) + "\n"
