"""Writes that either happen whole or not at all, locks for writers, and OS errors
as one line.

A temporary file lives beside its target (a rename is atomic only within one
filesystem) and is locked (flock) by its writer for as long as it exists. A run
killed outright (SIGKILL, power cut) leaves it behind; the next write into that
directory removes every such file whose lock it can take: its writer is gone.
Locks on a directory are taken on the directory itself, so no lock file is ever
created beside a profile.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular

TEMP_MARK = ".errata-tpl-"  # in the name of every temporary file or folder made beside its target


def temp_names(before_tmp: str = "") -> re.Pattern[str]:
    """The names writers give what they make beside a target, ``.<name>.errata-tpl-XXXXXXXX.tmp``
    (``before_tmp``: a pattern of what may come before ``.tmp``)."""
    return re.compile(rf"^\..*{re.escape(TEMP_MARK)}[A-Za-z0-9_]{{8}}{before_tmp}\.tmp$")


_TEMP = temp_names()


def os_error(path: Path | str, e: OSError) -> UserError:
    """``<path>: <reason>`` for an OSError, the path being the one the user knows."""
    reason = e.strerror or str(e)
    return UserError(f"{path}: {reason[0].lower() + reason[1:] if reason else 'error'}")


def sweep_leftovers(directory: Path, names: re.Pattern[str], remove: Callable[[Path], None]) -> None:
    """``remove`` each entry of ``directory`` whose name ``names`` matches: a temporary
    file or folder, maybe of a writer that is gone. ``remove`` takes the entry's lock
    first (its writer holds it while alive); an OS error leaves the entry for the next sweep."""
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for name in entries:
        if names.match(name):
            with contextlib.suppress(OSError, UserError):
                remove(directory / name)


def sweep_temps(directory: Path) -> None:
    """Remove temporary files of writers that are gone (their lock is free)."""
    sweep_leftovers(directory, _TEMP, _remove_unlocked)


def _remove_unlocked(p: Path) -> None:
    with regular.opened(p, follow_symlinks=False) as (fd, _):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a live writer's file
        if os.fstat(fd).st_nlink > 0:
            os.unlink(p)


def _locked_temp(directory: Path, name: str) -> tuple[int, str]:
    """A new temporary file beside ``name``, locked by this process."""
    import tempfile  # with shutil, random...: 4 ms a run that writes nothing does without

    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}{TEMP_MARK}", suffix=".tmp", dir=directory)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink > 0:
            return fd, tmp
        os.close(fd)  # a sweeper took it between its creation and our lock: make another


def _not_a_directory(path: Path) -> UserError | None:
    """The error for the nearest existing ancestor of ``path`` that is not a directory."""
    for p in (path, *path.parents):
        if os.path.lexists(p):
            return None if p.is_dir() else UserError(f"{p}: not a directory")
    return None


def make_dir(directory: Path) -> None:
    """Create ``directory`` (and its parents); an error names what is in the way."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        blocked = _not_a_directory(directory)
        if blocked is not None:
            raise blocked from None
        # name the ancestor the error was about (a read-only mount, a full disk)
        raise os_error(e.filename if isinstance(e.filename, str) else directory, e) from None
    if not directory.is_dir():
        raise _not_a_directory(directory) or UserError(f"{directory}: not a directory")


@contextlib.contextmanager
def made_dir(directory: Path) -> Iterator[None]:
    """``make_dir`` for a block: the folders it made (the directory, new parents) are
    removed again when the block fails and leaves them empty: a run that wrote
    nothing leaves no folder behind. Only what a mkdir of this run created."""
    made: list[Path] = []
    for d in reversed([directory, *directory.parents]):  # the root first; ".." is a folder that exists
        try:
            os.mkdir(d)
        except FileExistsError:
            continue
        except OSError:
            break  # make_dir says what is in the way
        made.append(d)
    try:
        make_dir(directory)
        yield
    except BaseException:
        for d in reversed(made):  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(d)
        raise


def make_parent(path: Path) -> None:
    """Create ``path``'s directory; an error names what is in the way."""
    make_dir(path.parent)


def write_text(
    path: Path, text: str, *, overwrite: bool = True, mode: int = 0o644, durable: bool = True, into_special: bool = True
) -> None:
    """Write ``text`` to ``path`` atomically (temp file + rename in the same directory).

    With ``overwrite=False`` an existing file is refused, race-free: the temp
    file is hard-linked into place, which fails if the name already exists.
    ``durable=False`` skips the fsync: for caches, where a file lost in a crash
    is only a miss. Any OS error is a UserError naming ``path``; the old file is
    then untouched. A FIFO or a device at ``path`` (``-o /dev/stdout``) is written
    into; with ``into_special=False`` (caches) it is refused ("not a regular file").
    """
    write_chunks(path, (text,), overwrite=overwrite, mode=mode, durable=durable, into_special=into_special)


