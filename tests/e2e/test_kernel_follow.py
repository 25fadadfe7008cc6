"""kernel: {follow: profile}: a node's kernel is the newest kernel build of its profile (or
of a hotfix it gets), from real RPMs through generate and hotfix; a pin or an init hook
still wins, the running kernel is kept, and dnf installs the list."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import rpmfactory
from click.testing import CliRunner
from consumers import body, dnf, installed
from sitebuilder import SiteBuilder

from errata_tpl.cli import main

K1, K2, K3, K4 = (f"5.14.0-362.{n}.el9_3" for n in ("8.1", "13.1", "18.1", "24.1"))
NAMES = ("kernel", "kernel-core", "kernel-modules")


def kernel(version: str) -> list[rpmfactory.Spec]:
    return [
        rpmfactory.Spec(n, *version.rsplit("-", 1), "x86_64", provides=rpmfactory.kernel_provides(n)) for n in NAMES
    ]


BASH = [rpmfactory.parse_nevra_line("bash 5.1.8-6.el9_1 x86_64")]
OS = f"""\
version: el9
arch: x86_64
kernel: {{version: {K1}, packages: [kernel, kernel-core, kernel-modules]}}
installonly: [kernel, kernel-core, kernel-modules]
packages: [bash]
"""
SITE = 'deploy_errata: true\nerrata_defaults: {el9: "20261121"}\nkernel: {follow: profile}\n'
OVERRIDES = 'old: "20261001"\nheld: null\n'
NODES = {
    "new": f"running_kernel: {K1}\n",  # booted on the release kernel
    "old": "",
    "pinned": f"kernel_version: {K1}\n",
    "off": "kernel: {follow: none}\n",
    "urgent": "hotfixes: [kernel-urgent]\n",
    "held": "hotfixes: [kernel-urgent]\n",
}


def invoke(root: Path, *args: str) -> str:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795240800")
    r = CliRunner(env=env).invoke(main, ["--root", str(root), "-q", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def made(rpm_cache, tmp_path_factory) -> Path:
    """Mirrors and a site whose profiles and hotfix are made from them; tests copy it."""
    base = tmp_path_factory.mktemp("follow")
    for name, specs in (
        ("old", BASH + kernel(K1) + kernel(K2)),
        ("new", BASH + kernel(K1) + kernel(K2) + kernel(K3)),
        ("urgent", kernel(K4)),
    ):
        rpm_cache(specs, base / name)
        rpmfactory.createrepo(base / name)
    root = base / "site"
    site = SiteBuilder(root).os("el9-x86_64", OS).site(SITE).overrides(OVERRIDES)
    for node, text in NODES.items():
        site.node(node, "os: el9-x86_64\n" + text)
    for profile, mirror in (("20261001", "old"), ("20261121", "new")):
        invoke(root, "generate", str(base / mirror), "--os", "el9-x86_64", "--profile", profile)
    packages = [a for n in NAMES for a in ("--package", n)]
    invoke(root, "hotfix", str(base / "urgent"), "--os", "el9-x86_64", "--name", "kernel-urgent", *packages)
    return base


@pytest.fixture
def root(made, tmp_path) -> Path:
    shutil.copytree(made / "site", tmp_path / "site")
    return tmp_path / "site"


def resolved(root: Path, node: str) -> dict:
    return json.loads(invoke(root, "resolve", node, "--format", "json"))


def kernels(doc: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in doc["packages"]:
        if p["name"] in NAMES:
            out.setdefault(p["name"], []).append(p["version"])
    return {n: sorted(v) for n, v in out.items()}


def test_the_newest_kernel_of_the_profile(root):
    new = resolved(root, "new")
    assert new["kernel"] == {"version": K3, "from": "errata:20261121", "kept": [K1]}
    assert kernels(new) == {n: sorted([K1, K3]) for n in NAMES}  # the running one kept beside it
    old = resolved(root, "old")
    assert old["errata"] == "20261001" and old["kernel"]["version"] == K2 and old["kernel"]["from"] == "errata:20261001"
    assert kernels(old) == {n: [K2] for n in NAMES}


def test_a_hotfix_kernel_moves_it_held_back_nodes_too(root):
    for node in ("urgent", "held"):
        doc = resolved(root, node)
        assert doc["kernel"]["version"] == K4 and doc["kernel"]["from"] == "hotfix:kernel-urgent", node
        assert kernels(doc) == {n: [K4] for n in NAMES}
    assert resolved(root, "held")["errata"] is None


def test_pins_and_init_hooks_win_and_follow_none_stops_it(root):
    assert resolved(root, "pinned")["kernel"]["from"] == "node"
    off = resolved(root, "off")
    assert off["kernel"]["version"] == K1 and off["kernel"]["from"] == "os"
    (root / "errata/el9-x86_64/20261121-init.yaml").write_text(f"kernel_version: {K2}\n")
    assert resolved(root, "new")["kernel"]["version"] == K2
    text = invoke(root, "explain", "new", "kernel")
    assert (
        f"kernel: {K2} (from errata-init: errata/el9-x86_64/20261121-init.yaml key 'kernel_version', "
        "before kernel: {follow: profile} in site/site.yaml)"
    ) in text


def test_explain_and_status_name_the_rule(root):
    text = invoke(root, "explain", "old", "kernel")
    assert (
        f"kernel: {K2} (from errata:20261001: the newest kernel build of errata/el9-x86_64/20261001.yaml, "
        "by kernel: {follow: profile} in site/site.yaml)"
    ) in text
    text = invoke(root, "explain", "off", "kernel")
    assert f"kernel: {K1} (from os: os/el9-x86_64/os.yaml key 'kernel.version')" in text
    nodes = {n["node"]: n for n in json.loads(invoke(root, "status", "--format", "json"))["nodes"]}
    assert {n: v["kernel"]["from"] for n, v in nodes.items()} == {
        "held": "hotfix:kernel-urgent",
        "new": "errata:20261121",
        "off": "os",
        "old": "errata:20261001",
        "pinned": "node",
        "urgent": "hotfix:kernel-urgent",
    }
    assert nodes["new"]["kernel"]["reboot_needed"] is True  # runs K1, selected K3


def test_diff_of_another_profile_moves_the_kernel(root):
    lines = invoke(root, "diff", "old", "--profile", "20261121").splitlines()
    for n in NAMES:
        assert f"upgraded    {n}.x86_64  {K2} -> {K3}" in lines


@pytest.mark.parametrize(
    "text, said",
    [
        ("kernel: {folow: profile}\n", "site/site.yaml:3: kernel: unknown key 'folow' (did you mean 'follow'?)"),
        ("kernel: {follow: newest}\n", "site/site.yaml: kernel: key 'follow': expected profile"),
        ("kernel: profile\n", "site/site.yaml: key 'kernel': expected a mapping with follow: profile or none"),
    ],
)
def test_a_wrong_setting_is_an_error(root, text, said):
    (root / "site/site.yaml").write_text('deploy_errata: true\nerrata_defaults: {el9: "20261121"}\n' + text)
    r = CliRunner().invoke(main, ["--root", str(root), "resolve", "new"])
    assert r.exit_code == 1 and said in r.stderr, r.stderr


def test_dnf_installs_the_followed_kernel(made, root, tmp_path):
    installroot, cache = tmp_path / "installroot", tmp_path / "dnf-cache"
    repos = [made / "new", made / "urgent"]
    dnf(installroot, repos, cache, "install", "bash", *(f"{n}-{K1}.x86_64" for n in NAMES))
    dnf(installroot, repos, cache, "install", *body(invoke(root, "resolve", "new", "--format", "dnf")))
    have = installed(installroot)
    assert {f"{n}-{v}.x86_64" for n in NAMES for v in (K1, K3)} <= have  # the profile's newest, the running one
    assert not any(K2 in p or K4 in p for p in have)
    dnf(installroot, repos, cache, "install", *body(invoke(root, "resolve", "urgent", "--format", "dnf")))
    assert {f"{n}-{K4}.x86_64" for n in NAMES} <= installed(installroot)  # the hotfix's kernel
