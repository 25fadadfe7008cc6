#!/usr/bin/env python3
"""Benchmark `errata-tpl generate` against the floor of the rpm bindings.

    bench/bench_generate.py MIRROR [--rpm-qp-sample 1000]
    bench/bench_generate.py --make 20000 [--keep DIR]     # needs ../shared/tools/make-errata-corpus

Side by side, each in a fresh process (wall time includes interpreter start):
  bare loop   open + rpm.TransactionSet().hdrFromFdno over every file (the bindings' floor)
  rpmkeys     rpm's whole-file verifier over every file, two processes (a flipped or cut
              payload passes hdrFromFdno; generate has rpm check the builds it names)
  generate    errata-tpl generate --stdout, first run (no caches)
  --check-all the same, with rpm's whole-file check of every file
  generate 2  the same again over the unchanged mirror (caches warm)
  1% changed  with --make only: 1% of the files touched, then generate (the header cache
              spares reading the other 99%)
  stat floor  a bare walk + stat of every file: what any reuse keyed by path, size and
              mtime must do, before anything else (the second run's floor)
  rpm -qp     one `rpm -qp` process per file, as the Perl original worked (timed on a sample,
              extrapolated to the whole mirror)
Prints files/s and peak memory (maxrss) of each: the fastest of --repeat runs, and the
median of those runs for the two ratios.

    bench/bench_generate.py MIRROR --ratios 9 [--against TREE]

The two bounds only, on a shared machine: N rounds, each running back to back the bare
loop, generate's first run (a new root), its rescan (the same root again) and the stat
floor; the ratios first/bare and rescan/stat of each round, of wall time (the bounds)
and of CPU time (user + system of every process of a run: steadier when other work
shares the cores, though it cannot show what the second core saves), then their
median, least and greatest. ``--against TREE`` runs another checkout's code
(PYTHONPATH) in the same rounds, for before/after figures measured side by side. Each
tree's code runs once before the rounds with bytecode writing on: a user's install has
its .pyc files, and a checkout run under PYTHONDONTWRITEBYTECODE would compile every
module of ours on every run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import measure, run

REPO = Path(__file__).resolve().parent.parent
CORPUS_TOOL = REPO.parent / "shared" / "tools" / "make-errata-corpus"

BARE_LOOP = r"""
import os, sys, rpm
top = sys.argv[1]
ts = rpm.TransactionSet()
rpm.setVerbosity(rpm.RPMLOG_CRIT)
n = 0
for dirpath, dirnames, filenames in os.walk(top):
    dirnames[:] = [d for d in dirnames if d != "repodata"]
    for f in filenames:
        if not f.endswith(".rpm"):
            continue
        fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
        try:
            ts.hdrFromFdno(fd)
            n += 1
        except rpm.error:
            pass
        finally:
            os.close(fd)
"""


STAT_FLOOR = r"""
import os, sys
top = sys.argv[1]
for dirpath, dirnames, filenames in os.walk(top):
    dirnames[:] = [d for d in dirnames if d != "repodata"]
    for f in filenames:
        if f.endswith(".rpm"):
            try:
                os.stat(os.path.join(dirpath, f))
            except OSError:
                pass
