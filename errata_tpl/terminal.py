"""Text from data made safe to show on a terminal: the one escaping function every
message and text output goes through on its way out.

A node name, a note, an advisory field or a file name can hold any character a YAML
file or a mirror can carry. Shown raw, ESC (``\\x1b[2J``), C1's CSI (``\\x9b``) or DEL
drive the terminal; a carriage return or a bidirectional override makes a line show
other text than it holds. Each such character is shown as its Python escape
(``\\x1b``, ``\\u202e``); everything else, letters of any script included, as it is.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, lone surrogates (bytes of a name in another encoding),
# U+FFFE/U+FFFF, line and paragraph separators, the bidirectional controls (marks,
# embeddings, overrides, isolates) that reorder what a line shows, and U+FEFF (a byte
# order mark, invisible: two ids that show alike would differ).
_CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufeff\ufffe\uffff"
_IN_TEXT = re.compile(f"[{_CONTROL}]")  # tabs and line ends kept: the text's own layout
_IN_LINE = re.compile(f"[{_CONTROL}\\t\\n]")  # one value on one line: nothing kept
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    return _SHORT.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character escaped; with ``one_line`` tabs and line
    ends too (a table cell, a value quoted in a message)."""
    pattern = _IN_LINE if one_line else _IN_TEXT
    return pattern.sub(_escape, text) if pattern.search(text) else text


MESSAGE_CHARS = 4000  # a message quotes what it names: a value of megabytes is cut in its middle
_HEAD, _TAIL = 3000, 800


def message(text: str) -> str:
    """One line for stderr: ``printable`` on one line, and at most ``MESSAGE_CHARS``
    long. A value of megabytes that a message quotes (a package name, a line of a
    file) is cut in its middle, saying how much: the file and key at the start and
    the verdict at the end are kept."""
    line = printable(text, one_line=True)
    if len(line) <= MESSAGE_CHARS:
        return line
    return f"{line[:_HEAD]}...[{len(line) - _HEAD - _TAIL:,} characters left out]...{line[-_TAIL:]}"
