"""Each build's repository metadata (its primary, filelists and other XML, made by
createrepo_c from the file, whole-file SHA256 included), computed once per file
and kept in ``<root>/.errata-tpl-cache/publish/``: by ``generate`` for the builds
it names, right after rpm's check read them, and by ``publish`` for any other.

The checksum dnf checks a package against is of the whole file. The scan that
chose the build made it while rpm's whole-file check read the file (the header
cache keeps it, and where the file's headers end); so createrepo_c is given only
the file's lead and headers (the bytes rpm read as the header), and the whole
file's checksum, size and mtime are put in its place: the same XML as
createrepo_c makes from the whole file, without reading the payload again. A
file without a kept checksum is read whole by createrepo_c. Either way in one
process per core. Every later publish of the same file (another profile, a
stage, a hotfix) takes its chunk from here. An entry is keyed by the file's path
in ERRATA_DIR, its size and mtime (the XML holds them) and its whole-file
SHA256 (what the XML is made from: the header cache holds it only for the file
as rpm checked it, by its whole stat), and tied to this tool's and
createrepo_c's versions: other bytes are read again. Safe to delete.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from errata_tpl import __version__, parallel
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sealed
from errata_tpl.fileio.stamp import Stat, stat_of
from errata_tpl.mirror.caches import cache_dir, mirror_key

FORMAT = 4
MAX_BYTES = 1024 * regular.MB  # ~3 KB a file: far more files than any mirror holds
CHANGELOG_LIMIT = 10  # createrepo_c's own default
PARALLEL_MIN_FILES = 8  # below this, forking costs more than it saves


class Chunk(NamedTuple):
    pkgid: str  # SHA256 of the whole file
    primary: str
    filelists: str
    other: str


def _stamp() -> str:
    import createrepo_c as cr  # its C library: loaded when metadata is made

    return f"{FORMAT}/{__version__}/{cr.VERSION}"


class ChunkCache:
    def __init__(self, root: Path, mirror: Path, warn: Callable[[str], None]) -> None:
        self.path = cache_dir(root, "publish") / f"{mirror_key(mirror)}.marshal"
        self._stamp = _stamp()
        self._entries: dict[str, list[Any]] = sealed.read_map(self.path, self._stamp, warn, MAX_BYTES)
        self._changed = False

    def get(self, rel: str, st: Stat, digest: str | None) -> Chunk | None:
        """The file's chunk if one was made of these bytes (``digest``, the whole file's
        SHA256 rpm's check made at stat ``st``) at this size and mtime (its XML says both)."""
        e = self._entries.get(rel)
        try:
            if digest is None or e is None or e[0] != st[0] or e[1] != st[1] or e[2] != digest:
                return None
            if not all(isinstance(x, str) for x in e[2:6]):
                return None
            return Chunk(*e[2:6])
        except (TypeError, ValueError, IndexError):
            return None  # a damaged entry: read the file again

    def put(self, rel: str, st: Stat, chunk: Chunk) -> None:
        self._entries[rel] = [st[0], st[1], *chunk]
        self._changed = True

    def save(self, keep: Iterable[str]) -> None:
        """Write the entries of ``keep`` (the files ERRATA_DIR still has) when anything changed."""
        wanted = set(keep)
        if not self._changed and wanted >= set(self._entries):
            return
        files = {rel: e for rel, e in self._entries.items() if rel in wanted}
        sealed.write_map(self.path, self._stamp, files, MAX_BYTES)  # one that cannot be written is only slower


def _from_headers(mem: int, path: str, rel: str, digest: str, end: int) -> tuple[Any, Stat] | None:
    """createrepo_c's package of the file, read from its lead and headers alone (its
    first ``end`` bytes, put in the memory file ``mem``), with the whole file's
    ``digest``, size and mtime; and the stat it was read at. None when that cannot
    be done here (the caller then has createrepo_c read the whole file)."""
    import createrepo_c as cr

    try:
        fd, st = regular.open_fd(path)
        try:
            head = os.pread(fd, end, 0)
        finally:
            os.close(fd)
        os.ftruncate(mem, 0)
        os.pwrite(mem, head, 0)
        pkg = cr.package_from_rpm(f"/proc/self/fd/{mem}", cr.SHA256, rel, None, CHANGELOG_LIMIT)
    except Exception:  # createrepo_c's and OS errors: the whole file is read instead
        return None
    # createrepo_c says where it found the headers' end: the scan's ``end`` was right
    if len(head) != end or pkg.rpm_header_end != end:
        return None
    pkg.pkgId = digest
    pkg.size_package = st.st_size
    pkg.time_file = int(st.st_mtime)
    return pkg, stat_of(st)


