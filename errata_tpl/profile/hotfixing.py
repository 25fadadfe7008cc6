"""``hotfix``'s work: read the mirror as generate does, take the builds the selection
ships (generate's choice: newest per name and arch, every kernel build, each checked
whole by rpm), add what they require beyond the newest dated profile (libsolv), and
make the hotfix record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl.checks.check import Repositories
from errata_tpl.checks.requires import Need, unmet
from errata_tpl.errors import UserError
from errata_tpl.messages import Reporter
from errata_tpl.mirror import reader
from errata_tpl.mirror.advisories import nevra_key
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.profile import hotfix as hf
from errata_tpl.profile import paths
from errata_tpl.profile.generate import build_profile, modular_entry
from errata_tpl.profile.profile import Entry, Profile, newest_first
from errata_tpl.values import evr as evrmod
from errata_tpl.values import names
from errata_tpl.values.kernel import is_kernel_name

if TYPE_CHECKING:
    from errata_tpl.mirror.advisories import Advisory, NevraKey
    from errata_tpl.mirror.modules import Modules


class HotfixRequest(NamedTuple):
    mirror: Path
    os_id: str
    name: str
    selection: hf.Selection
    repos: tuple[Path, ...] = ()
    use_cache: bool = True

    @property
    def source(self) -> str:
        """The mirror as given on the command line (messages, the hotfix's ``source``)."""
        return str(self.mirror)


class Made(NamedTuple):
    hotfix: hf.Hotfix
    text: str
    path: Path


class _Shipped(NamedTuple):
    """The builds the selection ships, as a profile names them, and the mirror's metadata."""

    profile: Profile
    advisories: dict[NevraKey, tuple[Advisory, ...]] | None
    modules: Modules | None


def make(root: Path, req: HotfixRequest, rep: Reporter, clock: dt.datetime) -> Made:
    """The hotfix ``req`` asks for, dated by ``clock`` (not written: ``Made.path`` is its place)."""
    os_id = names.os_id(req.os_id)
    path = root / paths.hotfix_rel(os_id, req.name)
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")
    shipped = _shipped(root, req, os_id, rep)
    against, needs = _needs(root, req, os_id, shipped.profile, rep)
    items, modular, kernels = _with_needs(shipped, needs, rep)
    prof = shipped.profile
    extra: dict[str, object] = {"against": against.profile if against is not None else None}
    if req.repos:
        extra["repos"] = [str(r) for r in req.repos]
    if "renamed" in prof.extra:
        extra["renamed"] = prof.extra["renamed"]
    h = hf.Hotfix(
        name=names.hotfix(req.name),
        os=os_id,
        generated=clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=req.source,
        selection=req.selection.as_dict(),
        packages=hf.sorted_items(items),
        kernels=tuple(newest_first(kernels)),
        extra=extra,
        modular=hf.sorted_items(modular),
    )
    return Made(h, hf.dump_yaml(h), path)


def _shipped(root: Path, req: HotfixRequest, os_id: str, rep: Reporter) -> _Shipped:
    """The mirror read (headers through the header cache), the builds the selection
    names chosen as generate chooses; every one damaged is an error."""
    from errata_tpl.mirror.scan import check_whole  # rpm's bindings: see commands/__init__

    advisories, modules = reader.metadata(req.mirror, rep.warn)
    files = reader.listing(req.mirror, stat_up_front=req.use_cache and header_cache_path(root, req.mirror).is_file())
    result, cache = reader.headers(root, req.mirror, files, req.use_cache, rep.warn)
    picked = hf.select_builds(result.packages, advisories, req.selection, req.source)
    built = build_profile(
        picked,
        os_id=os_id,
        profile="00000000",
        source=req.source,
        generated="",
        advisories=advisories,
        check=lambda builds: check_whole(req.mirror, result, [b.path for b in builds]),
        modules=modules,  # a modular build keeps its module stream: newest per stream, never across
    )
    if cache is not None:
        result.remember(cache)
    for bad in result.bad:
        if bad.path in {p.path for p in picked}:
            rep.warn(f"{req.source}/{bad.path}: skipped: {bad.reason}")
    for w in built.warnings:
        rep.warn(w)
    prof = built.profile
    if not prof.packages and not prof.kernels and not prof.modular:
        raise UserError(f"{req.source}: every build the selection names is damaged; no hotfix written")
    return _Shipped(prof, advisories, modules)


def _needs(
    root: Path, req: HotfixRequest, os_id: str, prof: Profile, rep: Reporter
) -> tuple[Profile | None, list[Need]]:
    """The newest dated profile, and what the shipped builds require at versions it does not give."""
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

    tree = Tree(root)
    dated = tree.profiles(os_id)
    against = tree.profile(os_id, dated[-1]) if dated else None
    pins = {(e.name, e.arch): str(e.evr) for e in against.packages} if against is not None else {}
    if against is None:
        rep.warn(f"no dated profile in errata/{os_id}/: requirements are not checked against one")
    repos = Repositories([req.mirror, *req.repos])
    arch = os_id.rsplit("-", 1)[1]
    shipped = (*prof.packages, *prof.kernels, *prof.modular)
    needs, warnings = unmet(repos, arch, [(e.name, str(e.evr), e.arch) for e in shipped], pins)
    for w in warnings:
        rep.warn(w)
    return against, needs


def _with_needs(
    shipped: _Shipped, needs: list[Need], rep: Reporter
) -> tuple[list[hf.Item], list[hf.Item], list[Entry]]:
    """The hotfix's items, modular items and kernels: the shipped builds, and each needed
    one marked with what needs it (a build of a module stream for each stream it is in)."""
    prof, advisories, modules = shipped
    items = [hf.Item(e) for e in prof.packages]
    modular = [hf.Item(e) for e in prof.modular]
    kernels = list(prof.kernels)
    for n in needs:
        v = evrmod.parse(n.evr)
        key = nevra_key(n.name, v.epoch, v.version, v.release or "", n.arch)
        advs = (advisories or {}).get(key, ())
        in_streams = sorted({b.stream_id for b in modules.builds_of(key)}) if modules is not None else []
        if is_kernel_name(n.name):
            kernels.append(Entry(n.name, v, n.arch, advs))
        elif modules is not None and in_streams:  # a build of a module stream: for that stream's nodes only
            modular += [hf.Item(modular_entry(n.name, v, n.arch, s, modules, advs), n.needed_by) for s in in_streams]
        else:
            items.append(hf.Item(Entry(n.name, v, n.arch, advs), n.needed_by))
        rep.info(f"{n.name}-{n.evr}.{n.arch}: needed by {', '.join(n.needed_by)}")
    return items, modular, kernels
