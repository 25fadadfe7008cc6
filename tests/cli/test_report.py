"""The fleet report: who lacks which advisory, the same numbers in status, report and explain."""

from __future__ import annotations

import json
import shutil

import pytest
import rpmfactory
from conftest import REPO

NODE_KEYS = {
    "node",
    "os",
    "profile",
    "profile_from",
    "clone",
    "profile_date",
    "profile_age_days",
    "newest_profile",
    "stage",
    "hotfixes",
    "kernel",
    "changed_by_errata",
    "worst",
    "counts",
    "cves",
    "exposed_since",
    "exposure_days",
    "error",
    "observed",  # null without inventories (e2e/test_inventories.py)
    "missing",
}

# A mirror with advisories, built from real RPMs; `generate` makes the profile the site uses.
BUILDS = [
    "openssl-libs 3.0-2.el9 x86_64",
    "glibc 2.34-2.el9 x86_64",
    "glibc 2.34-2.el9 i686",
    "kernel 5.14-1.el9 x86_64",
    "kernel 5.14-2.el9 x86_64",
    "tzdata 2026b-1.el9 noarch",
    "curl 8.0-2.el9 x86_64",
]
ADVISORIES = [
    rpmfactory.Advisory(
        "RHSA-2026:0001",
        "security",
        "2026-11-01",
        ("openssl-libs-3.0-2.el9.x86_64.rpm",),
        severity="Critical",
        cves=("CVE-2026-0001", "CVE-2026-0002"),
    ),
    rpmfactory.Advisory(
        "RHSA-2026:0002",
        "security",
        "2026-10-01",
        ("glibc-2.34-2.el9.x86_64.rpm", "glibc-2.34-2.el9.i686.rpm"),
        severity="Moderate",
        cves=("CVE-2026-0003",),
    ),
    rpmfactory.Advisory(
        "RHSA-2026:0003",
        "security",
        "2026-11-10",
        ("kernel-5.14-2.el9.x86_64.rpm",),
        severity="Important",
        cves=("CVE-2026-0004",),
    ),
    rpmfactory.Advisory("RHBA-2026:0004", "bugfix", "2026-11-12", ("tzdata-2026b-1.el9.noarch.rpm",)),
    rpmfactory.Advisory(
        "RHSA-2026:0005", "security", "2026-11-15", ("curl-8.0-2.el9.x86_64.rpm",), severity="Low", cves=("CVE-5",)
    ),
]
OS_YAML = """\
version: el9
arch: x86_64
kernel: {name: kernel, version: 5.14-1.el9, packages: [kernel]}
installonly: [kernel]
packages:
  - openssl-libs-3.0-1.el9.x86_64
  - glibc-2.34-1.el9.x86_64
  - {name: tzdata, version: 2026a-1.el9}
"""
NODES = {
    "current": "os: el9-x86_64\nkernel_version: 5.14-2.el9\nrunning_kernel: 5.14-1.el9\n",
    "held": "os: el9-x86_64\n",
    "pinned": "os: el9-x86_64\npackages:\n  - openssl-libs-3.0-3.el9.x86_64\n",
    "broken": "os: el9-x86_64\n",
}


@pytest.fixture
def site(make_rpms, tmp_path, cli, monkeypatch, site_builder):
    make_rpms(BUILDS)
    rpmfactory.createrepo(tmp_path / "mirror", ADVISORIES)
    root = site_builder.root
    builder = (
        site_builder.os("el9-x86_64", OS_YAML)
        .site('deploy_errata: true\nerrata_defaults: {el9: "20261120"}\n')
        .overrides('held: null\nbroken: "20990101"\n')
    )
    for name, text in NODES.items():
        builder.node(name, text)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795176000")  # 2026-11-20 12:00 UTC
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261120", root=root)
    assert r.exit_code == 0, r.stderr
    return root


def report_json(cli, root, *args):
    r = cli("report", "--format", "json", "--today", "2026-11-30", *args, root=root)
    return r, json.loads(r.stdout)


