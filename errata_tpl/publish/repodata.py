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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio.atomic import os_error
from errata_tpl.publish.chunks import Chunk

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


def write(
    repodata: Path,
    chunks: Sequence[Chunk],
    updateinfo: Sequence[str],
    modules: str | None,
    timestamp: int,
    revision: str,
    shown: Path | None = None,
) -> str:
    """Write the metadata into ``repodata`` (an empty directory): the text of the
    repomd.xml written there. ``updateinfo``: each advisory's XML (none: no record).
    ``shown``: the folder an error names (default ``repodata``)."""
    import createrepo_c as cr

    shown = shown or repodata
    records = []
    for kind, cls, field in (
        ("primary", cr.PrimaryXmlFile, 1),
        ("filelists", cr.FilelistsXmlFile, 2),
        ("other", cr.OtherXmlFile, 3),
    ):
        with _writing(repodata, shown, f"{kind}.xml.gz") as path:
            xml = cls(str(path), cr.GZ_COMPRESSION)
            xml.set_num_of_pkgs(len(chunks))
            for c in chunks:
                xml.add_chunk(c[field])
            xml.close()
            records.append(_finish(cr.RepomdRecord(kind, str(path)), timestamp))
    if updateinfo:
        with _writing(repodata, shown, "updateinfo.xml.gz") as path:
            xml = cr.UpdateInfoXmlFile(str(path), cr.GZ_COMPRESSION)
            for chunk in updateinfo:
                xml.add_chunk(chunk)
            xml.close()
            records.append(_finish(cr.RepomdRecord("updateinfo", str(path)), timestamp))
    if modules is not None:
        with _writing(repodata, shown, "modules.yaml.gz") as path:
            plain = path.with_suffix("")
            plain.write_text(modules, encoding="utf-8")
            records.append(_compressed(plain, "modules", timestamp))
    repomd = cr.Repomd()
    repomd.set_revision(revision)
    for r in records:
        repomd.set_record(r)
    repomd.sort_records()
    text = str(repomd.xml_dump())
    with _writing(repodata, shown, REPOMD) as path:
        path.write_text(text, encoding="utf-8")
    return text
