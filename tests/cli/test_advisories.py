"""Advisories (updateinfo via repomd.xml), --security-only, --until, renames."""

import datetime as dt

import pytest
import rpmfactory
import yaml
from conftest import spec

from errata_tpl.mirror import advisories

DAY = 86400


def ts(day: str) -> int:
    return int(dt.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp())


BUILDS = [
    spec("bash 5.1-1.el9 x86_64", buildtime=ts("2026-01-10")),
    spec("bash 5.1-2.el9 x86_64", buildtime=ts("2026-03-01")),  # security, Important, issued 03-05
    spec("bash 5.1-3.el9 x86_64", buildtime=ts("2026-06-01")),  # bugfix, issued 06-10
    spec("curl 7.7-1.el9 x86_64", buildtime=ts("2026-02-01")),  # security, Low, issued 02-03, updated 09-01
    spec("tzdata 2026a-1.el9 noarch", buildtime=ts("2026-04-01")),  # no advisory
]
ADVISORIES = [
    rpmfactory.Advisory(
        "RHSA-2026:0100",
        "security",
        "2026-03-05",
        ("bash-5.1-2.el9.x86_64.rpm",),
        severity="Important",
        cves=("CVE-2026-1111", "CVE-2026-2222"),
    ),
    rpmfactory.Advisory("RHBA-2026:0200", "bugfix", "2026-06-10", ("bash-5.1-3.el9.x86_64.rpm",)),
    rpmfactory.Advisory(
        "RHSA-2026:0050",
        "security",
        "2026-02-03",
        ("curl-7.7-1.el9.x86_64.rpm",),
        severity="Low",
        cves=("CVE-2026-0001",),
        updated="2026-09-01",
    ),
]


@pytest.fixture
def repo(make_rpms, tmp_path):
    make_rpms(BUILDS)
    rpmfactory.createrepo(tmp_path / "mirror", ADVISORIES)
    return tmp_path / "mirror"


def gen(cli, repo, root, *args):
    r = cli("generate", repo, "--os", "el9-x86_64", "--stdout", *args, root=root)
    assert r.exit_code == 0, r.stderr
    return yaml.safe_load(r.stdout), r.stderr


def versions(profile):
    return {(p["name"], p["arch"]): p["version"] for p in profile["packages"]}


def test_load_reads_updateinfo_through_repomd(repo):
    by = advisories.load(repo)
    (a,) = by[("bash", "0", "5.1", "2.el9", "x86_64")]
    assert (a.id, a.type, a.severity, a.issued, a.cves) == (
        "RHSA-2026:0100",
        "security",
        "Important",
        "2026-03-05",
        ("CVE-2026-1111", "CVE-2026-2222"),
    )
    assert advisories.load(repo.parent) is None  # no repodata: no advisories


def test_entries_are_annotated(repo, cli, tmp_path):
    p, _ = gen(cli, repo, tmp_path)
    assert p["advisories"] == "updateinfo"
    bash = next(e for e in p["packages"] if e["name"] == "bash")
    assert bash["version"] == "5.1-3.el9"
    assert bash["advisories"] == [
        {"id": "RHBA-2026:0200", "type": "bugfix", "severity": None, "issued": "2026-06-10", "status": "final"}
    ]
    assert "cves" not in bash  # a bugfix names no CVE
    tz = next(e for e in p["packages"] if e["name"] == "tzdata")
    assert "advisories" not in tz


def test_security_only(repo, cli, tmp_path):
    p, err = gen(cli, repo, tmp_path, "--security-only")
    assert versions(p) == {("bash", "x86_64"): "5.1-2.el9", ("curl", "x86_64"): "7.7-1.el9"}
    bash = next(e for e in p["packages"] if e["name"] == "bash")
    assert bash["cves"] == ["CVE-2026-1111", "CVE-2026-2222"]
    assert p["selection"] == {"security_only": True}
    assert "left out by the selection" in err
    p, _ = gen(cli, repo, tmp_path, "--security-only", "--min-severity", "Important")
    assert versions(p) == {("bash", "x86_64"): "5.1-2.el9"}
    assert p["selection"] == {"security_only": True, "min_severity": "Important"}


