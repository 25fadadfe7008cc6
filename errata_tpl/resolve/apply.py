"""What the resolver's steps do to a package set: each takes a set, copies it,
changes the copy and returns it (the set given is shared and never changed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.inventory.model import Inventory
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve.pkgset import PackageSet, Pkg
from errata_tpl.site import templating
from errata_tpl.site.config import NodeConfig, OsConfig
from errata_tpl.site.entries import PackageEntry
from errata_tpl.site.hooks import FixHook
from errata_tpl.values import evr as evrmod
from errata_tpl.values.source import Source, source


def put_layer(
    pl: PackageSet, items: tuple[PackageEntry, ...], variables: Mapping[str, Any], layer: Source
) -> PackageSet:
    out = pl.copy()
    for item in items:
        r = item.render(variables)
        out.put(Pkg.of(r, layer))
    return out


def put_installed(pl: PackageSet, inv: Inventory, osc: OsConfig, profile: Profile | None) -> PackageSet:
    """``base: installed``: the node's inventory as its base list (``Inventory.base``); an
    inventory without epochs takes each name's from ``profile``, as observation does."""
    out = pl.copy()
    epochs = {e.name: e.evr.epoch for e in profile.packages} if profile is not None else {}
    installed = source("installed")
    for p in inv.base(osc.kernel.packages, osc.arch, epochs, osc.installonly):
        out.put(Pkg(p.name, p.evr, p.arch, installed))
    return out


def kernel_packages(pl: PackageSet, osc: OsConfig, variables: Mapping[str, Any], version: str) -> PackageSet:
    out = pl.copy()
    _add_kernel(out, osc, variables, version, source("kernel"))
    return out


def _add_kernel(out: PackageSet, osc: OsConfig, variables: Mapping[str, Any], version: str, by: Source) -> None:
    k = osc.kernel
    try:
        kevr = evrmod.parse(version)
    except UserError as e:
        raise UserError(f"kernel version for {osc.os_id}: {e}") from None
    for name in k.packages:
        if by.kind == "kernel":
            out.repl(name, kevr, k.arch, by, multi=True)
        else:
            out.add(name, kevr, k.arch, by, multi=True)
    mvars = {**variables, "kernel_version": version}
    for item in k.modules:
        r = item.render(mvars)
        out.add(r.name, r.evr, r.arch or k.arch, by, multi=True)


def keep_kernels(pl: PackageSet, osc: OsConfig, variables: Mapping[str, Any], kept: tuple[str, ...]) -> PackageSet:
    out = pl.copy()
    for v in kept:
        _add_kernel(out, osc, variables, v, source("keep-kernel"))
    return out


def over_limit(pl: PackageSet, osc: OsConfig, limit: int) -> list[tuple[str, list[str]]]:
    """The installonly packages (the kernel, and the os's ``installonly`` list) with more
    versions than ``limit``, each with its versions."""
    out = []
    for name in dict.fromkeys((osc.kernel.name, *osc.installonly)):
        versions = sorted({str(p.evr) for p in pl.entries(name) if p.evr is not None})
        if len(versions) > limit:
            out.append((name, versions))
    return out


def too_many(nd: NodeConfig, name: str, versions: list[str], limit: int, kver: str | None) -> UserError:
    """More versions than installonly_limit is an error; nothing is dropped behind the user's back."""
    must = ", ".join(f"{what} {v}" for what, v in (("selected", kver), ("running", nd.running_kernel)) if v)
    return UserError(
        f"{nd.where}: key 'keep_kernels': {len(versions)} versions of {name} "
        f"({', '.join(versions)}) exceed installonly_limit {limit}; the {must} must stay: "
        f"keep fewer kernels or raise installonly_limit"
    )


def said(text: str) -> Callable[[], str]:
    """A note's text made already (for the rare notes whose making is cheap)."""
    return lambda: text


def fix_actions(
    pl: PackageSet, hook: FixHook, variables: Mapping[str, Any], hits: set[int] | None = None
) -> PackageSet:
    """The hook's actions in order; ``hits`` gets the index of each that ran and found its
    package (del, ronly) or put one (repl, add)."""
    out = pl.copy()
    by = source("fix", hook.profile)
    for i, a in enumerate(hook.actions):
        if a.when is not None and not templating.evaluate(a.when, variables, f"{a.where}: key 'when'"):
            out.note(a.name, by, said(f"{by}: {a.verb} skipped: when {a.when!r} is false"))
            continue
        if a.if_present is not None and a.if_present not in out:
            out.note(a.if_present, by, said(f"{by}: {a.verb} skipped: {a.if_present} is not present"))
            continue
        r = a.target.render(variables)
        if hits is not None and (a.verb in ("repl", "add") or r.name in out):
            hits.add(i)
        try:
            if a.verb == "ronly":
                if r.evr is None or r.arch is None:
                    raise UserError("ronly needs name, version and arch")
                out.ronly(r.name, r.evr, r.arch, by)
            elif a.verb == "repl":
                out.repl(r.name, r.evr, r.arch, by)
            elif a.verb == "add":
                out.add(r.name, r.evr, r.arch, by, multi=a.multi)
            else:
                out.delete(r.name, r.evr, r.arch, by)
        except UserError as e:
            raise e.located(f"{a.where}: key '{a.verb}'") from None
    return out
