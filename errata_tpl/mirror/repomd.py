"""A repository's ``repodata/repomd.xml`` and the files it names, checked as dnf checks them.

- repomd.xml is a regular file of at most 16 MB and 256 ``<data>`` records (real ones
  hold fewer than 20; createrepo_c's parser takes time quadratic in the records),
  read once (the bytes a detached signature is checked over are the bytes parsed),
  parsed by createrepo_c;
- a record's ``location href`` names a file inside the repository: an absolute
  path, a URL, an ``xml:base``, a ``..`` or a symbolic link leading out is refused;
- the file has the size and checksum repomd.xml records, and decompressed, its
  open-size and open-checksum: a signed repomd.xml protects every file it names;
- decompression (gzip, bzip2, xz, zstd) is streamed and bounded: past the
  open-size, or 200 times the compressed size (a decompression bomb), it stops.

Every failure is one UserError line naming the file and the record.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.fileio.atomic import signals_immediate

REPOMD = "repodata/repomd.xml"
MAX_REPOMD_BYTES = 16 * 1024 * 1024  # a repomd.xml names a few files: some kB
MAX_RECORDS = 256  # real repomd.xml files hold fewer than 20 <data> records
MAX_ELEMENTS = 8192  # all its elements (records, tags): real ones hold a few hundred
MAX_OPEN_BYTES = 4 * 1024 * 1024 * 1024  # what any one file may decompress to
BOMB_RATIO = 200  # real metadata compresses 8-20 times; a bomb a thousand times and more
BOMB_FLOOR = 16 * 1024 * 1024  # a small file may decompress to this much whatever its ratio
CHUNK = 1024 * 1024
_HASHES = {"sha": "sha1", "sha1": "sha1", "md5": "md5", "sha224": "sha224", "sha256": "sha256"}
_HASHES |= {"sha384": "sha384", "sha512": "sha512"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """File descriptor 2 goes to /dev/null for the block (Python's own stderr too:
    nothing is printed inside it): libcreaterepo prints glib's ``CRITICAL`` lines
    straight to it before it raises; the user must see our one line, not that."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to keep quiet
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the block: parsing metadata makes hundreds of
    thousands of objects and no cycles, and the collector's passes over all of them made
    reading 40,000 module documents take twice the time per document of 20,000."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # What the block made joins the oldest generation, as if it had lived through
            # the passes it missed: else the first young pass after it goes over all of it
            # at once (12 ms at the end of a generate of 20,000 files, finding nothing).
            gc.freeze()
            gc.unfreeze()
            gc.enable()


