"""Epoch:version-release values: parse, format, compare.

Comparison is rpm's own (``rpm.labelCompare``); this module never orders
versions by itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from errata_tpl.errors import UserError

# rpm allows almost anything in a version; we refuse only what cannot be one:
# whitespace, '-' inside V or R (it separates them) and an empty part.
_PART = r"[^\s:\-]+"
_EVR_RE = re.compile(rf"^(?:(?P<epoch>\d+):)?(?P<version>{_PART})(?:-(?P<release>{_PART}))?$")


@dataclass(frozen=True)
class EVR:
    epoch: str | None
    version: str
    release: str | None = None

    def __str__(self) -> str:
        evr = self.version if self.release is None else f"{self.version}-{self.release}"
        # Epoch 0 is written only when it was given: "0:1-1" and "1-1" are the same
        # version to rpm, but a site's file should read back as it was written.
        return evr if self.epoch is None else f"{self.epoch}:{evr}"

    @property
    def vr(self) -> str:
        return self.version if self.release is None else f"{self.version}-{self.release}"

    def label(self) -> tuple[str | None, str, str | None]:
        return (self.epoch, self.version, self.release)


def parse(text: str) -> EVR:
    """Parse ``[E:]V[-R]``; raise UserError on anything else."""
    if not isinstance(text, str):
        raise UserError(f"version must be a quoted string like '[E:]V-R', not {type(text).__name__} {text!r}")
    return _parse(text)


@functools.lru_cache(maxsize=65536)  # the same versions recur in every profile and node
def _parse(text: str) -> EVR:
    m = _EVR_RE.match(text)
    if m is None:
        raise UserError(f"bad version {text!r}: expected '[E:]V-R'")
    return EVR(m["epoch"], m["version"], m["release"])


@functools.lru_cache(maxsize=1)
def label_compare() -> Callable[[tuple, tuple], int]:
    """``rpm.labelCompare`` over (epoch, version, release) tuples."""
    import rpm  # imported on first use: a run that compares nothing does not load librpm

    return rpm.labelCompare


def compare(a: EVR, b: EVR) -> int:
    """-1, 0 or 1 as rpm orders the two versions."""
    if a == b:
        return 0
    return label_compare()(a.label(), b.label())


sort_key = functools.cmp_to_key(compare)


def newest(a: EVR, b: EVR) -> EVR:
    return b if compare(b, a) > 0 else a
