"""fileio.yamlio: YAML read within bounds, UTF-8 or a one-line error."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


# every kind of character a YAML reader refuses raw, folds or drops, and the terminal ones
AWKWARD = "\x1b[31m\x00\x07\x7f\x80\x85\x9b\u2028\u2029\ufeff\ufffe\uffff\u202e\t\r\n\"\\'#: -"


@given(st.text(max_size=60))
@settings(max_examples=400)
def test_every_string_reads_back_exactly(text):
    written = f"k: {yamlio.scalar(text)}\nm: {yamlio.flow_map({text: [text]})}\n"
    for data in (yamlio.load_text(written, "w.yaml"), yaml.load(written, Loader=yaml.SafeLoader)):
        assert data == {"k": text, "m": {text: [text]}}


def test_the_awkward_characters_read_back_with_both_parsers():
    written = f"k: {yamlio.scalar(AWKWARD)}\n"
    assert written.isascii() or all(c not in written for c in "\x7f\x85\u2028\ufeff\u202e")
    assert yamlio.load_text(written, "w.yaml") == {"k": AWKWARD}
    assert yaml.load(written, Loader=yaml.SafeLoader) == {"k": AWKWARD}


def test_text_that_is_not_unicode_is_refused_naming_the_byte():
    with pytest.raises(UserError, match=r"not UTF-8 text \(byte \\xff\)"):
        yamlio.scalar("/srv/mirror-\udcff")


def test_a_record_that_would_not_read_back_is_not_written(tmp_path):
    path = tmp_path / "promotions.yaml"
    path.write_text("- {a: 1}\n")
    with pytest.raises(UserError, match=r"as it would be written\): malformed YAML.*nothing written"):
        yamlio.write_record(path, "- {a: 1}\n- {a: [}\n", lambda d, w: d)
    with pytest.raises(UserError, match=r"key '\[0\].a' reads back as other data than was meant; nothing written"):
        yamlio.write_record(path, "- {a: 1}\n", lambda d, w: d, expect=[{"a": "1"}])

    def refuse(data, where):
        raise UserError(f"{where}: not a record")

    with pytest.raises(UserError, match="not a record; nothing written"):
        yamlio.write_record(path, "- {a: 2}\n", refuse)
    assert path.read_text() == "- {a: 1}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["promotions.yaml"]  # no temporary file left
    yamlio.write_record(path, "- {a: 2}\n", lambda d, w: d, expect=[{"a": 2}])
    assert path.read_text() == "- {a: 2}\n"


def test_a_trailing_newline_is_never_a_plain_scalar():
    """A name-like text with a line end after it ("A\n", found by hypothesis) reads back exactly."""
    assert yamlio.load_text(f"k: {yamlio.scalar('A' + chr(10))}\n", "w.yaml") == {"k": "A\n"}
