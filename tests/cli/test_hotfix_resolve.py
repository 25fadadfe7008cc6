"""Hotfixes and stages in the resolver, on the example site: the overlay after the
dated profile (held-back nodes too), superseded where the profile has it, the
stage's profile between the override file and errata_defaults."""

import json

import pytest
import yaml

NEW = "1:3.0.7-24.el9"


@pytest.fixture
def site(example_root):
    # the committed hotfix of the example: EXSA-2026:1002's openssl-libs
    assert (example_root / "errata/el9-x86_64/hotfix-openssl-urgent.yaml").is_file()
    return example_root


def add(root, node, text):
    path = root / "site/nodes" / f"{node}.yaml"
    path.write_text(path.read_text() + text)


def resolve(cli, root, node):
    r = cli("resolve", node, "--format", "json", root=root)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def pkgs(doc):
    return {(p["name"], p["arch"]): (p["version"], p["from"]) for p in doc["packages"]}


def test_older_profile_gets_the_fix_and_nothing_else(cli, site):
    before = resolve(cli, site, "wn-051.example.org")
    add(site, "wn-051.example.org", "hotfixes: [openssl-urgent]\n")
    after = resolve(cli, site, "wn-051.example.org")
    assert before["errata"] == after["errata"] == "20261001"
    b, a = pkgs(before), pkgs(after)
    assert b[("openssl-libs", "x86_64")] == ("1:3.0.7-18.el9_2", "os")  # the profile has the same
    assert a[("openssl-libs", "x86_64")] == (NEW, "hotfix:openssl-urgent")
    assert {k: v for k, v in a.items() if k[0] != "openssl-libs"} == {
        k: v for k, v in b.items() if k[0] != "openssl-libs"
    }
    text = cli("explain", "wn-051.example.org", "openssl-libs", root=site).stdout
    assert "hotfix: openssl-urgent: applied openssl-libs-1:3.0.7-24.el9.x86_64" in text
    assert "result: openssl-libs-1:3.0.7-24.el9.x86_64 (from hotfix:openssl-urgent)" in text
    assert "advisories: EXSA-2026:1002 security Critical" in text


def test_superseded_where_the_profile_has_it(cli, site):
    before = resolve(cli, site, "wn-001.example.org")
    add(site, "wn-001.example.org", "hotfixes: [openssl-urgent]\n")
    assert resolve(cli, site, "wn-001.example.org") == before
    text = cli("explain", "wn-001.example.org", "openssl-libs", root=site).stdout
    assert "hotfix:openssl-urgent: openssl-libs-1:3.0.7-24.el9.x86_64 superseded by errata:20261121" in text
    rows = {line.split()[0]: line.split() for line in cli("status", "--wide", root=site).stdout.splitlines()[1:]}
    assert rows["wn-001.example.org"][10] == "openssl-urgent(superseded)"
    assert rows["wn-051.example.org"][10] == "-"


def test_never_lowers_a_node_pin(cli, site):
    add(site, "wn-052.example.org", "  - openssl-libs-1:3.0.7-30.el9.x86_64\nhotfixes: [openssl-urgent]\n")
    doc = resolve(cli, site, "wn-052.example.org")
    assert pkgs(doc)[("openssl-libs", "x86_64")] == ("1:3.0.7-30.el9", "node")


def test_held_back_node_gets_it_deploy_off_does_not(cli, site):
    # db-01: the override file holds it back (null); ui-01: deploy_errata false. Resolved
    # one by one: the site's list names an el9 hotfix, which the el8 nodes do not have.
    (site / "site/site.yaml").write_text((site / "site/site.yaml").read_text() + "hotfixes: [openssl-urgent]\n")
    db = resolve(cli, site, "db-01.example.org")
    assert db["errata"] is None and db["errata_from"] == "override"
    assert pkgs(db)[("openssl-libs", "x86_64")] == (NEW, "hotfix:openssl-urgent")
    ui = resolve(cli, site, "ui-01.example.org")
    assert pkgs(ui)[("openssl-libs", "x86_64")][1] != "hotfix:openssl-urgent"


def test_missing_hotfix_names_node_and_key(cli, site):
    (site / "site/site.yaml").write_text((site / "site/site.yaml").read_text() + "hotfixes: [openssl-urgent]\n")
    r = cli("resolve", "st-01.example.org", root=site)  # el8: there is no such hotfix for it
    assert r.exit_code == 1
    assert r.stderr == (
        "errata-tpl: error: site/site.yaml: key 'hotfixes': node st-01.example.org: hotfix 'openssl-urgent' "
        "does not exist (no errata/el8-x86_64/hotfix-openssl-urgent.yaml)\n"
    )
    add(site, "wn-051.example.org", "hotfixes: [../x]\n")
    r = cli("resolve", "wn-051.example.org", root=site)
    assert r.exit_code == 1 and "site/nodes/wn-051.example.org.yaml: key 'hotfixes[0]': bad hotfix name" in r.stderr


