#!/usr/bin/env python3
"""Benchmark `errata-tpl report` (and `status`) on a synthetic site, and the HTML page in Chromium.

    bench/bench_report.py [--nodes 10000] [--base 1500] [--profile 3000] [--per-advisory 5] [--keep DIR]

The site is bench_resolve.py's (4 OS variants, 20% of the nodes on the older profile,
10% with an older running kernel, ...); its newest profiles get advisories: one per
--per-advisory entries, 70% security with a severity, CVEs, issue dates over seven
weeks, and a kernel advisory. Prints wall time, peak memory and output size per
format, then (when Chromium is installed) how long the page takes to draw its tables
and to sort the node table by a click.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from _child import measure
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
    print(f"{'':<22} {'wall s':>8} {'nodes/s':>8} {'peak MB':>8} {'out MB':>8}   (fastest of 2 runs)")
    for label, cmd, out in runs:
        best = None
        for _ in range(2):  # the first run also fills the parsed-profile cache
            wall, rss, rc = measure(cmd, env=env)  # status prints to /dev/null
            if rc not in (0, 1):
                sys.exit(f"{label} failed (rc {rc})")
            best = (wall, rss) if best is None or wall < best[0] else best
        assert best is not None
        size = f"{(tmp / out).stat().st_size / 1e6:8.1f}" if out else f"{'-':>8}"
        print(f"{label:<22} {best[0]:8.2f} {args.nodes / best[0]:8.0f} {best[1]:8.0f} {size}")
    browse(tmp / "report.html")
    if args.keep:
        shutil.copy(tmp / "report.html", args.keep / "report.html")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
