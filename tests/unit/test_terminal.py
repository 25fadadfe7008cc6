"""terminal: what may reach a terminal from data."""

from cli.test_terminal_escapes import ODD

from errata_tpl.terminal import MESSAGE_CHARS, message, printable


def test_printable_escapes_controls_and_keeps_text():
    assert printable("a\x1b[2J\x9b\u202e\udcff\ufffe\r é 😀") == "a\\x1b[2J\\x9b\\u202e\\udcff\\ufffe\\r é 😀"
    assert printable("one\ttwo\nthree") == "one\ttwo\nthree"
    assert printable("one\ttwo\nthree", one_line=True) == "one\\ttwo\\nthree"
    assert printable(printable(ODD)) == printable(ODD)  # escaping twice changes nothing


def test_a_message_is_one_bounded_line():
    assert message("a\nb") == "a\\nb"  # as printable makes it on one line
    short = "f: key 'k': " + "x" * (MESSAGE_CHARS - 12)
    assert message(short) == short  # at the bound: whole
    long = "site/nodes/n.yaml: packages[0]: bad 'bash " + "x" * 1_000_000 + "': the verdict"
    cut = message(long)
    assert len(cut) < MESSAGE_CHARS + 60
    assert cut.startswith("site/nodes/n.yaml: packages[0]: bad 'bash xx") and cut.endswith("xx': the verdict")
    left_out = int(cut.split("...[")[1].split(" characters left out]")[0].replace(",", ""))
    assert left_out == len(long) - (len(cut) - len(f"...[{left_out:,} characters left out]..."))
