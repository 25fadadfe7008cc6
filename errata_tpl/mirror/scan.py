"""Read the headers of every RPM under a mirror directory; report bad files.

Two levels, both rpm's own:

- every file's header is read with the bindings: a zero-byte, non-RPM or cut
  file is a BadFile. Digests are not checked here (that would be done twice);
- the whole file (header and payload digests, size) is checked by
  ``rpmkeys --checksig`` for the files asked for (``check_whole``): ``generate``
  asks for the builds its profile names, ``--check-all`` for every file.

A bad file is reported and skipped, never fatal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errata_tpl import forking, parallel
from errata_tpl.fileio import regular
from errata_tpl.fileio.stamp import Stat, stat_of
from errata_tpl.mirror import filedigest, rpmcheck
from errata_tpl.mirror.hdrcache import HeaderCache
from errata_tpl.mirror.rpminfo import BadFile, RpmInfo
from errata_tpl.rpmlib import rpm

# rpm's own setting of which digests to check (%_pkgverify_flags): not SHA1 and MD5
_SHA256_ONLY = ("--define", f"_pkgverify_flags {rpm.RPMVSF_NOSHA1HEADER | rpm.RPMVSF_NOMD5:#x}")

# Below this many files, forking workers costs more than it saves.
PARALLEL_MIN_FILES = 400
CHUNK = 200  # files a worker claims at a time (~5 ms of reading): the workers end within that
# From this many files, the header cache is written by a forked child (its JSON and
# seal take tens of ms) while the run checks and builds its output.
ASIDE_MIN_FILES = 4000
# Room in the pipe for rpm's verdicts (7,600 builds: 0.6 MB): sent without waiting for the child.
VERDICTS_PIPE_BYTES = 1024 * 1024

Progress = Callable[[parallel.Share[str], int], Iterable[str]]


@dataclass
class ScanResult:
    packages: list[RpmInfo] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    files: int = 0
    from_cache: int = 0
    stats: dict[str, Stat | None] = field(default_factory=dict)  # every file's, as read
    # files rpm's whole-file check passed -> their whole-file SHA256 (None: not made)
    checked: dict[str, str | None] = field(default_factory=dict)
    checks: dict[str, rpmcheck.Check] = field(default_factory=dict)  # with signatures: rpm's verdict per file
    changed: bool = True  # learnt something the header cache does not hold yet

    def remember(self, cache: HeaderCache) -> None:
        """Write what this scan learnt to ``cache`` (nothing when it learnt nothing)."""
        if self.changed:
            cache.save(self.stats, self.packages, self.bad, self.checked)

    def remember_aside(self, cache: HeaderCache) -> Callable[[], bool]:
        """``remember``, in a forked child for a large mirror; returns the wait for it,
        to call before the run ends (a cache not written is only a slower next run)."""
        return forking.background(lambda: self.remember(cache), self.changed and len(self.stats) >= ASIDE_MIN_FILES)


class CacheWriter:
    """A large mirror's header cache, written by a forked child started when the scan
    ends: it makes the entries (most of the file) while rpm checks the builds, then
    writes the file once ``finish`` sends rpm's verdicts. ``wait``, before the run
    ends, waits for it; a run that never finishes has no cache written. Otherwise
    (a small mirror, or a scan that learnt nothing) ``finish`` writes the cache
    (``remember_aside``). A cache not written is only a slower next run."""

    def __init__(self, result: ScanResult, cache: HeaderCache | None) -> None:
        self._cache = cache
        self._finished = False
        self._pipe: int | None = None  # to the child, until the verdicts are sent
        self._wait: Callable[[], bool] = lambda: True
        self._bad = {b.path for b in result.bad}  # known now: the child has them
        if cache is not None and result.changed and len(result.stats) >= ASIDE_MIN_FILES:
            self._start(result, cache)

    def _start(self, result: ScanResult, cache: HeaderCache) -> None:
        read, send = os.pipe()
        with contextlib.suppress(OSError):
            fcntl.fcntl(send, fcntl.F_SETPIPE_SZ, VERDICTS_PIPE_BYTES)
        stats, packages, bad = result.stats, result.packages, result.bad  # as they are now: the child's copy

        def write() -> None:  # pragma: no cover - runs in the child
            os.close(send)
            entries = cache.entries_text(stats, packages, bad)
            with os.fdopen(read, "rb") as f:
                data = f.read()
            if data:  # nothing: the run ended without a result
                checked, failed = pickle.loads(data)
                cache.write(entries, checked, failed)

        try:
            self._wait = forking.background(write)
        except BaseException:
            os.close(send)
            raise
        finally:
            os.close(read)
        self._pipe = send

    def finish(self, result: ScanResult) -> None:
        """rpm's verdicts are final: the cache is written (the first call only)."""
        if self._finished:
            return
        self._finished = True
        if self._pipe is None:
            if self._cache is not None:
                self._wait = result.remember_aside(self._cache)
            return
        failed = [b for b in result.bad if b.path not in self._bad]
        self._close(pickle.dumps((result.checked, failed), protocol=pickle.HIGHEST_PROTOCOL))

    def wait(self) -> bool:
        """Wait for the cache file (written only if ``finish`` was called before); whether it went well."""
        self._finished = True
        if self._pipe is not None:
            self._close(b"")
        ok = self._wait()
        self._wait = lambda: ok  # waited for once
        return ok

    def _close(self, data: bytes) -> None:
        fd, self._pipe = self._pipe, None
        assert fd is not None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            pass  # the child is gone: no cache written
        finally:
            os.close(fd)