def test_layers_add_up(cli, site):
    hf = site / "errata/el9-x86_64/hotfix-openssl-urgent.yaml"
    other = yaml.safe_load(hf.read_text())
    other["name"], other["packages"] = "tz", [{"name": "tzdata", "version": "2024a-1.el9", "arch": "noarch"}]
    (site / "errata/el9-x86_64/hotfix-tz.yaml").write_text(yaml.safe_dump(other))
    (site / "site/clusters/compute.yaml").write_text(
        (site / "site/clusters/compute.yaml").read_text() + "hotfixes: [tz]\n"
    )
    add(site, "wn-051.example.org", "hotfixes: [openssl-urgent, tz]\n")
    got = pkgs(resolve(cli, site, "wn-051.example.org"))
    assert got[("openssl-libs", "x86_64")] == (NEW, "hotfix:openssl-urgent")
    assert got[("tzdata", "noarch")] == ("2024a-1.el9", "hotfix:tz")
    rows = {line.split()[0]: line.split() for line in cli("status", "--wide", root=site).stdout.splitlines()[1:]}
    assert rows["wn-051.example.org"][10] == "tz,openssl-urgent"  # cluster's list first, each once
    assert rows["wn-052.example.org"][10] == "tz"


def test_diff_node_hotfix(cli, site):
    r = cli("diff", "wn-052.example.org", "--hotfix", "openssl-urgent", "--format", "json", root=site)
    d = json.loads(r.stdout)
    assert d["summary"] == {"upgraded": 1, "downgraded": 0, "added": 0, "removed": 0} | {
        k: v for k, v in d["summary"].items() if k not in ("upgraded", "downgraded", "added", "removed")
    }
    (c,) = d["upgraded"]
    assert (c["name"], c["to"], c["cves"]) == ("openssl-libs", NEW, ["CVE-2026-10002", "CVE-2026-10003"])
    r = cli("diff", "wn-052.example.org", "--hotfix", "nope", root=site)
    assert r.exit_code == 1 and "hotfix 'nope' does not exist" in r.stderr


# --- the stage in the errata choice ---------------------------------------------------------


def promoted(root, *records):
    lines = [
        f"- {{profile: '{p}', os: {o}, stage: {s}, time: '2026-11-2{i}T06:00:00Z', by: x}}\n"
        for i, (p, o, s) in enumerate(records)
    ]
    (root / "site/promotions.yaml").write_text("".join(lines))


def test_stage_between_override_and_defaults(cli, site):
    promoted(site, ("20261121", "el9-x86_64", "canary"), ("20261001", "el9-x86_64", "compute"))
    wn051 = resolve(cli, site, "wn-051.example.org")  # canary; errata_defaults would say 20261001
    assert (wn051["errata"], wn051["errata_from"]) == ("20261121", "stage:canary")
    wn001 = resolve(cli, site, "wn-001.example.org")  # compute, but the override file comes first
    assert (wn001["errata"], wn001["errata_from"]) == ("20261121", "override")
    wn062 = resolve(cli, site, "wn-062.example.org")  # compute, no override: the stage's profile
    assert (wn062["errata"], wn062["errata_from"]) == ("20261001", "stage:compute")
    st01 = resolve(cli, site, "st-01.example.org")  # stage 'all' has no profile for el8: defaults
    assert st01["errata_from"] == "os-id"
    add(site, "wn-052.example.org", "errata: '20261001'\n")  # the node file comes before the stage
    assert resolve(cli, site, "wn-052.example.org")["errata_from"] == "node"
    ui = resolve(cli, site, "ui-01.example.org")  # deploy off: no stage
    assert ui["errata_from"] == "deploy-off"
    # the latest record is the stage's current profile
    promoted(site, ("20261121", "el9-x86_64", "canary"), ("20261001", "el9-x86_64", "canary"))
    assert resolve(cli, site, "wn-051.example.org")["errata"] == "20261001"
    text = cli("explain", "wn-051.example.org", "bash", root=site).stdout
    assert (
        "errata: 20261001 (stage:canary: site/promotions.yaml: canary for el9-x86_64 since 2026-11-21T06:00:00Z by x)"
        in text
    )


def test_promoted_profile_missing_is_an_error(cli, site):
    promoted(site, ("20300101", "el9-x86_64", "canary"))
    r = cli("resolve", "wn-051.example.org", root=site)
    # the record names a profile the site lacks: an error naming the record, in every reader
    assert r.exit_code == 1 and r.stderr == (
        "errata-tpl: error: site/promotions.yaml: record [0] (20300101 to canary for el9-x86_64): "
        "no profile errata/el9-x86_64/20300101.yaml\n"
    )


def test_resolved_result_carries_stage_and_hotfixes(site):
    from errata_tpl.resolve.resolver import Resolver
    from errata_tpl.site.tree import Tree

    add(site, "wn-001.example.org", "hotfixes: [openssl-urgent]\n")
    r = Resolver(Tree(site)).resolve("wn-001.example.org")
    assert r.stage == "compute"
    (o,) = r.hotfixes
    assert o.as_dict() == {
        "name": "openssl-urgent",
        "applied": [],
        "superseded": [{"package": "openssl-libs-1:3.0.7-24.el9.x86_64", "by": "errata:20261121"}],
    }
