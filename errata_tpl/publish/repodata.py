"""A folder's ``repodata/``, written with createrepo_c: primary, filelists and other
from each build's chunk, updateinfo and modules when there are any, and
repomd.xml naming them. Same inputs, same bytes: files compressed with gzip
(every dnf and yum reads it), named by their checksum, time stamps and
revision set by the caller, records in createrepo_c's order.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from errata_tpl import parallel
from errata_tpl.errors import UserError
from errata_tpl.fileio.atomic import os_error
from errata_tpl.mirror.chunks import Chunk

REPOMD = "repomd.xml"


def _finish(record: Any, timestamp: int) -> Any:
    import createrepo_c as cr

    record.fill(cr.SHA256)
    record.rename_file()
    record.set_timestamp(timestamp)
    return record


def revision_of(folder: Path) -> str | None:
    """The revision of a folder errata-tpl published (what it was made from, 64 hex
    digits); None when the folder has no repomd.xml errata-tpl wrote."""
    import createrepo_c as cr

    from errata_tpl.mirror.repomd import quiet_stderr

    path = folder / "repodata" / REPOMD
    if not path.is_file():
        return None
    try:
        with quiet_stderr():
            rev = str(cr.Repomd(str(path)).revision or "")
    except Exception:  # createrepo_c's own error types: not a repomd.xml we wrote
        return None
    return rev if len(rev) == 64 and all(c in "0123456789abcdef" for c in rev) else None


def _compressed(path: Path, kind: str, timestamp: int) -> Any:
    """A record of ``path`` gzipped (the plain file removed), as modifyrepo_c adds one."""
    import createrepo_c as cr

    plain = cr.RepomdRecord(kind, str(path))
    record = plain.compress_and_fill(cr.SHA256, cr.GZ_COMPRESSION)
    record.type = kind
    os.unlink(path)
    record.rename_file()
    record.set_timestamp(timestamp)
    return record


@contextlib.contextmanager
def _writing(repodata: Path, shown: Path, name: str) -> Iterator[Path]:
    """``repodata/name`` to write; a failure is one line naming ``shown/name`` (the
    place the user asked for, not the staging folder): createrepo_c's errors carry no
    errno (``gzclose() file operation error``), so the file system says why."""
    try:
        yield repodata / name
    except UserError:
        raise
    except OSError as e:
        raise os_error(shown / name, e) from None
    except Exception as e:  # createrepo_c's own error types
        raise UserError(f"{shown / name}: {_why(repodata, e)}") from None


def _why(directory: Path, e: Exception) -> str:
    try:
        st = os.statvfs(directory)
    except OSError as gone:
        return (gone.strerror or str(gone)).lower()
    if st.f_flag & os.ST_RDONLY:
        return os.strerror(errno.EROFS).lower()
    if st.f_bavail == 0 or st.f_favail == 0:
        return os.strerror(errno.ENOSPC).lower()
    return f"createrepo_c cannot write it: {' '.join(str(e).split()) or type(e).__name__}"


# A record's fields as a child sends them back (the rest createrepo_c leaves unset).
_FIELDS = (
    "location_real",
    "location_href",
    "checksum",
    "checksum_type",
    "checksum_open",
    "checksum_open_type",
    "timestamp",
    "size",
    "size_open",
)
PARALLEL_MIN_BUILDS = 500  # below this, one process writes every file (forking costs more)


def _fields(record: Any) -> dict[str, Any]:
    return {f: getattr(record, f) for f in _FIELDS}


def _record(kind: str, fields: dict[str, Any]) -> Any:
    import createrepo_c as cr

    record = cr.RepomdRecord(kind, None)
    for f, value in fields.items():
        if value is not None:
            setattr(record, f, value)
    return record


def _start_afresh(repodata: Path, name: str) -> None:
    """Remove what a worker that died left of ``name`` (also renamed by its checksum):
    the file is written again here."""
    for found in os.listdir(repodata):
        if found == name or found.endswith(f"-{name}"):
            os.unlink(repodata / found)


def _one(
    repodata: Path,
    shown: Path,
    kind: str,
    chunks: Sequence[Chunk],
    updateinfo: Sequence[str],
    modules: str | None,
    timestamp: int,
) -> dict[str, Any]:
    """Write one metadata file of ``write``'s (gzipped, named by its checksum): its record's fields."""
    import createrepo_c as cr

    name = "modules.yaml.gz" if kind == "modules" else f"{kind}.xml.gz"
    _start_afresh(repodata, name)
    with _writing(repodata, shown, name) as path:
        if kind == "modules":
            plain = path.with_suffix("")
            plain.write_text(modules or "", encoding="utf-8")
            return _fields(_compressed(plain, "modules", timestamp))
        written = cr.ContentStat(cr.SHA256)  # the open size and checksum, made while writing
        if kind == "updateinfo":
            xml = cr.UpdateInfoXmlFile(str(path), cr.GZ_COMPRESSION, written)
            parts: Sequence[str] = updateinfo
        else:
            cls, field = _XML_FILES[kind]
            xml = getattr(cr, cls)(str(path), cr.GZ_COMPRESSION, written)
            xml.set_num_of_pkgs(len(chunks))
            parts = [c[field] for c in chunks]
        for part in parts:
            xml.add_chunk(part)
        xml.close()
        record = cr.RepomdRecord(kind, str(path))
        record.load_contentstat(written)  # fill then reads the compressed file only
        return _fields(_finish(record, timestamp))


# createrepo_c's writer of each package metadata file, and the chunk's field it takes
_XML_FILES = {"primary": ("PrimaryXmlFile", 1), "filelists": ("FilelistsXmlFile", 2), "other": ("OtherXmlFile", 3)}


def write(
    repodata: Path,
    chunks: Sequence[Chunk],
    updateinfo: Sequence[str],
    modules: str | None,
    timestamp: int,
    revision: str,
    shown: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> str:
    """Write the metadata into ``repodata`` (an empty directory): the text of the
    repomd.xml written there. ``updateinfo``: each advisory's XML (none: no record).
    ``shown``: the folder an error names (default ``repodata``). Each file is
    compressed and checksummed by createrepo_c, which holds the GIL: for many
    builds, the files are shared between forked processes. ``meanwhile()``: other
    work of this process, done while they are written."""
    import createrepo_c as cr

    where = shown or repodata
    # the largest first: the two shares (every other one) then take about as long
    kinds = ["primary", *(["updateinfo"] if updateinfo else []), "filelists", "other"]
    kinds += ["modules"] if modules is not None else []
    workers = 2 if len(chunks) >= PARALLEL_MIN_BUILDS and parallel.cores() > 1 else 1
    made: list[dict[str, Any]] = parallel.map_shares(
        lambda share: [_one(repodata, where, k, chunks, updateinfo, modules, timestamp) for k in share],
        kinds,
        workers,
        meanwhile=meanwhile,
    )
    repomd = cr.Repomd()
    repomd.set_revision(revision)
    for kind, fields in zip(kinds, made):
        repomd.set_record(_record(kind, fields))
    repomd.sort_records()
    text = str(repomd.xml_dump())
    with _writing(repodata, where, REPOMD) as path:
        path.write_text(text, encoding="utf-8")
    return text
