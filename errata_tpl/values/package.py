"""One package value (name, EVR, arch) and its notations.

Every shape of a package in errata-tpl builds on ``Package``: a reference in a
site's file (version or arch may be unknown), a profile entry, a resolved
entry, a diff side. Equality, hash and order are rpm's: name, then arch, then
``rpm.labelCompare`` of the EVR (an unknown version first). Modelled on
pypa/packaging's ``Version``: read-only, ``__slots__``, a cached hash.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

from errata_tpl.values.evr import EVR
from errata_tpl.values.readonly import ReadOnly, setter


@functools.total_ordering
class Package(ReadOnly):
    __slots__ = ("_hash", "arch", "evr", "name")
    name: str
    evr: EVR | None
    arch: str | None
    _hash: int | None  # made on first use

    def __init__(self, name: str, evr: EVR | None = None, arch: str | None = None) -> None:
        _set_name(self, name)
        _set_evr(self, evr)
        _set_arch(self, arch)
        _set_hash(self, None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Package, (self.name, self.evr, self.arch))

    def package(self) -> Package:
        """Only the value (name, EVR, arch), without what a subclass adds: a key for dicts."""
        return self if type(self) is Package else Package(self.name, self.evr, self.arch)

    def same_package(self, other: Package) -> bool:
        """Name, arch and version equal (rpm's equality), whatever else differs."""
        if self.name != other.name or self.arch != other.arch:
            return False
        a, b = self.evr, other.evr
        return a is b or (a is not None and b is not None and a == b)

    def sort_key(self) -> tuple[Any, ...]:
        # an entry of any version sorts first; rpm compares only real versions
        return (self.name, self.arch or "", (0,) if self.evr is None else (1, self.evr))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Package):
            return NotImplemented
        return self.same_package(other)

    def __lt__(self, other: Package) -> bool:
        if not isinstance(other, Package):
            return NotImplemented
        return bool(self.sort_key() < other.sort_key())

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash((self.name, self.arch, self.evr))
            _set_hash(self, h)
        return h

    def __str__(self) -> str:
        return nevra(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({nevra(self)!r})"


_set_name, _set_evr, _set_arch, _set_hash = (setter(Package, n) for n in ("name", "evr", "arch", "_hash"))


# --- notations: one function each -------------------------------------------------------


class PackageLike(Protocol):
    """What a notation reads: a package's three fields (a Package, or a value holding one)."""

    @property
    def name(self) -> str: ...
    @property
    def evr(self) -> EVR | None: ...
    @property
    def arch(self) -> str | None: ...


def nevra(p: PackageLike) -> str:
    """``N-[E:]V-R.A`` as ``rpm -qa`` prints it (an epoch when given); what is unknown is left out.
    It is also what ``dnf install`` takes."""
    s = p.name if p.evr is None else f"{p.name}-{p.evr}"
    return s if p.arch is None else f"{s}.{p.arch}"


dnf = nevra


def version(p: PackageLike) -> str | None:
    """The version as written (``[E:]V-R``; an epoch when given); None for any version."""
    return None if p.evr is None else str(p.evr)


def vr(p: PackageLike) -> str | None:
    """``V-R`` without the epoch: what Quattor's SPMA names a version (it reads epochs from
    the repositories); None for any version."""
    return None if p.evr is None else p.evr.vr


def envra(p: PackageLike) -> str | None:
    """``E:N-V-R.A``, the epoch always (0 when none): how ansible's dnf module lists an
    installed build; None without a version or an arch."""
    if p.evr is None or p.arch is None:
        return None
    return f"{p.evr.epoch or '0'}:{p.name}-{p.evr.vr}.{p.arch}"


def name_arch(p: PackageLike) -> str:
    """``N.A`` (``N`` for any arch): salt's name of a package of one arch."""
    return p.name if p.arch is None else f"{p.name}.{p.arch}"


def versionlock(p: PackageLike) -> str | None:
    """The versionlock plugin's ``N-E:V-R.A``: the epoch always, ``*`` for any arch;
    None when there is no version to lock."""
    if p.evr is None:
        return None
    e = p.evr
    return f"{p.name}-{e.epoch or '0'}:{e.vr}.{p.arch or '*'}"


def pan_string(value: Any) -> str:
    """A pan single-quoted string ('' stands for a quote)."""
    return "'" + str(value).replace("'", "''") + "'"


def pan(p: PackageLike, function: str = "pkg_repl", multi: bool = False) -> str:
    """Quattor's ``'/software/packages'=pkg_*(...)`` line (the arguments it has, '' for a
    version it lacks before an arch)."""
    args = [pan_string(p.name)]
    if p.evr is not None or p.arch is not None:
        args.append(pan_string("" if p.evr is None else p.evr))
    if p.arch is not None:
        args.append(pan_string(p.arch))
    if multi:
        args.append("'multi'")
    return f"'/software/packages'={function}({','.join(args)});"
