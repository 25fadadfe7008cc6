"""values.names: what a profile, hotfix, hook suffix, node and os-id may be called."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import names


@pytest.mark.parametrize(
    "check, value",
    [
        (names.profile, "20261201\n"),
        (names.hotfix, "urgent\n"),
        (names.hook_suffix, "-i\n"),
        (names.node, "wn-001\n"),
        (names.os_id, "el9-x86_64\n"),
    ],
)
def test_a_trailing_newline_is_no_name(check, value):
    with pytest.raises(UserError):
        check(value)