def test_who_lacks_what(site, cli):
    r, d = report_json(cli, site)
    assert r.exit_code == 1  # a node failed: the report is still made, and names it
    assert d["schema_version"] == 1 and d["today"] == "2026-11-30"
    assert d["newest_profiles"] == {"el9-x86_64": "20261120"}
    nodes = {n["node"]: n for n in d["nodes"]}
    assert all(set(n) == NODE_KEYS for n in d["nodes"])
    assert "20990101" in nodes["broken"]["error"] and nodes["broken"]["worst"] is None

    held = nodes["held"]
    assert held["profile"] is None and held["profile_from"] == "override" and held["profile_age_days"] is None
    assert [m["id"] for m in held["missing"]] == [
        "RHBA-2026:0004",
        "RHSA-2026:0001",
        "RHSA-2026:0002",
        "RHSA-2026:0003",
    ]
    assert held["counts"] == {"Critical": 1, "Important": 1, "Moderate": 1, "Low": 0, "unrated": 1}
    assert held["worst"] == "Critical"
    assert held["cves"] == ["CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003", "CVE-2026-0004"]
    assert (held["exposed_since"], held["exposure_days"]) == ("2026-10-01", 60)
    glibc = next(m for m in held["missing"] if m["id"] == "RHSA-2026:0002")
    # the node has glibc.x86_64 only: the i686 build of the advisory does not apply to it
    assert glibc["packages"] == [{"name": "glibc", "arch": "x86_64", "installed": "2.34-1.el9", "fixed": "2.34-2.el9"}]
    tz = next(m for m in held["missing"] if m["id"] == "RHBA-2026:0004")
    assert tz["packages"][0]["arch"] == "noarch"  # a base entry without arch is of the OS's arch or noarch
    assert tz["type"] == "bugfix" and tz["severity"] is None

    current = nodes["current"]
    assert current["missing"] == [] and current["worst"] == "current"
    assert current["profile"] == "20261120" and current["profile_date"] == "2026-11-20"
    assert current["profile_age_days"] == 10
    # the old kernel is kept (it runs) but does not count as lacking; it does mean a reboot
    assert current["kernel"] == {
        "selected": "5.14-2.el9",
        "from": "node",
        "running": "5.14-1.el9",
        "kept": ["5.14-1.el9"],
        "reboot_needed": True,
    }
    pinned = nodes["pinned"]
    assert [m["id"] for m in pinned["missing"]] == ["RHSA-2026:0003"]  # its newer openssl-libs stays
    assert pinned["kernel"]["reboot_needed"] is None  # no running kernel recorded

    advs = {a["id"]: a for a in d["advisories"]}
    assert (advs["RHSA-2026:0001"]["nodes_lacking"], advs["RHSA-2026:0001"]["have"]) == (["held"], 2)
    assert (advs["RHSA-2026:0003"]["nodes_lacking"], advs["RHSA-2026:0003"]["have"]) == (["held", "pinned"], 1)
    assert advs["RHSA-2026:0002"]["packages"] == [
        {"name": "glibc", "version": "2.34-2.el9", "arch": "i686"},
        {"name": "glibc", "version": "2.34-2.el9", "arch": "x86_64"},
    ]
    assert (advs["RHSA-2026:0005"]["lacking"], advs["RHSA-2026:0005"]["have"]) == (0, 0)  # no node has curl

    s = d["summary"]
    assert (s["nodes"], s["failed"], s["exposed"], s["reboot_needed"]) == (4, 1, 2, 1)
    assert s["nodes_by_worst"] == {
        "Critical": 1,
        "Important": 1,
        "Moderate": 0,
        "Low": 0,
        "unrated": 0,
        "current": 1,
        "unknown": 0,
    }
    assert s["oldest_exposure"] == {
        "id": "RHSA-2026:0002",
        "severity": "Moderate",
        "issued": "2026-10-01",
        "days": 60,
        "nodes": 1,
    }
    assert s["advisories_lacked_by_severity"] == {"Critical": 1, "Important": 1, "Moderate": 1, "Low": 0, "unrated": 1}
    # no inventories: every node's observed state is unknown (a failed one too)
    assert s["observed"] == {
        "applied": 0,
        "pending": 0,
        "drifted": 0,
        "stale": 0,
        "unknown": s["nodes"],
        "reboot_needed": 0,
    }


