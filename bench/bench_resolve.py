#!/usr/bin/env python3
"""Benchmark `errata-tpl resolve --all --out-dir` on a synthetic site.

    bench/bench_resolve.py [--nodes 10000] [--base 1500] [--profile 3000] [--format json] [--keep DIR]

The site: 4 OS variants, each with a base list of --base packages and two dated
profiles of --profile entries (half of them update base packages, half name
packages the nodes do not have), an init hook pinning a kernel and a fix hook
with del/repl/conditional actions; 8 clusters; 20% of the nodes overridden to
the older profile (exact names and globs); 10% with an older running kernel;
5% with their own pinned packages. Prints nodes/s and the peak memory of the
resolve process, by one process (-j 1) and by one per core (the default), and the
floor: a bare loop writing files of the same sizes (--out-base: where to write,
e.g. a tmpfs, to tell the filesystem's share from the tool's).
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import measure

OSES = [
    ("el8", "x86_64", "4.18.0-513.{}.1.el8_9"),
    ("el9", "x86_64", "5.14.0-362.{}.1.el9_3"),
    ("el9", "aarch64", "5.14.0-362.{}.1.el9_3"),
    ("el10", "x86_64", "6.12.0-55.{}.1.el10_0"),
]


def flow(d: dict) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in d.items()) + "}"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def make_site(root: Path, nodes: int, base: int, profile: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    for ver, arch, kfmt in OSES:
        os_id = f"{ver}-{arch}"
        pkgs = [f"  - {flow({'name': f'pkg{i:05d}', 'version': f'1.0-1.{ver}', 'arch': arch})}\n" for i in range(base)]
        write(
            root / "os" / os_id / "os.yaml",
            f"version: {ver}\narch: {arch}\n"
            f"kernel:\n  version: {kfmt.format(8)}\n  packages: [kernel, kernel-core, kernel-modules]\n"
            f'  modules:\n    - {{name: "kmod-xfs-{{{{ kernel_version }}}}", version: "1.0-1"}}\n'
            f"variables: {{ARCH: {arch}}}\npackages:\n" + "".join(pkgs),
        )
        for name, rel in (("20261001", "2"), ("20261121", "3")):
            half = profile // 2
            entries = [
                {"name": f"pkg{i:05d}", "version": f"1.0-{rel}.{ver}", "arch": arch}
                for i in range(0, 2 * half, 2)
                if i < base
            ]
            entries += [
                {"name": f"other{i:05d}", "version": f"2.0-{rel}.{ver}", "arch": arch}
                for i in range(profile - len(entries))
            ]
            entries.sort(key=lambda e: e["name"])
            write(
                root / "errata" / os_id / f"{name}.yaml",
                f'profile: "{name}"\nos: {os_id}\ngenerated: "2026-11-21T00:00:00Z"\nsource: bench\npackages:\n'
                + "".join(f"  - {flow(e)}\n" for e in entries)
                + "kernels: []\nkernel_named: []\n",
            )
        write(root / "errata" / os_id / "20261121-init.yaml", f"kernel_version: {kfmt.format(13)}\n")
        write(
            root / "errata" / os_id / "20261121-fix.yaml",
            "actions:\n"
            "  - del: pkg00003\n"
            f"  - repl: {{name: pkg00005, version: 0.9-1.{ver}, arch: {arch}}}\n"
            f'  - ronly: {{name: pkg00007, version: "{{{{ JDK }}}}-1.{ver}", arch: {arch}}}\n'
            '    when: "JDK is defined"\n'
            f"  - repl: {{name: firefox, version: 115-1.{ver}, arch: {arch}}}\n"
            "    if_present: firefox\n",
        )
    for c in range(8):
        write(
            root / "site" / "clusters" / f"c{c}.yaml",
            f'variables: {{JDK: "1.{c}"}}\npackages:\n' + "".join(f"  - cluster{c}-tool{i}\n" for i in range(10)),
        )
    write(
        root / "site" / "site.yaml",
        'deploy_errata: true\nerrata_defaults: {el8: "20261121", el9: "20261121", el10: "20261121"}\n'
        "installonly_limit: 3\n",
    )
    names = [f"n{i:05d}.example.org" for i in range(nodes)]
    overrides = ['"n00[0-4]*": "20261001"\n']  # a glob: 500 nodes, 5% of 10,000
    overrides += [f'{n}: "20261001"\n' for n in rng.sample(names[nodes // 2 :], nodes * 15 // 100)]  # 15% by name
    write(root / "site" / "errata-overrides.yaml", "".join(overrides))
    nd = root / "site" / "nodes"
    nd.mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(names):
        ver, arch, kfmt = OSES[i % 4]
        text = f"os: {ver}-{arch}\ncluster: c{(i // 4) % 8}\n"
        if rng.random() < 0.10:
            text += f"running_kernel: {kfmt.format(8)}\n"
        if rng.random() < 0.05:
            text += f"packages:\n  - {{name: pkg{rng.randrange(base):05d}, version: 1.5-1.{ver}, arch: {arch}}}\n"
        (nd / f"{n}.yaml").write_text(text)


def bare_write(out: Path, sizes: list[int], workers: int) -> float:
    """The floor: the same number of files of the same sizes, each opened, written
    and closed by a bare loop in ``workers`` forked processes (no resolving, no
    rendering). Seconds."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    os.sync()
    data = b"x" * max(sizes, default=0)
    t0 = time.perf_counter()
    pids = []
    for w in range(workers):
        pid = os.fork()
        if pid == 0:
            for i in range(w, len(sizes), workers):
                fd = os.open(out / f"f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(fd, memoryview(data)[: sizes[i]])
                os.close(fd)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    took = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--base", type=int, default=1500)
    ap.add_argument("--profile", type=int, default=3000)
    ap.add_argument("--format", default="json")
    ap.add_argument("--keep", type=Path, help="build the site here and keep it")
    ap.add_argument("--out-base", type=Path, help="write the output below this directory (e.g. a tmpfs)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-resolve-"))
    root = args.keep or tmp / "site"
    make_site(root, args.nodes, args.base, args.profile)
    out_base = Path(tempfile.mkdtemp(prefix="bench-resolve-out-", dir=args.out_base)) if args.out_base else tmp
    exe = shutil.which("errata-tpl", path=str(Path(sys.executable).parent)) or "errata-tpl"
    cores = len(os.sched_getaffinity(0))
    print(f"site: {args.nodes} nodes, 4 OS variants, {args.base} base packages, profiles of {args.profile} entries")
    print(f"output below {out_base} ({cores} cores)")
    sizes: list[int] = []
    runs = (
        ("first run (no parsed caches), -j auto", []),
        ("second run, -j auto", []),
        ("second run, -j 1", ["-j", "1"]),
    )
    for run, extra in runs:
        out = out_base / "out"
        shutil.rmtree(out, ignore_errors=True)
        os.sync()  # the site just written and the last output: not this run's I/O
        cmd = [exe, "--root", str(root), "-q", "resolve", "--all", "--format", args.format, "--out-dir", str(out)]
        wall, rss, rc = measure([*cmd, *extra], quiet=False)
        if rc != 0:
            sys.exit(f"resolve failed (rc {rc})")
        files = [f for f in out.iterdir() if not f.name.startswith(".")]
        sizes = [f.stat().st_size for f in files]
        print(
            f"resolve --all --format {args.format} --out-dir, {run}: {wall:.2f} s, {args.nodes / wall:.0f} nodes/s, "
            f"peak {rss:.0f} MB, {len(files)} files, {sum(sizes) / 1e6:.0f} MB written"
        )
    shutil.rmtree(out_base / "out", ignore_errors=True)
    for workers in sorted({1, cores}):
        took = bare_write(out_base / "bare", sizes, workers)
        print(
            f"bare loop writing the same {len(sizes)} files ({sum(sizes) / 1e6:.0f} MB), {workers} process(es): "
            f"{took:.2f} s, {len(sizes) / took:.0f} files/s"
        )
    subprocess.run(["rm", "-rf", str(tmp)], check=False)
    if args.out_base:
        subprocess.run(["rm", "-rf", str(out_base)], check=False)


if __name__ == "__main__":
    main()
