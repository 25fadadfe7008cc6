import pytest

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