# rpm's tag numbers, bound once: a scan reads ten tags of every header
_NAME, _EPOCH, _VERSION, _RELEASE, _ARCH = (
    rpm.RPMTAG_NAME,
    rpm.RPMTAG_EPOCH,
    rpm.RPMTAG_VERSION,
    rpm.RPMTAG_RELEASE,
    rpm.RPMTAG_ARCH,
)
_BUILDTIME, _OBSOLETENEVRS = rpm.RPMTAG_BUILDTIME, rpm.RPMTAG_OBSOLETENEVRS
_SHA256HEADER, _SHA1HEADER, _PAYLOADDIGEST = rpm.RPMTAG_SHA256HEADER, rpm.RPMTAG_SHA1HEADER, rpm.RPMTAG_PAYLOADDIGEST


def _facts(h: rpm.hdr, end: int) -> tuple[Any, ...]:
    """An RpmInfo's fields after its path (a plain tuple: cheap to send between processes);
    ``end``: where rpm stopped reading, the end of the headers."""
    epoch = h[_EPOCH]
    sha256 = h[_SHA256HEADER]
    # The header digest names the build: the header holds the digests of the payload
    # and of every file (64 bits suffice: only builds of one version are compared).
    # Without one (very old packages): the MD5 over header and payload.
    build = (sha256 or h[_SHA1HEADER] or _md5(h))[:16]
    return (
        h[_NAME],
        # "Epoch: 0" and no epoch are one version to rpm; write it one way so that a
        # rebuild which adds the tag does not show up as a change in the profile.
        str(epoch) if epoch else None,
        h[_VERSION],
        h[_RELEASE],
        h[_ARCH] or "noarch",
        h.isSource(),
        int(h[_BUILDTIME] or 0),
        build,
        # whether the payload digest is there, not its value (a tag read less per file)
        bool(sha256) and _PAYLOADDIGEST in h,
        end,
        tuple(h[_OBSOLETENEVRS]),
    )


def _md5(h: rpm.hdr) -> str:
    md5 = h[rpm.RPMTAG_SIGMD5]
    return md5.hex() if md5 else ""


