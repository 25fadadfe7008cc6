"""`check` on a modular repository: libsolv is given what dnf hides for the node's
module streams, and its verdict equals real dnf's in an --installroot where the
same streams are enabled (`dnf module enable` / `disable`)."""

import subprocess

import pytest
import rpmfactory
from conftest import spec
from unit.mirror.test_modules import MODULES, N18_2, N20_3, _modular

from errata_tpl.checks.check import Repositories, solve
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values import ref
from errata_tpl.values.source import source

REQUIRES = {"npm": ("nodejs",)}  # as the real npm does
BUILDS = [
    *(rpmfactory.Spec(**{**s.__dict__, "requires": REQUIRES.get(s.name, ())}) for m in MODULES for s in _modular(m)),
    spec("nodejs 10.0-1.el8 x86_64"),  # the OS's own, non-modular
    spec("nodejs-compat 1-1.el8 noarch", provides=("nodejs = 10.0",)),  # provides a modular name
    spec("bash 5.1-1.el8 x86_64"),
]


@pytest.fixture(scope="module")
def repo(rpm_cache, tmp_path_factory):
    repo = tmp_path_factory.mktemp("modular") / "repo"
    rpm_cache(BUILDS, repo)
    rpmfactory.createrepo(repo, modules=MODULES, module_defaults={"nodejs": "18"})
    return repo


def pkgs(*nevras):
    out = []
    for n in nevras:
        r = ref.parse_string(n)
        out.append(Pkg(r.name, r.evr, r.arch, source("os")))
    return out


def dnf(installroot, repo, cache, *args):
    cmd = [
        "dnf",
        "-y",
        "-q",
        f"--installroot={installroot}",
        "--setopt=reposdir=/nonexistent",
        f"--repofrompath=fixture,file://{repo}",
        "--repo=fixture",
        "--setopt=fixture.gpgcheck=0",
        "--releasever=8",
        "--setopt=module_platform_id=platform:el8",
        "--noplugins",
        f"--setopt=cachedir={cache}",
        "--setopt=install_weak_deps=False",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True)


def dnf_installs(tmp_path, repo, modules, nevras):
    """dnf's verdict with these streams: does the list install? And what is installed."""
    root, cache = tmp_path / "installroot", tmp_path / "dnf-cache"
    for name, stream in modules.items():
        p = dnf(root, repo, cache, "module", "enable" if stream else "disable", f"{name}:{stream}" if stream else name)
        assert p.returncode == 0, p.stderr
    p = dnf(root, repo, cache, "install", *nevras)
    if p.returncode != 0:
        return False, set()
    q = subprocess.run(
        ["rpm", "--root", str(root), "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n"],
        capture_output=True,
        text=True,
        check=True,
    )
    return True, set(q.stdout.split())


CASES = [
    # (module choices, the list, check's verdict)
    ({}, ["nodejs-18.2-1.module_el8+182.x86_64"], True),  # the default stream
    ({}, ["nodejs-18.1-1.module_el8+181.x86_64"], True),  # an older build of the active stream
    ({}, ["nodejs-20.3-1.module_el8+203.x86_64"], False),  # another stream
    ({}, ["nodejs-10.0-1.el8.x86_64"], False),  # the OS's build, hidden by the active stream's name
    ({}, ["nodejs-compat-1-1.el8.noarch"], False),  # provides that name: hidden too
    ({"nodejs": "20"}, ["nodejs-20.3-1.module_el8+203.x86_64", "npm-10.2-1.module_el8+203.x86_64"], True),
    ({"nodejs": "20"}, ["nodejs-18.2-1.module_el8+182.x86_64"], False),
    ({"nodejs": "20"}, ["npm"], True),  # pulls in stream 20's nodejs, not the default stream's
    ({"nodejs": None}, ["nodejs-10.0-1.el8.x86_64", "nodejs-compat-1-1.el8.noarch"], True),  # disabled: the OS's
    ({"nodejs": None}, ["nodejs-18.2-1.module_el8+182.x86_64"], False),
]


