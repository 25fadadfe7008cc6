"""Values are values: fields set once (a hash or comparison key kept from them never
goes stale), and equality is transitive across a package and the list entries that
hold one."""

from __future__ import annotations

import itertools
import pickle

import pytest

from errata_tpl.inventory.model import Installed
from errata_tpl.profile.profile import Earlier, Entry
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values.evr import EVR, parse
from errata_tpl.values.package import Package
from errata_tpl.values.source import source


def values() -> list[object]:
    v = parse("1:2.0-3.el9")
    return [
        v,
        Package("bash", v, "x86_64"),
        Entry("bash", v, "x86_64", module="m:1", earlier=(Earlier(parse("1:2.0-2.el9"), ()),)),
        Installed("bash", v, None),
        Pkg("bash", v, "x86_64", source("os"), multi=True),
    ]


@pytest.mark.parametrize("value", values(), ids=lambda v: type(v).__name__)
def test_fields_cannot_be_set_or_deleted(value):
    before = hash(value)
    for name in [n for cls in type(value).__mro__ for n in getattr(cls, "__slots__", ())]:
        with pytest.raises(AttributeError, match="read-only"):
            setattr(value, name, None)
        with pytest.raises(AttributeError, match="read-only"):
            delattr(value, name)
    with pytest.raises(AttributeError):
        value.other = 1  # no __dict__ either
    assert hash(value) == before


@pytest.mark.parametrize("value", values(), ids=lambda v: type(v).__name__)
def test_a_value_survives_pickling_as_itself(value):
    """Workers send values back pickled: the copy is equal, of the same type, read-only."""
    copy = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(copy) is type(value) and copy == value and hash(copy) == hash(value)
    assert str(copy) == str(value)
    with pytest.raises(AttributeError):
        copy.__setattr__(type(value).__slots__[0], None)


def test_an_evr_keeps_rpms_equality_with_its_key_made_once():
    a, b = EVR("0", "1.01", "1"), EVR(None, "1.1", "1")
    assert a == b and hash(a) == hash(b) and a.key() is a.key()


def three_values(three: list[object]) -> None:
    """Three values, whatever the order they meet in (a set, a dict), and equality
    symmetric and transitive among them."""
    for order in itertools.permutations(three):
        assert len(set(order)) == 3
        assert len(dict.fromkeys(order)) == 3
    for x, y, z in itertools.product(three, repeat=3):
        if x == y and y == z:
            assert x == z
        assert (x == y) == (y == x)


def test_equality_is_transitive_across_a_package_and_list_entries_holding_it():
    """The same NEVRA as a Package, and on two lists from two layers: three values, never
    one or two depending on the order they meet in."""
    v = parse("5.1-1.el9")
    three = [
        Package("bash", v, "x86_64"),
        Pkg("bash", v, "x86_64", source("os")),
        Pkg("bash", v, "x86_64", source("site")),
    ]
    three_values(three)
    pkg, os_entry, site_entry = three
    assert os_entry.package == pkg and site_entry.package == pkg and os_entry != pkg
    assert os_entry == Pkg.of(pkg, source("os")) and os_entry != os_entry.but(multi=True)


def test_equality_is_transitive_across_a_package_and_profile_entries_holding_it():
    """Two entries of one build that differ only in their module fields (or in their
    advisories) are two values, and neither equals the bare Package: a set of the three
    has three members whatever the order they meet in (it had 1 or 2 when an entry was a
    Package with its own __eq__)."""
    v = parse("1.20-1.module+el9")
    pkg = Package("nginx", v, "x86_64")
    three = [
        pkg,
        Entry("nginx", v, "x86_64", module="nginx:1.20", module_version="1", module_context="a"),
        Entry("nginx", v, "x86_64", module="nginx:1.22", module_version="1", module_context="a"),
    ]
    three_values(three)
    _, a, b = three
    assert a.package == pkg and b.package == pkg and a != pkg and a != b and hash(a) == hash(pkg)
    assert a == Entry("nginx", parse("0:1.20-1.module+el9"), "x86_64", (), *a.module_fields())  # rpm's equality
    assert a.same_package(pkg) and a.but_earlier(()) == a
