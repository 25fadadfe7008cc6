"""A site of EL8 nodes on two nodejs streams: each resolves to its own stream's
newest build, `check` says it installs, and real dnf agrees (the streams enabled
as the resolved list says, then the list installed into an --installroot)."""

import json

import pytest
import rpmfactory
import yaml
from test_modular_check import BUILDS, dnf
from test_modules import MODULES

OS = """\
version: el8
arch: x86_64
kernel: {version: 4.18.0-1.el8, packages: []}
packages: [bash, nodejs, npm]
"""


@pytest.fixture
def site(rpm_cache, tmp_path, cli, monkeypatch):
    repo = tmp_path / "repo"
    rpm_cache(BUILDS, repo)
    rpmfactory.createrepo(repo, modules=MODULES, module_defaults={"nodejs": "18"})
    root = tmp_path / "root"
    (root / "os/el8-x86_64").mkdir(parents=True)
    (root / "os/el8-x86_64/os.yaml").write_text(OS)
    (root / "site/nodes").mkdir(parents=True)
    (root / "site/clusters").mkdir(parents=True)
    (root / "site/site.yaml").write_text('deploy_errata: true\nerrata_defaults: {el8: "20261121"}\n')
    (root / "site/clusters/api.yaml").write_text('modules: {nodejs: "20"}\n')
    (root / "site/nodes/web01.yaml").write_text("os: el8-x86_64\n")  # the default stream
    (root / "site/nodes/api01.yaml").write_text("os: el8-x86_64\ncluster: api\n")  # the cluster's stream
    (root / "site/nodes/api02.yaml").write_text('os: el8-x86_64\ncluster: api\nmodules: {nodejs: "18"}\n')  # node wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    r = cli("generate", repo, "--os", "el8-x86_64", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    return root, repo


def resolved(cli, root, node):
    r = cli("resolve", node, root=root)
    assert r.exit_code == 0, r.stderr
    return yaml.safe_load(r.stdout)


def versions(data):
    return {p["name"]: p["version"] for p in data["packages"]}


def test_each_node_gets_its_own_streams_newest_build(site, cli):
    root, _ = site
    web, api, api2 = (resolved(cli, root, n) for n in ("web01", "api01", "api02"))
    assert versions(web) == {"bash": "5.1-1.el8", "nodejs": "18.2-1.module_el8+182", "npm": "9.5-1.module_el8+182"}
    assert versions(api) == {"bash": "5.1-1.el8", "nodejs": "20.3-1.module_el8+203", "npm": "10.2-1.module_el8+203"}
    assert versions(api2) == versions(web)
    assert web["modules"] == {"nodejs": "18"} and api["modules"] == {"nodejs": "20"}
    assert next(p for p in api["packages"] if p["name"] == "nodejs")["from"] == "errata:20261121"


def test_explain_names_the_stream_and_why_the_other_did_not_apply(site, cli):
    root, _ = site
    r = cli("explain", "api01", "nodejs", root=root)
    assert r.exit_code == 0, r.stderr
    assert "nodejs:20 (set by cluster)" in r.stdout
    assert "nodejs-18.2-1.module_el8+182.x86_64 of module stream nodejs:18: stream nodejs:20 is active" in r.stdout
    assert "nodejs-10.0-1.el8.x86_64 (not modular): module stream nodejs:20 is active" in r.stdout


def test_check_and_dnf_agree(site, cli, tmp_path):
    root, repo = site
    r = cli("check", "--all", "--repo", repo, "--format", "json", root=root)
    assert r.exit_code == 0, r.stdout
    out = json.loads(r.stdout)
    assert out["api01"]["module_streams"] == {"nodejs": "20"} and out["web01"]["module_streams"] == {"nodejs": "18"}
    for node in ("web01", "api01"):
        data = resolved(cli, root, node)
        dnf_lines = cli("resolve", node, "--format", "dnf", root=root).stdout.splitlines()
        installroot, cache = tmp_path / node, tmp_path / "dnf-cache"
        for name, stream in data["modules"].items():
            p = dnf(installroot, repo, cache, "module", "enable", f"{name}:{stream}")
            assert p.returncode == 0, p.stderr
        p = dnf(installroot, repo, cache, "install", *[x for x in dnf_lines if x and not x.startswith("#")])
        assert p.returncode == 0, p.stderr
