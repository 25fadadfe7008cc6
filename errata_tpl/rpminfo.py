"""What errata-tpl keeps of one package file: its header facts, or why it is bad."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RpmInfo:
    """What errata-tpl needs of one package file's header."""

    path: str  # relative to the mirror, '/'-separated
    name: str
    epoch: str | None
    version: str
    release: str
    arch: str
    is_source: bool
    buildtime: int
    digest: str  # header + payload digests: equal iff the two files are the same build
    obsoletes: tuple[str, ...] = ()

    @property
    def nevra(self) -> str:
        e = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{self.name}-{e}{self.version}-{self.release}.{self.arch}"


@dataclass(frozen=True)
class BadFile:
    path: str
    reason: str
