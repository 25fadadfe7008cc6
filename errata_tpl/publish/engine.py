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

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, regular, yamlio
from errata_tpl.messages import Reporter, counted
from errata_tpl.mirror.walk import find_rpms, stat_all
from errata_tpl.profile import paths
from errata_tpl.publish import folder as fo
from errata_tpl.publish.intact import holds, listing_digest
from errata_tpl.publish.memo import Entry, Memo, fingerprint, repodata_hashes
from errata_tpl.values import names

if TYPE_CHECKING:
    from errata_tpl.promotions.record import Binding

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


def stage_profile(root: Path, stage: str, os_id: str) -> tuple[str, Binding | None]:
    """The stage's current profile for the os-id (its latest promotion in effect), and the
    bytes its record bound it to (None: a record written before records carried them)."""
    from errata_tpl.promotions.record import PROMOTIONS
    from errata_tpl.promotions.store import load_rollout  # checks the record: its chain, its signatures
    from errata_tpl.site import stages as st

    rollout = load_rollout(root)
    if rollout.stages is None:
        raise UserError(f"{st.STAGES}: no such file (--stage needs the site's stages)")
    rollout.stages.index(stage)
    if names.is_profile(stage) or stage.startswith(paths.HOTFIX_PREFIX):
        raise UserError(
            f"{st.STAGES}: key 'stages': stage {stage!r} cannot be published: DIR/{os_id}/{stage} "
            "would be the folder of a profile or a hotfix"
        )
    current = rollout.history.current(stage, os_id)
    if current is None:
        raise UserError(f"{PROMOTIONS}: stage {stage!r} has no profile for {os_id} yet (promote one first)")
    return str(current.profile), current.binding


def record_of(root: Path, os_id: str, profile: str | None, hotfix: str | None) -> Record:
    if hotfix is not None:
        rel, folder = paths.hotfix_rel(os_id, hotfix), f"{paths.HOTFIX_PREFIX}{names.hotfix(hotfix)}"
    else:
        assert profile is not None
        rel, folder = paths.profile_rel(os_id, profile), names.profile(profile)
    data = regular.read_bytes(root / rel, yamlio.MAX_BYTES, rel)
    return Record(rel, folder, hashlib.sha256(data).hexdigest())


def errata_dir(root: Path, os_id: str, profile: str) -> Path:
    """Where the profile's builds are: its ``source`` (the ERRATA_DIR it was generated
    from; relative to the root when not absolute)."""
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

    p = Tree(root).profile(os_id, profile)
    if p is None:
        raise UserError(f"{paths.profile_rel(os_id, profile)}: no such file")
    found = root / p.source
    if not p.source or not found.is_dir():
        where = paths.profile_rel(os_id, profile)
        raise UserError(f"{where}: key 'source': {p.source!r} is not a directory (relative to {root})")
    return found


def publish(root: Path, req: Request, rep: Reporter) -> Published:
    os_id = names.os_id(req.os_id)
    profile = names.profile(req.profile) if req.profile is not None else None
    binding = None
    if req.stage is not None:
        profile, binding = stage_profile(root, names.node(req.stage), os_id)
    rec = record_of(root, os_id, profile, req.hotfix)
    if binding is not None:  # a stage is published from the bytes its promotion put in effect
        binding.check(rec.rel, rec.sha256)
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
            from errata_tpl.publish.build import publish_folder  # rpm, createrepo_c: only when there is work

            result, stats = publish_folder(root, req, profile, rec, final, stats, rep)
            memo.put(
                final,
                Entry(
                    fingerprint(rec.sha256, req.mirror, stats, signing),
                    listing_digest(rel for rel, _ in fo.files_in(final)),
                    repodata_hashes(final),
                    result.advisories,
                    result.builds,
                ),
            )
        if req.stage is not None:
            result = _switch(osdir / req.stage, result, req.to)
    return result


def publish_checked(
    root: Path, req: Request, rep: Reporter, keyring: Sequence[Path] = (), required: bool = False
) -> Published:
    """``publish`` with ERRATA_DIR's repomd.xml.asc checked against ``keyring`` (required
    to be good with ``required``): before anything is made under DIR, and at each read."""
    from errata_tpl.mirror import repomdsig

    with repomdsig.checking(keyring, required, rep.warn):
        if keyring:
            from errata_tpl.mirror.repomd import Repodata

            Repodata.read(req.mirror)
        return publish(root, req, rep)


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
