"""A node's package set and the four actions on it (Quattor's pkg_* functions).

Every change can be traced (for ``explain``); tracing is off on the fast path.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package, nevra
from errata_tpl.values.readonly import ReadOnly, setter
from errata_tpl.values.source import Source


class Pkg(ReadOnly):
    """A package on a node's list: the package (its value) and the layer that set its
    version. Two are equal when all three are; a Pkg never equals a bare Package. The
    package's fields are kept at hand too (read in every step: a property would cost
    twice a slot), never set apart from it."""

    __slots__ = ("arch", "evr", "multi", "name", "package", "source")
    package: Package
    source: Source
    multi: bool
    name: str
    evr: EVR | None
    arch: str | None

    def __init__(self, name: str, evr: EVR | None, arch: str | None, source: Source, multi: bool = False) -> None:
        _init(self, Package(name, evr, arch), source, multi)

    @staticmethod
    def of(package: Package, source: Source, multi: bool = False) -> Pkg:
        """``package`` (a plain Package: a profile entry's ``package()``) set by ``source``."""
        new: Pkg = object.__new__(Pkg)
        _init(new, package, source, multi)
        return new

    def but(self, *, source: Source | None = None, multi: bool | None = None) -> Pkg:
        """The same package with another source or multi flag."""
        return Pkg.of(self.package, self.source if source is None else source, self.multi if multi is None else multi)

    def sort_key(self) -> tuple[Any, ...]:
        return self.package.sort_key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pkg):
            return NotImplemented
        return self.package == other.package and self.source == other.source and self.multi == other.multi

    def __hash__(self) -> int:
        return hash(self.package)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Pkg.of, (self.package, self.source, self.multi))

    def __str__(self) -> str:
        return nevra(self.package)

    def __repr__(self) -> str:
        return f"Pkg({nevra(self.package)!r}, {self.source!r}{', multi' if self.multi else ''})"


_SET = {n: setter(Pkg, n) for n in Pkg.__slots__}
_set_package, _set_source, _set_multi = _SET["package"], _SET["source"], _SET["multi"]
_set_name, _set_evr, _set_arch = _SET["name"], _SET["evr"], _SET["arch"]


def _init(p: Pkg, package: Package, source: Source, multi: bool) -> None:
    _set_package(p, package)
    _set_source(p, source)
    _set_multi(p, multi)
    _set_name(p, package.name)
    _set_evr(p, package.evr)
    _set_arch(p, package.arch)


@dataclass(frozen=True)
class Event:
    name: str
    step: str
    text: str


_NONE: list[Pkg] = []


def _show(evr: EVR | None) -> str:
    return "any version" if evr is None else str(evr)