@contextlib.contextmanager
def in_memory(data: bytes, name: str) -> Iterator[str]:
    """A path a C library can open that reads ``data`` (an anonymous memory file:
    nothing on disk, gone with the process however it ends)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    try:
        _write_all(fd, data)
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass(frozen=True)
class Record:
    """One ``<data>`` of repomd.xml: what it says of its file."""

    kind: str
    href: str
    base: str  # xml:base: never used here, refused
    checksum: tuple[str, str]  # (type, hex digest)
    open_checksum: tuple[str, str] | None
    size: int | None
    open_size: int | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


class Repodata:
    """A repository's repomd.xml, read once; its files, checked, on demand."""

    def __init__(self, repo: Path, data: bytes) -> None:
        import createrepo_c as cr  # its C library: loaded when metadata is read

        self.repo = repo
        self.repomd = repo / REPOMD
        self.data = data
        _bounded(data, self.repomd)
        with in_memory(data, "repomd.xml") as path:  # the bytes read, never the file again
            try:
                with quiet_stderr(), signals_immediate():
                    parsed = cr.Repomd(path)
            except Exception as e:  # createrepo_c raises its own error types
                why = (" ".join(str(e).split()) or type(e).__name__).replace(path, "repomd.xml")
                raise UserError(f"{self.repomd}: unreadable repository metadata: {why}") from None
        self.records: dict[str, Record] = {}
        for r in parsed.records:
            self.records.setdefault(
                str(r.type),
                Record(
                    str(r.type),
                    str(r.location_href or ""),
                    str(r.location_base or ""),
                    (str(r.checksum_type or ""), str(r.checksum or "")),
                    (str(r.checksum_open_type or ""), str(r.checksum_open)) if r.checksum_open else None,
                    _int(r.size),
                    _int(r.size_open),
                ),
            )

    @classmethod
    def read(cls, repo: Path) -> Repodata | None:
        """The repository's repomd.xml; None when it has none."""
        try:
            data = regular.read_bytes(repo / REPOMD, MAX_REPOMD_BYTES)
        except regular.Unreadable as e:
            if e.missing:
                return None
            raise
        from errata_tpl.mirror import repomdsig

        repomdsig.enforce(repo, data)  # a command's signature policy, over the bytes then parsed
        return cls(repo, data)

    def record(self, kind: str) -> Record | None:
        return self.records.get(kind)

    def _refuse(self, rec: Record, what: str) -> UserError:
        return UserError(f"{self.repomd}: record '{rec.kind}': {what}; refused")

    def path(self, rec: Record) -> Path:
        """The record's file, which must lie inside the repository."""
        href = rec.href
        if rec.base:
            raise self._refuse(rec, f"xml:base {rec.base!r}: errata-tpl reads the repository's own files only")
        if not href:
            raise self._refuse(rec, "no location href")
        if _SCHEME.match(href):
            raise self._refuse(rec, f"location href {href!r} is a URL, not a file of the repository")
        if href.startswith("/"):
            raise self._refuse(rec, f"location href {href!r} is an absolute path, not a file of the repository")
        if ".." in href.split("/"):
            raise self._refuse(rec, f"location href {href!r} leads out of the repository")
        path = self.repo / href
        top = os.path.realpath(self.repo)
        real = os.path.realpath(path)
        if os.path.commonpath([top, real]) != top:
            raise self._refuse(rec, f"location href {href!r} is a symbolic link leading out of the repository")
        return path

    def content(self, rec: Record, limit: int = MAX_OPEN_BYTES, *, zchunk_unread: bool = False) -> Iterator[bytes]:
        """The record's file, decompressed, in pieces, checked against repomd.xml:
        the stored file's size and checksum before anything is decompressed, the
        open-size and bounds while decompressing, the open-checksum at the end (a
        reader acts on what it got only once the stream ended without an error).
        ``zchunk_unread``: a zchunk file (which nothing here decompresses) gives
        nothing once its stored checksum passed, instead of an error."""
        from errata_tpl.fileio import inflate  # the decompressors: only when metadata is read

        path = self.path(rec)
        where = f"{path} (record '{rec.kind}' of repodata/repomd.xml)"
        stored = (self._hash(rec, rec.checksum, "checksum"), rec.checksum, "checksum")
        checks: list[Check] = []
        if rec.open_checksum is not None:
            checks.append((self._hash(rec, rec.open_checksum, "open-checksum"), rec.open_checksum, "open-checksum"))
        with regular.opened(path, str(path)) as (fd, st):
            if rec.size is not None and st.st_size != rec.size:
                raise UserError(f"{where}: {st.st_size:,} bytes, repomd.xml says {rec.size:,}: {_CHANGED}")
            fmt = inflate.sniff(os.pread(fd, 8, 0))
            if fmt is None:  # stored as it is: one pass, its checksum checked at the end
                yield from _counted(_chunks(fd, where), rec, where, min(limit, st.st_size), [stored, *checks])
                return
            for chunk in _chunks(fd, where):
                stored[0].update(chunk)
            _compare(*stored, where)  # the file repomd.xml names, before anything is decompressed
            if fmt == "zchunk" and zchunk_unread:
                return
            os.lseek(fd, 0, os.SEEK_SET)
            bound = min(limit, max(BOMB_RATIO * st.st_size, BOMB_FLOOR))
            try:
                yield from _counted(inflate.inflate(fmt, _chunks(fd, where)), rec, where, bound, checks, limit)
            except inflate.Corrupt as e:
                raise UserError(f"{where}: cannot decompress ({fmt}): {e}") from None

    def _hash(self, rec: Record, checksum: tuple[str, str] | None, what: str) -> Any:
        kind, digest = checksum or ("", "")
        if not digest:
            raise self._refuse(rec, f"no {what}")
        if kind.lower() not in _HASHES:
            raise self._refuse(rec, f"{what} type {kind!r} is not one errata-tpl knows")
        return hashlib.new(_HASHES[kind.lower()])

    def read_all(self, rec: Record, limit: int) -> bytes:
        """``content`` whole, at most ``limit`` bytes."""
        return b"".join(self.content(rec, limit))

    def in_memory_file(self, rec: Record, limit: int = MAX_OPEN_BYTES) -> int:
        """``content`` in an anonymous memory file (for a C library that reads a file:
        nothing on disk, gone with the process however it ends), checked whole before
        it is returned; the caller closes it."""
        fd = os.memfd_create(rec.kind, os.MFD_CLOEXEC)
        try:
            for piece in self.content(rec, limit):
                _write_all(fd, piece)
            os.lseek(fd, 0, os.SEEK_SET)
        except BaseException:
            os.close(fd)
            raise
        return fd


