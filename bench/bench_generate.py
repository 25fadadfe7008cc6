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
from _child import measure

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


def rpm_files(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.rpm") if "repodata" not in p.parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mirror", nargs="?", type=Path)
    ap.add_argument("--make", type=int, metavar="N", help="make a corpus of N packages first")
    ap.add_argument("--keep", type=Path, help="where to keep the made corpus (default: a temp dir)")
    ap.add_argument("--rpm-qp-sample", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure; the fastest is shown")
    args = ap.parse_args()

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
        return [exe, "--root", str(r), "-q", "generate", str(mirror), "--os", "el9-x86_64", "--stdout", *extra]

    # first run: a new root each time (no caches); second run: the last of those roots, warm
    first, rss = best(lambda i: gen(root / f"cold{i}"), "first")
    rows.append(("errata-tpl generate (first run)", first, rss))
    wall, rss = best(lambda i: gen(root / f"all{i}", "--check-all"))
    rows.append(("errata-tpl generate --check-all (first run)", wall, rss))
    second, rss = best(lambda i: gen(root / f"cold{reps - 1}"), "second")
    rows.append(("errata-tpl generate (cache warm)", second, rss))
    wall, rss = best(lambda i: [sys.executable, "-c", STAT_FLOOR, str(mirror)])
    rows.append(("stat floor: walk + stat of every file", wall, rss))
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
        f"rpm -qp / generate: {per_file * n / first:.0f}x"
    )
    shutil.rmtree(tmp, ignore_errors=True)
    os.environ.pop("UNUSED", None)


if __name__ == "__main__":
    main()
