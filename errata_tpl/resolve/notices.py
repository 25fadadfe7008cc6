"""The resolver's warnings: each said once, in the order first met.

The kernel-only notice of an OS and profile (see ``kernelonly``) grows in its
first place as nodes bring more names. Every change is logged, so resolvers that
each did a share of the nodes (forked workers) replay into one exactly as if one
resolver had done every node in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from errata_tpl.resolve import kernelonly

Change = tuple[str, str, tuple[str, ...]]  # (message, "", ()) or (os file, profile, names it adds)


class Notices:
    def __init__(self) -> None:
        self._items: list[str | tuple[str, str]] = []
        self._said: set[str] = set()
        self._kernel_only: dict[tuple[str, str], set[str]] = {}
        self.log: list[Change] = []

    def warn(self, msg: str) -> None:
        if msg not in self._said:
            self._said.add(msg)
            self._items.append(msg)
            self.log.append((msg, "", ()))

    def kernel_only(self, os_where: str, profile: str, names: Iterable[str]) -> None:
        """Base-list names that only kernel selection could move (one notice per OS and profile)."""
        key = (os_where, profile)
        seen = self._kernel_only.get(key)
        new = set(names) - (seen or set())
        if not new:
            return
        if seen is None:
            seen = self._kernel_only[key] = set()
            self._items.append(key)
        seen |= new
        self.log.append((os_where, profile, tuple(sorted(new))))

    def replay(self, changes: Iterable[Change]) -> None:
        for first, profile, names in changes:
            if names:
                self.kernel_only(first, profile, names)
            else:
                self.warn(first)

    @property
    def lines(self) -> list[str]:
        return [i if isinstance(i, str) else kernelonly.warning(*i, self._kernel_only[i]) for i in self._items]
