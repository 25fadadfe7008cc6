"""Messages on stderr at the level the user chose (-q, default, -v)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from errata_tpl.terminal import message


def counted(n: int, one: str, many: str | None = None) -> str:
    """``1 build``, ``27 builds``, ``1 advisory``, ``8 advisories``."""
    return f"{n} {one if n == 1 else many or one + 's'}"


@dataclass
class Reporter:
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    stream: TextIO | None = None

    def _out(self, msg: str) -> None:
        # a message is one line, whatever the data it quotes holds (ESC, a line end)
        print(message(msg), file=self.stream or sys.stderr)

    def warn(self, msg: str) -> None:
        """Something the user must see: a skipped file, a discouraged setting."""
        self._out(f"warning: {msg}")

    def info(self, msg: str) -> None:
        if self.verbosity >= 0:
            self._out(msg)

    def detail(self, msg: str) -> None:
        if self.verbosity >= 1:
            self._out(msg)

    def is_terminal(self) -> bool:
        s = self.stream or sys.stderr
        return self.verbosity >= 0 and hasattr(s, "isatty") and s.isatty()
