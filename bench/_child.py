"""Run a command as a child process; report its wall time, CPU time and peak memory (maxrss)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from typing import NamedTuple


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and every child it waited for
    rss: float  # peak RSS in MB (the largest process)
    rc: int


def run(cmd: Sequence[str], env: dict[str, str] | None = None, quiet: bool = True, cwd: str | None = None) -> Run:
    """One run of ``cmd`` (in ``cwd``), measured."""
    out = subprocess.DEVNULL if quiet else None
    t0 = time.perf_counter()
    p = subprocess.Popen(list(cmd), stdout=out, stderr=out, env=env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, p.returncode)


def measure(
    cmd: Sequence[str], env: dict[str, str] | None = None, quiet: bool = True, cwd: str | None = None
) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of one run of ``cmd`` (in ``cwd``)."""
    r = run(cmd, env, quiet, cwd)
    return r.wall, r.rss, r.rc
