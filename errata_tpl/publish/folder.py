"""Published folders on disk: built beside their place, renamed in, never half there.

A folder is made in a staging directory ``.<name>.errata-tpl-XXXXXXXX.tmp``
beside its place (its writer holds a lock on it), then renamed over the old
one in one step (``renameat2(RENAME_EXCHANGE)``: the path never goes missing),
and the old content removed. A staging directory whose lock is free is a
killed run's: the next publish into that folder removes it.

A reader may have read the old ``repomd.xml`` a moment before the switch and
ask for the files it names a moment after: the new folder keeps the old
one's metadata files (not its packages) beside its own, unnamed by its
repomd.xml, so that reader finds them (dnf reads repomd.xml first, the rest
after). A stage is a relative symlink, switched by renaming a new symlink over it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic
from errata_tpl.fileio.stamp import Stat, stat_of

_MARK = atomic.TEMP_MARK
_STAGING = atomic.temp_names(r"(\.old)?")
_METADATA = re.compile(r"^[0-9a-f]{64}-[A-Za-z0-9_]+\.[A-Za-z0-9.]+$")  # createrepo_c's checksum-named files
FICLONE = 0x40049409  # ioctl: share the source's blocks (btrfs, xfs)
RENAME_EXCHANGE = 2


def sweep(parent: Path) -> None:
    """Remove staging directories and symlinks of runs that are gone (a directory's
    lock is free; a symlink lives only while its writer holds the folder's lock)."""
    atomic.sweep_leftovers(parent, _STAGING, _remove_unlocked)


def _remove_unlocked(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        if atomic.try_lock(fd):
            import shutil  # as in staging

            shutil.rmtree(path)
    finally:
        os.close(fd)


@contextlib.contextmanager
def staging(parent: Path, name: str) -> Iterator[Path]:
    """A new staging directory beside ``parent/name``, locked while the block runs
    and removed after it (what it holds then: the old folder, or the new one
    unless the caller renamed it in)."""
    import shutil  # with tempfile: 4 ms an unchanged folder's publish does without
    import tempfile

    path: Path | None = None
    fd: int | None = None
    try:
        with atomic.signals_deferred():  # made whole, or not at all: then only the clean-up below
            path = Path(tempfile.mkdtemp(prefix=f".{name}{_MARK}", suffix=".tmp", dir=parent))
            os.chmod(path, 0o755)  # mkdtemp's 0700 would hide the folder from a web server
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    except OSError as e:
        raise atomic.os_error(e.filename or parent, e) from None
    finally:
        if path is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(path)
        if fd is not None:
            os.close(fd)


class Placed(NamedTuple):
    moved: dict[str, Stat]  # linked files whose only change is the new link (ctime, link count)
    counts: dict[str, int]  # linked, reflinked, copied
    why_copied: str | None  # why files are not hard links (another file system...)


def _copy(src: str, dst: str) -> str:
    """A reflink where the file system shares blocks, else a copy; mode and mtime
    kept (the metadata records the mtime)."""
    with open(src, "rb") as fsrc, open(dst, "wb") as fdst:
        try:
            fcntl.ioctl(fdst.fileno(), FICLONE, fsrc.fileno())
            how = "reflinked"
        except OSError:
            import shutil  # as in staging

            shutil.copyfileobj(fsrc, fdst, 1024 * 1024)
            how = "copied"
        st = os.fstat(fsrc.fileno())
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.chmod(dst, stat.S_IMODE(st.st_mode))
    return how


def _only_linked(before: os.stat_result, after: os.stat_result, links: int = 1) -> bool:
    """Nothing but our link (``links``: +1 made, -1 removed) changed the file: the
    same inode, size and mtime, that many links more."""
    same = (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    return same and after.st_nlink == before.st_nlink + links


def place(mirror: Path, dest: Path, files: Mapping[str, Stat]) -> Placed:
    """Each file of the mirror at the same path below ``dest``: a hard link, or
    (another file system, links not allowed) a reflink or a copy. A file whose
    stat is not the one its build was checked at is an error."""
    base, out = os.path.join(str(mirror), ""), os.path.join(str(dest), "")
    moved: dict[str, Stat] = {}
    counts = {"linked": 0, "reflinked": 0, "copied": 0}
    why: str | None = None
    made: set[str] = set()
    for rel, want in files.items():
        src, dst = base + rel, out + rel
        parent = os.path.dirname(dst)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        before = os.stat(src)
        if stat_of(before) != want:
            raise UserError(f"{src}: changed while publishing; run again")
        if why is None:
            try:
                os.link(src, dst, follow_symlinks=True)
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                why = (e.strerror or str(e)).lower()
            else:
                after = os.stat(src)
                if _only_linked(before, after):
                    moved[rel] = stat_of(after)
                counts["linked"] += 1
                continue
        counts[_copy(src, dst)] += 1
    return Placed(moved, counts, why)


def files_in(folder: Path) -> Iterator[tuple[str, str]]:
    """(path relative to the folder, full path) of every file below it but in repodata/
    (the packages); a link to a directory is not followed."""
    for rel, e in entries_in(folder):
        yield rel, e.path


def entries_in(folder: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """``files_in``, with each file's directory entry (its inode and type as the
    directory lists them, without a stat)."""
    todo = [("", os.path.join(str(folder), ""))]
    while todo:
        rel, path = todo.pop()
        with os.scandir(path) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if rel or e.name != "repodata":
                        todo.append((f"{rel}{e.name}/", f"{e.path}/"))
                else:
                    yield rel + e.name, e


def release(old: Path, mirror: Path, expected: Mapping[str, Stat]) -> dict[str, Stat]:
    """Remove the packages of the folder ``old`` (one put out of place), and return
    the mirror's files whose only change is the link removed: their stat now.

    Each is checked around its own unlink: just before, the mirror's file must have
    exactly the stat it was checked at (``expected``: ctime included, so a rewrite in
    place since then, even one that kept size and mtime, is seen); just after, the
    same inode, size and mtime, one link fewer. Anything else is not restamped: the
    caches then read the file again.
    """
    out: dict[str, Stat] = {}
    base = os.path.join(str(mirror), "")
    for rel, path in list(files_in(old)):
        with contextlib.suppress(OSError):
            here, before = os.lstat(path), os.stat(base + rel)
            linked = (here.st_dev, here.st_ino) == (before.st_dev, before.st_ino)
            os.unlink(path)
            if not linked or stat_of(before) != expected.get(rel):
                continue
            after = os.stat(base + rel)
            if _only_linked(before, after, -1):
                out[rel] = stat_of(after)
    return out


def referenced(folder: Path) -> list[str]:
    """The files the folder's repomd.xml names (relative paths); none without one."""
    import createrepo_c as cr

    repomd = folder / "repodata" / "repomd.xml"
    if not repomd.is_file():
        return []
    try:
        return [str(r.location_href) for r in cr.Repomd(str(repomd)).records]
    except Exception:  # not ours to judge here: an unreadable repomd.xml names nothing
        return []


def keep_for_readers(old: Path, new: Path) -> None:
    """Hard links in ``new/repodata`` to the metadata files ``old``'s repomd.xml
    names, where ``new`` has no file of that name."""
    for href in referenced(old):
        name = os.path.basename(href)
        if href != f"repodata/{name}" or not _METADATA.match(name):
            continue  # only checksum-named files directly in repodata/: never a path elsewhere
        with contextlib.suppress(FileExistsError, FileNotFoundError):
            os.link(old / "repodata" / name, new / "repodata" / name)


def is_metadata_name(name: str) -> bool:
    """A file createrepo_c names by its checksum (``<sha256>-primary.xml.gz``)."""
    return bool(_METADATA.match(name))


def extras(folder: Path) -> set[str]:
    """Metadata files kept for readers of an earlier repomd.xml (not named by this one)."""
    names = {os.path.basename(h) for h in referenced(folder)}
    try:
        found = os.listdir(folder / "repodata")
    except OSError:
        return set()
    return {n for n in found if _METADATA.match(n) and n not in names}


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the file system cannot."""
    import ctypes  # only when a stage's link is switched

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def put_in_place(new: Path, final: Path) -> None:
    """``new`` (a staging directory) becomes ``final``; the old content, if any, is
    left at ``new``'s path for its caller's clean-up."""
    with atomic.signals_deferred():
        if not os.path.lexists(final):
            os.rename(new, final)
        elif not _exchange(new, final):  # the path is missing for a moment
            aside = new.with_name(new.name[:-4] + ".old.tmp")
            os.rename(final, aside)
            os.rename(new, final)
            os.rename(aside, new)


def switch_link(link: Path, target: str) -> str | None:
    """Point ``link`` at the sibling ``target``: a new symlink renamed over it.
    Returns what it pointed at before (None: nothing)."""
    old = os.readlink(link) if link.is_symlink() else None
    if old == target:
        return old
    tmp = link.with_name(f".{link.name}{_MARK}{os.urandom(4).hex()}.tmp")
    os.symlink(target, tmp)
    try:
        with atomic.signals_deferred():
            os.replace(tmp, link)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return old
