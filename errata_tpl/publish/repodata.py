"""A folder's ``repodata/``, written with createrepo_c: primary, filelists and other
from each build's chunk, updateinfo and modules when there are any, and
repomd.xml naming them. Same inputs, same bytes: files compressed with gzip
(every dnf and yum reads it), named by their checksum, time stamps and
revision set by the caller, records in createrepo_c's order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def write(
    repodata: Path,
    chunks: Sequence[Chunk],
    updateinfo: Sequence[str],
    modules: str | None,
    timestamp: int,
    revision: str,
) -> str:
    """Write the metadata into ``repodata`` (an empty directory): the text of the
    repomd.xml written there. ``updateinfo``: each advisory's XML (none: no record)."""
    import createrepo_c as cr

    records = []
    for kind, cls, field in (
        ("primary", cr.PrimaryXmlFile, 1),
        ("filelists", cr.FilelistsXmlFile, 2),
        ("other", cr.OtherXmlFile, 3),
    ):
        path = repodata / f"{kind}.xml.gz"
        xml = cls(str(path), cr.GZ_COMPRESSION)
        xml.set_num_of_pkgs(len(chunks))
        for c in chunks:
            xml.add_chunk(c[field])
        xml.close()
        records.append(_finish(cr.RepomdRecord(kind, str(path)), timestamp))
    if updateinfo:
        path = repodata / "updateinfo.xml.gz"
        xml = cr.UpdateInfoXmlFile(str(path), cr.GZ_COMPRESSION)
        for chunk in updateinfo:
            xml.add_chunk(chunk)
        xml.close()
        records.append(_finish(cr.RepomdRecord("updateinfo", str(path)), timestamp))
    if modules is not None:
        path = repodata / "modules.yaml"
        path.write_text(modules, encoding="utf-8")
        records.append(_compressed(path, "modules", timestamp))
    repomd = cr.Repomd()
    repomd.set_revision(revision)
    for r in records:
        repomd.set_record(r)
    repomd.sort_records()
    text = str(repomd.xml_dump())
    (repodata / REPOMD).write_text(text, encoding="utf-8")
    return text
