"""The package value: equality, order and hash are rpm's; one notation per consumer."""

import pytest
import rpm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errata_tpl.values import evr, ref
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package, dnf, nevra, pan, versionlock

# Versions built from the pieces rpmvercmp sees, joined by separators it skips, with
# leading zeros and the characters it treats as separators (non-ASCII letters too).
piece = st.one_of(
    st.integers(0, 120).map(str),
    st.integers(0, 9).map(lambda n: "0" * n + "7"),
    st.text("abzAZ", min_size=1, max_size=3),
)
sep = st.sampled_from(["", ".", "_", "+", "~", "^", "..", "é"])
part = (
    st.lists(st.tuples(piece, sep), min_size=1, max_size=4)
    .map(lambda xs: "".join(a + b for a, b in xs))
    .filter(lambda s: s[0] not in "~^.+_é")
)
epochs = st.sampled_from([None, "0", "00", "1", "01", "2"])
evrs = st.builds(EVR, epochs, part, st.one_of(st.none(), part))


def rpm_cmp(a: EVR, b: EVR) -> int:
    return rpm.labelCompare(a.label(), b.label())


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(evrs, evrs)
def test_equality_order_and_hash_are_rpms(a, b):
    c = rpm_cmp(a, b)
    assert (a == b) is (c == 0)
    assert (a < b) is (c < 0) and (a > b) is (c > 0)
    assert (a <= b) is (c <= 0) and (a >= b) is (c >= 0)
    assert evr.compare(a, b) == c
    if c == 0:
        assert hash(a) == hash(b)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(evrs, min_size=1, max_size=8))
def test_sorted_and_deduplicated_as_rpm(vs):
    ordered = sorted(vs)
    for x, y in zip(ordered, ordered[1:]):
        assert rpm_cmp(x, y) <= 0
    distinct = set(vs)
    for v in vs:  # a set keeps one of each rpm-equal group
        assert sum(1 for d in distinct if rpm_cmp(d, v) == 0) == 1


@pytest.mark.parametrize(
    "a, b",
    [("0:1.0-1", "1.0-1"), ("00:1.0-1", "1.0-1"), ("1.01-1", "1.1-1"), ("1.0-1", "1_0-1"), ("1a-1", "1.a-1")],
)
def test_rpm_equal_versions_are_one_value(a, b):
    va, vb = evr.parse(a), evr.parse(b)
    assert va == vb and hash(va) == hash(vb) and len({va, vb}) == 1
    assert str(va) == a and str(vb) == b  # each prints as written
    pa, pb = Package("bash", va, "x86_64"), Package("bash", vb, "x86_64")
    assert pa == pb and hash(pa) == hash(pb) and {pa: 1}[pb] == 1


def test_release_none_is_not_an_empty_release():
    assert evr.parse("5.14.0") != evr.parse("5.14.0-1")
    assert evr.parse("5.14.0") < evr.parse("5.14.0-1")


def test_package_order_name_arch_then_version_any_first():
    ps = [
        Package("b", evr.parse("1-1"), "x86_64"),
        Package("a", evr.parse("2-1"), "x86_64"),
        Package("a", None, "x86_64"),
        Package("a", evr.parse("1:0-1"), "x86_64"),
        Package("a", evr.parse("3-1"), "i686"),
        Package("a", evr.parse("1-1"), None),
    ]
    assert [nevra(p) for p in sorted(ps)] == [
        "a-1-1",
        "a-3-1.i686",
        "a.x86_64",
        "a-2-1.x86_64",
        "a-1:0-1.x86_64",
        "b-1-1.x86_64",
    ]


def test_a_version_is_not_the_same_package_as_any_version():
    assert Package("a", None, "x86_64") != Package("a", evr.parse("1-1"), "x86_64")
    assert Package("a", None, None) == Package("a")
    assert Package("a", evr.parse("1-1"), "x86_64") != Package("a", evr.parse("1-1"), "i686")


@pytest.mark.parametrize(
    "text, nevra_, lock, pan_",
    [
        (
            "bash-5.1.8-9.el9.x86_64",
            "bash-5.1.8-9.el9.x86_64",
            "bash-0:5.1.8-9.el9.x86_64",
            "'bash','5.1.8-9.el9','x86_64'",
        ),
        ("vim-2:9.0-1.el9.x86_64", "vim-2:9.0-1.el9.x86_64", "vim-2:9.0-1.el9.x86_64", "'vim','2:9.0-1.el9','x86_64'"),
        ("bash-5.1.8-9.el9", "bash-5.1.8-9.el9", "bash-0:5.1.8-9.el9.*", "'bash','5.1.8-9.el9'"),
        ("tzdata", "tzdata", None, "'tzdata'"),
    ],
)
def test_notations(text, nevra_, lock, pan_):
    p = ref.parse(text)
    assert nevra(p) == dnf(p) == str(p) == nevra_
    assert versionlock(p) == lock
    assert pan(p) == f"'/software/packages'=pkg_repl({pan_});"
    assert pan(Package("x", None, "noarch")) == "'/software/packages'=pkg_repl('x','','noarch');"
    assert pan(Package("it's", evr.parse("1-1"), "noarch"), "pkg_add", multi=True) == (
        "'/software/packages'=pkg_add('it''s','1-1','noarch','multi');"
    )
