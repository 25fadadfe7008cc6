#!/usr/bin/env python3
"""Benchmark `errata-tpl publish` against `createrepo_c` on the same files, in the same run.

    bench/bench_publish.py [--packages 4000] [--payload-kb 1024] [--rounds 3] [--dir DIR] [--keep]
    # needs ../shared/tools/make-errata-corpus; the corpus is about packages x payload (4 GB by default)

A corpus of N distinct builds (every one in the profile: N-40 packages and 40 kernel builds),
each with an incompressible payload, and updateinfo; a profile generated from it (the header
cache then holds rpm's verdict on every build). Then, per round, interleaved, each in a
fresh process (wall time includes interpreter start):

  createrepo_c      createrepo_c --no-database --general-compress-type gz over a folder of hard
                    links to exactly the profile's files: the metadata publish writes (primary,
                    filelists, other, gzip)
  + modifyrepo_c    and then the corpus' updateinfo added with modifyrepo_c (publish writes one too)
  createrepo_c dflt the same with createrepo_c's defaults (1.x: zstd, no databases; 0.x: gzip
                    and sqlite databases)
  createrepo_c sums createrepo_c (gzip) with every file's SHA256 in its --cachedir (made by an
                    untimed run first): its own work besides reading the files, for reference
  generate, first   generate's first run over the corpus (no cache: every header read, every
                    build checked whole by rpm and its SHA256 made; and, the site publishing,
                    each named build's repository metadata made from its headers and the
                    corpus' advisories kept as createrepo_c writes them), written outside the site
  publish, first    publish into a new DIR, nothing published before: the builds' metadata and
                    the advisories as that generate kept them (the first publish of a profile)
  publish, no cache the same with the publish cache deleted first: each build's metadata made by
                    createrepo_c from its headers and the SHA256 the header cache kept, the
                    updateinfo parsed (a root that never generated from this mirror)
  publish, known    publish into a new DIR, the builds published before (the next day's
                    profile, a stage, a second DIR: what a daily run mostly is)
  republish         publish again, unchanged

With --cold (root: the page cache is dropped before each, as after a reboot or for a mirror
larger than memory), two more rows per round:

  createrepo_c cold createrepo_c (gzip) with none of the files in the page cache
  publish, cold     publish with no publish cache, with none of the files, nor the header
                    cache, in the page cache

Prints every round and the median ratios to createrepo_c, of wall time and of CPU time
(user + system, children included). The machine may be shared: the ratios are what to
read, each measured in the same minutes; under load, CPU ratios are the steadier. The corpus is deleted at the
end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS_TOOL = REPO.parent / "shared" / "tools" / "make-errata-corpus"
ERRATA = str(Path(sys.executable).parent / "errata-tpl")
# the createrepo_c of the Python package publish uses (the same library): the same work, the same version
CREATEREPO = str(Path(sys.executable).parent / "createrepo_c")
MODIFYREPO = str(Path(sys.executable).parent / "modifyrepo_c")
OS = "el9-x86_64"
PROFILE = "20261201"


def nevra_lines(n: int, seed: int = 0) -> list[str]:
    """n distinct builds, one per name and arch (the profile names each), 40 of them kernels."""
    rnd = random.Random(seed)
    lines = [f"kernel{sub} 0 5.14.0 {362 + v}.el9 x86_64" for v in range(20) for sub in ("", "-core")]
    for i in range(n - len(lines)):
        arch = rnd.choice(("x86_64", "x86_64", "x86_64", "noarch", "i686"))
        lines.append(f"bench-pkg{i:05d} 0 {rnd.randint(1, 9)}.{rnd.randint(0, 30)} {rnd.randint(1, 40)}.el9 {arch}")
    return lines


def make(d: Path, packages: int, payload_kb: int) -> tuple[Path, Path]:
    corpus, root = d / "corpus", d / "root"
    nevras = d / "nevras.txt"
    nevras.write_text("\n".join(nevra_lines(packages)) + "\n")
    subprocess.run(
        [str(CORPUS_TOOL), str(corpus), "--nevra-file", str(nevras), "--updateinfo", "--payload-kb", str(payload_kb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (root / "os" / OS).mkdir(parents=True)
    (root / "os" / OS / "os.yaml").write_text("version: el9\narch: x86_64\n")
    (root / "site").mkdir()
    subprocess.run(
        [ERRATA, "--root", str(root), "-q", "generate", str(corpus), "--os", OS, "--profile", PROFILE], check=True
    )
    return corpus, root


def measure(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its children) of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def base_of(row: str) -> str:
    """The createrepo_c row a row is compared with: cold with cold."""
    return "createrepo_c cold" if "cold" in row else "createrepo_c"


def drop_page_cache() -> bool:
    """Drop the page cache (the files' and the caches' pages); False when this cannot."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError:
        return False
    return True


