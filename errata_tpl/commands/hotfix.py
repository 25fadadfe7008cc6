"""``errata-tpl hotfix``: scan the mirror as generate does, take the builds the
selection ships, add what they need beyond the newest dated profile (libsolv), write."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import click

from errata_tpl.checks.check import Repositories
from errata_tpl.checks.requires import unmet
from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, yamlio
from errata_tpl.messages import Reporter
from errata_tpl.mirror import reader, repomdsig
from errata_tpl.mirror.advisories import nevra_key
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.profile import hotfix as hf
from errata_tpl.profile.generate import build_profile, modular_entry
from errata_tpl.profile.profile import Entry, newest_first
from errata_tpl.values import evr as evrmod
from errata_tpl.values import names
from errata_tpl.values.kernel import is_kernel_name


@click.command("hotfix")
@_click.mirror_of("The os-id of the hotfix, e.g. el9-x86_64.")
@click.option("--name", required=True, help="The hotfix name: errata/<os-id>/hotfix-<NAME>.yaml.")
@click.option("--advisory", "advisories", multiple=True, help="An advisory id whose builds to ship; repeatable.")
@click.option("--cve", "cves", multiple=True, help="A CVE: the builds of every advisory that fixes it; repeatable.")
@click.option("--package", "packages", multiple=True, help="A package name: its newest builds; repeatable.")
@_click.repos("A further repository (with repodata/) that requirements may be met from; repeatable.")
@click.option("--force", is_flag=True, help="Replace an existing hotfix (a hotfix is a record).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the hotfix instead of writing it.")
@_click.keyring("An OpenPGP public key file to check each repository's repomd.xml.asc against; repeatable.")
@_click.require_repomd_signature
@click.pass_obj
def command(
    obj: _click.Run,
    mirror: _click.MirrorOf,
    name: str,
    advisories: tuple[str, ...],
    cves: tuple[str, ...],
    packages: tuple[str, ...],
    repos: tuple[Path, ...],
    force: bool,
    to_stdout: bool,
    keyring: tuple[Path, ...],
    require_repomd_signature: bool,
) -> None:
    """Freeze the builds some advisories, CVEs or packages ship into a hotfix for OS.

    \b
    Example:
      errata-tpl hotfix /mirror/el9/updates --os el9-x86_64 --name openssl-urgent --advisory RHSA-2026:1002
    """
    if not (advisories or cves or packages):
        raise click.UsageError("name at least one --advisory, --cve or --package")
    where = mirror.errata_dir
    req = HotfixRequest(
        where, str(where), obj.os_id(mirror.os_id), name, hf.Selection(advisories, cves, packages), repos
    )
    _click.keyring_for_repomd(require_repomd_signature, keyring)
    with repomdsig.checking(keyring, require_repomd_signature, obj.rep.warn):  # the mirror's and each --repo's
        made = make(obj.site(), req, obj.rep)
    if to_stdout:
        click.echo(made.text, nl=False)
        return
    write(made, force)
    obj.rep.info(f"wrote {made.path}")


class HotfixRequest(NamedTuple):
    mirror: Path
    source: str  # the mirror as given on the command line
    os_id: str
    name: str
    selection: hf.Selection
    repos: tuple[Path, ...] = ()
    use_cache: bool = True


class Made(NamedTuple):
    hotfix: hf.Hotfix
    text: str
    path: Path


def make(root: Path, req: HotfixRequest, rep: Reporter) -> Made:
    # rpm's bindings come with the scan, jinja2 with the tree: see commands/__init__
    from errata_tpl.mirror.scan import check_whole
    from errata_tpl.site.tree import Tree

    os_id = names.os_id(req.os_id)
    path = root / hf.rel(os_id, req.name)
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")
    advisories, modules = reader.metadata(req.mirror, rep.warn)
    files = reader.listing(req.mirror, stat_up_front=req.use_cache and header_cache_path(root, req.mirror).is_file())
    result, cache = reader.headers(root, req.mirror, files, req.use_cache, rep.warn)
    picked = hf.select_builds(result.packages, advisories, req.selection, req.source)
    # generate's choice: newest per name and arch, every kernel build, each checked whole by rpm
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

    # What those builds require at versions the newest dated profile does not give.
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
    extra: dict[str, object] = {"against": against.profile if against is not None else None}
    if req.repos:
        extra["repos"] = [str(r) for r in req.repos]
    if "renamed" in prof.extra:
        extra["renamed"] = prof.extra["renamed"]
    h = hf.Hotfix(
        name=names.hotfix(req.name),
        os=os_id,
        generated=_click.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=req.source,
        selection=req.selection.as_dict(),
        packages=hf.sorted_items(items),
        kernels=tuple(newest_first(kernels)),
        extra=extra,
        modular=hf.sorted_items(modular),
    )
    return Made(h, hf.dump_yaml(h), path)


def write(made: Made, force: bool) -> None:
    """A hotfix is a record like a profile: replaced only with ``force``, and written
    only once it reads back as made."""
    path = made.path
    atomic.make_parent(path)
    with atomic.locked_dir(path.parent, f"hotfix {path.name}"):  # a lock on the directory: no lock file
        if not force and path.exists():
            raise UserError(f"{path}: exists; a hotfix is a record (use --force to replace it)")
        yamlio.write_record(path, made.text, hf.from_data, expect=hf.to_data(made.hotfix), overwrite=force)