# What a worker is given per file: its path, the whole file's SHA256 and where its
# headers end, when the scan knows them (else None and 0: the whole file is read).
Todo = tuple[str, str | None, int]


def _read_share(base: str) -> Callable[[Iterable[Todo]], list[tuple[Stat, Chunk] | str]]:
    def read(items: Iterable[Todo]) -> list[tuple[Stat, Chunk] | str]:
        """Per file, its stat and chunk, or why createrepo_c could not read it."""
        from errata_tpl.mirror.repomd import quiet_stderr

        mem = os.memfd_create("rpm-headers", os.MFD_CLOEXEC)  # one for every file: reused
        # rpm's and glib's own lines about a file createrepo_c cannot read: its error is said once, as ours
        try:
            with quiet_stderr():
                return [_chunk(mem, base + rel, rel, digest, end) for rel, digest, end in items]
        finally:
            os.close(mem)

    return read


def _chunk(mem: int, path: str, rel: str, digest: str | None, end: int) -> tuple[Stat, Chunk] | str:
    import createrepo_c as cr

    try:
        got = _from_headers(mem, path, rel, digest, end) if digest is not None and end else None
        if got is None:
            before = stat_of(os.stat(path))
            pkg = cr.package_from_rpm(path, cr.SHA256, rel, None, CHANGELOG_LIMIT)
        else:
            pkg, before = got
        chunk = Chunk(pkg.pkgId, cr.xml_dump_primary(pkg), cr.xml_dump_filelists(pkg), cr.xml_dump_other(pkg))
        after = stat_of(os.stat(path))
    except Exception as e:  # createrepo_c's own error types, OS errors
        return f"createrepo_c cannot read it: {' '.join(str(e).split()) or type(e).__name__}"
    return (after, chunk) if after == before else "changed while it was read; run again"


def chunks(
    mirror: Path,
    files: Mapping[str, Stat],
    cache: ChunkCache,
    known: Mapping[str, tuple[str | None, int]],
    meanwhile: Callable[[], object] | None = None,
    strict: bool = True,
) -> dict[str, Chunk]:
    """Every file's chunk (``files``: path -> the stat its build was checked at;
    ``known``: path -> its whole-file SHA256 made at that stat, if one was, and where
    its headers end, if the scan knows), from the cache or made now; a file that
    changed since is an error. ``meanwhile()``: other work, done while they are made.
    Not ``strict`` (made ahead of a publish): a file whose chunk cannot be made now
    is left out, for the publish that needs it to read again and say why."""
    got: dict[str, Chunk] = {}
    todo: list[Todo] = []
    for rel, st in files.items():
        digest, end = known.get(rel, (None, 0))
        hit = cache.get(rel, st, digest)
        if hit is None:
            todo.append((rel, digest, end))
        else:
            got[rel] = hit

    def take(part: list[Todo], made: list[tuple[Stat, Chunk] | str]) -> list[None]:
        for (rel, _, _), m in zip(part, made):
            if not strict and (isinstance(m, str) or m[0] != files[rel]):
                continue
            if isinstance(m, str):
                raise UserError(f"{mirror / rel}: {m}")
            st, chunk = m
            if st != files[rel]:
                raise UserError(f"{mirror / rel}: changed while publishing; run again")
            cache.put(rel, st, chunk)
            got[rel] = chunk
        return [None] * len(part)

    workers = parallel.cores() if len(todo) >= PARALLEL_MIN_FILES else 1
    parallel.map_shares(_read_share(os.path.join(str(mirror), "")), todo, workers, then=take, meanwhile=meanwhile)
    return got
