"""The one exception a user sees as a message instead of a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused operation: printed as one line, exit 1."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where

    def located(self, where: str) -> UserError:
        """The same error, prefixed with the file (and key) it came from."""
        if self.where is not None:
            return self
        return UserError(f"{where}: {self}", where=where)

    def __str__(self) -> str:
        return str(self.args[0])
