"""An inventory as values: the installed packages of one node, when and how they were collected."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.values import evr as evrmod
from errata_tpl.values import kernel, ref
from errata_tpl.values.evr import EVR
from errata_tpl.values.package import Package
from errata_tpl.values.readonly import setter

RPM, ANSIBLE, SALT = "rpm", "ansible", "salt"

# "name epoch version release arch" as written (epoch 0 and no epoch alike, "" for none
# and for an arch left unsaid): two packages with the same key are the same build. A
# string caches its hash: sets of them are compared in C. Most of a node's packages are
# the very builds its list names, and need no rpm comparison.
Key = str


def key_of(name: str, evr: EVR, arch: str | None, epochs: bool = True) -> Key:
    epoch = (evr.epoch or "").lstrip("0") if epochs else ""
    return f"{name} {epoch} {evr.version} {evr.release or ''} {arch or ''}"


def name_of(key: Key) -> str:
    return key[: key.index(" ")]


class Installed(Package):
    """One installed package (its arch None where the tool leaves the native arch unsaid)."""

    __slots__ = ("key",)
    evr: EVR
    key: Key

    def __init__(self, name: str, evr: EVR, arch: str | None) -> None:
        super().__init__(name, evr, arch)
        _set_key(self, key_of(name, evr, arch))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Installed, (self.name, self.evr, self.arch))


_set_key = setter(Installed, "key")


class NotAnInventory(Exception):
    """The file is none of the formats (or is one, damaged): why, in a few words."""

    def __str__(self) -> str:
        why = super().__str__()  # it quotes the file: a line of megabytes is cut
        return why if len(why) <= WHY_MAX else why[:WHY_MAX] + "..."


WHY_MAX = 300


class Interner:
    """One value per installed build for a whole run: nodes share most of their packages,
    and a line seen once is not parsed again."""

    def __init__(self) -> None:
        self.by_text: dict[str, Key] = {}  # a line of rpm -qa -> its key
        self.by_key: dict[Key, Installed] = {}

    def package(self, name: str, version: str, arch: str | None) -> Installed:
        """``version`` is ``[E:]V-R`` as the tool wrote it."""
        try:
            ref.check_name(name)
            if arch is not None:
                ref.check_arch(arch)
            evr = evrmod.parse(version)
        except Exception as e:  # a UserError: the values are no package
            raise NotAnInventory(f"{name} {version}: {e}") from None
        if evr.release is None:
            raise NotAnInventory(f"{name}-{version}: a version without release")
        p = Installed(name, evr, arch)
        return self.by_key.setdefault(p.key, p)


@dataclass(frozen=True)
class Inventory:
    node: str
    source: str  # RPM, ANSIBLE or SALT
    file: str  # as found in the directory given (DIR/name)
    collected: dt.datetime | None  # UTC
    keys: tuple[Key, ...]  # the installed packages, as keys of ``table`` (a set is made when compared)
    table: Mapping[Key, Installed]  # the run's installed packages (Interner.by_key)
    running_kernel: str | None = None  # `uname -r` as the node printed it
    epochs: bool = True  # False: the tool wrote no epoch (rpm -qa's default): versions match on V-R
    unnamed_native: bool = False  # salt: the node's own arch and noarch unsaid

    @functools.cached_property
    def packages(self) -> tuple[Installed, ...]:
        table = self.table
        return tuple(sorted(table[k] for k in self.keys))

    @property
    def running_version(self) -> str | None:
        """The running kernel as a kernel version (``uname -r`` without its arch), if it says one."""
        if self.running_kernel is None:
            return None
        version = kernel_vr(self.running_kernel)[0]
        return version if kernel.is_version(version) else None

    def base(
        self, kernels: Collection[str], os_arch: str, epochs: Mapping[str, str | None], installonly: Collection[str]
    ) -> list[Package]:
        """What is installed, at its version and arch, as a base list (``base: installed``,
        ``adopt``): kernels (``kernels``, the OS's kernel packages, and packages named for an
        installed kernel, its modules) left to kernel selection. Without epochs, each name
        takes its epoch from ``epochs``; salt's unsaid arch is said (``os_arch``) where the
        name is installed at another arch too. A name and arch installed at several versions
        that the OS does not keep side by side (not ``installonly``: an interrupted
        transaction left them) is the newest, as ``dnf remove --duplicates`` keeps it
        (``doubled`` names them)."""
        side_by_side = frozenset(installonly)
        out: list[Package] = []
        at: dict[tuple[str, str | None], int] = {}  # (name, arch) -> its place in out
        seen: set[Package] = set()  # of side_by_side: a line printed twice is one package
        for p in self._every(kernels, os_arch, epochs):
            if p.name in side_by_side:
                if p not in seen:
                    seen.add(p)
                    out.append(p)
                continue
            i = at.get((p.name, p.arch))
            if i is None:
                at[(p.name, p.arch)] = len(out)
                out.append(p)
            else:
                kept = out[i].evr
                if kept is not None and p.evr is not None and kept < p.evr:
                    out[i] = p
        return out

    def doubled(self, kernels: Collection[str], os_arch: str, installonly: Collection[str]) -> dict[str, list[EVR]]:
        """``name.arch`` -> its versions (oldest first), for each installed at several that
        ``base`` takes the newest of."""
        side_by_side = frozenset(installonly)
        seen: dict[str, set[EVR]] = {}
        for p in self._every(kernels, os_arch, {}):
            if p.name not in side_by_side and p.evr is not None:
                seen.setdefault(f"{p.name}.{p.arch}" if p.arch else p.name, set()).add(p.evr)
        return {k: sorted(v) for k, v in sorted(seen.items()) if len(v) > 1}

    def _every(self, kernels: Collection[str], os_arch: str, epochs: Mapping[str, str | None]) -> list[Package]:
        kernel_names = frozenset(kernels)
        pkgs = self.packages
        versions = {p.evr.vr for p in pkgs if p.name in kernel_names}
        arches: dict[str, set[str | None]] = {}
        for p in pkgs:
            arches.setdefault(p.name, set()).add(p.arch)
        out: list[Package] = []
        for p in pkgs:
            if p.name in kernel_names or any(v in p.name for v in versions):
                continue
            evr = p.evr
            epoch = epochs.get(p.name)
            if not self.epochs and evr.epoch is None and epoch:
                evr = evrmod.parse(f"{epoch}:{evr.vr}")
            arch = p.arch if p.arch is not None or len(arches[p.name]) == 1 else os_arch
            out.append(Package(p.name, evr, arch))
        return out

    def named(self, names: frozenset[str] | set[str]) -> list[Installed]:
        """The installed packages of these names."""
        table = self.table
        return [table[k] for k in self.keys if name_of(k) in names]

    def with_kernel(self, kernel: str | None) -> Inventory:
        return Inventory(
            self.node,
            self.source,
            self.file,
            self.collected,
            self.keys,
            self.table,
            kernel,
            self.epochs,
            self.unnamed_native,
        )


@dataclass(frozen=True)
class Deferred:
    """A file named after its node, read when that node is compared (by a worker, for a
    large fleet): the format is known then. With the kernel a file beside it says, and
    which kind of inventory that goes with."""

    node: str
    file: str  # as messages name it
    path: str
    mtime: dt.datetime
    kernel: tuple[str, str, str | None] | None = None  # (the format it goes with, its file, uname -r)

    def with_kernel(self, kernel: tuple[str, str, str | None]) -> Deferred:
        return Deferred(self.node, self.file, self.path, self.mtime, kernel)


def kernel_vr(uname: str) -> tuple[str, str | None]:
    """``uname -r`` as (V-R, arch): ``5.14.0-362.8.1.el9_3.x86_64`` is the kernel package
    5.14.0-362.8.1.el9_3 of x86_64; a ``+debug`` variant is the same build's."""
    text = uname.strip().split("+", 1)[0]
    base, dot, arch = text.rpartition(".")
    if dot and arch in ref.KNOWN_ARCHES:
        return base, arch
    return text, None
