"""What errata-tpl keeps of one package file: its header facts, or why it is bad.

Tuples, not dataclasses: a scan makes one per file, in worker processes that
send them back pickled, and a tuple is the cheapest thing to build and send.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from errata_tpl.values.evr import EVR, Label
from errata_tpl.values.package import Package, nevra


class RpmInfo(NamedTuple):
    """What errata-tpl needs of one package file's header."""

    path: str  # relative to the mirror, '/'-separated
    name: str
    epoch: str | None
    version: str
    release: str
    arch: str
    is_source: bool
    buildtime: int
    digest: str  # of the header (which holds the payload's): equal iff the two files are the same build
    sha256: bool = False  # header and payload carry SHA256 digests (built by rpm >= 4.14)
    # where the headers end in the file (the payload starts): publish gives createrepo_c
    # the bytes before it and the whole file's SHA256 (0: not known)
    header_end: int = 0
    obsoletes: tuple[str, ...] = ()

    @classmethod
    def of(cls, path: str, facts: tuple[Any, ...]) -> RpmInfo:
        """From ``path`` and the other fields, in order."""
        return tuple.__new__(cls, (path, *facts))  # _make, without its checks: a scan makes thousands

    @property
    def facts(self) -> tuple[Any, ...]:
        """Every field but the path (what ``of`` takes back)."""
        return self[1:]

    @property
    def package(self) -> Package:
        """The package value this file holds."""
        return Package(self.name, EVR(self.epoch, self.version, self.release), self.arch)

    @property
    def nevra(self) -> str:
        return nevra(self.package)

    @property
    def label(self) -> Label:
        """(epoch, version, release) as ``rpm.labelCompare`` takes it."""
        return (self.epoch, self.version, self.release)


class BadFile(NamedTuple):
    path: str
    reason: str

    @property
    def os_error(self) -> bool:
        """The file could not be opened or stat'ed: it may be fine next time."""
        return self.reason.startswith("cannot ")
