"""A site of EL8 nodes on two nodejs streams: each resolves to its own stream's
newest build, `check` says it installs, and real dnf agrees (the streams enabled
as the resolved list says, then the list installed into an --installroot)."""

import json

import consumers
import pytest
import rpmfactory
import yaml
from sitebuilder import SiteBuilder
from unit.mirror.test_modules import MODULES

from e2e.test_modular_check import BUILDS, dnf

OS = """\
version: el8
arch: x86_64
kernel: {version: 4.18.0-1.el8, packages: []}
packages: [bash, nodejs, npm]
"""


@pytest.fixture
def site(rpm_cache, tmp_path, cli, monkeypatch, site_builder):
    repo = tmp_path / "repo"
    rpm_cache(BUILDS, repo)
    rpmfactory.createrepo(repo, modules=MODULES, module_defaults={"nodejs": "18"})
    root = site_builder.root
    (
        site_builder.os("el8-x86_64", OS)
        .site('deploy_errata: true\nerrata_defaults: {el8: "20261121"}\n')
        .cluster("api", 'modules: {nodejs: "20"}\n')
        .node("web01", "os: el8-x86_64\n")  # the default stream
        .node("api01", "os: el8-x86_64\ncluster: api\n")  # the cluster's stream
        .node("api02", 'os: el8-x86_64\ncluster: api\nmodules: {nodejs: "18"}\n')  # node wins
    )
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


# --- the outputs, applied by their real consumers ------------------------------------------------


def test_dnf_format_enables_the_streams_then_installs(site, cli, tmp_path):
    root, repo = site
    for node in ("web01", "api01"):
        text = cli("resolve", node, "--format", "dnf", root=root).stdout
        installroot, cache = tmp_path / node, tmp_path / "cache"
        # the commands the header gives, run as written (only pointed at the installroot)
        for line in text.splitlines():
            if line.startswith("#   dnf -y module "):
                consumers.dnf(installroot, [repo], cache, *line.split()[3:])
        consumers.dnf(installroot, [repo], cache, "install", *consumers.body(text))
        assert consumers.same_set(consumers.installed(installroot), resolved(cli, root, node)["packages"])
    assert "nodejs-20.3-1.module_el8+203.x86_64" in consumers.installed(tmp_path / "api01")


def test_kickstart_enables_the_streams(site, cli, tmp_path):
    root, repo = site
    text = cli("resolve", "api01", "--format", "kickstart", root=root).stdout
    assert "module --name=nodejs --stream=20\n%packages\n" in text
    ks = tmp_path / "api01.ks"
    ks.write_text(text)
    consumers.run([consumers.tool("ksvalidator"), "-v", "RHEL8", str(ks)])
    script = (
        "import json, sys\n"
        "from pykickstart.parser import KickstartParser\n"
        "from pykickstart.version import makeVersion, RHEL8\n"
        "h = makeVersion(RHEL8)\n"
        "KickstartParser(h).readKickstart(sys.argv[1])\n"
        "print(json.dumps([[m.name, m.stream, m.enable] for m in h.module.dataList()] + [h.packages.packageList]))\n"
    )
    *mods, packages = json.loads(consumers.run([consumers.tool("python"), "-c", script, str(ks)]).stdout)
    assert mods == [["nodejs", "20", True]]
    # what anaconda then does: the streams enabled, %packages in one transaction
    installroot, cache = tmp_path / "installroot", tmp_path / "cache"
    consumers.dnf(installroot, [repo], cache, "module", "enable", "nodejs:20")
    consumers.dnf(installroot, [repo], cache, "install", *packages)
    assert consumers.same_set(consumers.installed(installroot), resolved(cli, root, "api01")["packages"])


def test_ansible_recipe_enables_the_streams(site, cli, tmp_path):
    root, repo = site
    for node in ("api01", "web01"):
        installroot = tmp_path / node
        text = cli("resolve", node, "--format", "ansible", root=root).stdout
        consumers.ansible_recipe(
            tmp_path, [repo], installroot, text, releasever="8", dnf_main="module_platform_id=platform:el8\n"
        )
        assert consumers.same_set(consumers.installed(installroot), resolved(cli, root, node)["packages"]), node


def test_missing_cves_follow_the_node_streams(tmp_path, cli):
    root = tmp_path / "tree"
    (
        SiteBuilder(root)
        .os("el8-x86_64", OS)
        .site('deploy_errata: true\nerrata_defaults: {el8: "20261001"}\n')
        .node("web01", "os: el8-x86_64\n")
        .node("api01", 'os: el8-x86_64\nmodules: {nodejs: "20"}\n')
    )
    head = 'os: el8-x86_64\ngenerated: "2026-10-01T00:00:00Z"\nsource: m\n'
    head += 'modules:\n  nodejs: {default: "18", streams: {"18": [nodejs], "20": [nodejs]}}\n'
    head += "packages: []\nkernels: []\nkernel_named: []\n"
    (root / "errata/el8-x86_64").mkdir(parents=True)
    (root / "errata/el8-x86_64/20261001.yaml").write_text(
        'profile: "20261001"\n' + head + "modular:\n"
        '  - {name: nodejs, version: 18.1-1.m, arch: x86_64, module: "nodejs:18"}\n'
        '  - {name: nodejs, version: 20.3-1.m, arch: x86_64, module: "nodejs:20"}\n'
    )
    advisory = '[{id: RHSA-2026:1818, type: security, severity: Important, issued: "2026-11-01"}]'
    (root / "errata/el8-x86_64/20261121.yaml").write_text(
        'profile: "20261121"\n' + head + "modular:\n"
        '  - {name: nodejs, version: 18.2-1.m, arch: x86_64, module: "nodejs:18",'
        f" advisories: {advisory}, cves: [CVE-2026-1818]}}\n"
        '  - {name: nodejs, version: 20.3-1.m, arch: x86_64, module: "nodejs:20"}\n'
    )
    r = cli("explain", "web01", "nodejs", root=root)
    assert "missing: profile 20261121 has nodejs-18.2-1.m.x86_64" in r.stdout, r.stdout
    r = cli("explain", "api01", "nodejs", root=root)
    assert "missing:" not in r.stdout  # stream 18's fix is not for a node on stream 20
