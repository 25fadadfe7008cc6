import pytest
import rpm

from errata_tpl.errors import UserError
from errata_tpl.values import evr


@pytest.mark.parametrize(
    "text, parts",
    [
        ("1.0-1", (None, "1.0", "1")),
        ("2:8.2.2637-20.el9_1", ("2", "8.2.2637", "20.el9_1")),
        ("0:1-1", ("0", "1", "1")),
        ("1.0~rc1-1", (None, "1.0~rc1", "1")),
        ("1.0^git1-1", (None, "1.0^git1", "1")),
        ("5.14.0", (None, "5.14.0", None)),
    ],
)
def test_parse_and_format_round_trip(text, parts):
    v = evr.parse(text)
    assert v.label() == parts
    assert str(v) == text


@pytest.mark.parametrize("bad", ["", "a b-1", "1-2-3", ":1-1", "x:1-1", "1-", "-1"])
def test_parse_refuses(bad):
    with pytest.raises(UserError):
        evr.parse(bad)


def test_parse_refuses_non_strings():
    with pytest.raises(UserError, match="quoted"):
        evr.parse(1.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "a, b",
    [
        ("1.0-1", "1.0-2"),
        ("1.0~rc1-1", "1.0-1"),  # tilde sorts before the release
        ("1.0-1", "1.0^git1-1"),  # caret sorts after
        ("9.9-9", "1:0.1-1"),  # any epoch beats no epoch
        ("1.9-1", "1.10-1"),  # numeric segments
        ("1.0a-1", "1.0.1-1"),
        ("2.34-60.el9", "2.34-83.el9_3.7"),
    ],
)
def test_compare_orders_as_rpm(a, b):
    va, vb = evr.parse(a), evr.parse(b)
    assert evr.compare(va, vb) == -1
    assert evr.compare(vb, va) == 1
    assert evr.compare(va, vb) == rpm.labelCompare(va.label(), vb.label())


def test_epoch_zero_equals_no_epoch():
    assert evr.compare(evr.parse("0:1-1"), evr.parse("1-1")) == 0


def test_sorting_and_max():
    vs = [evr.parse(t) for t in ("1.10-1", "1.9-1", "1:0.1-1", "1.9~b-1")]
    assert [str(v) for v in sorted(vs)] == ["1.9~b-1", "1.9-1", "1.10-1", "1:0.1-1"]
    assert str(max(vs[0], vs[2])) == "1:0.1-1"
