"""Stages and `promote`: soak, check (real libsolv over the example mirror), refusal,
and the append-only record; `stages` shows where each profile stands."""

import hashlib

import pytest
import yaml
from conftest import REPO

DAY = 86400
T0 = 1795500000  # 2026-11-24T06:00:00Z
EL9 = str(REPO / "examples/mirror/el9")


@pytest.fixture
def site(example_root, monkeypatch):
    monkeypatch.setenv("LOGNAME", "carol")
    return example_root


def promote(cli, root, monkeypatch, at, *args, repo=EL9):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(at))
    extra = ("--repo", repo) if repo else ()
    return cli("promote", *args, *extra, root=root)


def records(root):
    path = root / "site/promotions.yaml"
    return yaml.safe_load(path.read_text()) if path.is_file() else None


def test_through_canary_to_all_with_soak_refusals_and_records(cli, site, monkeypatch):
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", "--note", "go")
    assert r.exit_code == 0, r.output
    (rec,) = records(site)
    assert rec == {
        "type": "promotion",
        "profile": "20261121",
        # the profile's bytes as promote read them: what the record binds
        "profile_sha256": hashlib.sha256((site / "errata/el9-x86_64/20261121.yaml").read_bytes()).hexdigest(),
        "os": "el9-x86_64",
        "stage": "canary",
        "time": "2026-11-24T06:00:00Z",
        "clock": "pinned",  # SOURCE_DATE_EPOCH's time
        "by": "carol",  # the login name
        "note": "go",
        "forced": False,
        "nodes": ["wn-051.example.org", "wn-052.example.org"],
        "packages_changed": rec["packages_changed"],
        "cves_fixed": rec["cves_fixed"],
        "check": "ok",
        "rollback": False,
        "prev": "0" * 64,  # the first record of the file
    }
    assert rec["packages_changed"] >= 5 and "CVE-2026-10002" in rec["cves_fixed"]  # openssl-libs among them

    # a day later: compute asks for two days at canary
    before = (site / "site/promotions.yaml").read_bytes()
    r = promote(cli, site, monkeypatch, T0 + DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute")
    assert r.exit_code == 1
    assert "has been at canary for 1d of the 2d soak compute asks" in r.stderr
    assert "ready at 2026-11-26T06:00:00Z" in r.stderr
    assert (site / "site/promotions.yaml").read_bytes() == before  # nothing written

    # all before compute: never there
    r = promote(cli, site, monkeypatch, T0 + 9 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "all")
    assert r.exit_code == 1 and "never been promoted to compute" in r.stderr

    r = promote(
        cli, site, monkeypatch, T0 + 2 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute", "--by", "dave"
    )
    assert r.exit_code == 0, r.output
    # forced past the soak: done, and the record says so
    r = promote(cli, site, monkeypatch, T0 + 3 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "all", "--force")
    assert r.exit_code == 0, r.output
    recs = records(site)
    assert [(x["stage"], x["by"]) for x in recs] == [("canary", "carol"), ("compute", "dave"), ("all", "carol")]
    assert recs[1]["forced"] is False and recs[1]["nodes"] == [
        "wn-001.example.org",
        "wn-002.example.org",
        "wn-011.example.org",
        "wn-012.example.org",
        "wn-061.example.org",
        "wn-062.example.org",
    ]
    assert recs[2]["forced"] == [
        "20261121 has been at compute for 1d of the 3d soak all asks "
        "(since 2026-11-26T06:00:00Z; ready at 2026-11-29T06:00:00Z)"
    ]
    # the file is rewritten whole in one form: the earlier records' text stays as it was
    assert (site / "site/promotions.yaml").read_bytes().startswith(before)

    # the same again: already there
    r = promote(cli, site, monkeypatch, T0 + 9 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "all")
    assert r.exit_code == 1 and "already the current profile of all" in r.stderr

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 3 * DAY + 3600))
    out = cli("stages", root=site).stdout.splitlines()
    rows = {tuple(line.split()[:2]): line.split() for line in out[1:]}
    assert rows[("el9-x86_64", "all")][4:7] == ["20261121", "2026-11-27T06:00:00Z", "carol"]
    assert rows[("el9-x86_64", "canary")][2] == "2"


def test_check_problems_refuse_unless_forced(cli, site, monkeypatch):
    # a canary node pinning a build no repository has: libsolv cannot install its list
    path = site / "site/nodes/wn-051.example.org.yaml"
    path.write_text(path.read_text() + "packages: [bash-9.9-1.el9.x86_64]\n")
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary")
    assert r.exit_code == 1
    assert "check: wn-051.example.org: bash-9.9-1.el9.x86_64 is in no repository" in r.stderr
    assert "refused: check: 1 problems on the stage's nodes" in r.stderr and records(site) is None
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", "--force")
    assert r.exit_code == 0
    (rec,) = records(site)
    assert rec["check"] == "1 problems" and rec["forced"] == ["check: 1 problems on the stage's nodes (shown above)"]


def test_repos_from_stages_yaml_or_refused(cli, site, monkeypatch):
    text = (site / "site/stages.yaml").read_text()
    (site / "site/stages.yaml").write_text(text.split("repos:")[0])
    site_yaml = (site / "site/site.yaml").read_text()
    (site / "site/site.yaml").write_text(site_yaml.split("repos:")[0])
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", repo=None)
    assert r.exit_code == 1 and "no repositories to check against" in r.stderr
    # site.yaml's repos (what check uses) when stages.yaml has none
    (site / "site/site.yaml").write_text(site_yaml.split("repos:")[0] + f"repos: {{el9-x86_64: [{EL9}]}}\n")
    r = promote(
        cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", "--dry-run", repo=None
    )
    assert "no repositories to check against" not in r.output, r.output
    (site / "site/stages.yaml").write_text(text.split("repos:")[0] + f"repos: {{el9-x86_64: [{EL9}]}}\n")
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", repo=None)
    assert r.exit_code == 0, r.output
    assert records(site)[0]["check"] == "ok"


