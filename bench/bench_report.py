#!/usr/bin/env python3
"""Benchmark `errata-tpl report` (and `status`) on a synthetic site, and the HTML page in Chromium.

    bench/bench_report.py [--nodes 10000] [--base 1500] [--profile 3000] [--per-advisory 5] [--keep DIR]
                          [--no-inventories] [--distinct-inventories] [--rounds 5]

The site is bench_resolve.py's (4 OS variants, 20% of the nodes on the older profile,
10% with an older running kernel, ...); its newest profiles get advisories: one per
--per-advisory entries, 70% security with a severity, CVEs, issue dates over seven
weeks, and a kernel advisory. Prints wall time, peak memory and output size per
format, then (when Chromium is installed) how long the page takes to draw its tables
and to sort the node table by a click.

Inventories (unless --no-inventories): one `rpm -qa --qf '%{NEVRA}\\n'` file per node, made
from its resolved list (`resolve --all --format dnf`; an entry of any version gets one),
~1,500 packages each: 70% of the nodes as their list, 15% pending (30 packages a release
behind), 8% drifted (two packages newer, one extra), 2% with the old kernel running
(`.uname`), 5% without one. Identical nodes have identical files, read and compared once;
--distinct-inventories adds a package of its own to every file (the worst case).
`report --format json` and `status` are then timed with `--installed` beside the same
commands without, in the same run: the ratio is the figure. Then the two `report --format
json` run in turn --rounds times: the ratio of their medians, in wall time and in CPU time
(the command and its forked workers), the steadier figure on a loaded machine.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from _child import measure
from _child import run as measured
from bench_resolve import OSES, make_site

SEVERITIES = ("Critical", "Important", "Moderate", "Low")


def add_advisories(root: Path, per_advisory: int, seed: int = 2) -> int:
    """Give each OS's newest profile advisories; returns how many advisories in all."""
    rng = random.Random(seed)
    total = 0
    for ver, arch, kfmt in OSES:
        path = root / "errata" / f"{ver}-{arch}" / "20261121.yaml"
        head, _, rest = path.read_text().partition("packages:\n")
        body, _, _ = rest.partition("kernels:")
        lines = body.splitlines()
        out = []
        for i, line in enumerate(lines):
            n = i // per_advisory
            rng.seed(f"{ver}{arch}{n}")
            security = rng.random() < 0.7
            adv_id = f"EX{'S' if security else 'B'}A-2026:{n:05d}"
            severity = rng.choice(SEVERITIES) if security else None
            issued = f"2026-{rng.choice(('10', '11'))}-{rng.randrange(1, 21):02d}"
            kind = "security" if security else "bugfix"
            adv = f'{{id: "{adv_id}", type: {kind}, severity: {severity or "null"}, issued: "{issued}"}}'
            cves = f", cves: [CVE-2026-{n * 3 + 1:05d}, CVE-2026-{n * 3 + 2:05d}]" if security else ""
            out.append(re.sub(r"\}$", f", advisories: [{adv}]{cves}}}", line))
        total += (len(lines) + per_advisory - 1) // per_advisory + 1
        kadv = '{id: "EXSA-2026:99999", type: security, severity: Important, issued: "2026-11-15"}'
        kver = kfmt.format(13)
        kernels = "".join(
            f"  - {{name: {k}, version: {kver}, arch: {arch}, advisories: [{kadv}], cves: [CVE-2026-99999]}}\n"
            for k in ("kernel", "kernel-core", "kernel-modules")
        )
        path.write_text(
            head.replace("source: bench\n", "source: bench\nadvisories: updateinfo\n")
            + "packages:\n"
            + "\n".join(out)
            + "\nkernels:\n"
            + kernels
            + "kernel_named: []\n"
        )
    return total


