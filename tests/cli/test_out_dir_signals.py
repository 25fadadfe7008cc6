"""``resolve --all --out-dir`` of 2,000 nodes, stopped by real signals at many moments:
DIR holds exactly the complete old set or exactly the complete new set; a killed
run's staging folder is finished or removed by the next run; two runs at once end
with one complete set."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from sitebuilder import SiteBuilder

from errata_tpl.fileio import outdir

REPO = Path(__file__).resolve().parents[2]
NODES = 2000
STAGING = outdir.STAGING_PREFIX


def write_tree(root: Path, first: int, extra_package: bool) -> None:
    for d in ("os", "errata", "site"):
        shutil.copytree(REPO / d, root / d)
    for p in (root / "site/nodes").iterdir():
        p.unlink()
    builder = SiteBuilder(root)
    for i in range(first, first + NODES):
        el8 = i % 3 == 0
        builder.node(
            f"n{i:04d}.example.org",
            f"os: {'el8' if el8 else 'el9'}-x86_64\ncluster: {'storage' if el8 else 'compute'}\n",
        )
    if extra_package:  # every file of the new set differs from the old one
        site = root / "site/site.yaml"
        site.write_text(site.read_text() + "  - {name: newpkg, version: 1-1, arch: x86_64}\n")


def argv(root: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "errata_tpl.cli",
        "--root",
        str(root),
        "-q",
        "resolve",
        "--all",
        "--out-dir",
        str(out),
    ]


def files(d: Path) -> dict[str, bytes]:
    """Everything in DIR but staging folders, by name."""
    return {n: (d / n).read_bytes() for n in os.listdir(d) if not n.startswith(STAGING)}


def stagings(d: Path) -> list[str]:
    return [n for n in os.listdir(d) if n.startswith(STAGING)]


class Sets(NamedTuple):
    base: Path
    new_root: Path
    old_dir: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    took: float  # seconds a whole run of the new tree took


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> Sets:
    """Two trees (the new one: 100 nodes gone, 100 new, every list changed) and the sets they write."""
    base = tmp_path_factory.mktemp("signals")
    old_root, new_root = base / "old-root", base / "new-root"
    write_tree(old_root, 0, False)
    write_tree(new_root, 100, True)
    old_dir, new_dir = base / "old-set", base / "new-set"
    assert subprocess.run(argv(old_root, old_dir), timeout=600).returncode == 0
    shutil.copytree(old_dir, new_dir)  # the new set as written over the old one (stale files removed)
    started = time.monotonic()
    assert subprocess.run(argv(new_root, new_dir), timeout=600).returncode == 0
    took = time.monotonic() - started
    old, new = files(old_dir), files(new_dir)
    assert len(old) == len(new) == NODES + 1 and old.keys() != new.keys()
    assert all(old[k] != new[k] for k in old.keys() & new.keys() if not k.startswith("."))
    return Sets(base, new_root, old_dir, old, new, took)


def stop(sets, out: Path, sig: int, when: float | None, after_commit: float | None = None) -> None:
    """Run the new tree over a copy of the old set; send ``sig`` ``when`` seconds in,
    or ``after_commit`` seconds after the run's commit record appears."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(sets.old_dir, out)
    p = subprocess.Popen(argv(sets.new_root, out), stderr=subprocess.PIPE)
    if when is not None:
        time.sleep(when)
    else:
        deadline = time.monotonic() + 600
        staging = None
        while staging is None or not os.path.exists(staging / outdir.COMMIT):
            assert p.poll() is None and time.monotonic() < deadline, "the run ended before its commit record"
            if staging is None:
                found = stagings(out)
                staging = out / found[0] if found else None
                time.sleep(0.002)
        time.sleep(after_commit or 0)
    p.send_signal(sig)
    p.wait(timeout=600)


# moments: a fraction of a whole run's time, or seconds after the commit record appears
MOMENTS = [("fraction", 0.25), ("fraction", 0.5), ("fraction", 0.8), ("commit", 0), ("commit", 0.005)]


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigterm_leaves_the_old_set_or_the_new_set(sets, tmp_path, moment):
    old, new = sets.old, sets.new
    out = tmp_path / "out"
    kind, at = moment
    stop(sets, out, signal.SIGTERM, at * sets.took if kind == "fraction" else None, at if kind == "commit" else None)
    assert stagings(out) == []  # SIGTERM unwinds: nothing left behind
    got = files(out)
    assert got in (old, new)
    if kind == "commit":
        assert got == new  # once the record is written, the run is done


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_then_the_next_run_finishes_or_removes_what_was_left(sets, tmp_path, moment):
    old, new = sets.old, sets.new
    out = tmp_path / "out"
    kind, at = moment
    stop(sets, out, signal.SIGKILL, at * sets.took if kind == "fraction" else None, at if kind == "commit" else None)
    left = stagings(out)
    committed = any((out / s / outdir.COMMIT).exists() for s in left)
    got = files(out)
    if not committed:
        assert got in (old, new)
    else:  # killed while putting files in place: each file is its old or its new self
        assert all(got.get(k) in (old.get(k), new.get(k)) for k in old.keys() | new.keys())
    warnings: list[str] = []
    outdir.tidy(out, warnings.append)  # what the next run does first, whether it succeeds or not
    assert stagings(out) == [] and files(out) == (new if committed else got)
    assert bool(warnings) == committed


def test_the_next_run_after_sigkill_removes_the_staging_folder(sets, tmp_path):
    out = tmp_path / "out"
    stop(sets, out, signal.SIGKILL, 0.6 * sets.took)
    r = subprocess.run(argv(sets.new_root, out), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert stagings(out) == [] and files(out) == sets.new


def test_two_runs_at_once_end_with_one_complete_set(sets, tmp_path):
    out = tmp_path / "out"
    roots = (sets.base / "old-root", sets.new_root)
    runs = [subprocess.Popen(argv(root, out), stderr=subprocess.PIPE) for root in roots]
    for p in runs:
        assert p.wait(timeout=600) == 0, p.stderr.read()
    got = files(out)
    assert stagings(out) == [] and got in (sets.old, sets.new)
