"""Whole-file digest (and signature) checks, done by rpm's own verifier.

``hdrFromFdno`` checks the header digests only; a flipped payload byte or a file
cut inside its payload passes it. ``rpmkeys --checksig`` checks everything rpm
checks before an install, so a profile never names a file dnf would refuse.
It runs as one process per batch of files, on the other core while Python
reads headers.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass

BATCH = 2000  # files per rpmkeys call: keeps the argument list far below ARG_MAX


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str  # rpmkeys' own words for the first failure, e.g. "Payload SHA256 digest: BAD (...)"
    lines: tuple[str, ...] = ()  # every digest and signature line rpmkeys printed


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    return env


def check_files(paths: Sequence[str], extra_args: Sequence[str] = ("--nosignature",)) -> dict[str, Check]:
    """Run ``rpmkeys --checksig`` over ``paths``; a verdict for every path."""
    results: dict[str, Check] = {}
    for start in range(0, len(paths), BATCH):
        batch = list(paths[start : start + BATCH])
        proc = subprocess.run(
            ["rpmkeys", "--checksig", "--verbose", *extra_args, "--", *batch],
            capture_output=True, text=True, errors="replace", env=_env(), check=False,
        )
        errors = _reasons(proc.stderr, set(batch))
        results.update(_verdicts(proc.stdout, batch, errors))
    return results


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


class Background:
    """``check_files`` in a thread; ``result()`` waits for it."""

    def __init__(self, paths: Sequence[str]) -> None:
        self._result: dict[str, Check] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(list(paths),), daemon=True)
        self._thread.start()

    def _run(self, paths: list[str]) -> None:
        try:
            self._result = check_files(paths)
        except BaseException as e:  # re-raised in the caller's thread
            self._error = e

    def result(self) -> dict[str, Check]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
