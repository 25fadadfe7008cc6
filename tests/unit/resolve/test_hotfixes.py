"""A hotfix on a node's package set: replace-only, never lowering, superseded where
the node already has the same or newer; the setting's lists add up."""

from errata_tpl.profile.hotfix import Hotfix, Item
from errata_tpl.profile.profile import Entry
from errata_tpl.resolve import hotfixes
from errata_tpl.resolve.pkgset import PackageSet, Pkg
from errata_tpl.values.evr import parse
from errata_tpl.values.source import source


def entry(name, version, arch="x86_64"):
    return Entry(name, parse(version), arch)


HF = Hotfix(
    "urgent",
    "el9-x86_64",
    "",
    "",
    {},
    (
        Item(entry("openssl-libs", "1:3.0.7-24.el9")),
        Item(entry("libx", "2.0-1"), ("app-2.0-1.x86_64",)),
        Item(entry("absent", "1-1")),
    ),
)


def test_applies_where_older_and_supersedes_where_same_or_newer():
    s = PackageSet(("x86_64", "noarch"), trace=True)
    s.put(Pkg("openssl-libs", parse("1:3.0.7-18.el9_2"), "x86_64", source("errata", "20261001")))
    s.put(Pkg("libx", parse("3.0-1"), "x86_64", source("errata", "20261121")))
    s.put(Pkg("bash", None, None, source("os")))
    out = hotfixes.apply(s, HF)
    assert out.applied == ("openssl-libs-1:3.0.7-24.el9.x86_64",)
    assert out.superseded == (("libx-2.0-1.x86_64", "errata:20261121"),)
    got = {p.name: (str(p.evr) if p.evr else None, p.source) for p in s.freeze()}
    assert got == {
        "openssl-libs": ("1:3.0.7-24.el9", "hotfix:urgent"),
        "libx": ("3.0-1", "errata:20261121"),  # never lowered
        "bash": (None, "os"),
    }  # and nothing added: replace-only
    texts = [e.text for e in s.events if e.name == "libx"]
    assert "hotfix:urgent: libx-2.0-1.x86_64 superseded by errata:20261121 (libx-3.0-1.x86_64)" in texts


def test_an_entry_without_version_or_arch_takes_it():
    s = PackageSet(("x86_64", "noarch"))
    s.put(Pkg("openssl-libs", None, None, source("os")))
    assert hotfixes.apply(s, HF).applied == ("openssl-libs-1:3.0.7-24.el9.x86_64",)


def test_lists_of_all_layers_add_up_once_each():
    got = hotfixes.chosen([("site/site.yaml", ("a", "b")), ("c.yaml", ()), ("n.yaml", ("b", "c"))])
    assert got == (("a", "site/site.yaml"), ("b", "site/site.yaml"), ("c", "n.yaml"))