class PackageSet:
    """A node's packages by name. A resolver step copies the set it is given and
    changes the copy; what a step returned is never changed again, so nodes share it.
    ``frozen()`` gives the sorted result."""

    def __init__(self, native_arches: Iterable[str] = (), trace: bool = False) -> None:
        self._by_name: dict[str, list[Pkg]] = {}
        # What the last freeze() gave, with its names, and the names changed since: a
        # copy changed in a few names (kept kernels, a node's pins) freezes by splicing
        # those names into the shared result instead of sorting everything again.
        self._origin: list[Any] | None = None  # [frozen tuple, its names or None until a copy needs them]
        self._dirty: set[str] = set()
        self._frozen: tuple[Pkg, ...] | None = None  # freeze()'s result while nothing changed
        # The set this one was copied from and the names changed since: a step whose
        # result per name depends only on that name's entries (errata) redoes just those.
        self.parent: PackageSet | None = None
        self._touched: set[str] = set()
        # An entry without arch ("bash") is taken to be of these arches by ronly.
        self.native_arches = frozenset(native_arches)
        self.events: list[Event] | None = [] if trace else None

    # --- plumbing -----------------------------------------------------------------

    def copy(self) -> PackageSet:
        """A set to change; it traces if this one does, its events following this one's."""
        new = PackageSet(self.native_arches)
        new._by_name = dict(self._by_name)  # lists are never changed in place, only replaced
        new._origin = self._origin
        new._dirty = set(self._dirty)
        new.parent = self
        new.events = None if self.events is None else list(self.events)
        return new

    def note(self, name: str, step: str, text: Callable[[], str]) -> None:
        """Record a step for ``explain``; the text is made only when tracing."""
        if self.events is not None:
            self.events.append(Event(name, step, text()))

    def names(self) -> list[str]:
        return list(self._by_name)

    def entries(self, name: str) -> list[Pkg]:
        """What the set holds for ``name``: the list itself (never change it), empty if none."""
        return self._by_name.get(name, _NONE)

    def set_entries(self, name: str, entries: list[Pkg]) -> None:
        """Put ``entries`` (a list another set holds, unchanged) for ``name``."""
        self._set(name, entries)

    def get(self, name: str) -> list[Pkg]:
        return list(self._by_name.get(name, ()))

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def name_count(self) -> int:
        return len(self._by_name)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def lineage(self, limit: int) -> Iterator[tuple[PackageSet, frozenset[str]]]:
        """This set and each set it was copied from, nearest first, with the names in
        which it differs from that one; until they differ in more than ``limit`` names."""
        differ: set[str] = set()
        s: PackageSet | None = self
        while s is not None and len(differ) <= limit:
            yield s, frozenset(differ)
            differ |= s._touched
            s = s.parent

    def _set(self, name: str, entries: list[Pkg]) -> None:
        self._dirty.add(name)
        self._touched.add(name)
        self._frozen = None
        if entries:
            self._by_name[name] = entries
        else:
            self._by_name.pop(name, None)

    def _entries(self, name: str) -> list[Pkg]:
        entries = self._by_name.get(name, [])
        return entries if len(entries) < 2 else sorted(entries, key=Pkg.sort_key)

    def frozen(self) -> tuple[Pkg, ...]:
        """``freeze()``, made once while the set does not change."""
        if self._frozen is None:
            self._frozen = self.freeze()
        return self._frozen

    def freeze(self) -> tuple[Pkg, ...]:
        """Sorted by name, arch, EVR; rpm's comparison only inside a name (multi)."""
        if self._origin is not None and len(self._dirty) * 8 < len(self._by_name):
            frozen, names = self._origin
            if names is None:  # made once, shared by every copy of the same origin
                names = self._origin[1] = [p.name for p in frozen]
            pieces: list[Iterable[Pkg]] = []
            pos = 0
            for name in sorted(self._dirty):
                i = bisect.bisect_left(names, name, pos)
                pieces += (frozen[pos:i], self._entries(name))
                pos = bisect.bisect_right(names, name, i)
            pieces.append(frozen[pos:])
            result = tuple(itertools.chain.from_iterable(pieces))
        else:
            result = tuple(p for name in sorted(self._by_name) for p in self._entries(name))
        self._origin = [result, None]
        self._dirty = set()
        return result

    # --- layers ---------------------------------------------------------------------

    def put(self, p: Pkg) -> None:
        """A base-list entry: replaces what earlier layers said of the same (name, arch).

        A later entry without arch replaces every arch; an earlier one without arch
        is replaced by any later entry of the name.
        """
        old = self._by_name.get(p.name)
        if not old:  # the common case: a name first listed
            self._by_name[p.name] = [p]
            self._dirty.add(p.name)
            self._touched.add(p.name)
            self._frozen = None
            self.note(p.name, p.source, lambda: f"{p.source} lists {nevra(p)}")
            return
        gone = [o for o in old if p.arch is None or o.arch is None or o.arch == p.arch]
        keep = [o for o in old if o not in gone]
        self._set(p.name, [*keep, p])
        if gone:
            self.note(
                p.name, p.source, lambda: f"{p.source} sets {nevra(p)} (replaces {', '.join(nevra(g) for g in gone)})"
            )
        else:
            self.note(p.name, p.source, lambda: f"{p.source} lists {nevra(p)}")

    # --- the four actions -------------------------------------------------------------

    def ronly(self, name: str, evr: EVR, arch: str, source: Source) -> bool:
        """pkg_ronly: only if present at that arch; all its versions collapse to ``evr``;
        never lowers. True when the set changed."""
        old = self._by_name.get(name)
        if not old:
            return False
        hit = [o for o in old if o.arch == arch or (o.arch is None and arch in self.native_arches)]
        if not hit:
            self.note(
                name, source, lambda: f"{source}: {name}-{evr}.{arch} not applied: {name} is not listed at {arch}"
            )
            return False
        newer = [o for o in hit if o.evr is not None and o.evr > evr]
        if newer:
            self.note(
                name,
                source,
                lambda: (
                    f"{source}: {name}-{evr}.{arch} not applied: "
                    f"{nevra(newer[0])} (from {newer[0].source}) is newer and stays"
                ),
            )
            return False
        if len(hit) == 1 and hit[0].evr == evr and hit[0].arch == arch:
            self.note(name, source, lambda: f"{source}: {name}-{evr}.{arch} already set by {hit[0].source}")
            return False
        new = Pkg(name, evr, arch, source, multi=any(o.multi for o in hit))
        self._set(name, [o for o in old if o not in hit] + [new])
        self.note(name, source, lambda: f"{source}: {', '.join(nevra(h) for h in hit)} -> {nevra(new)} (replace-only)")
        return True

    def repl(self, name: str, evr: EVR | None, arch: str | None, source: Source, multi: bool = False) -> None:
        """pkg_repl: ``name``/``arch`` becomes exactly ``evr``, added if absent;
        without arch, every other version of the name goes."""
        old = self._by_name.get(name, [])
        gone = [o for o in old if arch is None or o.arch is None or o.arch == arch]
        new = Pkg(name, evr, arch, source, multi)
        self._set(name, [o for o in old if o not in gone] + [new])
        was = f" (was {', '.join(nevra(g) for g in gone)})" if gone else " (added)"
        self.note(name, source, lambda: f"{source}: repl {nevra(new)}{was}")

    def add(self, name: str, evr: EVR | None, arch: str | None, source: Source, multi: bool = False) -> None:
        """pkg_add: a different version already there is an error unless ``multi``."""
        old = self._by_name.get(name, [])
        same_arch = [o for o in old if arch is None or o.arch is None or o.arch == arch]
        if any(o.evr == evr and o.arch == arch for o in same_arch):
            if multi:  # the same version asked for again as multi: mark it so
                self._set(name, [o.but(multi=True) if o.evr == evr and o.arch == arch else o for o in old])
            self.note(name, source, lambda: f"{source}: add {nevra(Package(name, evr, arch))}: already there")
            return
        clash = [o for o in same_arch if o.evr is not None and evr is not None]
        if clash and not multi:
            c = clash[0]
            raise UserError(
                f"conflicting add of {nevra(Package(name, evr, arch))} ({source}): "
                f"{nevra(c)} is already set by {c.source}; use multi: true to keep both, or repl"
            )
        # An entry of any version is satisfied by a concrete one: it goes.
        keep = [o for o in old if not (o in same_arch and (o.evr is None or evr is None) and not multi)]
        if multi:
            keep = [o.but(multi=True) if o in same_arch else o for o in keep]
        new = Pkg(name, evr, arch, source, multi)
        self._set(name, [*keep, new])
        self.note(name, source, lambda: f"{source}: add {nevra(new)}{' (multi)' if multi else ''}")

    def delete(self, name: str, evr: EVR | None, arch: str | None, source: Source) -> None:
        """pkg_del: the package, that version, or that arch; absent is a no-op."""
        old = self._by_name.get(name, [])
        gone = [o for o in old if (evr is None or o.evr == evr) and (arch is None or o.arch == arch)]
        self._set(name, [o for o in old if o not in gone])
        if gone:
            self.note(name, source, lambda: f"{source}: del {', '.join(nevra(g) for g in gone)}")
        else:
            self.note(name, source, lambda: f"{source}: del {name}: not present, nothing to do")
