"""Cache files sealed to what they were made from, so that a cache cannot change an answer.

Each cache folder (``.errata-tpl-cache/<kind>/``) has its own secret, ``.seal-key``
(32 random bytes, mode 0600, made on first use). A cache file is one line
``errata-tpl-cache/1 <HMAC-SHA256>`` and its body (text, or ``marshal``'s bytes); the HMAC is
over the name of what the file stands for (a source file, a mirror) and the body. A file edited, cut short,
copied from another cache or another site, or written by anyone without the secret,
does not match: it is ignored with one warning naming it, and made again. Entries
inside stay keyed by their source's stat (size, mtime, inode, ctime), so the seal
binds each to its source as the stat does, and what was made from an older source is
never used.

Why an HMAC and not a digest of each source's content: the header cache stands for
whole RPM files (gigabytes) and the node cache for ten thousand files; hashing those
on every run would cost what the caches save. The HMAC costs one pass over the cache
file itself. A secret that is not a regular file of this user with mode 0600 is not
trusted: it is replaced (every cache of the folder is then made again).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import marshal
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular

KEY = ".seal-key"
MAGIC = "errata-tpl-cache/1 "
MAX_BYTES = 128 * 1024 * 1024  # a parsed copy of the largest YAML file (32 MB) and more

Warn = Callable[[str], None]

_said: set[Path] = set()  # the folders whose secret cannot be made, each said once per run


def _read_key(path: Path) -> bytes | None:
    """The secret if it is one to trust: a regular file of this user, 0600, 64 hex digits."""
    try:
        with regular.opened(path, follow_symlinks=False) as (fd, st):
            if st.st_uid != os.geteuid() or st.st_mode & 0o077 or st.st_size != 64:
                return None
            return bytes.fromhex(os.read(fd, 64).decode("ascii"))
    except (UserError, OSError, ValueError):
        return None


def _key(folder: Path) -> bytes | None:
    """The folder's secret, made if there is none (or none to trust); None where it can
    be neither read nor made (a read-only site: no cache is used)."""
    path = folder / KEY
    for _ in range(3):
        found = _read_key(path)
        if found is not None:
            return found
        with contextlib.suppress(OSError):
            if os.path.lexists(path):
                os.unlink(path)  # not one to trust (another owner, readable by others, damaged)
        # making a secret loads the writer (tempfile, shutil...): a run that only reads caches never does
        import secrets

        from errata_tpl.fileio import atomic

        try:
            atomic.make_dir(folder)
            atomic.write_text(path, secrets.token_hex(32), overwrite=False, mode=0o600, durable=False)
        except UserError:
            continue  # made by another run meanwhile (or cannot be made): read it again
    return None


def _unusable_key(folder: Path, warn: Warn) -> None:
    """Something that is no file where the folder's secret goes (a directory, a FIFO):
    it is never replaced (not ours to remove), so no cache of the folder is kept; said
    once, rather than the caches silently off."""
    path = folder / KEY
    if folder in _said:
        return
    with contextlib.suppress(OSError):
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            _said.add(folder)
            warn(f"{path}: not a regular file ({regular.kind(mode)}); no cache of {folder} is kept until it is removed")


def _mac(key: bytes, source: str, body: bytes | memoryview) -> str:
    h = hmac.new(key, source.encode("utf-8", "surrogateescape") + b"\0", hashlib.sha256)
    h.update(body)
    return h.hexdigest()


def read(path: Path, source: str, warn: Warn, max_bytes: int | None = None) -> str | None:
    """The text of the cache file at ``path`` if this cache sealed it for ``source``;
    None when there is none (silently) or it does not match (with a warning)."""
    body = read_data(path, source, warn, max_bytes)
    return None if body is None else str(body, "utf-8")  # what this cache sealed: UTF-8, as written


def read_data(path: Path, source: str, warn: Warn, max_bytes: int | None = None) -> memoryview | None:
    """``read``'s bytes (a cache of another form than text: ``marshal``'s)."""
    _unusable_key(path.parent, warn)
    if not os.path.lexists(path):
        return None
    key = _key(path.parent)
    if key is None:
        return None
    try:
        data = regular.read_bytes(path, max_bytes or MAX_BYTES, follow_symlinks=False)
    except regular.Unreadable as e:
        if e.missing:
            return None
        warn(f"{path}: {e.reason}: not a cache file errata-tpl wrote; ignored, made again")
        return None
    end = data.find(b"\n")
    seal = data[: max(end, 0)].decode("ascii", "replace")
    body = memoryview(data)[end + 1 :]  # not copied: caches are megabytes
    if end < 0 or not (seal.startswith(MAGIC) and hmac.compare_digest(seal[len(MAGIC) :], _mac(key, source, body))):
        warn(f"{path}: not as errata-tpl wrote this cache (edited, cut short or copied); ignored, made again")
        return None
    return body


def write(path: Path, source: str, body: str, max_bytes: int | None = None) -> None:
    """Seal ``body`` for ``source`` and write it at ``path``. A cache that cannot be
    written (a read-only site, a full disk, something else at ``path``) is only slower;
    one larger than the bound is not written (it would not be read)."""
    write_data(path, source, body.encode(), max_bytes)


def write_data(path: Path, source: str, data: bytes, max_bytes: int | None = None) -> None:
    """``write``, of bytes."""
    if len(data) + 100 > (max_bytes or MAX_BYTES):  # the seal line and the text
        return
    with contextlib.suppress(OSError):
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            os.unlink(path)  # a FIFO, a link, a device in a cache file's place: replaced, never written into
    key = _key(path.parent)
    if key is None:
        return
    from errata_tpl.fileio import atomic  # as in _key

    with contextlib.suppress(OSError, UserError):
        seal = f"{MAGIC}{_mac(key, source, data)}\n".encode("ascii")
        atomic.write_chunks(path, (seal, data), durable=False, into_special=False)


def read_map(path: Path, stamp: str, warn: Warn, max_bytes: int | None = None) -> dict[str, Any]:
    """The entries of a cache ``write_map`` wrote with this ``stamp`` (what made it and
    from what); none when there is no such cache. ``marshal``'s bytes: a fifth of
    JSON's time for megabytes (what is read is only what this cache sealed)."""
    body = read_data(path, path.name, warn, max_bytes)  # named for what it stands for
    with contextlib.suppress(ValueError, EOFError, TypeError):
        data = marshal.loads(body) if body is not None else None
        if isinstance(data, dict) and data.get("stamp") == _marshal_stamp(stamp):
            entries = data.get("entries")
            if isinstance(entries, dict):
                return entries
    return {}


def write_map(path: Path, stamp: str, entries: dict[str, Any], max_bytes: int | None = None) -> None:
    """Seal and write ``entries`` for ``read_map`` (of plain values: str, int, lists, dicts)."""
    write_data(path, path.name, marshal.dumps({"stamp": _marshal_stamp(stamp), "entries": entries}), max_bytes)


def _marshal_stamp(stamp: str) -> str:
    return f"{stamp}/marshal {marshal.version}"  # its format is Python's: another Python's is made again
