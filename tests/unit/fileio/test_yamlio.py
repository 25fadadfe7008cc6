"""fileio.yamlio: YAML read within bounds, UTF-8 or a one-line error."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio


def test_huge_and_deep_yaml_refused(tmp_path):
    with pytest.raises(UserError, match="nesting deeper"):
        yamlio.load_text("a: " + "[" * 200 + "]" * 200, "deep.yaml")
    big = tmp_path / "big.yaml"
    with open(big, "w") as f:
        f.truncate(yamlio.MAX_BYTES + 1)
    with pytest.raises(UserError, match="larger than"):
        yamlio.load_file(big)


def test_not_utf8(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(UserError, match="not UTF-8"):
        yamlio.load_file(p)
