"""A repository's ``repodata/repomd.xml``, read with createrepo_c, quietly.

libcreaterepo prints glib's ``CRITICAL`` lines straight to file descriptor 2
before it raises; the user must see our one line, not that before it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError

MAX_REPOMD_BYTES = 16 * 1024 * 1024  # a repomd.xml names a few files: some kB


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """File descriptor 2 goes to /dev/null for the block (Python's own stderr too:
    nothing is printed inside it)."""
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


def read(repomd: Path) -> Any:
    """createrepo_c's Repomd of the file; one UserError line when it cannot be read."""
    import createrepo_c as cr  # its C library: loaded when metadata is read

    try:
        with quiet_stderr():
            return cr.Repomd(str(repomd))
    except Exception as e:  # createrepo_c raises its own error types
        why = " ".join(str(e).split()) or type(e).__name__
        raise UserError(f"{repomd}: unreadable repository metadata: {why}") from None


def record(repo: Path, kind: str) -> Path | None:
    """The file of ``kind`` (primary, updateinfo, modules) that the repository's
    repomd.xml names, as dnf finds it; None without repomd.xml or without that record."""
    repomd = repo / "repodata" / "repomd.xml"
    if not repomd.is_file():
        return None
    for rec in read(repomd).records:
        if rec.type == kind:
            return repo / str(rec.location_href)
    return None