def write_chunks(
    path: Path,
    chunks: Iterable[str | bytes],
    *,
    overwrite: bool = True,
    mode: int = 0o644,
    durable: bool = True,
    into_special: bool = True,
) -> None:
    """``write_text`` of the text the chunks make (bytes as they are), never held whole
    in memory (a fleet report's JSON is hundreds of MB). An error while making them
    leaves the old file untouched."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise _not_a_directory(path.parent) or UserError(f"{path.parent}: not a directory") from None
    except OSError as e:
        raise os_error(path, e) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise UserError(f"{path}: is a directory")
        if not into_special:
            raise UserError(f"{path}: not a regular file")
        _write_into(path, chunks)  # a device or a pipe (/dev/stdout): write into it, never rename over it
        return
    make_parent(path)
    sweep_temps(path.parent)
    tmp = None
    try:
        with signals_deferred():  # made and named here, or not at all: else a signal could leave it
            fd, tmp = _locked_temp(path.parent, path.name)
            _MADE.add(tmp)
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            f.flush()
            if durable:
                os.fsync(f.fileno())
            os.fchmod(f.fileno(), mode)
            if overwrite:
                os.replace(tmp, path)
            else:
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    raise UserError(
                        f"{path}: exists; a dated profile is a record (use --force to replace it)"
                    ) from None
    except OSError as e:
        raise os_error(path, e) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            _MADE.discard(tmp)


# The temporary files this process made and has not removed yet: a signal can end the run
# between a write's link and the removal of its temporary file (a finally block is
# interrupted like any other code); ``remove_own_temps`` then removes what is left.
_MADE: set[str] = set()


def remove_own_temps() -> None:
    """Remove what is left of this process's temporary files (the run is ending)."""
    for tmp in sorted(_MADE):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _MADE.clear()


def _write_into(path: Path, chunks: Iterable[str | bytes]) -> None:
    try:
        # Opened without blocking: a FIFO no process reads would wait forever (ENXIO says so).
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise UserError(f"{path}: a FIFO no process reads; refused (writing would wait forever)") from None
        raise os_error(path, e) from None
    try:
        os.set_blocking(fd, True)  # a reader is there: its pace, as a shell redirection's
        for chunk in chunks:
            view = memoryview(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
    except OSError as e:
        raise os_error(path, e) from None
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked_dir(directory: Path, what: str = "this directory", wait: float = 60.0) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` itself (flock on the directory: no
    file is created), waiting up to ``wait`` seconds for another run to release
    it. Where the filesystem has no locks (some NFS mounts) the run goes on unlocked."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise os_error(directory, e) from None
    try:
        if not wait_lock(fd, wait):
            raise UserError(f"{directory}: another errata-tpl run is writing {what}; try again when it ends")
        if not _same_dir(fd, directory):  # removed or replaced while this run waited: the lock is on nothing
            raise UserError(f"{directory}: removed or replaced while this run waited for it; run again")
        yield
    finally:
        os.close(fd)


def _same_dir(fd: int, directory: Path) -> bool:
    try:
        held, now = os.fstat(fd), os.stat(directory)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def wait_lock(fd: int, wait: float, poll: float = 0.05) -> bool:
    """Take ``fd``'s exclusive flock, waiting up to ``wait`` seconds; False if another
    holds it still. True too where the filesystem has no locks (some NFS mounts)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)
        except OSError:
            return True  # no locks here: go on unlocked


def try_lock(fd: int) -> bool:
    """Take ``fd``'s flock if nobody holds it: a file or folder whose writer is gone."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP wait until the block is done, then act as they
    would have: for the few steps that must not stop half-way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    sigs = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    old = {s: signal.signal(s, lambda n, _f: caught.append(n)) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if caught:
            signal.raise_signal(caught[0])


@contextlib.contextmanager
def signals_immediate() -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP end the process at once during the block, as they
    would a C program: for long calls into a C library (libsolv loading a large
    repository), where Python's own handlers would wait for the call to return. The
    block must leave nothing to clean up (its files anonymous, its locks flocks)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    old = {s: signal.signal(s, signal.SIG_DFL) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
