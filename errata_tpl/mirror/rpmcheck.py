"""Whole-file digest (and signature) checks, done by rpm's own verifier.

``hdrFromFdno`` reads a header; a flipped payload byte or a file cut inside its
payload passes it. ``rpmkeys --checksig`` checks what rpm checks before an
install, so a profile never names a file dnf would refuse. It runs as one
process per batch of files.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from errata_tpl.parallel import InThreads, cores

NO_SIGNATURE = ("--nosignature",)  # digests only: trust is checked against a chosen keyring
BATCH = 4000  # most files per rpmkeys call
MIN_BATCH = 256  # fewer files than this are not worth another rpmkeys process (each start costs ms)
ARG_BYTES = 512 * 1024  # most bytes of paths per rpmkeys call: far below Linux's ARG_MAX (2 MB)


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str  # rpmkeys' own words for the first failure, e.g. "Payload SHA256 digest: BAD (...)"
    lines: tuple[str, ...] = ()  # every digest and signature line rpmkeys printed


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    return env


def _run(paths: list[str], extra_args: Sequence[str], verbose: bool) -> subprocess.CompletedProcess[str]:
    # Output goes to files, not pipes: a pipe rpmkeys fills would stall it until this
    # thread, which competes for the GIL with the header loop, drains it.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.run(
            ["rpmkeys", "--checksig", *(["--verbose"] if verbose else []), *extra_args, "--", *paths],
            stdout=out,
            stderr=err,
            env=_env(),
            check=False,
        )
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            # as Python spells file names: a name that is not UTF-8 matches its path
            out.read().decode("utf-8", "surrogateescape"),
            err.read().decode("utf-8", "surrogateescape"),
        )


def check_files(
    paths: Sequence[str], extra_args: Sequence[str] = NO_SIGNATURE, verbose: bool = False
) -> dict[str, Check]:
    """Run ``rpmkeys --checksig`` over ``paths``; a verdict for every path.

    The terse form runs over every file (``PATH: digests OK``); the files it does
    not pass are checked again verbosely, for rpm's words on what is wrong.
    ``verbose``: every file verbosely (signature checks need each file's lines).
    """
    results: dict[str, Check] = {}
    for batch in _batches(list(paths), 1):
        if verbose:
            proc = _run(batch, extra_args, verbose=True)
            results.update(_verdicts(proc.stdout, batch, _reasons(proc.stderr, set(batch))))
            continue
        passed = _terse_passes(_run(batch, extra_args, verbose=False).stdout, set(batch))
        failed = []
        for p in batch:
            if p in passed:
                results[p] = Check(True, "digests OK")
            else:
                failed.append(p)
        if failed:
            proc = _run(failed, extra_args, verbose=True)
            results.update(_verdicts(proc.stdout, failed, _reasons(proc.stderr, set(failed))))
    return results


def _terse_passes(stdout: str, batch: set[str]) -> set[str]:
    """The files ``rpmkeys -K`` passed (``PATH: digests OK``). A file it cannot read
    gets ``PATH:`` and no newline, which garbles the next line: that next file is
    then not counted as passed, and is checked again verbosely."""
    passed = set()
    for line in stdout.splitlines():
        path, sep, status = line.rpartition(": ")
        if sep and path in batch and status.endswith("OK") and "NOT OK" not in status:
            passed.add(path)
    return passed


def _verdicts(stdout: str, batch: list[str], errors: dict[str, str]) -> dict[str, Check]:
    """Parse ``rpmkeys -Kv``: per file, in argument order, ``PATH:`` then one
    indented line per digest or signature (``Header SHA256 digest: OK``). A file
    rpm cannot read at all gets no indented line (its reason is on stderr)."""
    lines = stdout.split("\n")
    out: dict[str, Check] = {}
    i = 0
    for p in batch:
        checks: list[str] = []
        if i < len(lines) and lines[i] == f"{p}:":
            i += 1
            while i < len(lines) and lines[i].startswith("    "):
                checks.append(lines[i].strip())
                i += 1
        failed = [c for c in checks if not c.endswith(": OK")]
        if checks and not failed:
            out[p] = Check(True, "digests OK", tuple(checks))
        else:
            reason = failed[0] if failed else errors.get(p, "not readable as an rpm package")
            out[p] = Check(False, reason, tuple(checks))
    return out


def _reasons(stderr: str, paths: set[str]) -> dict[str, str]:
    """First ``error: PATH: reason`` line per path (a path may itself hold ': ')."""
    reasons: dict[str, str] = {}
    for line in stderr.splitlines():
        if not line.startswith("error: "):
            continue
        rest = line[7:]
        cut = rest.find(": ")
        while cut != -1:
            if rest[:cut] in paths:
                reasons.setdefault(rest[:cut], rest[cut + 2 :])
                break
            cut = rest.find(": ", cut + 1)
    return reasons


def _batches(paths: list[str], workers: int) -> list[list[str]]:
    """One batch per worker (each rpmkeys start costs a few ms), none under MIN_BATCH
    files unless there are no more, none over BATCH files nor ARG_BYTES of arguments."""
    workers = max(1, min(workers, len(paths) // MIN_BATCH))
    size = max(1, min(BATCH, -(-len(paths) // workers)))
    out: list[list[str]] = []
    for i in range(0, len(paths), size):
        part = paths[i : i + size]
        if len(os.fsencode("\0".join(part))) + 1 <= ARG_BYTES:  # most batches: no path counted alone
            out.append(part)
            continue
        batch: list[str] = []
        used = 0
        for p in part:
            n = len(os.fsencode(p)) + 1
            if batch and used + n > ARG_BYTES:
                out.append(batch)
                batch, used = [], 0
            batch.append(p)
            used += n
        out.append(batch)
    return out


class Background(InThreads[str, str, Check]):
    """``check_files`` in worker threads, one rpmkeys process each; ``result()`` waits.

    One worker per core: rpmkeys reads every byte of the files it checks, and each
    start costs a few ms, so the files are dealt out in one batch per core.
    """

    def __init__(
        self,
        paths: Sequence[str],
        extra_args: Sequence[str] = NO_SIGNATURE,
        verbose: bool = False,
        workers: int | None = None,
    ) -> None:
        batches = _batches(list(paths), workers or cores())
        super().__init__(lambda batch: check_files(batch, extra_args, verbose), batches)