@pytest.mark.parametrize(
    "args, words",
    [
        (("20301231", "--os", "el9-x86_64", "--stage", "canary"), "no profile 20301231 for el9-x86_64"),
        (("20261121", "--os", "el9-x86_64", "--stage", "nope"), "no stage 'nope' (stages: canary, compute, all)"),
        (("2026", "--os", "el9-x86_64", "--stage", "canary"), "bad profile name"),
    ],
)
def test_user_errors(cli, site, monkeypatch, args, words):
    r = promote(cli, site, monkeypatch, T0, *args)
    assert r.exit_code == 1 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_damaged_record_is_an_error_not_overwritten(cli, site, monkeypatch):
    (site / "site/promotions.yaml").write_text("- {profile: '20261121', os: el9-x86_64}\n")
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary")
    assert r.exit_code == 1 and "site/promotions.yaml: record [0]: key 'stage': bad node name None" in r.stderr
    assert (site / "site/promotions.yaml").read_text() == "- {profile: '20261121', os: el9-x86_64}\n"


# --- promote --dry-run, rollbacks, stages without nodes (issue 20) ----------------------------


def test_dry_run_shows_the_stages_diff_and_refusals_and_writes_nothing(cli, site, monkeypatch):
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", "--dry-run")
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    assert out[0] == "dry run: 20261121 -> canary (el9-x86_64); nothing written"
    assert out[1] == "replaces: nothing (no el9-x86_64 profile at canary yet)"
    assert out[2] == "nodes: 2 (wn-051.example.org, wn-052.example.org)"
    assert "wn-051.example.org: 20261001 -> 20261121" in out and "wn-052.example.org: 20261001 -> 20261121" in out
    openssl = next(line for line in out if "openssl-libs.x86_64" in line)
    assert openssl.split()[0] == "upgraded" and "CVE-2026-10002" in openssl
    assert any(line.strip().startswith("kernel ") and "reboot needed" in line for line in out), out
    assert out[-2].endswith("CVEs fixed, 2 nodes must reboot, check ok") and out[-1] == "would promote"
    assert not (site / "site/promotions.yaml").exists()
    # the same as the record the promotion then writes
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary")
    (rec,) = records(site)
    assert out[-2].startswith(f"{rec['packages_changed']} packages changed, {len(rec['cves_fixed'])} CVEs fixed")
    before = (site / "site/promotions.yaml").read_bytes()
    # refusals: listed, rc 1, nothing written
    r = promote(cli, site, monkeypatch, T0 + DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute", "--dry-run")
    assert r.exit_code == 1
    assert "refused: 20261121 has been at canary for 1d of the 2d soak compute asks" in r.stdout
    assert r.stdout.splitlines()[-1] == "would be refused (--force overrides)"
    assert "wn-062.example.org: 20261001 -> 20261121" in r.stdout  # wn-001, 002 keep their override
    r = promote(
        cli, site, monkeypatch, T0 + DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute", "--dry-run", "--force"
    )
    assert r.exit_code == 0 and r.stdout.splitlines()[-1] == "would promote (--force)"
    assert (site / "site/promotions.yaml").read_bytes() == before


def test_an_older_profile_is_a_rollback(cli, site, monkeypatch):
    assert promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary").exit_code == 0
    r = promote(cli, site, monkeypatch, T0 + DAY, "20261001", "--os", "el9-x86_64", "--stage", "canary", "--dry-run")
    assert "rollback: 20261001 is older than 20261121, the stage's current profile" in r.stdout
    r = promote(cli, site, monkeypatch, T0 + DAY, "20261001", "--os", "el9-x86_64", "--stage", "canary")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("rollback: 20261001 (older than 20261121) -> canary (el9-x86_64)")
    assert [x["rollback"] for x in records(site)] == [False, True]


def test_a_stage_without_nodes_is_refused_and_warned(cli, site, monkeypatch):
    path = site / "site/stages.yaml"
    path.write_text(path.read_text().replace('["wn-05*"]', '["wn-5*"]'))  # a typo: matches no node
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary")
    assert r.exit_code == 1 and records(site) is None
    assert "no el9-x86_64 node is in stage canary (its globs: wn-5*): a stage without nodes tests nothing" in r.stderr
    warning = "warning: site/stages.yaml: stage 'canary' has no node: its globs (wn-5*): they match no node"
    assert warning in r.stderr
    for args in (("resolve", "wn-001.example.org"), ("stages",), ("status",), ("report", "--format", "json")):
        assert cli(*args, root=site).stderr.count(warning) == 1, args
    r = promote(cli, site, monkeypatch, T0, "20261121", "--os", "el9-x86_64", "--stage", "canary", "--force")
    assert r.exit_code == 0, r.output
    (rec,) = records(site)
    assert rec["nodes"] == [] and rec["check"] == "no nodes"
    assert rec["forced"] == [
        "no el9-x86_64 node is in stage canary (its globs: wn-5*): a stage without nodes tests nothing"
    ]
    # a stage whose globs match only nodes an earlier stage takes
    path.write_text(path.read_text().replace('["wn-5*"]', '["*"]'))
    r = cli("stages", root=site)
    assert "stage 'compute' has no node: its globs (wn-*): earlier stages take every node they match" in r.stderr
