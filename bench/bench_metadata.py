#!/usr/bin/env python3
"""Benchmark reading repository metadata: time per item must stay flat as files grow.

    bench/bench_metadata.py [--advisories 25000,50000,100000,200000] [--modules 5000,10000,20000,40000]

Each size is a real repository (createrepo_c, the file added by modifyrepo_c, gzip):
  updateinfo   advisories.load: repomd.xml checked, the file streamed, decompressed and
               checked, cut between advisories by expat, parsed by createrepo_c in pieces
  modules      modules.load: the same checks, then one modulemd document per module build
  whole file   createrepo_c's UpdateInfo over the whole file at once (what ran before),
               at the smaller sizes only: it slows down more than linearly
Prints seconds and microseconds per item; the time per item should not grow with the size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from errata_tpl.mirror import advisories, modules  # noqa: E402


def updateinfo(n: int) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n']
    for i in range(n):
        out.append(
            f'<update from="bench" status="final" type="security" version="1"><id>BENCH-{i}</id>'
            f'<title>t{i}</title><issued date="2026-01-01"/><updated date="2026-01-02 10:00:00"/>'
            f'<severity>Important</severity><references><reference href="h" id="CVE-2026-{i}" type="cve"/>'
            f'</references><pkglist><collection short="c"><name>c</name><package name="p{i}" version="1" '
            f'release="1" epoch="0" arch="x86_64" src="p{i}-1-1.src.rpm"><filename>p{i}-1-1.x86_64.rpm</filename>'
            "</package></collection></pkglist></update>\n"
        )
    out.append("</updates>\n")
    return "".join(out)


def modules_yaml(n: int) -> str:
    out = []
    for i in range(n):
        out.append(
            f'---\ndocument: modulemd\nversion: 2\ndata:\n  name: m{i % 1000}\n  stream: "{i // 1000}"\n'
            f"  version: {8000000 + i}\n  context: c{i:07d}\n  arch: x86_64\n  summary: s\n  description: d\n"
            f"  license: {{module: [MIT]}}\n  artifacts:\n    rpms:\n    - m{i}-0:1-1.module+{i}.x86_64\n"
            f"    - m{i}-lib-0:1-1.module+{i}.x86_64\n...\n"
        )
    return "".join(out)


def repo_with(tmp: Path, kind: str, name: str, text: str) -> Path:
    repo = tmp / f"{kind}-{len(text)}"
    repo.mkdir()
    subprocess.run(["createrepo_c", "-q", "--no-database", str(repo)], check=True)
    path = tmp / name
    path.write_text(text)
    subprocess.run(
        ["modifyrepo_c", f"--mdtype={kind}", "--compress-type=gz", str(path), str(repo / "repodata")],
        check=True,
        capture_output=True,
    )
    path.unlink()
    return repo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--advisories", default="25000,50000,100000,200000")
    ap.add_argument("--modules", default="5000,10000,20000,40000")
    ap.add_argument("--whole", default="5000,10000,20000", help="sizes for createrepo_c over the whole file")
    args = ap.parse_args()
    import createrepo_c as cr

    with tempfile.TemporaryDirectory(prefix="bench-metadata-") as t:
        tmp = Path(t)
        print(f"{'what':<40} {'items':>8} {'s':>8} {'µs/item':>9}")
        for n in map(int, args.advisories.split(",")):
            repo = repo_with(tmp, "updateinfo", "updateinfo.xml", updateinfo(n))
            start = time.perf_counter()
            got = advisories.load(repo) or {}
            s = time.perf_counter() - start
            assert len(got) == n, len(got)
            print(f"{'updateinfo (advisories.load)':<40} {n:>8} {s:>8.2f} {s / n * 1e6:>9.1f}")
        for n in map(int, args.whole.split(",")) if args.whole else ():
            path = tmp / f"whole-{n}.xml"
            path.write_text(updateinfo(n))
            start = time.perf_counter()
            cr.UpdateInfo(str(path))
            s = time.perf_counter() - start
            print(f"{'updateinfo, createrepo_c in one piece':<40} {n:>8} {s:>8.2f} {s / n * 1e6:>9.1f}")
        for n in map(int, args.modules.split(",")):
            repo = repo_with(tmp, "modules", "modules.yaml", modules_yaml(n))
            start = time.perf_counter()
            found = modules.load(repo)
            s = time.perf_counter() - start
            assert found is not None and len(found.builds) == n
            print(f"{'modules (modules.load)':<40} {n:>8} {s:>8.2f} {s / n * 1e6:>9.1f}")


if __name__ == "__main__":
    main()