def test_status_and_explain_agree_with_report(site, cli):
    _, d = report_json(cli, site)
    r = cli("status", "--format", "json", "--today", "2026-11-30", root=site)
    assert r.exit_code == 1
    status = json.loads(r.stdout)
    assert status["nodes"] == d["nodes"] and "advisories" not in status
    lines = cli("status", "--wide", "--today", "2026-11-30", root=site).stdout.splitlines()
    header = lines[0].split()
    assert header[-4:] == ["reboot", "worst", "missing", "CVEs"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    for n in d["nodes"]:
        if n["error"] is None:
            assert int(rows[n["node"]][-1]) == len(n["cves"])
    assert rows["held"][-3:] == ["-", "Critical", "4"] and rows["current"][-3:] == ["yes", "current", "0"]
    text = cli("explain", "held", "glibc", root=site).stdout
    assert "missing: profile 20261120 has glibc-2.34-2.el9.x86_64 (RHSA-2026:0002 security Moderate 2026-10-01" in text
    assert "i686" not in text
    assert "missing:" not in cli("explain", "current", "kernel", root=site).stdout


def test_text_report_for_a_terminal_and_mail(site, cli, tmp_path):
    out = tmp_path / "report.txt"
    r = cli("report", "--format", "text", "--today", "2026-11-30", "-o", out, root=site)
    assert r.exit_code == 1 and "wrote" in r.stderr
    text = out.read_text()
    assert text.startswith("Fleet report, 2026-11-30: 4 nodes\n")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Oldest exposure: RHSA-2026:0002 (Moderate), issued 2026-10-01, 60 days ago, lacked by 1 node." in text
    assert "  Critical         1  " in text
    assert "Nodes that failed to resolve (1):\n  broken: " in text
    lacked = text.split("Advisories lacked, worst first (4):\n")[1].splitlines()
    assert [line.split()[0] for line in lacked[1:5]] == [
        "RHSA-2026:0001",
        "RHSA-2026:0003",
        "RHSA-2026:0002",
        "RHBA-2026:0004",
    ]


def test_outputs_are_deterministic(example_root, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    for fmt in ("json", "text", "html"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        assert cli("report", "--format", fmt, "-o", a, root=example_root).exit_code == 0
        assert cli("report", "--format", fmt, "-o", b, root=example_root).exit_code == 0
        assert a.read_bytes() == b.read_bytes()
    d = json.loads((tmp_path / "a.json").read_text())
    assert d["today"] == "2026-12-01"
    wn051 = next(n for n in d["nodes"] if n["node"] == "wn-051.example.org")
    assert wn051["profile_age_days"] == 61  # 20261001, generated 2026-10-01


def test_profile_age_counts_from_the_profiles_own_date(example_root, cli, monkeypatch):
    """Not the generation stamp: a profile made today of the mirror as it was (--until) is as old
    as that day; without --until, as old as the day its name says."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # made on 2026-12-01
    mirror = str(REPO / "examples/mirror/el9")
    for args in (("--profile", "20261002", "--until", "2026-09-21"), ("--profile", "20261003")):
        r = cli("-q", "generate", mirror, "--os", "el9-x86_64", *args, root=example_root)
        assert r.exit_code == 0, r.output
    overrides = example_root / "site/errata-overrides.yaml"
    overrides.write_text(overrides.read_text() + 'wn-051.example.org: "20261002"\nwn-052.example.org: "20261003"\n')
    r = cli("status", "--format", "json", "--today", "2026-12-01", root=example_root)
    ages = {n["node"]: (n["profile_date"], n["profile_age_days"]) for n in json.loads(r.stdout)["nodes"]}
    assert ages["wn-051.example.org"] == ("2026-09-21", 71)  # its --until
    assert ages["wn-052.example.org"] == ("2026-10-03", 59)  # its name


def test_example_numbers_match_status(example_root, cli):
    """The example site: status's missing-CVE column, report's per-node CVEs, explain's missing lines."""
    d = json.loads(cli("report", "--format", "json", root=example_root).stdout)
    rows = {line.split()[0]: line.split() for line in cli("status", root=example_root).stdout.splitlines()[1:]}
    for n in d["nodes"]:
        assert int(rows[n["node"]][-1]) == len(n["cves"])
        for m in n["missing"]:
            for p in m["packages"][:1]:
                text = cli("explain", n["node"], p["name"], root=example_root).stdout
                assert f"missing: profile {n['newest_profile']} has {p['name']}-{p['fixed']}.{p['arch']} (" in text
                assert m["id"] in text


def test_no_advisory_data_is_not_up_to_date(example_root, cli):
    """el8's profiles carry no advisories: its nodes are 'unknown', never counted as current."""
    d = json.loads(cli("report", "--format", "json", root=example_root).stdout)
    el8 = [n for n in d["nodes"] if n["os"] == "el8-x86_64"]
    assert el8 and all(n["worst"] == "unknown" for n in el8)
    assert d["summary"]["nodes_by_worst"]["unknown"] == len(el8)


def test_report_without_profiles(example_root, cli):
    shutil.rmtree(example_root / "errata" / "el8-x86_64")
    r = cli("report", "--format", "text", root=example_root)
    assert r.exit_code == 1  # el8 nodes name a profile that no longer exists
    assert "Nodes that failed to resolve (2):" in r.stdout
