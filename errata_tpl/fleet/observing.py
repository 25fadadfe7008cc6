"""Every node's inventory against its list, for a run: read, compared, and (for a large
fleet) split over one forked worker per core, each reading and comparing its share and
sending back the results (``Observed`` values, small): reading and comparing ~1,500
packages per node is most of what inventories cost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from errata_tpl.fleet.exposure import Exposure, Newest, replaced
from errata_tpl.fleet.observed import (
    Compared,
    Keys,
    Listed,
    ListIndex,
    Observed,
    Seen,
    age_days,
    compare,
    epochs_filled,
    reboot_needed,
)
from errata_tpl.inventory.model import Deferred, Inventory, Key
from errata_tpl.values.package import Package

PARALLEL_FROM = 400  # nodes with an inventory: fewer are compared in this process


class Item(NamedTuple):
    """What observing one node needs of the fleet's facts."""

    node: str
    packages: Sequence[Listed]
    arch: str
    kernel_names: tuple[str, ...]
    newest: Newest | None
    listed: Exposure  # what its list lacks
    manage: str = "all"  # listed: what the list does not name stays installed


Result = tuple[Observed | None, tuple[str, ...]]  # and the warnings reading its inventory gave
Chunks = Callable[[Iterable[list[Item]]], list[list[Result]]]
Runner = Callable[[Chunks, list[list[Item]]], list[list[Result]]]
Complete = Callable[[Deferred], tuple[Inventory | None, list[str]]]


class Observing:
    """The inventories of a run, and how old one may be. Nodes sharing a list share its
    index; nodes with the very same inventory file and list (identical nodes) share the
    comparison."""

    def __init__(
        self,
        inventories: Mapping[str, Inventory | Deferred],
        complete: Complete,
        now: dt.datetime,
        today: dt.date,
        max_age: dt.timedelta,
        runner: Runner | None = None,
    ) -> None:
        self.inventories = inventories
        self.complete = complete  # reads a file named after its node
        self.now = now  # staleness is counted to this instant
        self.today = today  # and ages in days to the report's day
        self.max_age = max_age
        self.runner = runner  # map over shares in forked workers (parallel.map_shares)
        self._lists: dict[tuple[int, bool, bool], tuple[Sequence[Listed], ListIndex]] = {}
        self._keys = Keys()
        self._filled: dict[tuple[Key, str], Package] = {}
        self._compared: dict[tuple[int, ...], tuple[tuple[Key, ...], Exposure, Compared, Exposure, tuple[str, ...]]]
        self._compared = {}

    def observe_all(self, items: list[Item]) -> dict[str, Result]:
        """node -> its observed state and warnings, for the nodes with an inventory. The
        nodes of one list go to one worker: the list's index and the comparisons of
        identical nodes are made once there."""
        groups: dict[int, list[Item]] = {}
        for it in items:
            if it.node in self.inventories:
                groups.setdefault(id(it.packages), []).append(it)
        chunks = sorted(groups.values(), key=len, reverse=True)  # interleaved over the workers: balanced
        if self.runner is not None and sum(map(len, chunks)) >= PARALLEL_FROM:
            results = self.runner(self._chunks, chunks)
        else:
            results = self._chunks(chunks)
        return {it.node: r for chunk, got in zip(chunks, results) for it, r in zip(chunk, got)}

    def _chunks(self, chunks: Iterable[list[Item]]) -> list[list[Result]]:
        return [[self.observe(it) for it in chunk] for chunk in chunks]

    def inventory(self, node: str) -> tuple[Inventory | None, list[str]]:
        found = self.inventories.get(node)
        if isinstance(found, Deferred):
            return self.complete(found)
        return found, []

    def observe(self, it: Item) -> Result:
        inv, said = self.inventory(it.node)
        if inv is None:
            return None, tuple(said)
        kind = (id(it.packages), inv.epochs, inv.unnamed_native)
        hit = self._lists.get(kind)
        if hit is None or hit[0] is not it.packages:
            index = ListIndex(it.packages, (it.arch, "noarch"), self._keys, inv.epochs, inv.unnamed_native)
            hit = self._lists[kind] = (it.packages, index)
        index = hit[1]
        memo = (id(inv.keys), id(index), id(it.listed), id(it.newest), it.manage == "listed")
        seen = self._compared.get(memo)
        if seen is None or seen[0] is not inv.keys or seen[1] is not it.listed:
            compared, applicable, installable = self._compare(inv, index, it)
            seen = self._compared[memo] = (inv.keys, it.listed, compared, applicable, installable)
        _, _, compared, applicable, installable = seen
        collected = inv.collected
        observed = Observed(
            inventory=Seen.of(inv),
            compared=compared,
            stale=collected is not None and self.now - collected > self.max_age,
            age_days=age_days(collected, self.today),
            reboot_needed=reboot_needed(inv, it.kernel_names),
            applicable=applicable,
            installable=installable,
        )
        return observed, tuple(said)

    def _compare(self, inv: Inventory, index: ListIndex, it: Item) -> tuple[Compared, Exposure, tuple[str, ...]]:
        listed_only = it.manage == "listed"
        compared, mine = compare(inv, index, listed_only)
        applicable, newest = it.listed, it.newest
        if newest is not None:
            names = {n for n in compared.names if n in newest.by_name}  # (few names: never the other way)
            if names:  # else the installed set lacks just what the list lacks
                found = [p for name in names for p in mine.get(name, ())]
                pkgs: Sequence[Package] = (
                    found if inv.epochs else epochs_filled(found, index, newest.evrs, self._filled)
                )
                applicable = replaced(it.listed, frozenset(names), newest.exposure(pkgs, it.arch))
        # what the next run leaves lacking: what the list lacks, and (manage: listed) what the
        # packages the list does not name lack, since they stay
        stays = {x.advisory.id for x in it.listed.lacks}
        if listed_only and newest is not None and compared.extra:
            kept = [p for d in compared.extra for p in mine.get(d.name, ())]
            pkgs = kept if inv.epochs else epochs_filled(kept, index, newest.evrs, self._filled)
            stays.update(x.advisory.id for x in newest.exposure(pkgs, it.arch).lacks)
        installable = tuple(x.advisory.id for x in applicable.lacks if x.advisory.id not in stays)
        return compared, applicable, installable