def add_inventories(root: Path, exe: str, out: Path, distinct: bool = False, seed: int = 3) -> int:
    """One rpm -qa file per node from its resolved list, some of them changed; returns how many."""
    from errata_tpl.values import ref

    lists = out.parent / "lists"
    resolve = [exe, "--root", str(root), "-q", "resolve", "--all", "--format", "dnf", "--out-dir", str(lists)]
    subprocess.run(resolve, check=True)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    made = 0
    for path in sorted(lists.glob("*.txt")):
        node = path.name[: -len(".txt")]
        ver, arch, kfmt = OSES[int(node[1:6]) % 4]  # as make_site gives them
        draw = rng.random()
        if draw < 0.05:
            continue  # no inventory: unknown
        lines = []
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                p = ref.parse_string(line)  # an entry of any version or arch: installed at one
                lines.append(f"{p.name}-{p.evr or f'1.0-1.{ver}'}.{p.arch or arch}")
        if draw < 0.20:  # pending: 30 packages a release behind
            for i in rng.sample(range(len(lines)), 30):
                lines[i] = lines[i].replace("-1.0-3.", "-1.0-2.")
        elif draw < 0.28:  # drifted: two newer, one extra
            for i in rng.sample(range(len(lines)), 2):
                lines[i] = lines[i].replace("-1.0-", "-9.0-")
            lines.append(f"stray-tool-1.0-1.{ver}.{arch}")
        elif draw < 0.30:
            (out / f"{node}.uname").write_text(f"{kfmt.format(8)}.{arch}\n")
        if distinct:  # every file different: nothing read or compared once for several nodes
            lines.append(f"{node.split('.')[0]}-tag-1.0-1.{ver}.{arch}")
        (out / node).write_text("\n".join(lines) + "\n")
        made += 1
    shutil.rmtree(lists)
    return made


def interleaved(without: list[str], with_inv: list[str], env: dict[str, str], rounds: int) -> None:
    """The two reports run in turn, ``rounds`` times: the ratio of their medians, in wall and
    in CPU time (the child and its workers), which a loaded machine moves much less."""
    runs: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
    for _ in range(rounds):
        runs["without"].append(measured(without, env)[:2])  # wall, CPU
        runs["with"].append(measured(with_inv, env)[:2])
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in runs.items()}
    for k, v in runs.items():
        walls, cpus = (" ".join(f"{x[i]:.1f}" for x in v) for i in (0, 1))
        print(f"report --format json {k + ' inventories':<20} wall s: {walls}   CPU s: {cpus}")
    print(
        f"interleaved, {rounds} rounds: with / without inventories, medians: "
        f"wall {med['with'][0] / med['without'][0]:.2f}x, CPU {med['with'][1] / med['without'][1]:.2f}x"
    )


