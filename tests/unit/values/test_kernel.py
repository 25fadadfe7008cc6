import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import kernel
from errata_tpl.values.kernel import is_kernel_name


@pytest.mark.parametrize(
    "name, expected",
    [
        ("kernel", True),
        ("kernel-core", True),
        ("kernel-devel", True),
        ("kernel-rt-core", True),
        ("kernel-module-xfs-2.6.9-55.EL", False),
        ("kernel-utils", False),
        ("kernel-utils-extra", False),
        ("kernelshark", False),
        ("kmod-xfs-5.14.0-362.el9", False),
        ("bash", False),
    ],
)
def test_rule_of_rpmerrata(name, expected):
    assert is_kernel_name(name) is expected


@pytest.mark.parametrize("good", ["5.14.0-362.8.1.el9_3", "4.18.0-513.11.1.el8_9", "1:6.1-1", "6.5.0~rc1-1.fc39"])
def test_kernel_versions_that_are(good):
    assert kernel.version(good) == good


@pytest.mark.parametrize("bad", ["abc", "7", 7, 5.14, "5.14.0", "5.14.0-", "-1", "a b-1", "1-2-3", None, True, ["1-1"]])
def test_kernel_versions_that_are_not(bad):
    with pytest.raises(UserError, match="is not a kernel version V-R"):
        kernel.version(bad)
