"""`check` and dnf agree about which versions may be installed side by side.

dnf (with its default installonlypkgs, plus what a node's dnf.conf adds) installs several
versions of a package only when it provides one of those names: real EL kernels carry
`installonlypkg(kernel)` / `installonlypkg(kernel-module)` for it. A kernel-core built
without that provide cannot be installed twice, and `check` must say so too.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import rpmfactory
from consumers import dnf_args, installed
from sitebuilder import SiteBuilder

OLD, NEW = "5.14.0-362.8.1.el9_3", "5.14.0-362.13.1.el9_3"


def kernels(provides: bool) -> list[rpmfactory.Spec]:
    return [
        rpmfactory.Spec(n, *v.rsplit("-", 1), "x86_64", provides=rpmfactory.kernel_provides(n) if provides else ())
        for n in ("kernel", "kernel-core")
        for v in (OLD, NEW)
    ]


def tree(root, installonly: list[str]) -> None:
    (
        SiteBuilder(root)
        .os(
            "el9-x86_64",
            f"version: el9\narch: x86_64\nkernel: {{version: {NEW}, packages: [kernel, kernel-core]}}\n"
            f"installonly: {json.dumps(installonly)}\npackages: []\n",
        )
        .site("deploy_errata: false\n")
        # a node still running the old kernel: both kernels side by side
        .node("two", f"os: el9-x86_64\nrunning_kernel: {OLD}\n")
    )


@pytest.mark.parametrize(
    ("provides", "installonly", "side_by_side"),
    [
        (True, [], True),  # real EL kernels: dnf's defaults see installonlypkg(kernel)
        (False, [], False),  # kernel-core without the provide: only the name "kernel" is installonly
        (False, ["kernel-core"], True),  # the OS's installonly list, as the node's dnf.conf installonlypkgs
    ],
)
def test_check_and_dnf_agree_on_two_kernels(make_rpms, tmp_path, cli, provides, installonly, side_by_side):
    repo = tmp_path / "repo"
    make_rpms(kernels(provides), dest=repo)
    rpmfactory.createrepo(repo)
    root = tmp_path / "root"
    tree(root, installonly)

    r = cli("check", "two", "--repo", repo, "--format", "json", root=root)
    out = json.loads(r.stdout)["two"]
    assert (r.exit_code == 0) == side_by_side and out["ok"] == side_by_side
    if not side_by_side:
        assert any(
            f"cannot install both kernel-core-{NEW}.x86_64 and kernel-core-{OLD}.x86_64" in p["text"]
            or f"cannot install both kernel-core-{OLD}.x86_64 and kernel-core-{NEW}.x86_64" in p["text"]
            for p in out["problems"]
        ), out
        hints = [p["hint"] for p in out["problems"] if "hint" in p]
        assert hints and "add kernel-core to the OS's installonly list" in hints[0]

    specs = [
        line for line in cli("resolve", "two", "--format", "dnf", root=root).stdout.splitlines() if line[:1] != "#"
    ]
    assert sorted(specs) == sorted(f"{n}-{v}.x86_64" for n in ("kernel", "kernel-core") for v in (OLD, NEW))
    installroot = tmp_path / "installroot"
    cmd = dnf_args(installroot, [repo], tmp_path / "cache")
    if installonly:  # what the OS's list means on the node: dnf.conf installonlypkgs (added to the defaults)
        cmd.append(f"--setopt=installonlypkgs={','.join(installonly)}")
    p = subprocess.run([*cmd, "install", *specs], capture_output=True, text=True)
    assert (p.returncode == 0) == side_by_side, p.stderr
    if side_by_side:
        assert installed(installroot) == set(specs)
    else:
        assert "cannot install both" in p.stderr + p.stdout


def test_check_and_dnf_agree_on_one_name_at_two_arches(make_rpms, tmp_path, cli):
    # multilib: glibc.x86_64 and glibc.i686 side by side, as every EL node with 32-bit software
    # has them; dnf lets a name's arches of different colours coexist (libdnf sets libsolv's
    # POOL_FLAG_IMPLICITOBSOLETEUSESCOLORS), so check must not call them a conflict
    repo = tmp_path / "repo"
    make_rpms([rpmfactory.Spec("libm32", "1.0", "1.el9", arch) for arch in ("x86_64", "i686")], dest=repo)
    rpmfactory.createrepo(repo)
    root = tmp_path / "root"
    (
        SiteBuilder(root)
        .os("el9-x86_64", "version: el9\narch: x86_64\npackages: [libm32-1.0-1.el9.x86_64, libm32-1.0-1.el9.i686]\n")
        .site("deploy_errata: false\n")
        .node("multilib", "os: el9-x86_64\n")
    )
    r = cli("check", "multilib", "--repo", repo, "--format", "json", root=root)
    out = json.loads(r.stdout)["multilib"]
    specs = [
        line for line in cli("resolve", "multilib", "--format", "dnf", root=root).stdout.splitlines() if line[:1] != "#"
    ]
    assert sorted(specs) == ["libm32-1.0-1.el9.i686", "libm32-1.0-1.el9.x86_64"]
    installroot = tmp_path / "installroot"
    p = subprocess.run([*dnf_args(installroot, [repo], tmp_path / "cache"), "install", *specs], capture_output=True)
    assert p.returncode == 0, p.stderr
    assert installed(installroot) == set(specs)
    assert (r.exit_code, out["problems"]) == (0, [])
