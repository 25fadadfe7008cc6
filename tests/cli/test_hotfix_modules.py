"""A hotfix from a modular mirror keeps each build's module stream: the newest build
per stream, never across streams, and each node is handed only the builds of its own
active streams (a node on nodejs:18 never gets nodejs:20's build), as dnf offers them."""

import pytest
import rpmfactory
import yaml
from e2e.test_modular_check import BUILDS
from unit.mirror.test_modules import MODULES, N18_1, N20_1

OS = """\
version: el8
arch: x86_64
kernel: {version: 4.18.0-1.el8, packages: []}
packages: [bash, nodejs, npm]
"""
OLD = {"nodejs-18.1-1.module_el8+181.x86_64.rpm", "nodejs-20.1-1.module_el8+201.x86_64.rpm"}


@pytest.fixture
def site(rpm_cache, tmp_path, cli, monkeypatch, site_builder):
    """A profile of the older builds (18.1, 20.1, the OS's 10.0); a mirror with the newer."""
    old, full = tmp_path / "old", tmp_path / "full"
    rpm_cache([b for b in BUILDS if b.filename in OLD or "module" not in b.release], old)
    rpmfactory.createrepo(old, modules=[N18_1, N20_1], module_defaults={"nodejs": "18"})
    rpm_cache(BUILDS, full)
    rpmfactory.createrepo(full, modules=MODULES, module_defaults={"nodejs": "18"})
    root = site_builder.root
    (
        site_builder.os("el8-x86_64", OS)
        .site('deploy_errata: true\nerrata_defaults: {el8: "20261121"}\nhotfixes: [node]\n')
        .node("web01", "os: el8-x86_64\n")  # nodejs:18, the default
        .node("api01", 'os: el8-x86_64\nmodules: {nodejs: "20"}\n')
        .node("old01", "os: el8-x86_64\nmodules: {nodejs: null}\n")  # the OS's nodejs
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    r = cli("generate", old, "--os", "el8-x86_64", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    r = cli("hotfix", full, "--os", "el8-x86_64", "--name", "node", "--package", "nodejs", root=root)
    assert r.exit_code == 0, r.stderr
    return root


def versions(cli, root, node):
    r = cli("resolve", node, root=root)
    assert r.exit_code == 0, r.stderr
    return {p["name"]: (p["version"], p["from"]) for p in yaml.safe_load(r.stdout)["packages"]}


def test_the_hotfix_keeps_module_and_stream(site):
    h = yaml.safe_load((site / "errata/el8-x86_64/hotfix-node.yaml").read_text())
    assert [(e["name"], e["version"]) for e in h["packages"]] == [("nodejs", "10.0-1.el8")]
    assert {(e["version"], e["module"], e["module_context"]) for e in h["modular"]} == {
        ("18.2-1.module_el8+182", "nodejs:18", "a1b2c3d4"),
        ("20.3-1.module_el8+203", "nodejs:20", "e5f6a7b8"),
    }


def test_each_node_gets_its_own_streams_build_only(site, cli):
    assert versions(cli, site, "web01")["nodejs"] == ("18.2-1.module_el8+182", "hotfix:node")
    assert versions(cli, site, "api01")["nodejs"] == ("20.3-1.module_el8+203", "hotfix:node")
    assert versions(cli, site, "old01")["nodejs"] == ("10.0-1.el8", "errata:20261121")  # superseded by the profile


def test_explain_says_why_the_other_streams_build_did_not_apply(site, cli):
    r = cli("explain", "web01", "nodejs", root=site)
    assert r.exit_code == 0, r.stderr
    assert (
        "hotfix:node: nodejs-20.3-1.module_el8+203.x86_64 not applied: "
        "a build of module stream nodejs:20, which is not active here"
    ) in r.stdout
    assert (
        "hotfix:node: nodejs-10.0-1.el8.x86_64 not applied: module stream nodejs:18 is active and ships nodejs"
    ) in r.stdout