def warm(folder: Path) -> None:
    """Read every file below ``folder`` (into the page cache), untimed."""
    for p in folder.rglob("*.rpm"):
        with p.open("rb") as f:
            while f.read(1 << 20):
                pass


def link_tree(corpus: Path, folder: Path) -> int:
    """A folder of hard links to exactly the files publish published (what createrepo_c gets)."""
    n = 0
    for p in sorted(folder.rglob("*.rpm")):
        rel = p.relative_to(folder)
        (corpus.parent / "crepo" / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(corpus / rel, corpus.parent / "crepo" / rel)
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", type=int, default=4000)
    ap.add_argument("--payload-kb", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="where the corpus goes (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the corpus")
    ap.add_argument("--reuse", type=Path, help="a folder --keep kept: its corpus and site, not made again")
    ap.add_argument("--cold", action="store_true", help="also with the page cache dropped (root)")
    args = ap.parse_args()
    # a user's install has its .pyc files; a checkout run under PYTHONDONTWRITEBYTECODE would
    # compile every module on every run (60 ms of a 0.2 s republish): the warm-up runs write them
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    d = args.reuse or Path(tempfile.mkdtemp(prefix="bench-publish-", dir=args.dir))
    try:
        corpus, root = (d / "corpus", d / "root") if args.reuse else make(d, args.packages, args.payload_kb)
        for old in (
            "crepo",
            "crepo-sums",
            "warmup",
            "warmup2",
            "first-*",
            "nocache-*",
            "known-*",
            "cold-*",
            "gen-*",
            "kept-*",
        ):
            for p in d.glob(old):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink()
        publish = [ERRATA, "--root", str(root), "-q", "publish", str(corpus), "--os", OS, "--profile", PROFILE]
        measure([*publish, "--to", str(d / "warmup")])
        updateinfo = next((corpus / "repodata").glob("*updateinfo.xml*"))
        builds = link_tree(corpus, d / "warmup" / OS / PROFILE)
        # those links moved the files' ctimes: one more publish has rpm check them again (untimed),
        # as any run after someone else linked or removed files would
        measure([*publish, "--to", str(d / "warmup2")])
        sums = d / "crepo-sums"
        shutil.rmtree(sums, ignore_errors=True)
        same = ["--no-database", "--general-compress-type", "gz"]
        measure([CREATEREPO, "-q", *same, "--cachedir", str(sums), str(d / "crepo")])
        shutil.rmtree(d / "crepo" / "repodata")
        size = sum(p.stat().st_size for p in (d / "crepo").rglob("*.rpm")) / 1e9
        version = subprocess.run([CREATEREPO, "--version"], capture_output=True, text=True).stdout.split("(")[0]
        cold = args.cold and drop_page_cache()
        if args.cold and not cold:
            print("--cold: the page cache cannot be dropped here (root, a writable /proc/sys/vm); cold rows left out")
        load = os.getloadavg()[0]
        print(f"{builds} builds, {size:.2f} GB; createrepo_c {version.strip()}; load {load:.1f} at the start")
        rows: dict[str, list[tuple[float, float]]] = {}
        for r in range(args.rounds):
            got: dict[str, tuple[float, float]] = {}
            shutil.rmtree(d / "crepo" / "repodata", ignore_errors=True)
            got["createrepo_c"] = measure([CREATEREPO, "-q", *same, str(d / "crepo")])
            mod = measure([MODIFYREPO, "--mdtype", "updateinfo", str(updateinfo), str(d / "crepo" / "repodata")])
            got["+ modifyrepo_c"] = (got["createrepo_c"][0] + mod[0], got["createrepo_c"][1] + mod[1])
            shutil.rmtree(d / "crepo" / "repodata")
            got["createrepo_c dflt"] = measure([CREATEREPO, "-q", str(d / "crepo")])
            shutil.rmtree(d / "crepo" / "repodata")
            got["createrepo_c sums"] = measure([CREATEREPO, "-q", *same, "--cachedir", str(sums), str(d / "crepo")])
            for cache in ("headers", "profiles"):
                shutil.rmtree(root / ".errata-tpl-cache" / cache, ignore_errors=True)
            # a site that publishes (publish's cache folder stays) and has published none of these builds
            for kept in (root / ".errata-tpl-cache" / "publish").glob("*.marshal"):
                kept.unlink()
            generate = [ERRATA, "--root", str(root), "-q", "generate", str(corpus), "--os", OS]
            got["generate, first"] = measure([*generate, "--profile", PROFILE, "-o", str(d / f"gen-{r}.yaml")])
            got["publish, first"] = measure([*publish, "--to", str(d / f"first-{r}")])
            kept = root / ".errata-tpl-cache" / "publish"
            shutil.copytree(kept, d / "kept-publish-cache")
            shutil.rmtree(kept)
            got["publish, no cache"] = measure([*publish, "--to", str(d / f"nocache-{r}")])
            shutil.rmtree(kept)
            shutil.move(d / "kept-publish-cache", kept)  # known: the builds generate and the first publish made
            got["publish, known"] = measure([*publish, "--to", str(d / f"known-{r}")])
            got["republish"] = measure([*publish, "--to", str(d / f"known-{r}")])
            if cold:
                shutil.rmtree(d / "crepo" / "repodata")
                drop_page_cache()
                got["createrepo_c cold"] = measure([CREATEREPO, "-q", *same, str(d / "crepo")])
                shutil.rmtree(root / ".errata-tpl-cache" / "publish", ignore_errors=True)
                drop_page_cache()
                got["publish, cold"] = measure([*publish, "--to", str(d / f"cold-{r}")])
                warm(d / "crepo")  # the next round's warm rows find every file in memory again
            for k, v in got.items():
                rows.setdefault(k, []).append(v)
            print(
                f"round {r + 1} (load {os.getloadavg()[0]:.1f}): "
                + ", ".join(
                    f"{k} {w:.2f} s ({w / got[base_of(k)][0]:.3f}x; CPU {c / got[base_of(k)][1]:.3f}x)"
                    for k, (w, c) in got.items()
                )
            )
        print(
            f"median over {args.rounds} rounds; ratios to createrepo_c (gzip, no databases), each within its round"
            + (" (a cold row: to createrepo_c cold)" if cold else "")
            + ":"
        )
        print(f"  {'':<18} {'wall':>8} {'ratio':>7} {'CPU':>8} {'ratio':>7}")
        for k, runs in rows.items():
            walls = [run[0] / b[0] for run, b in zip(runs, rows[base_of(k)])]
            cpus = [run[1] / b[1] for run, b in zip(runs, rows[base_of(k)])]
            wall, cpu = statistics.median(x[0] for x in runs), statistics.median(x[1] for x in runs)
            ratios = f"{statistics.median(walls):6.3f}x {cpu:7.2f}s {statistics.median(cpus):6.3f}x"
            print(f"  {k:<18} {wall:7.2f}s {ratios}")
    finally:
        if args.keep or args.reuse:
            print(f"kept {d}")
        else:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