def transaction_set() -> rpm.TransactionSet:
    rpm.setVerbosity(rpm.RPMLOG_CRIT)  # rpm's own "error:" lines: we report each file once
    ts = rpm.TransactionSet()
    # Signatures and digests are checked by check_whole, for the files that matter
    # (and against a chosen keyring: rpm's default one is the build host's, which
    # says nothing about this mirror). Reading a header for its facts needs neither.
    ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
    return ts


# What reading one file gives: (Stat, facts) or, for a bad file, (Stat, reason);
# the Stat is None when the file cannot be opened or is not a regular file.
Row = tuple[Any, ...]


def read_header(ts: rpm.TransactionSet, path: str) -> Row:
    """One file's stat (from the open file: what was read) and header facts.
    Read only if it is a regular file (``regular.opened``): a FIFO put there after
    the walk listed the mirror cannot block the run."""
    try:
        fd, st = regular.open_fd(path)
    except regular.Unreadable as e:
        if e.reason == "not a regular file":
            return None, "not a regular file, not a package file; skipped without reading it"
        return None, "cannot open: no such file" if e.missing else e.reason
    try:
        h = ts.hdrFromFdno(fd)
        end = os.lseek(fd, 0, os.SEEK_CUR)  # rpm reads the headers and stops where the payload starts
    except rpm.error as e:
        return stat_of(st), f"not a readable rpm: {e}"
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    finally:
        os.close(fd)
    return stat_of(st), _facts(h, end)


def _found(rels: list[str], rows: list[Row]) -> list[tuple[Stat | None, RpmInfo | BadFile]]:
    """A chunk's rows as stats and RpmInfo or BadFile."""
    return [
        (st, RpmInfo.of(rel, got) if type(got) is tuple else BadFile(rel, got)) for rel, (st, got) in zip(rels, rows)
    ]


def _reader(base: str) -> Callable[[Iterable[str]], Iterator[Row]]:
    def read(items: Iterable[str]) -> Iterator[Row]:
        ts = transaction_set()
        for rel in items:  # claimed as they go, each row sent on with its chunk (``parallel.map_claimed``)
            yield read_header(ts, base + rel)

    return read


