"""The resolver's step caches: one typed key per step, and a check mode.

A cached step is a pure function of its key: the key holds every input the step
reads, as the values the tree hands out (one object per file, compared by
identity), the package set of the step before (by identity: what a step returned
is never changed) and plain text. Nodes whose keys are equal get the very same
result. A key that forgets an input would give a node another node's result: in
check mode (``ERRATA_TPL_CHECK_CACHES=1``, set for the whole test suite) every
hit is made again from the node's own inputs and compared, and a difference is
an error naming the step.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, Union

from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.resolve import streams
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.site.config import Merged, NodeConfig, OsConfig, Settings
from errata_tpl.site.hooks import FixHook, InitHook

if TYPE_CHECKING:  # they hold these keys
    from errata_tpl.profile.profile import Entry, Profile
    from errata_tpl.resolve.hotfixes import Outcome
    from errata_tpl.resolve.model import Variables
    from errata_tpl.resolve.replaceonly import Applied

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

CHECK_ENV = "ERRATA_TPL_CHECK_CACHES"


def checking() -> bool:
    """Check mode, as the environment asks (the tests set it)."""
    return os.environ.get(CHECK_ENV, "") not in ("", "0")


class StaleHit(AssertionError):
    """A cache hit differs from the step made again for this node: its key misses an input."""


class StepCache(Generic[K, V]):
    """One step's results by key, made once per run (``check``: made again on every
    hit and compared with ``same``)."""

    __slots__ = ("_hits", "check", "name", "same")

    def __init__(self, name: str, check: bool, same: Callable[[V, V], bool] | None = None) -> None:
        self.name = name
        self.check = check
        self.same: Callable[[V, V], bool] = same or _equal
        self._hits: dict[K, V] = {}

    def get(self, key: K, make: Callable[[], V]) -> V:
        try:
            hit = self._hits[key]
        except KeyError:
            hit = self._hits[key] = make()
            return hit
        if self.check:
            self.verify(key, hit, make)
        return hit

    def peek(self, key: K) -> V | None:
        """The result for ``key`` if made already (nothing is made or checked)."""
        return self._hits.get(key)

    def put(self, key: K, value: V) -> None:
        self._hits[key] = value

    def verify(self, key: K, hit: V, make: Callable[[], V]) -> None:
        """Raise StaleHit unless ``make()`` gives what ``hit`` is."""
        try:
            fresh = make()
        except Exception as e:
            raise StaleHit(f"step {self.name}: a cached result, but making it again failed: {e}") from e
        if not self.same(hit, fresh):
            raise StaleHit(f"step {self.name}: the cached result differs from this node's own ({type(key).__name__})")


def _equal(a: Any, b: Any) -> bool:
    return bool(a == b)


# --- what results are equal (check mode) -----------------------------------------------


def same_set(a: PackageSet, b: PackageSet) -> bool:
    """The same entries, versions as written (not only rpm-equal), sources, arches and trace."""
    return (
        a.native_arches == b.native_arches
        and [(p.name, str(p.evr), p.arch, p.source, p.multi) for p in a.frozen()]
        == [(p.name, str(p.evr), p.arch, p.source, p.multi) for p in b.frozen()]
        and a.events == b.events
    )


def same_first(a: tuple[PackageSet, Any], b: tuple[PackageSet, Any]) -> bool:
    """A set and what came with it."""
    return same_set(a[0], b[0]) and a[1] == b[1]


def same_variables(a: Variables, b: Variables) -> bool:
    return a.values == b.values


def same_applied(a: Applied, b: Applied) -> bool:
    return same_set(a.pl, b.pl) and a.changes == b.changes and a.events == b.events


# --- the keys, in the order the steps run ------------------------------------------------
# Plain tuples (a NamedTuple costs half a microsecond more to make, 15 times per node):
# what each position holds is said beside it, and mypy checks every key against its type.

Streams = tuple[dict[str, streams.Stream], dict[str, Optional[str]]]  # active, and what is enabled
ProfileId = tuple[str, str]  # (os-id, profile): one Profile object per tree
StreamsId = tuple[tuple[str, str], ...]  # (module, stream) of every active stream, sorted


def profile_id(p: Profile) -> ProfileId:
    return (p.os, p.profile)


# 1. Settings merged: (site, cluster, the node, or None when it sets nothing ``merge`` combines)
MergedKey = tuple[Settings, Optional[Settings], Optional[NodeConfig]]
# 4. The node's template variables: (os, init hook, site, cluster, the node or None when it has
# no variables, profile, kernel version)
VariablesKey = tuple[
    OsConfig, Optional[InitHook], Settings, Optional[Settings], Optional[NodeConfig], Optional[str], Optional[str]
]
# 5. The set a base list starts from: (its OS)
EmptyKey = tuple[OsConfig]
# 5. base: installed, the node's inventory as the first layer: (set, os, its packages' keys as
# read (nodes with the same inventory share it), whether it has epochs, and when it has none
# the profile whose epochs it takes)
InstalledKey = tuple[PackageSet, OsConfig, tuple[str, ...], bool, Optional[ProfileId]]
# 5. Whether a layer's entries have templates: (the file's object)
TemplatedKey = tuple[Union[OsConfig, Settings]]
# 5. A layer's entries put on a set: (set, layer, the file's object or for a node's own entries
# their text, variables or None when no entry is templated)
LayerKey = tuple[PackageSet, str, Hashable, Optional[VariablesKey]]
# 6. The kernel packages at the chosen version: (set, os, version, variables for the module names)
KernelKey = tuple[PackageSet, OsConfig, str, VariablesKey]
# 7a. Active module streams: (os, site, cluster, the node or None when it names no module, profile)
StreamsKey = tuple[OsConfig, Settings, Optional[Settings], Optional[NodeConfig], Optional[ProfileId]]
# 7b. The profile's entries a node with these streams is offered: (profile, streams)
OfferedKey = tuple[ProfileId, StreamsId]
# 7b. Those entries applied replace-only: (set, profile, streams)
ErrataKey = tuple[PackageSet, ProfileId, StreamsId]
# 7c. One hotfix applied replace-only: (set, hotfix, streams, profile: what an active stream ships)
HotfixKey = tuple[PackageSet, Hotfix, StreamsId, Optional[ProfileId]]
# 8. The fix hook's actions: (set, hook, variables for their templates and ``when:``)
FixKey = tuple[PackageSet, FixHook, VariablesKey]
# 9. Kept kernels added side by side: (set, os, versions, variables for the module names)
KeepKey = tuple[PackageSet, OsConfig, tuple[str, ...], VariablesKey]
# 9. The installonly packages over the limit: (set, os, limit)
LimitKey = tuple[PackageSet, OsConfig, int]
# 9, last: base-list names the profile lists only as kernel builds: (set, os, profile)
KernelOnlyKey = tuple[PackageSet, OsConfig, ProfileId]


class StepCaches:
    """A resolver's caches, one per step (``check``: every hit made again and compared)."""

    def __init__(self, check: bool) -> None:
        self.merged: StepCache[MergedKey, Merged] = StepCache("1 settings", check)
        self.variables: StepCache[VariablesKey, Variables] = StepCache("4 variables", check, same_variables)
        self.empty: StepCache[EmptyKey, PackageSet] = StepCache("5 base list (empty set)", check, same_set)
        self.installed: StepCache[InstalledKey, PackageSet] = StepCache("5 base list (installed)", check, same_set)
        self.templated: StepCache[TemplatedKey, bool] = StepCache("5 base list (templated)", check)
        self.layer: StepCache[LayerKey, PackageSet] = StepCache("5 base list", check, same_set)
        self.kernel: StepCache[KernelKey, PackageSet] = StepCache("6 kernel", check, same_set)
        self.streams: StepCache[StreamsKey, Streams] = StepCache("7a module streams", check)
        self.offered: StepCache[OfferedKey, Mapping[str, tuple[Entry, ...]]] = StepCache("7b offered", check)
        self.errata: StepCache[ErrataKey, Applied] = StepCache("7b errata", check, same_applied)
        self.hotfix: StepCache[HotfixKey, tuple[PackageSet, Outcome]] = StepCache("7c hotfixes", check, same_first)
        self.fix: StepCache[FixKey, PackageSet] = StepCache("8 fix hook", check, same_set)
        self.keep: StepCache[KeepKey, PackageSet] = StepCache("9 keep kernels", check, same_set)
        self.limit: StepCache[LimitKey, list[tuple[str, list[str]]]] = StepCache("9 installonly_limit", check)
        self.kernel_only: StepCache[KernelOnlyKey, list[str]] = StepCache("9 kernel-only notice", check)