def _bounded(data: bytes, where: Path) -> None:
    """At most MAX_RECORDS ``<data>`` records and MAX_ELEMENTS elements, counted by expat
    (linear) before createrepo_c parses it (quadratic in its lists: 35,000 records took
    90 s). XML expat cannot read is left to createrepo_c, whose words name the fault."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    counts = [0, 0, 0]  # depth, records, elements

    def on_start(name: str, _attrs: object) -> None:
        counts[1] += counts[0] == 1 and name.rpartition(":")[2] == "data"
        counts[2] += 1
        counts[0] += 1
        if counts[1] > MAX_RECORDS:
            raise UserError(f"{where}: more than {MAX_RECORDS} <data> records (a real one has fewer than 20); refused")
        if counts[2] > MAX_ELEMENTS:
            raise UserError(f"{where}: more than {MAX_ELEMENTS:,} XML elements (a real one has a few hundred); refused")

    def on_end(_name: str) -> None:
        counts[0] -= 1

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    with contextlib.suppress(expat.ExpatError):
        parser.Parse(data, True)


_CHANGED = "the file changed after repomd.xml was written; refused"
Check = tuple[Any, tuple[str, str] | None, str]  # (a hash being computed, what repomd.xml records, its name)


def _chunks(fd: int, where: str) -> Iterator[bytes]:
    while True:
        try:
            chunk = os.read(fd, CHUNK)
        except OSError as e:
            raise UserError(f"{where}: cannot read: {(e.strerror or str(e)).lower()}") from None
        if not chunk:
            return
        yield chunk


def _counted(
    pieces: Iterator[bytes], rec: Record, where: str, bound: int, checks: list[Check], limit: int | None = None
) -> Iterator[bytes]:
    """The pieces, counted against the open-size and ``bound`` (below ``limit``: a
    bomb's ratio), and hashed; the hashes compared at the end."""
    n = 0
    for piece in pieces:
        n += len(piece)
        if rec.open_size is not None and n > rec.open_size:
            raise UserError(f"{where}: more than the {rec.open_size:,} bytes repomd.xml says it holds; refused")
        if n > bound:
            bomb = limit is not None and bound < limit
            why = ", the most errata-tpl reads of it"
            if bomb:
                why = f" ({BOMB_RATIO} times its size): a decompression bomb"
            raise UserError(f"{where}: more than {bound:,} bytes{why}; refused")
        for h, _, _ in checks:
            h.update(piece)
        yield piece
    if rec.open_size is not None and n != rec.open_size:
        raise UserError(f"{where}: {n:,} bytes, repomd.xml says it holds {rec.open_size:,}: {_CHANGED}")
    for check in checks:
        _compare(*check, where)


def _compare(h: Any, expected: tuple[str, str] | None, what: str, where: str) -> None:
    if expected is not None and h.hexdigest() != expected[1].lower():
        said = "" if what == "checksum" else " decompressed,"
        raise UserError(f"{where}:{said} its {expected[0]} {what} is not the one repomd.xml records: {_CHANGED}")
