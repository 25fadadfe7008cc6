"""Scanned real RPMs -> profile: newest per (name, arch), kernels apart, ties."""

import pytest
import rpmfactory
from conftest import spec

from errata_tpl.mirror.rpminfo import RpmInfo
from errata_tpl.mirror.scan import scan
from errata_tpl.mirror.walk import find_rpms
from errata_tpl.profile.generate import build_profile, choose


def headers(mirror):
    return scan(mirror, find_rpms(mirror)[0]).packages


def profile_of(mirror, **kw):
    return build_profile(
        headers(mirror), os_id="el9-x86_64", profile="20261121", source="m", generated="2026-11-21T00:00:00Z", **kw
    )


def entries(items):
    return [(e.name, str(e.evr), e.arch) for e in items]


def test_newest_per_name_and_arch_with_epochs(make_rpms, tmp_path):
    make_rpms(
        [
            "bash 5.1.8-6.el9_1 x86_64",
            "bash 5.1.8-9.el9 x86_64",
            "bash 5.1.8-10.el9 aarch64",
            "glibc 2.34-60.el9 i686",
            "glibc 2.34-83.el9 x86_64",
            "glibc 2.34-83.el9 i686",
            "openssl-libs 1:3.0.7-18.el9 x86_64",
            "openssl-libs 3.0.9-1.el9 x86_64",  # epoch wins over version
            "pre 1.0~rc1-1 noarch",
            "pre 1.0-1 noarch",
            "snap 1.0-1 noarch",
            "snap 1.0^git1-1 noarch",
            "odd 1-1 riscv64",
            "odd 2-1 loongarch64",
        ]
    )
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
    make_rpms(
        [
            "kernel 5.14.0-362.8.1.el9_3 x86_64",
            "kernel 5.14.0-362.13.1.el9_3 x86_64",
            "kernel-core 5.14.0-362.13.1.el9_3 x86_64",
            "kernel-core 5.14.0-362.8.1.el9_3 x86_64",
            "kernel-utils 2.4-1.el9 noarch",
            "kernel-module-nvidia 550.54-1.el9 x86_64",
            "kmod-xfs-5.14.0-362.13.1.el9_3 1.0-1.el9 x86_64",
            "bash 5.1.8-9.el9 x86_64",
        ]
    )
    built = profile_of(tmp_path / "mirror")
    p = built.profile
    assert entries(p.kernels) == [
        ("kernel", "5.14.0-362.13.1.el9_3", "x86_64"),
        ("kernel", "5.14.0-362.8.1.el9_3", "x86_64"),
        ("kernel-core", "5.14.0-362.13.1.el9_3", "x86_64"),
        ("kernel-core", "5.14.0-362.8.1.el9_3", "x86_64"),
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
    make_rpms(
        [
            rpmfactory.Spec(**{**s.__dict__, "subdir": "b"}),
            rpmfactory.Spec(**{**s.__dict__, "subdir": "a", "buildtime": rpmfactory.EPOCH_TIME + 60}),
        ]
    )
    built = profile_of(tmp_path / "mirror")
    assert entries(built.profile.packages) == [("dup", "1-1", "x86_64")]
    (w,) = built.warnings
    assert w.startswith("b/dup-1-1.x86_64.rpm: same version as a/dup-1-1.x86_64.rpm") and "kept a/" in w


@pytest.mark.parametrize("order", [0, 1])
def test_output_does_not_depend_on_input_order(make_rpms, tmp_path, order):
    make_rpms(["b 1-1 x86_64", "a 2-1 x86_64", "a 1-1 x86_64", "a 2-1 i686"])
    pkgs = headers(tmp_path / "mirror")
    if order:
        pkgs = list(reversed(pkgs))
    p = build_profile(pkgs, os_id="el9-x86_64", profile="20261121", source="m", generated="g").profile
    assert entries(p.packages) == [("a", "2-1", "i686"), ("a", "2-1", "x86_64"), ("b", "1-1", "x86_64")]


def build(path, name, evr, arch="x86_64", digest="d"):
    epoch, _, vr = evr.rpartition(":")
    version, release = vr.split("-")
    return RpmInfo(path, name, epoch or None, version, release, arch, False, 0, digest)


class Checker:
    """A whole-file check that fails the given paths, and remembers what it was asked."""

    def __init__(self, failing=()):
        self.failing = set(failing)
        self.asked: list[list[str]] = []

    def __call__(self, builds):
        self.asked.append(sorted(b.path for b in builds))
        return {b.path for b in builds if b.path in self.failing}


def test_choose_checks_only_the_builds_it_names():
    builds = [
        build("a1", "a", "1-1"),
        build("a2", "a", "2-1"),
        build("a3", "a", "1:0.1-1"),
        build("b1", "b", "1-1", "i686"),
        build("k1", "kernel", "5.14-1"),
        build("k2", "kernel", "5.14-2"),
    ]
    check = Checker()
    chosen = choose(builds, check)
    assert {k: p.path for k, p in chosen.newest.items()} == {("a", "x86_64"): "a3", ("b", "i686"): "b1"}
    assert sorted(p.path for p in chosen.kernels) == ["k1", "k2"]  # every kernel build is named
    assert check.asked == [["a3", "b1", "k1", "k2"]]


def test_a_build_that_fails_the_check_gives_way_to_the_next_newest():
    builds = [
        build("a1", "a", "1-1"),
        build("a2", "a", "2-1"),
        build("a3", "a", "3-1"),
        build("k1", "kernel", "5.14-1"),
        build("k1-copy", "kernel", "5.14-1"),
        build("only", "c", "1-1"),
    ]
    check = Checker({"a3", "a2", "k1", "only"})
    chosen = choose(builds, check)
    assert {k: p.path for k, p in chosen.newest.items()} == {("a", "x86_64"): "a1"}  # c has no good build left
    assert [p.path for p in chosen.kernels] == ["k1-copy"]
    assert check.asked == [["a3", "k1", "only"], ["a2", "k1-copy"], ["a1"]]


def test_choose_agrees_with_checking_every_file_first():
    """Checking only what is named gives the profile that checking everything gives."""
    import random

    rng = random.Random(7)
    for _ in range(50):
        builds = [
            build(
                f"f{i:02d}",
                rng.choice("ab"),
                f"{rng.randint(0, 2)}:{rng.randint(1, 3)}-1",
                rng.choice(["x86_64", "i686"]),
                digest=rng.choice("xy"),
            )
            for i in range(12)
        ]
        failing = {b.path for b in builds if rng.random() < 0.3}
        lazy = choose(builds, Checker(failing))
        eager = choose([b for b in builds if b.path not in failing])
        assert (lazy.newest, lazy.kernels) == (eager.newest, eager.kernels)
        # a tie with a build never checked is still named (it is a different build)
        assert set(eager.warnings) <= set(lazy.warnings)
