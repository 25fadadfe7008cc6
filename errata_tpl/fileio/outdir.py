"""``resolve --out-dir DIR``: one file per node, the set replaced as a whole.

1. The files are written into a staging folder inside DIR (a rename is atomic only
   within one filesystem), flock-ed by its run for as long as it exists.
2. Under DIR's lock: a commit record (every new file, every file to remove) is
   written into the staging folder. From then on the run is done: with SIGTERM,
   SIGINT and SIGHUP deferred, the files are renamed into place, stale ones
   removed, the manifest replaced, the staging folder removed.
3. A staging folder whose run is gone (its lock is free) is completed by the next
   run if it holds a commit record, else removed.

So DIR holds the complete old set or the complete new set; two runs at once end
with one complete set; and only plain files directly in DIR named as the tool
names them (``<node>.<ext>``) are ever removed, whatever the manifest says.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, regular
from errata_tpl.values import names

MANIFEST = ".errata-tpl-manifest"
STAGING_PREFIX = ".errata-tpl-staging-"
COMMIT = ".commit"  # inside a staging folder; no node file starts with a dot
MANIFEST_MAX_BYTES = 256 * 1024 * 1024  # a million node files' names, and more
_WHAT = " (the list of files an earlier run wrote)"

Warn = Callable[[str], None]


def read_manifest(out_dir: Path, warn: Warn) -> set[str]:
    """The files an earlier run wrote. Entries the tool could not have written
    (a path, a dot file) are ignored, with a warning: never removed."""
    path = out_dir / MANIFEST
    try:
        text = regular.read_text(path, MANIFEST_MAX_BYTES, follow_symlinks=False)
    except regular.Unreadable as e:
        if e.missing:
            return set()
        raise UserError(f"{e}{_WHAT}; nothing written") from None
    listed = set(text.split())
    bad = sorted(n for n in listed if not names.is_node_file(n))
    if bad:
        warn(
            f"{path}: ignored {len(bad)} entries no run of errata-tpl writes (e.g. {bad[0]!r}); "
            "nothing removed for them"
        )
    return listed - set(bad)


def _remove_plain(dir_fd: int, name: str) -> None:
    """Remove ``name`` from the directory if it is a plain file, nothing else."""
    if not names.is_node_file(name):
        return
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISREG(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            os.unlink(name, dir_fd=dir_fd)


def _new_staging(out_dir: Path) -> tuple[Path, int]:
    """A new staging folder, locked by this run."""
    while True:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        try:
            fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue  # another run's recover() swept it before we could lock it: make another
        if atomic.try_lock(fd) and os.fstat(fd).st_nlink > 0:
            return staging, fd
        os.close(fd)  # a sweeper took it between its creation and our lock: make another


def _apply(out_dir: Path, staging: Path) -> None:
    """Carry out a staging folder's commit record (again, if a killed run began it)."""
    record = regular.read_text(staging / COMMIT, MANIFEST_MAX_BYTES, follow_symlinks=False).split("\n")
    keep = [n[1:] for n in record if n.startswith("+") and names.is_node_file(n[1:])]
    drop = [n[1:] for n in record if n.startswith("-") and names.is_node_file(n[1:])]
    dir_fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    staging_fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in keep:  # by the folders' descriptors: no path walked ten thousand times
            with contextlib.suppress(FileNotFoundError):  # moved already by the run that was killed
                os.replace(name, name, src_dir_fd=staging_fd, dst_dir_fd=dir_fd)
        for name in drop:
            _remove_plain(dir_fd, name)
    finally:
        os.close(staging_fd)
        os.close(dir_fd)
    atomic.write_text(out_dir / MANIFEST, "".join(f"{n}\n" for n in sorted(keep)))
    shutil.rmtree(staging, ignore_errors=True)


def recover(out_dir: Path, warn: Warn) -> None:
    """Finish or remove the staging folders of runs that are gone (hold DIR's lock)."""
    for entry in sorted(os.listdir(out_dir)):
        if not entry.startswith(STAGING_PREFIX):
            continue
        staging = out_dir / entry
        try:
            fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            if not atomic.try_lock(fd):
                continue  # a live run's
            if (staging / COMMIT).is_file():
                warn(f"{staging}: completing the run that was stopped while putting its files in place")
                _apply(out_dir, staging)
            else:
                shutil.rmtree(staging, ignore_errors=True)
        finally:
            os.close(fd)


def tidy(out_dir: Path, warn: Warn) -> None:
    """Before a run's work: finish or remove what killed runs left in ``out_dir`` (if
    it exists), and fail on a manifest no run can have written, before anything is
    written."""
    if not out_dir.is_dir():
        return
    with atomic.locked_dir(out_dir, "its files"):
        recover(out_dir, warn)
        read_manifest(out_dir, warn)


@dataclass(frozen=True)
class Staging:
    """The folder a run writes its files into, locked by the run while it lives."""

    path: Path
    lock_fd: int

    def unlock_in_child(self) -> None:
        """In a forked worker: let the lock be the run's alone (it is gone when the run is)."""
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)


def replace_set(
    out_dir: Path, files: list[str], write_all: Callable[[Staging], None], complete: bool, warn: Warn
) -> None:
    """Write ``files`` (by ``write_all(staging)``) into ``out_dir`` as one set. A
    ``complete`` run (--all) removes the files of the earlier set it does not
    write; otherwise the manifest keeps listing them."""
    for name in files:
        if not names.is_node_file(name):
            raise UserError(f"{name!r}: not a file name resolve writes")
    with atomic.made_dir(out_dir):
        _replace_set(out_dir, files, write_all, complete, warn)


def _replace_set(
    out_dir: Path, files: list[str], write_all: Callable[[Staging], None], complete: bool, warn: Warn
) -> None:
    tidy(out_dir, warn)
    made: list[tuple[Path, int]] = []
    committed = False
    try:
        try:
            with atomic.signals_deferred():  # a signal once the folder is made finds it in ``made``: removed below
                made.append(_new_staging(out_dir))
        except OSError as e:
            raise atomic.os_error(out_dir, e) from None
        staging, staging_fd = made[0]
        try:
            write_all(Staging(staging, staging_fd))
        except OSError as e:
            raise atomic.os_error(out_dir / (Path(e.filename).name if isinstance(e.filename, str) else ""), e) from None
        with atomic.locked_dir(out_dir, "its files"):
            recover(out_dir, warn)
            previous = read_manifest(out_dir, warn)
            with os.scandir(out_dir) as entries:  # one listing, not a stat per file
                present = {e.name: e.is_dir(follow_symlinks=False) for e in entries}
            for name in files:  # a rename cannot replace a directory: refuse before the record
                if present.get(name):
                    raise UserError(f"{out_dir / name}: a directory where this run writes a file; nothing written")
                if name in present and name not in previous:  # e.g. a host_vars file people wrote
                    raise UserError(
                        f"{out_dir / name}: exists, and no run of errata-tpl wrote it (not in {out_dir / MANIFEST}):"
                        " move it away, or write elsewhere; nothing written"
                    )
            listed = set(files) if complete else set(files) | previous
            record = [f"+{n}" for n in sorted(listed)] + [f"-{n}" for n in sorted(previous - listed)]
            with atomic.signals_deferred():
                atomic.write_text(staging / COMMIT, "\n".join(record) + "\n")
                committed = True
                try:
                    _apply(out_dir, staging)
                except OSError as e:
                    raise UserError(f"{atomic.os_error(out_dir, e)}; the next run completes this one") from None
    finally:
        for staging, staging_fd in made:
            if not committed:
                shutil.rmtree(staging, ignore_errors=True)
            os.close(staging_fd)
