"""Warnings: one typed channel for the tree, the resolver and the workers sharing their work.

A plain warning (``warn``) is said once, in the order first met. A growing one
(``grow``) is one warning about a subject whose names grow as more nodes bring
some (the kernel-only notice of an OS and profile: ``resolve.kernelonly``); it
stays in its first place and its text is made from every name when read. Every
change is logged as a typed record (``Said``, ``Grew``), so the channels of forked
workers, each of which did a share of the nodes, replay into one exactly as if one
process had done every node in order (``resolve.batch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple, Union

Subject = tuple[str, str]  # what a growing warning is about: (the file, the profile)
Text = Callable[[str, str, Iterable[str]], str]  # its text from the subject and every name


class Said(NamedTuple):
    text: str


class Grew(NamedTuple):
    subject: Subject
    names: tuple[str, ...]  # the names this change adds
    text: Text  # a module-level function: workers send it pickled by name


Change = Union[Said, Grew]


class Notices:
    def __init__(self) -> None:
        self._items: list[str | Subject] = []
        self._said: set[str] = set()
        self._grown: dict[Subject, tuple[Text, set[str]]] = {}
        self.log: list[Change] = []

    def warn(self, msg: str) -> None:
        if msg not in self._said:
            self._said.add(msg)
            self._items.append(msg)
            self.log.append(Said(msg))

    def grow(self, subject: Subject, names: Iterable[str], text: Text) -> None:
        """One warning about ``subject``, naming these names too."""
        seen = self._grown.get(subject)
        new = set(names) - (seen[1] if seen is not None else set())
        if not new:
            return
        if seen is None:
            seen = self._grown[subject] = (text, set())
            self._items.append(subject)
        seen[1].update(new)
        self.log.append(Grew(subject, tuple(sorted(new)), text))

    def replay(self, changes: Iterable[Change]) -> None:
        for c in changes:
            if isinstance(c, Said):
                self.warn(c.text)
            else:
                self.grow(c.subject, c.names, c.text)

    @property
    def lines(self) -> list[str]:
        return [i if isinstance(i, str) else self._text(i) for i in self._items]

    def _text(self, subject: Subject) -> str:
        text, names = self._grown[subject]
        return text(*subject, names)
