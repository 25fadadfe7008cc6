"""checks.diff: what changed between two lists, kernels newest first."""

from errata_tpl.checks.diff import compare, text
from errata_tpl.values.evr import parse
from errata_tpl.values.package import Package


def Item(name, arch, version):
    return Package(name, None if version is None else parse(version), arch)


def test_compare_kinds():
    a = [
        Item("bash", "x86_64", "5.1-6"),
        Item("nss", "x86_64", "3.101-7"),
        Item("gone", "x86_64", "1-1"),
        Item("kernel", "x86_64", "5.14-1"),
        Item("tzdata", None, None),
    ]
    b = [
        Item("bash", "x86_64", "5.1-9"),
        Item("nss", "x86_64", "3.90-3"),
        Item("new", "noarch", "1-1"),
        Item("kernel", "x86_64", "5.14-1"),
        Item("kernel", "x86_64", "5.14-2"),
        Item("tzdata", None, "2024a-1"),
    ]
    d = compare("a", a, "b", b)
    got = [(c.kind, c.name, c.as_dict()["from"], c.as_dict()["to"]) for c in d.changes]
    assert got == [
        ("upgraded", "bash", "5.1-6", "5.1-9"),
        ("removed", "gone", "1-1", None),
        ("added", "kernel", None, "5.14-2"),
        ("added", "new", None, "1-1"),
        ("downgraded", "nss", "3.101-7", "3.90-3"),
        ("pinned", "tzdata", None, "2024a-1"),
    ]
    assert d.counts() == {"upgraded": 1, "downgraded": 1, "pinned": 1, "unpinned": 0, "added": 2, "removed": 1}
    assert "pinned      tzdata  (any version) -> 2024a-1" in text(d)
    back = compare("b", b, "a", a)
    assert [(c.kind, str(c.old)) for c in back.changes if c.name == "tzdata"] == [("unpinned", "2024a-1")]
    assert "unpinned    tzdata  2024a-1 -> (any version)" in text(back)
    assert compare("a", a, "a", a).changes == ()


def test_compare_kernels_orders_newest_first():
    a = [Item("kernel", "x86_64", "5.14-2"), Item("kernel", "x86_64", "5.14-10")]
    b = [Item("kernel", "x86_64", "5.14-10"), Item("kernel", "x86_64", "5.14-11"), Item("kernel", "x86_64", "5.14-9")]
    (k,) = compare("a", [], "b", [], kernels=(a, b)).kernels
    d = k.as_dict()
    assert [v["version"] for v in d["added"]] == ["5.14-11", "5.14-9"]
    assert d["removed"] == ["5.14-2"] and d["kept"] == ["5.14-10"]
    assert compare("a", [], "b", [], kernels=(a, a)).kernels == ()
