"""What a node really has, beside what its list says: the observed state from its inventory.

Per package: ``pending`` (installed older than the list; a kernel version older than the
list's newest that the list does not keep, which the next run removes, and the packages
named for that kernel, its modules), ``missing`` (on the
list, not installed), ``drifted`` (installed newer, or at an arch the list does not give the
name), ``extra`` (installed, not on the list; a second version of a name listed once).
The node's ``state`` is ``drifted`` when it has anything drifted or extra, else
``pending`` when anything is pending or missing, else ``applied``; ``stale`` when the
inventory is older than the maximum age (its figures still shown).

Most installed packages are exactly the builds the list names: those are told apart as
tuples (``inventory.model.Key``), in C, and only the names that differ are compared with
rpm's order. An inventory without epochs (``rpm -qa``'s default) matches on version and
release: each of its versions takes the epoch of the list's entry of that name (else of
the newest profile's), which an epoch bump can fool (see README, "Inventories").
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from errata_tpl.errors import UserError
from errata_tpl.fleet.exposure import Exposure
from errata_tpl.inventory.model import Installed, Inventory, Key, kernel_vr, key_of
from errata_tpl.values import evr as evrmod
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package, PackageLike

APPLIED, PENDING, DRIFTED, STALE, UNKNOWN = "applied", "pending", "drifted", "stale", "unknown"
STATES = (APPLIED, PENDING, DRIFTED, STALE, UNKNOWN)


class Listed(PackageLike, Protocol):
    """An entry of a resolved list, as far as the comparison reads it."""

    @property
    def multi(self) -> bool: ...


@dataclass(frozen=True)
class Drift:
    """One package where the node differs from its list (``installed`` or ``wanted`` None: absent)."""

    name: str
    arch: str | None
    installed: str | None
    wanted: str | None


@dataclass(frozen=True)
class Compared:
    pending: tuple[Drift, ...]
    drifted: tuple[Drift, ...]
    extra: tuple[Drift, ...]
    missing: tuple[Drift, ...]
    names: frozenset[str]  # the names where the node differs from its list (or may: entries without version)
    listed: bool = False  # manage: listed: a package not on the list is no drift (the outputs leave it alone)

    def by_kind(self) -> tuple[tuple[str, tuple[Drift, ...]], ...]:
        return (("pending", self.pending), ("missing", self.missing), ("drifted", self.drifted), ("extra", self.extra))

    @property
    def state(self) -> str:
        if self.drifted or (self.extra and not self.listed):
            return DRIFTED
        return PENDING if self.pending or self.missing else APPLIED


class Keys:
    """The key of each entry of the run's lists, per kind of inventory (with or without
    epochs; with the native arch unsaid or not), made once per entry: lists share their
    entries (the resolver shares them), so a list is keyed by a lookup per entry, in C.
    Entries are known by identity; the lists that hold them live as long as the run."""

    def __init__(self) -> None:
        self._memo: dict[tuple[bool, bool], dict[int, Key]] = {}
        self.verdicts: dict[tuple[object, ...], Verdict] = {}  # see ListIndex.verdict

    def of(self, packages: Sequence[Listed], epochs: bool, unnamed: tuple[str, ...]) -> list[Key]:
        """Each entry's key; ``""`` for an entry of any version or arch (no key: its name is compared)."""
        memo = self._memo.setdefault((epochs, bool(unnamed)), {})
        keys = list(map(memo.get, map(id, packages)))
        if None in keys:
            for i, p in enumerate(packages):
                if keys[i] is None:
                    k = "" if p.evr is None or p.arch is None else key_of(p.name, p.evr, _said(p.arch, unnamed), epochs)
                    keys[i] = memo[id(p)] = k
        return keys  # type: ignore[return-value]


def _said(arch: str, unnamed: tuple[str, ...]) -> str | None:
    return None if arch in unnamed else arch


class ListIndex:
    """A resolved list (sorted by name, as the resolver gives it), as one kind of inventory
    writes it, for every node that has it: its keys, and per name its entries and verdicts."""

    def __init__(self, packages: Sequence[Listed], native: tuple[str, str], keyer: Keys, epochs: bool, unnamed: bool):
        self.packages = packages
        self.native = native
        self.epochs = epochs
        self._unnamed = native if unnamed else ()
        self._keyer = keyer
        self._all = keys = keyer.of(packages, epochs, self._unnamed)
        self.keys = frozenset(keys) - {""}
        self.name_of = dict(zip(keys, map(_name, packages)))  # the name of each key (in C)
        self.loose = frozenset(map(_name, itertools.compress(packages, map(operator.not_, keys))))  # no key: no version
        self._names: dict[str, tuple[Sequence[Listed], Sequence[Key]]] = {}

    def entries(self, name: str) -> tuple[Sequence[Listed], Sequence[Key]]:
        """The entries of one name (a slice of the sorted list) and their keys."""
        hit = self._names.get(name)
        if hit is None:
            pkgs = self.packages
            lo = bisect.bisect_left(pkgs, name, key=_name)
            hi = lo
            while hi < len(pkgs) and pkgs[hi].name == name:
                hi += 1
            hit = self._names[name] = (pkgs[lo:hi], self._all[lo:hi])
        return hit

    def verdict(self, name: str, installed: list[Installed]) -> Verdict:
        """What one name comes to, with these builds installed: worked out once per run for
        the same entries (lists share them) and the same builds."""
        entries = self.entries(name)[0]
        have = tuple(sorted(p.key for p in installed)) if len(installed) > 1 else tuple(p.key for p in installed)
        key = (tuple(map(id, entries)), have, self.epochs, self.native)
        verdicts = self._keyer.verdicts
        v = verdicts.get(key)
        if v is None:
            v = verdicts[key] = _judge(entries, installed, self.native, self.epochs)
        return v


