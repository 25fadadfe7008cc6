"""The four actions (pkg_ronly, pkg_repl, pkg_add, pkg_del) on a node's set."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.resolve.pkgset import PackageSet, Pkg
from errata_tpl.values.evr import parse
from errata_tpl.values.package import nevra
from errata_tpl.values.source import source


def pset(*items: str, trace: bool = True) -> PackageSet:
    s = PackageSet(native_arches=("x86_64", "noarch"), trace=trace)
    for item in items:
        name, _, rest = item.partition(" ")
        version, _, arch = rest.partition(" ")
        evr = parse(version) if version not in ("", "-") else None
        s.put(Pkg(name, evr, arch if arch not in ("", "-") else None, source("os")))
    return s


def listing(s: PackageSet) -> list[str]:
    return [f"{nevra(p)}<{p.source}{',multi' if p.multi else ''}>" for p in s.freeze()]


class TestRonly:
    def test_upgrades_a_present_package(self):
        s = pset("bash 5.1-6 x86_64")
        assert s.ronly("bash", parse("5.1-9"), "x86_64", source("errata", "p"))
        assert listing(s) == ["bash-5.1-9.x86_64<errata:p>"]

    def test_same_version_by_rpm_is_no_change(self):
        """0:5.1-6 is 5.1-6 to rpm: not a change, and the version keeps its provenance."""
        for listed, entry in (("5.1-6", "0:5.1-6"), ("0:5.1-6", "5.1-6"), ("5.01-6", "5.1-6")):
            s = pset(f"bash {listed} x86_64")
            assert not s.ronly("bash", parse(entry), "x86_64", source("errata", "p"))
            assert listing(s) == [f"bash-{listed}.x86_64<os>"]
            assert "already set by os" in s.events[-1].text

    def test_never_adds_a_name(self):
        s = pset("bash 5.1-6 x86_64")
        assert not s.ronly("zsh", parse("5.9-1"), "x86_64", source("errata", "p"))
        assert listing(s) == ["bash-5.1-6.x86_64<os>"]

    def test_only_that_arch(self):
        s = pset("glibc 2.34-60 x86_64")
        assert not s.ronly("glibc", parse("2.34-83"), "i686", source("errata", "p"))
        assert listing(s) == ["glibc-2.34-60.x86_64<os>"]

    def test_never_lowers_and_says_so(self):
        s = pset("bash 5.2-1 x86_64")
        assert not s.ronly("bash", parse("5.1-9"), "x86_64", source("errata", "p"))
        assert listing(s) == ["bash-5.2-1.x86_64<os>"]
        assert "newer and stays" in s.events[-1].text

    def test_epoch_counts(self):
        s = pset("openssl-libs 1:3.0.7-18 x86_64")
        assert not s.ronly("openssl-libs", parse("3.0.9-1"), "x86_64", source("errata", "p"))
        assert s.ronly("openssl-libs", parse("1:3.0.7-24"), "x86_64", source("errata", "p"))
        assert listing(s) == ["openssl-libs-1:3.0.7-24.x86_64<errata:p>"]

    def test_collapses_every_version_of_the_arch(self):
        s = pset("foo 1-1 x86_64")
        s.add("foo", parse("2-1"), "x86_64", source("node"), multi=True)
        assert s.ronly("foo", parse("3-1"), "x86_64", source("errata", "p"))
        assert listing(s) == ["foo-3-1.x86_64<errata:p,multi>"]

    def test_unversioned_and_archless_entries_take_the_native_arch(self):
        s = pset("bash", "tzdata - -", "glibc - x86_64")
        assert s.ronly("bash", parse("5.1-9"), "x86_64", "e")
        assert s.ronly("tzdata", parse("2024a-1"), "noarch", "e")
        assert not s.ronly("bash", parse("5.1-9"), "i686", "e")  # bash is now x86_64
        assert s.ronly("glibc", parse("2.34-83"), "x86_64", "e")
        assert listing(s) == ["bash-5.1-9.x86_64<e>", "glibc-2.34-83.x86_64<e>", "tzdata-2024a-1.noarch<e>"]

    def test_foreign_arch_does_not_take_archless(self):
        s = pset("bash")
        assert not s.ronly("bash", parse("5.1-9"), "aarch64", "e")


class TestRepl:
    def test_replaces_that_arch_and_adds_if_absent(self):
        s = pset("nss 3.101-7 x86_64", "nss 3.101-7 i686")
        s.repl("nss", parse("3.90-3"), "x86_64", source("fix", "p"))
        s.repl("firefox", parse("115-1"), "x86_64", source("fix", "p"))
        assert listing(s) == ["firefox-115-1.x86_64<fix:p>", "nss-3.101-7.i686<os>", "nss-3.90-3.x86_64<fix:p>"]

    def test_without_arch_all_other_versions_go(self):
        s = pset("nss 3.101-7 x86_64", "nss 3.101-7 i686")
        s.repl("nss", parse("3.90-3"), None, source("fix", "p"))
        assert listing(s) == ["nss-3.90-3<fix:p>"]

    def test_may_lower(self):
        s = pset("nss 3.101-7 x86_64")
        s.repl("nss", parse("3.90-3"), "x86_64", source("fix", "p"))
        assert listing(s) == ["nss-3.90-3.x86_64<fix:p>"]


class TestAdd:
    def test_adds(self):
        s = pset()
        s.add("jdk", parse("11-fcs"), "x86_64", source("fix", "p"))
        assert listing(s) == ["jdk-11-fcs.x86_64<fix:p>"]

    def test_conflicting_version_is_an_error(self):
        s = pset("jdk 11-fcs x86_64")
        with pytest.raises(UserError, match=r"conflicting add of jdk-17-fcs\.x86_64.*jdk-11-fcs\.x86_64.*set by os"):
            s.add("jdk", parse("17-fcs"), "x86_64", source("fix", "p"))
        assert listing(s) == ["jdk-11-fcs.x86_64<os>"]

    def test_multi_keeps_both(self):
        s = pset("kernel 5.14-1 x86_64")
        s.add(source("kernel"), parse("5.14-2"), "x86_64", source("keep-kernel"), multi=True)
        assert listing(s) == ["kernel-5.14-1.x86_64<os,multi>", "kernel-5.14-2.x86_64<keep-kernel,multi>"]

    def test_same_version_is_a_no_op(self):
        s = pset("jdk 11-fcs x86_64")
        s.add("jdk", parse("11-fcs"), "x86_64", source("fix", "p"))
        assert listing(s) == ["jdk-11-fcs.x86_64<os>"]

    def test_multi_beside_any_version_sorts(self):
        s = pset("kernel - x86_64")
        s.add(source("kernel"), parse("5.14-2"), "x86_64", source("keep-kernel"), multi=True)
        assert listing(s) == ["kernel.x86_64<os,multi>", "kernel-5.14-2.x86_64<keep-kernel,multi>"]

    def test_concrete_version_satisfies_any_version(self):
        s = pset("jdk - x86_64")
        s.add("jdk", parse("11-fcs"), "x86_64", source("fix", "p"))
        assert listing(s) == ["jdk-11-fcs.x86_64<fix:p>"]


class TestDel:
    def test_name_version_arch(self):
        s = pset("a 1-1 x86_64", "a 1-1 i686", "b 1-1 x86_64", "c 1-1 x86_64")
        s.add("c", parse("2-1"), "x86_64", "n", multi=True)
        s.delete("a", None, "i686", source("fix", "p"))
        s.delete("b", None, None, source("fix", "p"))
        s.delete("c", parse("1-1"), None, source("fix", "p"))
        s.delete("zzz", None, None, source("fix", "p"))  # absent: nothing
        assert listing(s) == ["a-1-1.x86_64<os>", "c-2-1.x86_64<n,multi>"]

    def test_del_then_add_leaves_one_version(self):
        s = pset("a 1-1 x86_64")
        s.delete("a", None, None, "f")
        s.add("a", parse("2-1"), "x86_64", "f")
        assert listing(s) == ["a-2-1.x86_64<f>"]


class TestLayers:
    def test_later_layer_replaces_same_name_arch(self):
        s = pset("bash 5.1-6 x86_64", "glibc 2.34-60 x86_64", "glibc 2.34-60 i686")
        s.put(Pkg("bash", parse("5.1-9"), "x86_64", source("node")))
        s.put(Pkg("glibc", parse("2.34-70"), None, source("node")))  # no arch: every arch
        assert listing(s) == ["bash-5.1-9.x86_64<node>", "glibc-2.34-70<node>"]

    def test_sorted_by_name_arch_evr(self):
        s = pset("b 1-1 x86_64", "a 1-1 x86_64", "a 1-1 i686")
        s.add("b", parse("1.10-1"), "x86_64", "n", multi=True)
        s.add("b", parse("1.9-1"), "x86_64", "n", multi=True)
        assert [nevra(p) for p in s.freeze()] == [
            "a-1-1.i686",
            "a-1-1.x86_64",
            "b-1-1.x86_64",
            "b-1.9-1.x86_64",
            "b-1.10-1.x86_64",
        ]

    def test_no_events_without_trace(self):
        s = pset("a 1-1 x86_64", trace=False)
        s.ronly("a", parse("2-1"), "x86_64", "e")
        assert s.events is None
