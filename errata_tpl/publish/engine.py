"""Publish a dated profile, a stage's current profile or a hotfix as a dnf repository:
``DIR/<os-id>/<profile>/``, ``DIR/<os-id>/hotfix-<NAME>/``, ``DIR/<os-id>/<stage>`` (a
relative symlink to its profile's folder).

A folder is written only when what it would hold differs from what it holds:
publishing an unchanged record again writes nothing (``memo`` spares even the
reading). Otherwise it is built beside its place and renamed in (``folder``), so
a reader sees the old folder or the new one, never a mix, and a killed publish
leaves the old one whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import os
import threading
from pathlib import Path
from typing import NamedTuple

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, regular, yamlio
from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.walk import find_rpms, stat_all
from errata_tpl.profile import hotfix as hf
from errata_tpl.profile import profile as pr
from errata_tpl.promotions.record import PROMOTIONS
from errata_tpl.publish import folder as fo
from errata_tpl.publish.intact import holds
from errata_tpl.publish.memo import Entry, Memo, fingerprint, repodata_hashes
from errata_tpl.publish.sign import ASC, KEY
from errata_tpl.report import Reporter
from errata_tpl.site import stages as st
from errata_tpl.values import names

FORMAT = 1


class Request(NamedTuple):
    mirror: Path
    source: str  # ERRATA_DIR as given
    os_id: str
    to: Path
    profile: str | None = None
    stage: str | None = None
    hotfix: str | None = None
    sign_key: str | None = None
    keyring: Path | None = None  # the public key nodes check repomd.xml.asc with
    force: bool = False


class Published(NamedTuple):
    folder: Path
    changed: bool
    builds: int
    advisories: int
    counts: dict[str, int]  # linked, reflinked, copied (nothing when unchanged)
    link: Path | None = None  # the stage's symlink
    previous: str | None = None  # what it pointed at before


def said(done: Published) -> list[str]:
    """What a publish tells its user: the folder, and the stage's link."""
    from errata_tpl.publish.content import counted

    what = f"{counted(done.builds, 'build')}, {counted(done.advisories, 'advisory', 'advisories')}"
    if done.changed:
        out = [f"published {done.folder}: {what} ({', '.join(f'{n} {how}' for how, n in done.counts.items() if n)})"]
    else:
        out = [f"{done.folder}: unchanged ({what}); nothing written"]
    if done.link is not None:
        was = "unchanged" if done.previous == done.folder.name else f"was {done.previous or 'nothing'}"
        out.append(f"{done.link} -> {done.folder.name} ({was})")
    return out


class Record(NamedTuple):
    """The file a folder is published from."""

    rel: str  # relative to the root
    folder: str  # the folder's name below DIR/<os-id>/
    sha256: str  # of its bytes


def stage_profile(root: Path, stage: str, os_id: str) -> str:
    """The stage's current profile for the os-id (its latest promotion in effect)."""
    from errata_tpl.promotions.store import load_rollout  # checks the record: its chain, its signatures

    rollout = load_rollout(root)
    if rollout.stages is None:
        raise UserError(f"{st.STAGES}: no such file (--stage needs the site's stages)")
    rollout.stages.index(stage)
    if names.is_profile(stage) or stage.startswith(hf.PREFIX):
        raise UserError(
            f"{st.STAGES}: key 'stages': stage {stage!r} cannot be published: DIR/{os_id}/{stage} "
            "would be the folder of a profile or a hotfix"
        )
    current = rollout.history.current(stage, os_id)
    if current is None:
        raise UserError(f"{PROMOTIONS}: stage {stage!r} has no profile for {os_id} yet (promote one first)")
    return str(current.profile)