_name = operator.attrgetter("name")  # in C: bisect and map call it for every entry


NOTHING = ((), (), (), (), ())


def compare(inv: Inventory, index: ListIndex, listed_only: bool = False) -> tuple[Compared, dict[str, list[Installed]]]:
    """The node's differences from its list, and its installed packages of the names that
    differ (``listed_only``: the node's manage is listed)."""
    listed = index.keys
    extra = list(itertools.filterfalse(listed.__contains__, inv.keys))  # in C, as the two below
    gone = listed.difference(inv.keys)
    table = inv.table
    mine: dict[str, list[Installed]] = {}
    for p in map(table.__getitem__, extra):
        mine.setdefault(p.name, []).append(p)
    names = set(mine)
    names.update(map(index.name_of.__getitem__, gone))
    names.update(index.loose)
    pending: list[Drift] = []
    drifted: list[Drift] = []
    extra_: list[Drift] = []
    missing: list[Drift] = []
    old_kernels: set[str] = set()  # versions of kernels side by side that the next run removes
    for name in sorted(names):
        installed = mine.setdefault(name, [])
        installed += [table[k] for k in index.entries(name)[1] if k and k not in gone]  # installed as listed
        v = index.verdict(name, installed)
        if v is not NOTHING:
            pending += v[0]
            drifted += v[1]
            extra_ += v[2]
            missing += v[3]
            old_kernels.update(v[4])
    if old_kernels:  # a module named for one of those kernels (kmod-xfs-5.14.0-362.8.1.el9_3) goes with it
        going = [d for d in extra_ if any(v in d.name for v in old_kernels)]
        extra_ = [d for d in extra_ if d not in going]
        pending = sorted([*pending, *going], key=lambda d: (d.name, d.arch or ""))
    compared = Compared(tuple(pending), tuple(drifted), tuple(extra_), tuple(missing), frozenset(names), listed_only)
    return compared, mine


def _fits(listed: str | None, installed: str | None, native: tuple[str, str]) -> bool:
    if listed is None:
        return installed is None or installed in native
    if installed is None:  # salt leaves the node's own arch and noarch unsaid
        return listed in native
    return listed == installed


def _cmp(have: EVR, want: EVR, epochs: bool) -> int:
    if not epochs and have.epoch is None and want.epoch is not None:  # matched on version and release
        have = _with_epoch(have, want.epoch)
    return evrmod.compare(have, want)


def _with_epoch(evr: EVR, epoch: str) -> EVR:
    """The same version and release with that epoch (one value per text, as parsed: its
    rpm key made once)."""
    return evrmod.parse(f"{epoch}:{evr.vr}")


def _newest(pkgs: Iterable[Installed]) -> Installed:
    it = iter(pkgs)
    top = next(it)
    for p in it:
        if evrmod.compare(p.evr, top.evr) > 0:
            top = p
    return top


# What one name comes to: pending, drifted, extra, missing, and kernel versions the next run removes.
Verdict = tuple[tuple[Drift, ...], tuple[Drift, ...], tuple[Drift, ...], tuple[Drift, ...], tuple[str, ...]]