def scan(
    top: Path,
    rels: list[str],
    stats: dict[str, Stat | None] | None = None,
    cache: HeaderCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ScanResult:
    """Read the header of every file ``rels`` names below ``top``.

    ``stats`` (from ``walk.stat_all``) lets ``cache`` entries with the same stat
    stand in for reading; without them every file is read. Headers are read
    in ``workers`` processes (default: one per core) when there are many.
    """
    result = ScanResult(files=len(rels))
    base = os.path.join(str(top), "")
    todo: list[str] = []
    for rel in rels:
        st = stats.get(rel) if stats is not None else None
        hit = cache.get(rel, st) if cache is not None and st is not None else None
        if hit is None:
            todo.append(rel)
            continue
        got, checked, digest = hit
        result.from_cache += 1
        result.stats[rel] = st
        if isinstance(got, RpmInfo):
            result.packages.append(got)
            if checked:
                result.checked[rel] = digest
        else:
            result.bad.append(got)

    n = workers if workers is not None else parallel.cores()
    if len(todo) < PARALLEL_MIN_FILES:
        n = 1
    unreadable: list[str] = []  # opened, but not read by the bindings

    def found(chunk: list[str], rows: list[Row]) -> list[tuple[Stat | None, RpmInfo | BadFile]]:
        unreadable.extend(rel for rel, (st, got) in zip(chunk, rows) if st is not None and type(got) is str)
        return _found(chunk, rows)

    read = parallel.map_claimed(_reader(base), todo, n, CHUNK, progress, found)
    # rpm's verifier says best what is wrong with a file the bindings cannot read (beside the merge)
    words = rpmcheck.Background([base + rel for rel in unreadable], verbose=True) if unreadable else None
    for rel, (st, got) in zip(todo, read):
        result.stats[rel] = st
        if isinstance(got, RpmInfo):
            result.packages.append(got)
        else:
            result.bad.append(got)
    if words is not None:
        verdicts = words.result()
        result.bad = [
            BadFile(b.path, check.detail) if (check := verdicts.get(base + b.path)) and not check.ok else b
            for b in result.bad
        ]
    result.changed = bool(todo) or cache is None or len(cache) != result.from_cache
    if result.from_cache and todo:  # both in path order: merge them
        result.stats = {rel: result.stats[rel] for rel in rels}
        result.packages.sort(key=lambda p: p.path)
    result.bad.sort(key=lambda b: b.path)
    return result


def check_whole(
    top: Path,
    result: ScanResult,
    rels: Collection[str],
    signatures: Sequence[str] | None = None,
) -> set[str]:
    """rpm's whole-file check of those of ``rels`` not checked yet; returns the failures.

    A file that fails moves from ``result.packages`` to ``result.bad`` with rpm's
    words. ``signatures``: rpmkeys arguments naming a keyring
    (Keyring.rpmkeys_args()); then every file of ``rels`` is checked against it,
    ``result.checks`` holds rpm's verdict lines, and a failure of trust alone
    (unknown key, bad signature) is left to the caller's policy.
    """
    strong = {p.path for p in result.packages if p.sha256} if signatures is None else set()
    return _check(top, result, rels, strong, signatures)


def check_builds(top: Path, result: ScanResult, builds: Collection[RpmInfo]) -> set[str]:
    """``check_whole`` of these builds of ``result.packages``, by path."""
    return _check(top, result, [b.path for b in builds], {b.path for b in builds if b.sha256}, None)


def _check(
    top: Path, result: ScanResult, rels: Collection[str], strong: set[str], signatures: Sequence[str] | None
) -> set[str]:
    """``check_whole``; ``strong``: the files of ``rels`` whose headers carry SHA256 digests."""
    todo = sorted(rels) if signatures is not None else sorted(r for r in rels if r not in result.checked)
    if not todo:
        return set()
    base = os.path.join(str(top), "")
    # rpmkeys first: its processes run beside this one's threads, which then hash
    if signatures is None:
        # SHA256 header and payload digests cover every byte SHA1 and MD5 cover:
        # rpm checks the legacy two only for builds without them.
        running = [
            rpmcheck.Background([base + r for r in paths], args)
            for paths, args in (
                ([r for r in todo if r in strong], (*rpmcheck.NO_SIGNATURE, *_SHA256_ONLY)),
                ([r for r in todo if r not in strong], rpmcheck.NO_SIGNATURE),
            )
            if paths
        ]
    else:
        running = [rpmcheck.Background([base + r for r in todo], signatures, verbose=True)]
    # what publish needs of a build's file besides its header: made while rpm reads it too
    hashing = filedigest.Background({base + r: result.stats.get(r) for r in todo if result.checked.get(r) is None})
    checks: dict[str, rpmcheck.Check] = {}
    for job in running:
        checks.update(job.result())
    if signatures is not None:
        result.checks.update({r: checks[base + r] for r in todo})
    digests = hashing.result()
    failed: dict[str, BadFile] = {}
    for rel in todo:
        check = checks[base + rel]
        if check.ok or (signatures is not None and _signature_only(check)):
            result.checked[rel] = result.checked.get(rel) or digests.get(base + rel)
        else:
            failed[rel] = BadFile(rel, check.detail)
    if failed:
        result.packages = [p for p in result.packages if p.path not in failed]
        result.bad = sorted([*result.bad, *failed.values()], key=lambda b: b.path)
    result.changed = True
    return set(failed)


def _signature_only(check: rpmcheck.Check) -> bool:
    """Failed only on signatures (unknown key, bad signature): a matter of trust,
    judged by the caller's policy, not a damaged file."""
    return bool(check.lines) and all(line.endswith(": OK") or "Signature" in line for line in check.lines)
