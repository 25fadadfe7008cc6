import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import ref


@pytest.mark.parametrize(
    "text, name, version, arch",
    [
        ("bash", "bash", None, None),
        ("bash-5.1.8-9.el9.x86_64", "bash", "5.1.8-9.el9", "x86_64"),
        ("openssl-libs-1:3.0.7-24.el9.x86_64", "openssl-libs", "1:3.0.7-24.el9", "x86_64"),
        ("bash-5.1.8-9.el9", "bash", "5.1.8-9.el9", None),
        ("xorg-x11-server-Xorg", "xorg-x11-server-Xorg", None, None),
        ("kmod-xfs-5.14.0-362.13.1.el9_3-1.0-1.el9.x86_64", "kmod-xfs-5.14.0-362.13.1.el9_3", "1.0-1.el9", "x86_64"),
        ("tzdata-2024a-1.el9.noarch", "tzdata", "2024a-1.el9", "noarch"),
        ("python3.11", "python3.11", None, None),
    ],
)
def test_string_forms(text, name, version, arch):
    r = ref.parse(text)
    assert (r.name, None if r.evr is None else str(r.evr), r.arch) == (name, version, arch)


def test_mapping_form():
    r = ref.parse({"name": "jdk", "version": "11.0.20-fcs", "arch": "x86_64"})
    assert str(r) == "jdk-11.0.20-fcs.x86_64"
    assert ref.parse({"name": "jdk"}).evr is None
    assert str(ref.parse({"name": "x", "version": 5}).evr) == "5"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"version": "1-1"}, "without 'name'"),
        ({"name": "a", "flavour": "x"}, "unknown key 'flavour'"),
        ({"name": "a", "version": 1.10}, "quoted"),
        ({"name": "a b"}, "bad package name"),
        ({"name": "a", "arch": "x/86"}, "bad arch"),
        (42, "mapping or a string"),
        ("", "bad package name"),
    ],
)
def test_refused(bad, message):
    with pytest.raises(UserError, match=message):
        ref.parse(bad)