def _judge(entries: Sequence[Listed], installed: list[Installed], native: tuple[str, str], epochs: bool) -> Verdict:
    """One name: its entries in the list against its installed builds."""
    pending: list[Drift] = []
    drifted: list[Drift] = []
    extra: list[Drift] = []
    missing: list[Drift] = []
    old_kernels: list[str] = []
    left = list(installed)
    multi_tops: dict[str | None, Listed] = {}
    for e in entries:
        fit = [p for p in left if _fits(e.arch, p.arch, native)]
        if e.multi:  # versions side by side (kernels): exactly this one
            same = next((p for p in fit if e.evr is None or _cmp(p.evr, e.evr, epochs) == 0), None)
            if same is None:
                missing.append(Drift(e.name, e.arch, None, _show(e.evr)))
            else:
                left.remove(same)
            top = multi_tops.get(e.arch)
            if e.evr is not None and (top is None or top.evr is None or evrmod.compare(e.evr, top.evr) > 0):
                multi_tops[e.arch] = e
            continue
        if not fit:
            missing.append(Drift(e.name, e.arch, None, _show(e.evr)))
            continue
        have = _newest(fit)
        left.remove(have)
        c = 0 if e.evr is None else _cmp(have.evr, e.evr, epochs)
        if c < 0:
            pending.append(Drift(e.name, e.arch or have.arch, str(have.evr), str(e.evr)))
        elif c > 0:
            drifted.append(Drift(e.name, e.arch or have.arch, str(have.evr), str(e.evr)))
    for p in left:
        fitting = [e for e in entries if _fits(e.arch, p.arch, native)]
        newest = multi_tops.get(fitting[0].arch) if fitting else None
        if not fitting:  # the name at an arch the list does not give it (drifted), or not on the list at all
            (drifted if entries else extra).append(Drift(p.name, p.arch, str(p.evr), None))
        elif newest is not None and newest.evr is not None:  # a version side by side the list does not keep
            newer = _cmp(p.evr, newest.evr, epochs) > 0  # newer than the list's: drift; older: the next run removes it
            (drifted if newer else pending).append(Drift(p.name, p.arch, str(p.evr), str(newest.evr)))
            if not newer:
                old_kernels.append(p.evr.vr)
        else:
            extra.append(Drift(p.name, p.arch, str(p.evr), None))  # a second version of a name listed once
    v = (tuple(pending), tuple(drifted), tuple(extra), tuple(missing), tuple(old_kernels))
    return NOTHING if v == NOTHING else v


def _show(evr: EVR | None) -> str | None:
    return None if evr is None else str(evr)


def reboot_needed(inv: Inventory, kernel_names: Iterable[str]) -> bool | None:
    """True when the running kernel is not the newest installed one (rpm's order, kernels
    side by side); None when the inventory does not say which kernel runs, or none is installed."""
    if inv.running_kernel is None:
        return None
    kernels = inv.named(frozenset(kernel_names))
    if not kernels:
        return None
    top = _newest(kernels).evr
    try:
        running = evrmod.parse(kernel_vr(inv.running_kernel)[0])
    except UserError:  # no V-R (another distribution's kernel): not one of these builds
        return True
    return evrmod.compare(EVR(None, top.version, top.release), running) != 0


def epochs_filled(
    pkgs: Iterable[Installed], listed: ListIndex, profile: Mapping[str, EVR], made: dict[tuple[Key, str], Package]
) -> list[Package]:
    """An epoch-less inventory's packages with the epoch of the list's entry of the name,
    else of the newest profile's build: to be compared with versions that have theirs
    (each made once per run, in ``made``: the exposure's verdicts are kept per package)."""
    out: list[Package] = []
    for p in pkgs:
        epoch = next((e.evr.epoch for e in listed.entries(p.name)[0] if e.evr is not None), None)
        if epoch is None and p.name in profile:
            epoch = profile[p.name].epoch
        if epoch is None:
            out.append(p)
            continue
        filled = made.get((p.key, epoch))
        if filled is None:
            filled = made[(p.key, epoch)] = Package(p.name, _with_epoch(p.evr, epoch), p.arch)
        out.append(filled)
    return out


def age_days(collected: dt.datetime | None, today: dt.date) -> int | None:
    return None if collected is None else max(0, (today - collected.date()).days)


@dataclass(frozen=True)
class Seen:
    """Where and when an inventory was collected, and what it says of its own."""

    source: str  # rpm, ansible, salt
    file: str
    collected: dt.datetime | None
    running_kernel: str | None
    epochs: bool

    @staticmethod
    def of(inv: Inventory) -> Seen:
        return Seen(inv.source, inv.file, inv.collected, inv.running_kernel, inv.epochs)


@dataclass(frozen=True)
class Observed:
    """One node's inventory against its list (a value: workers send it back pickled)."""

    inventory: Seen
    compared: Compared
    stale: bool  # older than the maximum age
    age_days: int | None
    reboot_needed: bool | None
    applicable: Exposure  # what the installed set lacks against the newest profile
    installable: tuple[str, ...]  # those of its advisories the node's own list fixes

    @property
    def state(self) -> str:
        return STALE if self.stale else self.compared.state

    def facts(self, stamp: str) -> Facts:
        """What the reports say of the inventory (``stamp``: how its time is written)."""
        inv = self.inventory
        return Facts(
            source=inv.source,
            file=inv.file,
            collected=None if inv.collected is None else inv.collected.strftime(stamp),
            age_days=self.age_days,
            state=self.state,
            epochs=inv.epochs,
            running_kernel=inv.running_kernel,
            reboot_needed=self.reboot_needed,
            applicable=[x.advisory.id for x in self.applicable.lacks],
            installable=list(self.installable),
        )


class Facts(NamedTuple):
    """A node's inventory as the reports show it, by the JSON report's names (its schema,
    README): each format takes them in its own order and words (the page's are shorter),
    beside what it alone shows (the drift, package by package)."""

    source: str  # rpm, ansible, salt
    file: str
    collected: str | None
    age_days: int | None
    state: str
    epochs: bool  # the inventory has epochs (else versions matched on version-release)
    running_kernel: str | None
    reboot_needed: bool | None
    applicable: list[str]  # advisory ids: what the installed set lacks
    installable: list[str]  # of those, what the node's own list fixes
