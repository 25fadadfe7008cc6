"""The slow path of a publish: read the record and its builds' files, make the folder's
metadata beside it, and swap it in when it differs from what is there (``engine``
decides when this is needed at all)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from errata_tpl import __version__, forking
from errata_tpl.errors import UserError
from errata_tpl.fileio.stamp import Stat
from errata_tpl.messages import Reporter
from errata_tpl.mirror.chunks import Chunk, ChunkCache, chunks
from errata_tpl.publish import content as ct
from errata_tpl.publish import folder as fo
from errata_tpl.publish import repodata
from errata_tpl.publish.engine import Published, Record, Request
from errata_tpl.publish.intact import holds
from errata_tpl.publish.memo import repodata_hashes
from errata_tpl.publish.modulemd import document
from errata_tpl.publish.sign import ASC, KEY, sign, verified
from errata_tpl.publish.updateinfo import Reading, updateinfo
from errata_tpl.values import names

if TYPE_CHECKING:
    from errata_tpl.publish.sources import Sources  # rpm's bindings: imported when there is work

FORMAT = 1
ASIDE_MIN_BUILDS = 1000  # from this many, the caches are written by a forked child


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
    if final.is_symlink() or not final.is_dir() or repodata.revision_of(final) is None:
        raise UserError(f"{final}: not a folder errata-tpl published; move it out of {to} first")
    return True


@dataclass
class _Job:
    """One folder's publish: where it goes, and what it learnt on the way."""

    root: Path
    req: Request
    rec: Record
    final: Path
    stats: dict[str, Stat | None]  # ERRATA_DIR's files, as they are now
    rep: Reporter
    existing: bool  # a folder errata-tpl published is at ``final``

    def read(self, profile: str | None) -> tuple[ct.Content, Sources, dict[str, Stat]]:
        """The record's content, the file of each of its builds (checked whole by rpm)
        and those files' stats."""
        req = self.req
        content = ct.load(
            self.root, names.os_id(req.os_id), self.rec.rel, self.rec.sha256, req.hotfix, profile, self.rep.warn
        )
        from errata_tpl.publish.sources import locate  # rpm's bindings (errata_tpl.rpmlib)

        sources = locate(self.root, req.mirror, req.source, content, self.rep, self.stats)
        return content, sources, {sources.files[b.key]: sources.stat(sources.files[b.key]) for b in content.builds}

    def held(self, new: Path, files: dict[str, Stat]) -> bool:
        """Does the folder in place hold what was just made beside it (signed, if asked)?"""
        req, signed = self.req, self.req.sign_key is not None
        return (
            self.existing
            and holds(self.final, files, repodata_hashes(new), req.mirror, files, (ASC, KEY) if signed else ())
            and (not signed or verified(self.final / "repodata", req.sign_key or "", req.keyring))
        )

    def swap(self, new: Path, files: dict[str, Stat], placed: fo.Placed | None) -> fo.Placed:
        """Link the builds into the folder made beside ``final`` (unless ``placed`` says
        what was linked there already), sign it, put it in place and remove the old
        one's packages. Returns what was placed; ``moved``: the files whose ctime only
        our links made and removed moved, by their stat now."""
        req, final = self.req, self.final
        placed = placed or fo.place(req.mirror, new, files)
        if placed.why_copied is not None:
            self.rep.info(
                f"{final.parent}: files are copied, not hard-linked ({placed.why_copied}); "
                "reflinked where the file system can"
            )
        if req.sign_key is not None:
            self.rep.detail(f"repomd.xml signed: {sign(new / 'repodata', req.sign_key, req.keyring)}")
        if self.existing:
            fo.keep_for_readers(final, new)
        fo.put_in_place(new, final)
        if not self.existing:
            return placed
        # the old folder is at ``new`` now; what else it holds goes as the staging block ends
        expected = {rel: st for rel, st in {**self.stats, **placed.moved}.items() if st is not None}
        return placed._replace(moved={**placed.moved, **fo.release(new, req.mirror, expected)})

    def make(
        self, content: ct.Content, files: dict[str, Stat], made: dict[str, Chunk], info: list[str], modules: str | None
    ) -> fo.Placed | None:
        """The folder made beside ``final`` from the builds' chunks, ``info`` (updateinfo)
        and ``modules``, and put in place unless ``final`` holds the same: what was
        placed (None: nothing)."""
        req, final = self.req, self.final
        rev = revision(self.rec, content.os_id, {rel: c.pkgid for rel, c in made.items()})
        with fo.staging(final.parent, self.rec.folder) as new:
            (new / "repodata").mkdir()
            linked: list[fo.Placed] = []  # a new folder: its builds are linked while its metadata is written
            repodata.write(
                new / "repodata",
                [made[r] for r in sorted(made)],
                info,
                modules,
                _epoch(content.generated),
                rev,
                final / "repodata",
                None if self.existing else lambda: linked.append(fo.place(req.mirror, new, files)),
            )
            if self.held(new, files):
                return None
            if self.existing and repodata.revision_of(final) != rev and not req.force:
                raise UserError(
                    f"{final}: published from another version of {self.rec.rel} or of its builds' files; "
                    "--force replaces it"
                )
            return self.swap(new, files, linked[0] if linked else None)


def publish_folder(
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
    job = _Job(root, req, rec, final, stats, rep, _ours(final, req.to))
    reading = Reading(root, req.mirror, rep.warn)  # first: a forked child may read ERRATA_DIR's advisories meanwhile
    try:
        content, sources, files = job.read(profile)
        cache = ChunkCache(root, req.mirror, rep.warn)
        ends = {p.path: p.header_end for p in sources.result.packages if p.path in files}
        known = {rel: (sources.result.checked.get(rel), ends.get(rel, 0)) for rel in files}
        meta: list[tuple[list[str], str | None]] = []

        def meanwhile() -> None:  # while the builds' metadata is made: what else the folder holds
            meta.append(
                (updateinfo(content, sources.files, reading, rep.warn), document(req.mirror, content, rep.warn))
            )

        made = chunks(req.mirror, files, cache, known, meanwhile)
    finally:
        reading.close()
    info, modules = meta[0]

    # the caches, written aside while the folder is made (their JSON and seals take tens of ms)
    def save() -> None:
        cache.save(stats)
        reading.save()

    saved = forking.background(save, len(made) >= ASIDE_MIN_BUILDS)
    try:
        placed = job.make(content, files, made, info, modules)
    finally:
        saved()
    if placed is None:
        return Published(final, False, len(content.builds), len(info), {}), stats
    # the new links, and the old folder's removed: the files' ctimes moved, nothing else
    stats = {**stats, **placed.moved}
    sources.restamp(placed.moved)
    return Published(final, True, len(content.builds), len(info), placed.counts), stats
