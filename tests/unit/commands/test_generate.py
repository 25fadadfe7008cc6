"""commands.generate: the progress bar, only on a terminal and a large mirror."""

import io


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_a_large_mirror():
    from errata_tpl.commands.generate import PROGRESS_MIN_FILES, _progress_bar
    from errata_tpl.messages import Reporter

    items = [f"f{i}.rpm" for i in range(PROGRESS_MIN_FILES)]
    tty = _Terminal()
    assert list(_progress_bar(Reporter(0, tty))(items)) == items
    assert "reading headers" in tty.getvalue()
    for rep, n in (
        (Reporter(0, _Terminal()), 10),
        (Reporter(0, io.StringIO()), len(items)),
        (Reporter(-1, _Terminal()), len(items)),
    ):
        assert list(_progress_bar(rep)(items[:n])) == items[:n]
        assert rep.stream.getvalue() == ""
