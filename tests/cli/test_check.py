"""`check`: libsolv solves each node's list against real repositories of RPMs that
really require, conflict and obsolete."""

import json

import pytest
import rpmfactory
from conftest import errata_tpl, spec
from sitebuilder import SiteBuilder

REPO = [
    spec("libx 1.0-1.el9 x86_64", provides=("libx(abi) = 1",)),
    spec("libx 2.0-1.el9 x86_64", provides=("libx(abi) = 2",)),
    spec("app 1.0-1.el9 x86_64", requires=("libx(abi) >= 1",)),
    spec("app 2.0-1.el9 x86_64", requires=("libx(abi) >= 2",)),  # the errata build needs the newer library
    spec("foo 1-1.el9 x86_64", conflicts=("bar",)),
    spec("bar 1-1.el9 x86_64"),
    spec("oldname 1-1.el9 x86_64"),
    spec("newname 2-1.el9 x86_64", obsoletes=("oldname < 2",), provides=("oldname = 2",)),
    spec("kernel 5.14.0-1.el9 x86_64", provides=("installonlypkg(kernel)",)),
    spec("kernel 5.14.0-2.el9 x86_64", provides=("installonlypkg(kernel)",)),
    spec("tools 1-1.el9 noarch", requires=("helper",)),
    spec("helper 1-1.el9 noarch"),
]

OS = """\
version: el9
arch: x86_64
kernel: {version: 5.14.0-2.el9, packages: [kernel]}
packages:
  - app-1.0-1.el9.x86_64
  - libx-1.0-1.el9.x86_64
"""


@pytest.fixture
def site(make_rpms, tmp_path, cli, monkeypatch, site_builder):
    repo = tmp_path / "repo"
    make_rpms(REPO, dest=repo)
    rpmfactory.createrepo(repo)
    root = site_builder.root
    site_builder.os("el9-x86_64", OS).site('deploy_errata: true\nerrata_defaults: {el9: "20261121"}\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    assert cli("generate", repo, "--os", "el9-x86_64", "--profile", "20261121", root=root).exit_code == 0
    return root, repo


def node(root, name, text):
    SiteBuilder(root).node(name, "os: el9-x86_64\n" + text)


def check(cli, root, repo, *nodes):
    r = cli("check", *nodes, "--repo", repo, "--format", "json", root=root)
    return r.exit_code, json.loads(r.stdout)


def test_clean_list_passes_with_two_kernels(site, cli):
    root, repo = site
    node(root, "ok", "running_kernel: 5.14.0-1.el9\n")
    rc, out = check(cli, root, repo, "ok")
    assert rc == 0 and out["ok"]["ok"] and out["ok"]["problems"] == []


def test_errata_package_needing_a_library_the_list_holds_back(site, cli):
    root, repo = site
    # the fix hook pins libx back; app's errata build needs libx 2
    (root / "errata/el9-x86_64/20261121-fix.yaml").write_text(
        "actions:\n  - repl: {name: libx, version: 1.0-1.el9, arch: x86_64}\n"
    )
    node(root, "held", "")
    rc, out = check(cli, root, repo, "held")
    assert rc == 1
    problems = out["held"]["problems"]
    assert any("app-2.0-1.el9.x86_64" in p["text"] and "libx(abi) >= 2" in p["text"] for p in problems)
    assert {"repl": {"name": "libx", "version": "2.0-1.el9", "arch": "x86_64"}} in [p["fix"] for p in problems]


def test_conflict_and_rename(site, cli):
    root, repo = site
    node(root, "clash", "packages: [foo, bar]\n")
    node(root, "renamed", "packages: [oldname-1-1.el9.x86_64, newname]\n")
    rc, out = check(cli, root, repo, "clash", "renamed")
    assert rc == 1
    assert any("conflicts with" in p["text"] and p["fix"] == {"del": "bar"} for p in out["clash"]["problems"])
    assert any("obsoletes" in p["text"] and p["fix"] == {"del": "oldname"} for p in out["renamed"]["problems"])


def test_missing_from_repositories_and_pulled_in(site, cli):
    root, repo = site
    node(root, "ghost", "packages: [ghost-1-1.el9.x86_64, {name: libx, version: 9-9, arch: x86_64}]\n")
    node(root, "deps", "packages: [tools]\n")
    rc, out = check(cli, root, repo, "ghost", "deps")
    assert rc == 1
    texts = {p["text"]: p["fix"] for p in out["ghost"]["problems"]}
    assert texts["ghost-1-1.el9.x86_64 is in no repository"] == {"del": "ghost"}
    assert texts["libx-9-9.x86_64 is in no repository"] == {
        "repl": {"name": "libx", "version": "2.0-1.el9", "arch": "x86_64"}
    }
    assert out["deps"]["ok"] and out["deps"]["pulled_in"] == ["helper-1-1.el9.noarch"]


def test_text_output_and_shared_lists(site, cli):
    root, repo = site
    for n in ("a", "b", "c"):
        node(root, n, "")
    r = cli("check", "--all", "--repo", repo, root=root)
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-1] == "3 nodes: 3 ok, 0 with problems"


def test_usage(site, cli, tmp_path):
    root, repo = site
    assert cli("check", "--repo", repo, root=root).exit_code == 2
    node(root, "a", "")
    r = cli("check", "a", "--repo", tmp_path, root=root)
    assert r.exit_code == 1 and "no repodata/repomd.xml" in r.stderr


THREE_BUILDS = ["bash 5.1.8-6.el9_1 x86_64", "bash 5.1.8-9.el9 x86_64", "zsh 5.8-9.el9 x86_64"]


def test_no_createrepo_critical_line_before_our_message(example_root, make_rpms, tmp_path):
    make_rpms(THREE_BUILDS)
    (tmp_path / "mirror/repodata").mkdir()
    (tmp_path / "mirror/repodata/repomd.xml").write_text("<repomd><data type=\n")
    repomd = tmp_path / "mirror/repodata/repomd.xml"
    r = errata_tpl(example_root, "check", "wn-001.example.org", "--repo", f"el9-x86_64={tmp_path / 'mirror'}")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"errata-tpl: error: {repomd}: unreadable repository metadata: Parse error")
    r = errata_tpl(example_root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and f"error: {repomd}: " in r.stderr, r.stderr
