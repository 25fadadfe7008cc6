#!/usr/bin/env python3
"""Benchmark `errata-tpl check --all` on the resolver benchmark's site.

    bench/bench_check.py [--nodes 10000] [--packages 20000]     # needs ../shared/tools/make-errata-corpus

The repository: every NEVRA the site's nodes can be resolved to (4 OS variants),
padded to --packages with other packages, made as real RPM files by the corpus
tool and indexed by createrepo_c. Prints nodes/s, how many distinct lists were
solved, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import measure
from bench_resolve import OSES, make_site

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import rpmfactory

REPO = Path(__file__).resolve().parent.parent
CORPUS_TOOL = REPO.parent / "shared" / "tools" / "make-errata-corpus"


def nevras(base: int, total: int) -> list[str]:
    lines = []
    for ver, arch, kfmt in OSES:
        for i in range(base):
            lines.append(f"pkg{i:05d} 0 1.0 1.{ver} {arch}")
            lines.append(f"pkg{i:05d} 0 1.5 1.{ver} {arch}")  # node pins
            if i % 2 == 0:
                lines += [f"pkg{i:05d} 0 1.0 2.{ver} {arch}", f"pkg{i:05d} 0 1.0 3.{ver} {arch}"]
        lines.append(f"pkg00005 0 0.9 1.{ver} {arch}")  # the fix hook's repl
        lines += [f"pkg00007 0 1.{c} 1.{ver} {arch}" for c in range(8)]  # its ronly, per cluster's JDK
        for k in (8, 13):
            kv = kfmt.format(k)
            v, r = kv.split("-", 1)
            lines += [f"{n} 0 {v} {r} {arch}" for n in ("kernel", "kernel-core", "kernel-modules")]
            lines.append(f"kmod-xfs-{kv} 0 1.0 1 {arch}")
        lines += [f"cluster{c}-tool{i} 0 1 1.{ver} noarch" for c in range(8) for i in range(10)]
    lines = sorted(set(lines))
    pad = 0
    while len(lines) < total:
        lines.append(f"other{pad:05d} 0 2.0 3.el9 x86_64")
        pad += 1
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--packages", type=int, default=20000)
    ap.add_argument("--base", type=int, default=1500)
    ap.add_argument("--profile", type=int, default=3000)
    args = ap.parse_args()
    if not CORPUS_TOOL.exists():
        sys.exit(f"{CORPUS_TOOL}: not found (the corpus tool makes the repository's RPMs)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-check-"))
    root, repo = tmp / "site", tmp / "repo"
    make_site(root, args.nodes, args.base, args.profile)
    listing = tmp / "nevras.txt"
    listing.write_text("\n".join(nevras(args.base, args.packages)) + "\n")
    subprocess.run(
        [sys.executable, str(CORPUS_TOOL), str(repo), "--nevra-file", str(listing)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # The corpus' binaries require libc.so.6, which no corpus package provides: add the provider.
    provides = ("libc.so.6()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)")
    rpmfactory.build(
        [
            rpmfactory.Spec("libc-provider", "2.34", "1", arch, provides=provides, subdir="extra")
            for arch in ("x86_64", "aarch64")
        ],
        repo,
    )
    subprocess.run(["createrepo_c", "-q", "--no-database", str(repo)], check=True)
    n_rpms = sum(1 for _ in repo.rglob("*.rpm"))
    exe = shutil.which("errata-tpl", path=str(Path(sys.executable).parent)) or "errata-tpl"
    out = tmp / "check.json"
    os.sync()
    with open(out, "w") as f:
        # every OS variant's builds are in the one corpus repository: each OS is given it
        repos = " ".join(f'--repo "{ver}-{arch}={repo}"' for ver, arch, _ in OSES)
        cmd = ["sh", "-c", f'exec "{exe}" --root "{root}" -q check --all {repos} --format json > "{out}"']
        wall, rss, rc = measure(cmd, quiet=True)
    del f
    result = json.loads(out.read_text())
    ok = sum(1 for v in result.values() if v["ok"])
    print(f"site: {args.nodes} nodes (4 OS variants, {args.base} base packages); repository: {n_rpms} rpms")
    print(
        f"check --all: {wall:.2f} s, {args.nodes / wall:.0f} nodes/s, peak {rss:.0f} MB, rc {rc}, "
        f"{ok} nodes ok, {len(result) - ok} with problems"
    )
    bad = next(((n, v) for n, v in result.items() if not v["ok"]), None)
    if bad is not None:
        print(f"e.g. {bad[0]}: " + "; ".join(p["text"] for p in bad[1]["problems"][:3]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
