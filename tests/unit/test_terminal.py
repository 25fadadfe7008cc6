"""terminal: what may reach a terminal from data."""

from cli.test_terminal_escapes import ODD

from errata_tpl.terminal import printable


def test_printable_escapes_controls_and_keeps_text():
    assert printable("a\x1b[2J\x9b\u202e\udcff\ufffe\r é 😀") == "a\\x1b[2J\\x9b\\u202e\\udcff\\ufffe\\r é 😀"
    assert printable("one\ttwo\nthree") == "one\ttwo\nthree"
    assert printable("one\ttwo\nthree", one_line=True) == "one\\ttwo\\nthree"
    assert printable(printable(ODD)) == printable(ODD)  # escaping twice changes nothing