def record_of(root: Path, os_id: str, profile: str | None, hotfix: str | None) -> Record:
    if hotfix is not None:
        rel, folder = hf.rel(os_id, hotfix), f"{hf.PREFIX}{names.hotfix(hotfix)}"
    else:
        assert profile is not None
        rel, folder = pr.rel(os_id, profile), names.profile(profile)
    data = regular.read_bytes(root / rel, yamlio.MAX_BYTES, rel)
    return Record(rel, folder, hashlib.sha256(data).hexdigest())


def errata_dir(root: Path, os_id: str, profile: str) -> Path:
    """Where the profile's builds are: its ``source`` (the ERRATA_DIR it was generated
    from; relative to the root when not absolute)."""
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

    p = Tree(root).profile(os_id, profile)
    if p is None:
        raise UserError(f"{pr.rel(os_id, profile)}: no such file")
    found = root / p.source
    if not p.source or not found.is_dir():
        raise UserError(f"{pr.rel(os_id, profile)}: key 'source': {p.source!r} is not a directory (relative to {root})")
    return found


def _epoch(generated: str) -> int:
    try:
        return int(dt.datetime.strptime(generated, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())
    except ValueError:
        return 0


def revision(rec: Record, os_id: str, files: dict[str, str]) -> str:
    """What a folder is made from: the record's bytes, each build file's checksum
    (``files``: path -> SHA256), this tool's and createrepo_c's versions."""
    import createrepo_c as cr

    data = [FORMAT, __version__, cr.VERSION, os_id, rec.folder, rec.sha256, sorted(files.items())]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def _ours(final: Path, to: Path) -> bool:
    """Is there a folder errata-tpl published at ``final``? An error when something
    else is in the way."""
    if not os.path.lexists(final):
        return False
    from errata_tpl.publish.repodata import revision_of  # createrepo_c reads it

    if final.is_symlink() or not final.is_dir() or revision_of(final) is None:
        raise UserError(f"{final}: not a folder errata-tpl published; move it out of {to} first")
    return True


def publish(root: Path, req: Request, rep: Reporter) -> Published:
    os_id = names.os_id(req.os_id)
    profile = names.profile(req.profile) if req.profile is not None else None
    if req.stage is not None:
        profile = stage_profile(root, names.node(req.stage), os_id)
    rec = record_of(root, os_id, profile, req.hotfix)
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")
    osdir = req.to / os_id
    atomic.make_dir(osdir)
    final = osdir / rec.folder
    with atomic.locked_dir(osdir, "a published repository"):
        fo.sweep(osdir)
        rels, _ = find_rpms(req.mirror)
        stats = stat_all(req.mirror, rels)
        signing = [req.sign_key or "", "" if req.keyring is None else str(req.keyring.resolve())]
        memo = Memo(root, rep.warn)
        seen = memo.get(final, fingerprint(rec.sha256, req.mirror, stats, signing))
        if seen is not None and holds(final, seen.packages, seen.repodata, req.mirror, stats):
            result = Published(final, False, seen.builds, seen.advisories, {})
        else:
            result, stats = _publish(root, req, profile, rec, final, stats, rep)
            memo.put(
                final,
                Entry(
                    fingerprint(rec.sha256, req.mirror, stats, signing),
                    sorted(result_packages(final)),
                    repodata_hashes(final),
                    result.advisories,
                    result.builds,
                ),
            )
        if req.stage is not None:
            result = _switch(osdir / req.stage, result, req.to)
    return result


def result_packages(folder: Path) -> list[str]:
    """The package files below the folder (relative), repodata/ aside."""
    out = []
    for top, dirs, found in os.walk(folder):
        rel_top = os.path.relpath(top, folder)
        if rel_top == "repodata":
            dirs[:] = []
            continue
        out += [name if rel_top == "." else f"{rel_top}/{name}" for name in found]
    return out


def _switch(link: Path, result: Published, to: Path) -> Published:
    """Point the stage's link at the folder; the folder keeps the old target's metadata
    for readers of its repomd.xml."""
    previous = os.readlink(link) if link.is_symlink() else None
    if (os.path.lexists(link) and previous is None) or (previous is not None and "/" in previous):
        raise UserError(f"{link}: not a stage link errata-tpl made; move it out of {to} first")
    if previous != result.folder.name:
        if previous is not None and (link.parent / previous).is_dir():
            fo.keep_for_readers(link.parent / previous, result.folder)
        fo.switch_link(link, result.folder.name)
    return result._replace(link=link, previous=previous)


def _publish(
    root: Path,
    req: Request,
    profile: str | None,
    rec: Record,
    final: Path,
    stats: dict[str, Stat | None],
    rep: Reporter,
) -> tuple[Published, dict[str, Stat | None]]:
    """Read the record and the builds' files, make the folder beside ``final`` and put
    it in place unless ``final`` holds the same. Returns ERRATA_DIR's stats as they
    are after (hard links move ctimes)."""
    from errata_tpl.publish import content as ct  # rpm, createrepo_c come with these
    from errata_tpl.publish import repodata
    from errata_tpl.publish.chunks import ChunkCache, chunks
    from errata_tpl.publish.modulemd import document
    from errata_tpl.publish.sign import sign, verified
    from errata_tpl.publish.updateinfo import updateinfo

    existing = _ours(final, req.to)
    # the rpm bindings' import waits on the interpreters the PyPI shim starts: meanwhile, the record is read
    loading = threading.Thread(target=importlib.import_module, args=("errata_tpl.publish.sources",), daemon=True)
    loading.start()
    content = ct.load(root, names.os_id(req.os_id), rec.rel, rec.sha256, req.hotfix, profile, rep.warn)
    loading.join()
    from errata_tpl.publish.sources import locate

    sources = locate(root, req.mirror, req.source, content, rep, stats)
    files = {sources.files[b.key]: sources.stat(sources.files[b.key]) for b in content.builds}
    cache = ChunkCache(root, req.mirror, rep.warn)
    made = chunks(req.mirror, files, cache)
    rev = revision(rec, content.os_id, {rel: c.pkgid for rel, c in made.items()})
    with fo.staging(final.parent, rec.folder) as new:
        repo = new / "repodata"
        repo.mkdir()
        info = updateinfo(root, req.mirror, content, sources.files, rep.warn)
        modules = document(req.mirror, content, rep.warn)
        repodata.write(repo, [made[r] for r in sorted(made)], info, modules, _epoch(content.generated), rev)
        advisories = len(info)
        wanted = repodata_hashes(new)
        signed = req.sign_key is not None
        if (
            existing
            and holds(final, files, wanted, req.mirror, files, (ASC, KEY) if signed else ())
            and (not signed or verified(final / "repodata", req.sign_key or "", req.keyring))
        ):
            cache.save(stats)
            return Published(final, False, len(content.builds), advisories, {}), stats
        if existing and repodata.revision_of(final) != rev and not req.force:
            raise UserError(
                f"{final}: published from another version of {rec.rel} or of its builds' files; --force replaces it"
            )
        placed = fo.place(req.mirror, new, files)
        if placed.why_copied is not None:
            rep.info(
                f"{final.parent}: files are copied, not hard-linked ({placed.why_copied}); "
                "reflinked where the file system can"
            )
        if req.sign_key is not None:
            rep.detail(f"repomd.xml signed: {sign(repo, req.sign_key, req.keyring)}")
        shared: dict[str, os.stat_result] = {}
        if existing:
            fo.keep_for_readers(final, new)
            shared = fo.links_to(final, req.mirror)
        fo.put_in_place(new, final)
    # the new links, and the old folder's removed: the files' ctimes moved, nothing else
    moved = {**placed.moved, **fo.unlinked(req.mirror, shared)}
    stats = {**stats, **moved}
    sources.restamp(moved)
    cache.restamp(moved)
    cache.save(stats)
    return Published(final, True, len(content.builds), advisories, placed.counts), stats
