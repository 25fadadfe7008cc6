"""Scanned real RPMs -> profile: newest per (name, arch), kernels apart, ties."""

import pytest
import rpmfactory
from conftest import spec

from errata_tpl.generate import build_profile
from errata_tpl.scan import scan


def profile_of(mirror, **kw):
    return build_profile(scan(mirror).packages, os_id="el9-x86_64", profile="20261121", source="m",
                         generated="2026-11-21T00:00:00Z", **kw)


def entries(items):
    return [(e.name, str(e.evr), e.arch) for e in items]


def test_newest_per_name_and_arch_with_epochs(make_rpms, tmp_path):
    make_rpms([
        "bash 5.1.8-6.el9_1 x86_64", "bash 5.1.8-9.el9 x86_64", "bash 5.1.8-10.el9 aarch64",
        "glibc 2.34-60.el9 i686", "glibc 2.34-83.el9 x86_64", "glibc 2.34-83.el9 i686",
        "openssl-libs 1:3.0.7-18.el9 x86_64", "openssl-libs 3.0.9-1.el9 x86_64",  # epoch wins over version
        "pre 1.0~rc1-1 noarch", "pre 1.0-1 noarch", "snap 1.0-1 noarch", "snap 1.0^git1-1 noarch",
        "odd 1-1 riscv64", "odd 2-1 loongarch64",
    ])
    built = profile_of(tmp_path / "mirror")
    assert entries(built.profile.packages) == [
        ("bash", "5.1.8-10.el9", "aarch64"),
        ("bash", "5.1.8-9.el9", "x86_64"),
        ("glibc", "2.34-83.el9", "i686"),
        ("glibc", "2.34-83.el9", "x86_64"),
        ("odd", "2-1", "loongarch64"),
        ("odd", "1-1", "riscv64"),
        ("openssl-libs", "1:3.0.7-18.el9", "x86_64"),
        ("pre", "1.0-1", "noarch"),
        ("snap", "1.0^git1-1", "noarch"),
    ]
    assert built.warnings == ()


def test_source_rpms_are_not_packages(make_rpms, tmp_path):
    make_rpms(["bash 5.1.8-9.el9 x86_64", "bash 9.9-1.el9 src", "only-src 1-1 src"])
    built = profile_of(tmp_path / "mirror")
    assert entries(built.profile.packages) == [("bash", "5.1.8-9.el9", "x86_64")]
    assert built.sources_skipped == 2


def test_kernels_listed_apart_newest_first_and_kernel_named(make_rpms, tmp_path):
    make_rpms([
        "kernel 5.14.0-362.8.1.el9_3 x86_64", "kernel 5.14.0-362.13.1.el9_3 x86_64",
        "kernel-core 5.14.0-362.13.1.el9_3 x86_64", "kernel-core 5.14.0-362.8.1.el9_3 x86_64",
        "kernel-utils 2.4-1.el9 noarch", "kernel-module-nvidia 550.54-1.el9 x86_64",
        "kmod-xfs-5.14.0-362.13.1.el9_3 1.0-1.el9 x86_64", "bash 5.1.8-9.el9 x86_64",
    ])
    built = profile_of(tmp_path / "mirror")
    p = built.profile
    assert entries(p.kernels) == [
        ("kernel", "5.14.0-362.13.1.el9_3", "x86_64"), ("kernel", "5.14.0-362.8.1.el9_3", "x86_64"),
        ("kernel-core", "5.14.0-362.13.1.el9_3", "x86_64"), ("kernel-core", "5.14.0-362.8.1.el9_3", "x86_64"),
    ]
    names = [e.name for e in p.packages]
    assert names == ["bash", "kernel-module-nvidia", "kernel-utils", "kmod-xfs-5.14.0-362.13.1.el9_3"]
    assert entries(p.kernel_named) == [("kmod-xfs-5.14.0-362.13.1.el9_3", "1.0-1.el9", "x86_64")]
    assert any("kmod-xfs" in w and "fix-hook" in w for w in built.warnings)


def test_tie_same_build_is_silent(make_rpms, tmp_path):
    s = spec("dup 1-1 x86_64")
    make_rpms([rpmfactory.Spec(**{**s.__dict__, "subdir": d}) for d in ("a", "b")])
    built = profile_of(tmp_path / "mirror")
    assert entries(built.profile.packages) == [("dup", "1-1", "x86_64")] and built.warnings == ()


def test_tie_different_builds_warns_and_keeps_first_path(make_rpms, tmp_path):
    s = spec("dup 1-1 x86_64")
    make_rpms([
        rpmfactory.Spec(**{**s.__dict__, "subdir": "b"}),
        rpmfactory.Spec(**{**s.__dict__, "subdir": "a", "buildtime": rpmfactory.EPOCH_TIME + 60}),
    ])
    built = profile_of(tmp_path / "mirror")
    assert entries(built.profile.packages) == [("dup", "1-1", "x86_64")]
    (w,) = built.warnings
    assert w.startswith("b/dup-1-1.x86_64.rpm: same version as a/dup-1-1.x86_64.rpm") and "kept a/" in w


@pytest.mark.parametrize("order", [0, 1])
def test_output_does_not_depend_on_input_order(make_rpms, tmp_path, order):
    make_rpms(["b 1-1 x86_64", "a 2-1 x86_64", "a 1-1 x86_64", "a 2-1 i686"])
    pkgs = scan(tmp_path / "mirror").packages
    if order:
        pkgs = list(reversed(pkgs))
    p = build_profile(pkgs, os_id="el9-x86_64", profile="20261121", source="m", generated="g").profile
    assert entries(p.packages) == [("a", "2-1", "i686"), ("a", "2-1", "x86_64"), ("b", "1-1", "x86_64")]