@pytest.mark.parametrize(
    "until, field, expected",
    [
        # issued dates: bash-2 on 03-05, curl on 02-03; tzdata (no advisory) by build time 04-01
        ("2026-03-04", "issued", {("bash", "x86_64"): "5.1-1.el9", ("curl", "x86_64"): "7.7-1.el9"}),
        ("2026-03-05", "issued", {("bash", "x86_64"): "5.1-2.el9", ("curl", "x86_64"): "7.7-1.el9"}),
        (
            "2026-04-01",
            "issued",
            {("bash", "x86_64"): "5.1-2.el9", ("curl", "x86_64"): "7.7-1.el9", ("tzdata", "noarch"): "2026a-1.el9"},
        ),
        # the updated date moves curl to 09-01
        ("2026-08-31", "updated", {("bash", "x86_64"): "5.1-3.el9", ("tzdata", "noarch"): "2026a-1.el9"}),
        # build times: bash-2 was built 03-01, before its advisory
        ("2026-03-01", "buildtime", {("bash", "x86_64"): "5.1-2.el9", ("curl", "x86_64"): "7.7-1.el9"}),
    ],
)
def test_until(repo, cli, tmp_path, until, field, expected):
    p, _ = gen(cli, repo, tmp_path, "--until", until, "--date-field", field)
    assert versions(p) == expected
    rule = p["selection"]
    assert rule["until"] == until and rule["date"] == field


@pytest.mark.parametrize(
    "args, said",
    [
        (("--until", "2025-01-01"), "--until 2025-01-01"),
        (("--security-only", "--min-severity", "Critical"), "--security-only --min-severity Critical"),
    ],
)
def test_a_selection_that_selects_nothing_says_so(repo, cli, tmp_path, args, said):
    p, err = gen(cli, repo, tmp_path, *args)
    assert p["packages"] == [] and p["kernels"] == []
    assert f"warning: {repo}: {said} selects none of the " in err and ": the profile lists nothing" in err
    _, err = gen(cli, repo, tmp_path, "--until", "2026-03-05")
    assert "selects none" not in err


def test_until_without_updateinfo_uses_build_time_and_says_so(make_rpms, cli, tmp_path):
    make_rpms(BUILDS)
    p, err = gen(cli, tmp_path / "mirror", tmp_path, "--until", "2026-03-01")
    assert versions(p) == {("bash", "x86_64"): "5.1-2.el9", ("curl", "x86_64"): "7.7-1.el9"}
    assert "no updateinfo" in err and "build time" in err
    assert p["selection"] == {"until": "2026-03-01", "date": "buildtime"}
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "--security-only", root=tmp_path)
    assert r.exit_code == 1 and "updateinfo" in r.stderr


def test_profile_with_advisories_reads_back(repo, cli, tmp_path):
    r = cli("generate", repo, "--os", "el9-x86_64", "--profile", "20261121", root=tmp_path)
    assert r.exit_code == 0
    from errata_tpl.profile import profile

    p = profile.load(tmp_path / "errata/el9-x86_64/20261121.yaml")
    curl = next(e for e in p.packages if e.name == "curl")
    assert curl.advisories[0].id == "RHSA-2026:0050" and curl.advisories[0].cves == ("CVE-2026-0001",)


def test_renamed_package_is_reported_with_its_fix(make_rpms, cli, tmp_path):
    make_rpms(
        [
            "oldname 1-1.el9 x86_64",
            spec("newname 2-1.el9 x86_64", obsoletes=("oldname < 2",), provides=("oldname = 2",)),
        ]
    )
    p, err = gen(cli, tmp_path / "mirror", tmp_path)
    (r,) = p["renamed"]
    assert r["name"] == "newname" and r["obsoletes"].startswith("oldname")
    assert r["actions"] == [
        {"repl": {"name": "newname", "version": "2-1.el9", "arch": "x86_64"}, "if_present": "oldname"},
        {"del": "oldname"},
    ]
    assert "newname obsoletes oldname" in err


def test_versioned_obsoletes_of_a_shipped_package_is_no_rename(make_rpms, cli, tmp_path):
    make_rpms(
        [
            "foo 3-1.el9 x86_64",  # still shipped, newer than the range below
            spec("foo-compat 3-1.el9 x86_64", obsoletes=("foo < 2",)),  # replaces old foo builds only
            "bar 1-1.el9 x86_64",
            spec("bar-ng 2-1.el9 x86_64", obsoletes=("bar",)),  # unversioned: a rename, whatever ships
            spec("baz-ng 2-1.el9 x86_64", obsoletes=("baz < 2",)),  # baz no longer ships: a rename
            spec("qux-ng 2-1.el9 x86_64", obsoletes=("qux <= 1:1",)),  # qux 1.5 ships, but epoch 0 < 1
            "qux 1.5-1.el9 x86_64",
        ]
    )
    p, err = gen(cli, tmp_path / "mirror", tmp_path)
    found = {(r["name"], r["obsoletes"]): r["actions"][1] for r in p["renamed"]}
    assert found == {
        ("bar-ng", "bar"): {"del": "bar"},
        ("baz-ng", "baz < 2"): {"del": "baz"},
        ("qux-ng", "qux <= 1:1"): {"del": "qux"},
    }
    assert "foo-compat obsoletes" not in err