"""


def make_site(root: Path) -> Path:
    """The least a site is (generate writes profiles of an OS the site has): site/ and
    os/el9-x86_64/os.yaml."""
    (root / "site").mkdir(parents=True, exist_ok=True)
    (root / "os/el9-x86_64").mkdir(parents=True, exist_ok=True)
    (root / "os/el9-x86_64/os.yaml").write_text("version: el9\narch: x86_64\n")
    return root


def rpm_files(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.rpm") if "repodata" not in p.parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mirror", nargs="?", type=Path)
    ap.add_argument("--make", type=int, metavar="N", help="make a corpus of N packages first")
    ap.add_argument("--keep", type=Path, help="where to keep the made corpus (default: a temp dir)")
    ap.add_argument("--rpm-qp-sample", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the fastest is shown")
    ap.add_argument("--ratios", type=int, metavar="N", help="only the two ratios, over N interleaved rounds")
    ap.add_argument("--against", type=Path, metavar="TREE", help="with --ratios: another checkout, side by side")
    args = ap.parse_args()
    if args.ratios:
        if args.mirror is None:
            ap.error("--ratios needs MIRROR")
        ratios(args.mirror, args.ratios, args.against)
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    mirror = args.mirror
    if args.make:
        if not CORPUS_TOOL.exists():
            sys.exit(f"{CORPUS_TOOL}: not found; pass a MIRROR directory instead")
        mirror = args.keep or tmp / "corpus"
        subprocess.run(
            [sys.executable, str(CORPUS_TOOL), str(mirror), "--packages", str(args.make), "--bad", "20"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if mirror is None:
        ap.error("give MIRROR or --make N")

    files = rpm_files(mirror)
    n = len(files)
    exe = shutil.which("errata-tpl", path=str(Path(sys.executable).parent)) or "errata-tpl"
    root = tmp / "root"
    root.mkdir()

    rows = []
    reps = max(1, args.repeat)

    medians: dict[str, float] = {}

    def best(cmd_for: Callable[[int], list[str]], label: str = "") -> tuple[float, float]:
        """The fastest of ``reps`` runs (and its peak memory): the least disturbed figure."""
        runs = []
        for i in range(reps):
            wall, rss, rc = measure(cmd_for(i))
            assert rc in (0, None) or cmd_for(i)[0] == "sh", f"{cmd_for(i)[:3]} failed (rc {rc})"
            runs.append((wall, rss))
        medians[label] = sorted(w for w, _ in runs)[len(runs) // 2]
        return min(runs)

    # page cache warm for everyone: the first reader should not pay the disk for the others
    subprocess.run([sys.executable, "-c", BARE_LOOP, str(mirror)], check=True)
    bare, rss = best(lambda i: [sys.executable, "-c", BARE_LOOP, str(mirror)], "bare")
    rows.append(("bare hdrFromFdno loop", bare, rss))
    # rpm's whole-file check (payload digests) over every file, two processes as generate runs it
    checker = [
        "sh",
        "-c",
        'printf "%s\\0" "$@" | xargs -0 -n 1000 -P 2 rpmkeys --checksig --nosignature >/dev/null 2>&1; exit 0',
        "sh",
        *[str(f) for f in files],
    ]
    wall, rss = best(lambda i: checker)
    rows.append(("rpmkeys --checksig, 2 processes (payloads)", wall, rss))

    def gen(r: Path, *extra: str) -> list[str]:
        make_site(r)
        return [exe, "--root", str(r), "-q", "generate", str(mirror), "--os", "el9-x86_64", "--stdout", *extra]

    # first run: a new root each time (no caches); second run: the last of those roots, warm
    first, rss = best(lambda i: gen(root / f"cold{i}"), "first")
    rows.append(("errata-tpl generate (first run)", first, rss))
    wall, rss = best(lambda i: gen(root / f"all{i}", "--check-all"))
    rows.append(("errata-tpl generate --check-all (first run)", wall, rss))
    second, rss = best(lambda i: gen(root / f"cold{reps - 1}"), "second")
    rows.append(("errata-tpl generate (cache warm)", second, rss))
    floor, rss = best(lambda i: [sys.executable, "-c", STAT_FLOOR, str(mirror)], "floor")
    rows.append(("stat floor: walk + stat of every file", floor, rss))
    if args.make:  # our own corpus: touching its files harms nobody

        def touched(i: int) -> list[str]:
            for f in files[i::100]:
                os.utime(f)
            return gen(root / f"cold{reps - 1}")

        wall, rss = best(touched)
        rows.append(("errata-tpl generate, 1% of files changed", wall, rss))

    sample = random.Random(1).sample(files, min(args.rpm_qp_sample, n))
    t0 = time.perf_counter()
    for f in sample:
        subprocess.run(
            ["rpm", "-qp", "--qf", "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\\n", str(f)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    per_file = (time.perf_counter() - t0) / len(sample)
    rows.append((f"rpm -qp per file (x{len(sample)}, extrapolated)", per_file * n, float("nan")))

    print(f"mirror: {mirror} ({n} *.rpm files)")
    print(f"{'':44} {'wall s':>8} {'files/s':>10} {'peak MB':>8}")
    for label, wall, rss in rows:
        print(f"{label:44} {wall:8.2f} {n / wall:10.0f} {rss:8.1f}")
    print(
        f"generate / bare loop: {first / bare:.2f}x (medians {medians['first'] / medians['bare']:.2f}x); "
        f"first / second run: {first / second:.1f}x (medians {medians['first'] / medians['second']:.1f}x); "
        f"second run / stat floor: {second / floor:.2f}x (medians {medians['second'] / medians['floor']:.2f}x); "
        f"rpm -qp / generate: {per_file * n / first:.0f}x"
    )
    shutil.rmtree(tmp, ignore_errors=True)
    os.environ.pop("UNUSED", None)


def ratios(mirror: Path, rounds: int, against: Path | None) -> None:
    """first/bare and rescan/stat per round, runs interleaved: each ratio compares runs
    made within seconds of each other, whatever the machine's other load does."""
    # each tree's code by PYTHONPATH, run from a folder of no code (python -m puts the
    # current directory first on the path)
    trees: list[tuple[str, dict[str, str] | None]] = [("this code", {**os.environ, "PYTHONPATH": str(REPO)})]
    if against is not None:
        trees.append((f"{against}", {**os.environ, "PYTHONPATH": str(against.resolve())}))
    tmp = Path(tempfile.mkdtemp(prefix="bench-ratios-"))
    got: dict[str, list[float]] = {}

    def generate(root: Path) -> list[str]:
        cmd = [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), "-q", "generate", str(mirror)]
        return [*cmd, "--os", "el9-x86_64", "--stdout"]

    subprocess.run([sys.executable, "-c", BARE_LOOP, str(mirror)], check=True)  # page cache warm
    for i, (_, env) in enumerate(trees):  # each tree's bytecode written
        writing = {k: v for k, v in (env or {}).items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(generate(make_site(tmp / f"warm-{i}")), env=writing, cwd=str(tmp), capture_output=True)
    for r in range(rounds):
        bare = run([sys.executable, "-c", BARE_LOOP, str(mirror)])
        floor = run([sys.executable, "-c", STAT_FLOOR, str(mirror)])
        for i, (name, env) in enumerate(trees if r % 2 == 0 else trees[::-1]):
            root = make_site(tmp / f"{r}-{i}")  # a new root: no cache
            first = run(generate(root), env=env, cwd=str(tmp))
            rescan = run(generate(root), env=env, cwd=str(tmp))
            assert first.rc == rescan.rc == 0, f"generate failed (rc {first.rc}, {rescan.rc})"
            got.setdefault(f"{name}: first / bare loop", []).append(first.wall / bare.wall)
            got.setdefault(f"{name}: rescan / stat floor", []).append(rescan.wall / floor.wall)
            got.setdefault(f"{name}: first / bare loop, CPU", []).append(first.cpu / bare.cpu)
            got.setdefault(f"{name}: rescan / stat floor, CPU", []).append(rescan.cpu / floor.cpu)
            got.setdefault(f"{name}: first run s", []).append(first.wall)
            got.setdefault(f"{name}: rescan s", []).append(rescan.wall)
            got.setdefault(f"{name}: first run CPU s", []).append(first.cpu)
            got.setdefault(f"{name}: rescan CPU s", []).append(rescan.cpu)
        got.setdefault("bare loop s", []).append(bare.wall)
        got.setdefault("stat floor s", []).append(floor.wall)
        got.setdefault("bare loop CPU s", []).append(bare.cpu)
        got.setdefault("stat floor CPU s", []).append(floor.cpu)
    print(f"mirror: {mirror}, {rounds} rounds, runs interleaved")
    print(f"{'':54} {'median':>7} {'least':>7} {'most':>7}")
    for label, values in got.items():
        values.sort()
        print(f"{label:54} {values[len(values) // 2]:7.2f} {values[0]:7.2f} {values[-1]:7.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