def browse(page_path: Path) -> None:
    import headless

    if headless.find() is None:
        print("chromium: not installed, page timings skipped")
        return
    with headless.Browser() as b:
        t0 = time.perf_counter()
        page = b.open(page_path.resolve().as_uri())
        page.wait_for("document.body.getAttribute('data-ready') === '1'", timeout=120)
        ready = time.perf_counter() - t0
        cells = page.eval("document.querySelectorAll('td').length")
        script = page.eval("document.body.getAttribute('data-script-ms')")
        parsed = page.eval("Math.round(performance.getEntriesByType('navigation')[0].domInteractive)")
        timings = []
        for col in ("node", "missing", "days"):
            t1 = time.perf_counter()
            page.click(f"#node-table th[data-col={col}] button")
            page.wait_for(
                f"document.querySelector('#node-table th[data-col={col}]').getAttribute('aria-sort') !== 'none'"
            )
            timings.append(f"{col} {time.perf_counter() - t1:.2f} s")
        t2 = time.perf_counter()
        page.eval(
            "(f => { f.value = 'n00'; f.dispatchEvent(new Event('input')); })(document.getElementById('node-filter'))"
        )
        shown = page.eval("document.querySelector('#node-pager .range').textContent")
        filt = time.perf_counter() - t2
    print(
        f"chromium: page opened and tables drawn in {ready:.2f} s (HTML parsed in {parsed} ms, "
        f"script {script} ms, {cells} table cells in the DOM); "
        f"sort by a click: {', '.join(timings)}; filter: {filt:.2f} s ({shown})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--base", type=int, default=1500)
    ap.add_argument("--profile", type=int, default=3000)
    ap.add_argument("--per-advisory", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the site here and keep it")
    ap.add_argument("--no-inventories", action="store_true", help="only the commands without inventories")
    ap.add_argument("--distinct-inventories", action="store_true", help="every node's inventory different")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved runs of report json with and without")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    root = args.keep or tmp / "site"
    make_site(root, args.nodes, args.base, args.profile)
    advisories = add_advisories(root, args.per_advisory)
    exe = shutil.which("errata-tpl", path=str(Path(sys.executable).parent)) or "errata-tpl"
    print(
        f"site: {args.nodes} nodes, 4 OS variants, {args.base} base packages, profiles of {args.profile} entries, "
        f"{advisories} advisories in the newest profiles"
    )
    env = {"SOURCE_DATE_EPOCH": "1796083200", "PATH": "/usr/bin:/bin"}
    base = [exe, "--root", str(root), "-q"]
    runs = [
        ("status", [*base, "status"], None),
        ("status --format json", [*base, "status", "--format", "json"], None),
        ("report --format text", [*base, "report", "--format", "text", "-o", str(tmp / "report.txt")], "report.txt"),
        ("report --format json", [*base, "report", "--format", "json", "-o", str(tmp / "report.json")], "report.json"),
        ("report --format html", [*base, "report", "-o", str(tmp / "report.html")], "report.html"),
    ]
    if not args.no_inventories:
        inv = tmp / "installed"
        made = add_inventories(root, exe, inv, args.distinct_inventories)
        sizes = [len(p.read_text().splitlines()) for p in list(inv.iterdir())[:200] if not p.name.endswith(".uname")]
        print(f"inventories: {made} rpm -qa files of ~{sum(sizes) // max(1, len(sizes))} packages")
        with_inv = ["--installed", str(inv)]
        runs += [
            ("status --installed", [*base, "status", *with_inv], None),
            (
                "report json --installed",
                [*base, "report", "--format", "json", *with_inv, "-o", str(tmp / "report-inv.json")],
                "report-inv.json",
            ),
            (
                "report html --installed",
                [*base, "report", *with_inv, "-o", str(tmp / "report-inv.html")],
                "report-inv.html",
            ),
        ]
    print(f"{'':<24} {'wall s':>8} {'nodes/s':>8} {'peak MB':>8} {'out MB':>8}   (fastest of 2 runs)")
    walls = {}
    for label, cmd, out in runs:
        best = None
        for _ in range(2):  # the first run also fills the parsed-profile cache
            wall, rss, rc = measure(cmd, env=env)  # status prints to /dev/null
            if rc not in (0, 1):
                sys.exit(f"{label} failed (rc {rc})")
            best = (wall, rss) if best is None or wall < best[0] else best
        assert best is not None
        size = f"{(tmp / out).stat().st_size / 1e6:8.1f}" if out else f"{'-':>8}"
        walls[label] = best[0]
        print(f"{label:<24} {best[0]:8.2f} {args.nodes / best[0]:8.0f} {best[1]:8.0f} {size}")
    if "report json --installed" in walls:
        ratio = walls["report json --installed"] / walls["report --format json"]
        print(f"report --format json with inventories / without: {ratio:.2f}x (fastest runs above)")
        without = next(cmd for label, cmd, _ in runs if label == "report --format json")
        with_inv = next(cmd for label, cmd, _ in runs if label == "report json --installed")
        interleaved(without, with_inv, env, args.rounds)
    browse(tmp / "report.html")
    if args.keep:
        shutil.copy(tmp / "report.html", args.keep / "report.html")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