@pytest.mark.parametrize("modules, nevras, ok", CASES)
def test_check_agrees_with_dnf(repo, tmp_path, modules, nevras, ok):
    out = solve(Repositories([repo]), "x86_64", pkgs(*nevras), modules)
    assert out.ok == ok, out.problems
    dnf_ok, installed = dnf_installs(tmp_path, repo, modules, nevras)
    assert dnf_ok == ok
    if ok:  # the same transaction: the list, and what libsolv pulls in
        assert {n for n in nevras if "-" in n} | set(out.pulled_in) <= installed
        assert len(installed) == len(nevras) + len(out.pulled_in)


def test_filtered_build_is_named_with_the_stream_and_a_fix(repo):
    out = solve(Repositories([repo]), "x86_64", pkgs("nodejs-20.3-1.module_el8+203.x86_64"))
    (p,) = out.problems
    assert "filtered out by modular filtering" in p.text and "nodejs:20, which is not enabled" in p.text
    assert "active streams: nodejs:18" in p.text
    assert p.suggestion == {"repl": {"name": "nodejs", "version": "18.2-1.module_el8+182", "arch": "x86_64"}}
    assert out.streams == {"nodejs": "18"}
    out = solve(Repositories([repo]), "x86_64", pkgs("nodejs-10.0-1.el8.x86_64"), {"nodejs": "20"})
    assert "module stream nodejs:20 is enabled and ships nodejs" in out.problems[0].text


def test_pulled_in_dependency_comes_from_the_enabled_stream(repo):
    out = solve(Repositories([repo]), "x86_64", pkgs("npm"), {"nodejs": "20"})
    assert out.ok and out.pulled_in == ("nodejs-20.3-1.module_el8+203.x86_64",)
    out = solve(Repositories([repo]), "x86_64", pkgs("npm"))
    assert out.ok and out.pulled_in == ("nodejs-18.2-1.module_el8+182.x86_64",)
    assert N18_2.stream == "18" and N20_3.stream == "20"


def test_check_command_on_a_modular_site(repo, tmp_path, cli, site_builder):
    root = site_builder.root
    (
        site_builder.os(
            "el8-x86_64",
            "version: el8\narch: x86_64\nkernel: {version: 4.18.0-1.el8, packages: []}\npackages: [bash]\n",
        )
        .site("deploy_errata: false\n")
        .node("web", "os: el8-x86_64\npackages: [nodejs-18.1-1.module_el8+181.x86_64]\n")
        .node("api", "os: el8-x86_64\npackages: [nodejs-20.3-1.module_el8+203.x86_64]\n")
    )
    r = cli("check", "--all", "--repo", repo, root=root)
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert "web: ok (module streams: nodejs:18)" in lines
    assert "api: 1 problem (module streams: nodejs:18)" in lines
    assert any("nodejs-20.3-1.module_el8+203.x86_64 is filtered out by modular filtering" in x for x in lines)


@pytest.mark.parametrize(
    ("module", "stream", "there"),
    [("nodejs", "22", "its streams there: 18, 20"), ("nodjs", "18", "no module nodjs there")],
)
def test_a_stream_no_repository_has_is_a_problem_as_dnf_refuses_it(repo, tmp_path, module, stream, there):
    # a typo in a node's modules:, or a stream not mirrored yet: the outputs' first command fails
    p = dnf(tmp_path / "installroot", repo, tmp_path / "cache", "module", "enable", f"{module}:{stream}")
    assert p.returncode == 1 and f"missing groups or modules: {module}:{stream}" in p.stderr
    out = solve(Repositories([repo]), "x86_64", pkgs("bash-5.1-1.el8.x86_64"), {module: stream})
    assert not out.ok
    assert [(x.text, x.suggestion) for x in out.problems] == [
        (f"module stream {module}:{stream} is in no repository ({there})", None)
    ]
