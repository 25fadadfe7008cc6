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
  createrepo_c dflt the same with createrepo_c's defaults (1.x: zstd, no databases; 0.x: gzip
                    and sqlite databases)
  publish, first    publish into a new DIR with no checksum cache: createrepo_c reads every
                    file once (the first publish of new builds)
  publish, known    publish into a new DIR, the builds published before (the next day's
                    profile, a stage, a second DIR: what a daily run mostly is)
  republish         publish again, unchanged

Prints every round and the median ratios to createrepo_c. The machine may be shared: the
ratios are what to read, each measured in the same minutes. The corpus is deleted at the
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import measure

REPO = Path(__file__).resolve().parent.parent
CORPUS_TOOL = REPO.parent / "shared" / "tools" / "make-errata-corpus"
ERRATA = str(Path(sys.executable).parent / "errata-tpl")
# the createrepo_c of the Python package publish uses (the same library): the same work, the same version
CREATEREPO = str(Path(sys.executable).parent / "createrepo_c")
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
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp(prefix="bench-publish-", dir=args.dir))
    try:
        corpus, root = make(d, args.packages, args.payload_kb)
        publish = [ERRATA, "--root", str(root), "-q", "publish", str(corpus), "--os", OS, "--profile", PROFILE]
        _, _, rc = measure([*publish, "--to", str(d / "warmup")])
        assert rc == 0, "publish failed"
        builds = link_tree(corpus, d / "warmup" / OS / PROFILE)
        size = sum(p.stat().st_size for p in (d / "crepo").rglob("*.rpm")) / 1e9
        version = subprocess.run([CREATEREPO, "--version"], capture_output=True, text=True).stdout.split("(")[0]
        load = os.getloadavg()[0]
        print(f"{builds} builds, {size:.2f} GB; createrepo_c {version.strip()}; load {load:.1f} at the start")
        rows: dict[str, list[float]] = {}
        for r in range(args.rounds):
            shutil.rmtree(d / "crepo" / "repodata", ignore_errors=True)
            same = ["--no-database", "--general-compress-type", "gz"]
            got = {"createrepo_c": measure([CREATEREPO, "-q", *same, str(d / "crepo")])[0]}
            shutil.rmtree(d / "crepo" / "repodata")
            got["createrepo_c dflt"] = measure([CREATEREPO, "-q", str(d / "crepo")])[0]
            shutil.rmtree(root / ".errata-tpl-cache" / "publish", ignore_errors=True)
            got["publish, first"] = measure([*publish, "--to", str(d / f"first-{r}")])[0]
            got["publish, known"] = measure([*publish, "--to", str(d / f"known-{r}")])[0]
            got["republish"] = measure([*publish, "--to", str(d / f"known-{r}")])[0]
            for k, v in got.items():
                rows.setdefault(k, []).append(v)
            base = got["createrepo_c"]
            print(
                f"round {r + 1}: "
                + ", ".join(f"{k} {v:.2f} s ({v / base:.3f}x)" for k, v in got.items())
                + f"; load {os.getloadavg()[0]:.1f}"
            )
        base_runs = rows["createrepo_c"]
        print(f"median over {args.rounds} rounds; ratios to createrepo_c (gzip, no databases), each within its round:")
        for k, v in rows.items():
            ratios = [x / b for x, b in zip(v, base_runs)]
            print(f"  {k:<16} {statistics.median(v):7.2f} s   {statistics.median(ratios):.3f}x")
    finally:
        if args.keep:
            print(f"kept {d}")
        else:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
