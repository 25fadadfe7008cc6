"""Each build's repository metadata (its primary, filelists and other XML, made by
createrepo_c from the file, whole-file SHA256 included), computed once per file
and kept in ``<root>/.errata-tpl-cache/publish/``.

The checksum dnf checks a package against is of the whole file. The scan that
chose the build made it while rpm's whole-file check read the file (the header
cache keeps it); so createrepo_c is given only the file's lead and headers (what
rpm reads as the header), and the whole file's checksum, size and mtime are put
in its place: the same XML as createrepo_c makes from the whole file, without
reading the payload again. A file without a kept checksum is read whole by
createrepo_c, in one process per core. Every later publish of the same file
(another profile, a stage, a hotfix) takes its chunk from here. An entry is
keyed by the file's path in ERRATA_DIR and its size, mtime, inode and ctime, and
tied to this tool's and createrepo_c's versions: a file that changed in any way
is read again. Safe to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from errata_tpl import __version__, parallel
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sealed
from errata_tpl.fileio.stamp import Stat, stat_of
from errata_tpl.mirror.caches import cache_dir, mirror_key

FORMAT = 1
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
        self.path = cache_dir(root, "publish") / f"{mirror_key(mirror)}.json"
        self._stamp = _stamp()
        self._entries: dict[str, list[Any]] = {}
        self._changed = False
        text = sealed.read(self.path, self.path.name, warn, MAX_BYTES)  # named for its mirror
        with contextlib.suppress(ValueError):
            data = json.loads(text) if text is not None else None
            if isinstance(data, dict) and data.get("stamp") == self._stamp and isinstance(data.get("files"), dict):
                self._entries = data["files"]

    def get(self, rel: str, st: Stat) -> Chunk | None:
        e = self._entries.get(rel)
        try:
            if e is None or tuple(e[:4]) != st or not all(isinstance(x, str) for x in e[4:8]):
                return None
            return Chunk(*e[4:8])
        except (TypeError, ValueError):
            return None  # a damaged entry: read the file again

    def put(self, rel: str, st: Stat, chunk: Chunk) -> None:
        self._entries[rel] = [*st, *chunk]
        self._changed = True

    def restamp(self, moved: Mapping[str, Stat]) -> None:
        """Files whose ctime publishing moved (a hard link made), nothing else."""
        for rel, st in moved.items():
            e = self._entries.get(rel)
            if e is not None:
                e[:4] = list(st)
                self._changed = True

    def save(self, keep: Iterable[str]) -> None:
        """Write the entries of ``keep`` (the files ERRATA_DIR still has) when anything changed."""
        wanted = set(keep)
        if not self._changed and wanted >= set(self._entries):
            return
        files = {rel: e for rel, e in self._entries.items() if rel in wanted}
        text = json.dumps({"stamp": self._stamp, "files": files}, separators=(",", ":"))
        sealed.write(self.path, self.path.name, text, MAX_BYTES)  # one that cannot be written is only slower


def _from_headers(ts: Any, path: str, rel: str, digest: str) -> Any:
    """createrepo_c's package of the file, read from its lead and headers alone (in
    memory), with the whole file's ``digest``, size and mtime; None when that
    cannot be done here (the caller then has createrepo_c read the whole file)."""
    import createrepo_c as cr

    try:
        fd, st = regular.open_fd(path)
        try:
            ts.hdrFromFdno(fd)
            end = os.lseek(fd, 0, os.SEEK_CUR)  # rpm stops reading where the payload starts
            head = os.pread(fd, end, 0)
        finally:
            os.close(fd)
        mem = os.memfd_create("rpm-headers", os.MFD_CLOEXEC)
        try:
            with os.fdopen(os.dup(mem), "wb") as f:
                f.write(head)
            pkg = cr.package_from_rpm(f"/proc/self/fd/{mem}", cr.SHA256, rel, None, CHANGELOG_LIMIT)
        finally:
            os.close(mem)
    except Exception:  # rpm's, createrepo_c's and OS errors: the whole file is read instead
        return None
    if len(head) != end or pkg.rpm_header_end != end:
        return None
    pkg.pkgId = digest
    pkg.size_package = st.st_size
    pkg.time_file = int(st.st_mtime)
    return pkg


def _read_share(base: str) -> Callable[[Iterable[tuple[str, str | None]]], list[tuple[Stat, Chunk] | str]]:
    def read(items: Iterable[tuple[str, str | None]]) -> list[tuple[Stat, Chunk] | str]:
        """Per file, its stat and chunk, or why createrepo_c could not read it."""
        import createrepo_c as cr

        from errata_tpl.mirror.scan import transaction_set

        ts = transaction_set()
        out: list[tuple[Stat, Chunk] | str] = []
        for rel, digest in items:
            path = base + rel
            try:
                before = stat_of(os.stat(path))
                pkg = _from_headers(ts, path, rel, digest) if digest is not None else None
                if pkg is None:
                    pkg = cr.package_from_rpm(path, cr.SHA256, rel, None, CHANGELOG_LIMIT)
                chunk = Chunk(pkg.pkgId, cr.xml_dump_primary(pkg), cr.xml_dump_filelists(pkg), cr.xml_dump_other(pkg))
                after = stat_of(os.stat(path))
            except Exception as e:  # createrepo_c's own error types, OS errors
                out.append(f"createrepo_c cannot read it: {' '.join(str(e).split()) or type(e).__name__}")
                continue
            out.append((after, chunk) if after == before else "changed while it was read; run again")
        return out

    return read


def chunks(
    mirror: Path, files: Mapping[str, Stat], cache: ChunkCache, digests: Mapping[str, str | None]
) -> dict[str, Chunk]:
    """Every file's chunk (``files``: path -> the stat its build was checked at;
    ``digests``: path -> its whole-file SHA256 made at that stat, if one was), from
    the cache or made now; a file that changed since is an error."""
    got: dict[str, Chunk] = {}
    todo: list[str] = []
    for rel, st in files.items():
        hit = cache.get(rel, st)
        if hit is None:
            todo.append(rel)
        else:
            got[rel] = hit
    workers = parallel.cores() if len(todo) >= PARALLEL_MIN_FILES else 1
    made: list[tuple[Stat, Chunk] | str] = parallel.map_shares(
        _read_share(os.path.join(str(mirror), "")), [(rel, digests.get(rel)) for rel in todo], workers
    )
    for rel, m in zip(todo, made):
        if isinstance(m, str):
            raise UserError(f"{mirror / rel}: {m}")
        st, chunk = m
        if st != files[rel]:
            raise UserError(f"{mirror / rel}: changed while publishing; run again")
        cache.put(rel, st, chunk)
        got[rel] = chunk
    return got
