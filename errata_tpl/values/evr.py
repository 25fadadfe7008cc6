"""Epoch:version-release values: parse, format, compare.

Order and equality are rpm's own (``rpm.labelCompare``): ``0:1.0-1`` equals
``1.0-1``, ``1.01`` equals ``1.1``. This module never orders two different
versions by itself; it only keeps, per value, a key that rpm-equal versions
share (for ``hash`` and to skip rpm when two versions cannot be equal).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Optional

from errata_tpl.errors import UserError
from errata_tpl.values.readonly import ReadOnly, setter

# rpm allows almost anything in a version; we refuse only what cannot be one:
# whitespace, '-' inside V or R (it separates them) and an empty part.
_PART = r"[^\s:\-]+"
_EVR_RE = re.compile(rf"^(?:(?P<epoch>\d+):)?(?P<version>{_PART})(?:-(?P<release>{_PART}))?$")
# The pieces rpmvercmp compares (ASCII digits, ASCII letters, '~', '^'); everything
# else separates them. Equal versions have equal pieces, numbers without leading zeros.
_PIECE = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")

Label = tuple[Optional[str], str, Optional[str]]


def _pieces(text: str) -> tuple[str, ...]:
    return tuple(p.lstrip("0") if p[0].isdigit() else p for p in _PIECE.findall(text))


@functools.lru_cache(maxsize=1)
def label_compare() -> Callable[[Label, Label], int]:
    """``rpm.labelCompare`` over (epoch, version, release) tuples."""
    from errata_tpl.rpmlib import rpm  # on first use: a run that compares nothing does not load librpm

    compare: Callable[[Label, Label], int] = rpm.labelCompare
    return compare


@functools.total_ordering
class EVR(ReadOnly):
    """One ``[E:]V[-R]``; it prints as written (an ``0:`` given stays), compares as rpm.
    Read-only (it keeps its comparison key)."""

    __slots__ = ("_key", "epoch", "release", "version")
    epoch: str | None
    version: str
    release: str | None
    _key: tuple[Any, ...] | None  # made on first hash or comparison

    def __init__(self, epoch: str | None, version: str, release: str | None = None) -> None:
        _set_epoch(self, epoch)
        _set_version(self, version)
        _set_release(self, release)
        _set_key(self, None)

    def __reduce__(self) -> tuple[type[EVR], tuple[str | None, str, str | None]]:
        return (EVR, (self.epoch, self.version, self.release))

    def key(self) -> tuple[Any, ...]:
        """What rpm-equal versions share: the pieces rpm compares, epoch 0 as none."""
        k = self._key
        if k is None:
            rel = None if self.release is None else _pieces(self.release)
            k = ((self.epoch or "0").lstrip("0"), _pieces(self.version), rel)
            _set_key(self, k)
        return k

    def label(self) -> Label:
        return (self.epoch, self.version, self.release)

    @property
    def vr(self) -> str:
        return self.version if self.release is None else f"{self.version}-{self.release}"

    def __str__(self) -> str:
        # Epoch 0 is written only when it was given: "0:1-1" and "1-1" are the same
        # version to rpm, but a site's file should read back as it was written.
        return self.vr if self.epoch is None else f"{self.epoch}:{self.vr}"

    def __repr__(self) -> str:
        return f"EVR({str(self)!r})"

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return compare(self, other) == 0

    def __lt__(self, other: EVR) -> bool:
        if not isinstance(other, EVR):
            return NotImplemented
        return compare(self, other) < 0


_set_epoch, _set_version, _set_release, _set_key = (setter(EVR, n) for n in ("epoch", "version", "release", "_key"))


def compare(a: EVR, b: EVR) -> int:
    """-1, 0 or 1 as rpm orders the two versions."""
    if a is b or (a.version == b.version and a.release == b.release and a.epoch == b.epoch):
        return 0
    if a.key() == b.key():
        return 0  # the same pieces: rpm has nothing to tell them apart by
    return label_compare()(a.label(), b.label())


def parse(text: str) -> EVR:
    """Parse ``[E:]V[-R]``; raise UserError on anything else."""
    if not isinstance(text, str):
        raise UserError(f"version must be a quoted string like '[E:]V-R', not {type(text).__name__} {text!r}")
    return _parse(text)


@functools.lru_cache(maxsize=65536)  # the same versions recur in every profile and node
def _parse(text: str) -> EVR:
    m = _EVR_RE.fullmatch(text)
    if m is None:
        raise UserError(f"bad version {text!r}: expected '[E:]V-R'")
    return EVR(m["epoch"], m["version"], m["release"])
