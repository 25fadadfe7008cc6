"""A directory of inventories: each file recognised by its content, matched to its node.

One inventory per node, named after it (``<node>``, ``<node>.<ext>``; Ansible's cache
files ``s1_<node>``), or, for Salt's JSON, one per minion in the file. A file that is no
inventory, a node with two, an inventory of no node of the site: one warning each, and
the rest is read. Bounded: a file is read up to MAX_BYTES, a FIFO or a device never.

The files named after a node are listed here and read when their node is compared
(``complete``): for a large fleet, by the workers that compare.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.inventory import ansible
from errata_tpl.inventory.model import RPM, SALT, Deferred, Inventory, NotAnInventory
from errata_tpl.inventory.recognise import FORMATS, Grains, Minions, Parser, Single

MAX_BYTES = 128 * 1024 * 1024  # a salt output of ~1,000 minions; split larger ones by target
UNAME = ".uname"  # `uname -r` of the node the file is named after
GRAINS = ".grains.json"  # salt-call grains.item kernelrelease on the node the file is named after


def node_of(filename: str, nodes: Collection[str]) -> str | None:
    """The node a file is named after: the whole name, without Ansible's schema prefix,
    or without one or two extensions (``<node>.txt``, ``<node>.rpm.txt``)."""
    bare = ansible.SCHEMA_PREFIX.sub("", filename)
    for name in dict.fromkeys((filename, bare)):
        stem = name
        for _ in range(3):
            if stem in nodes:
                return stem
            stem, dot, _ = stem.rpartition(".")
            if not dot:
                break
    return None


Found = Inventory | Deferred


@dataclass
class _Found:
    """What the listing and the files read so far say, before nodes are matched."""

    by_node: dict[str, list[Found]] = field(default_factory=dict)
    # node -> (file, uname -r) from .uname files, and minion -> (file, kernelrelease) from grains
    kernels: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    grains: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)

    def add(self, inv: Found) -> None:
        self.by_node.setdefault(inv.node, []).append(inv)


class Reader:
    def __init__(
        self,
        directory: Path,
        nodes: Collection[str],
        warn: Callable[[str], None],
        label: str | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        self.directory = directory
        self.only = None if only is None else frozenset(only)  # the nodes wanted (explain: one)
        self.label = str(directory) if label is None else label  # how messages and reports name it
        self.nodes = frozenset(nodes)
        self.warn = warn
        self.parser = Parser()

    def read(self) -> dict[str, Found]:
        """node -> its inventory (or the file to read it from), for the nodes with exactly one."""
        found = _Found()
        for name, where, mtime in self._files():
            own = name.endswith((UNAME, GRAINS))
            named = node_of(name.removesuffix(UNAME).removesuffix(GRAINS), self.nodes)
            if named is not None and not self._wanted(named):
                continue  # another node's file: not read
            try:
                if name.endswith(UNAME):
                    self._uname(found, name, where)
                elif named is not None and not own:
                    found.add(Deferred(named, where, str(self.directory / name), mtime))
                else:
                    self._file(found, name, where, named, mtime)
            except UserError as e:
                self.warn(f"{e}; not read")
            except NotAnInventory as e:
                self.warn(f"{where}: not an inventory ({FORMATS}): {e}")
        return self._matched(found)

    def complete(self, d: Deferred) -> tuple[Inventory | None, list[str]]:
        """The inventory of a file named after its node, and what to say about it."""
        try:
            got = self.parser.parse(regular.read_bytes(d.path, MAX_BYTES, d.file, follow_symlinks=False), d.file)
        except UserError as e:
            return None, [f"{e}; not read"]
        except NotAnInventory as e:
            return None, [f"{d.file}: not an inventory ({FORMATS}): {e}"]
        if isinstance(got, Grains):
            return None, [f"{d.file}: salt grains named after {d.node}: name it {d.node}{GRAINS}; not read"]
        if isinstance(got, Minions):
            return None, [f"{d.file}: salt output of minions named after {d.node}: name it otherwise; not read"]
        inv = Inventory(
            d.node,
            got.source,
            d.file,
            got.collected or d.mtime,
            got.keys,
            self.parser.interner.by_key,
            got.kernel,
            got.epochs,
            got.unnamed_native,
        )
        if d.kernel is None:
            return inv, []
        source, file, kernel = d.kernel
        if source != inv.source or inv.running_kernel is not None:
            return inv, [
                f"{file}: the running kernel of {d.node}, whose inventory ({d.file}) is {inv.source}'s; not used"
            ]
        return inv.with_kernel(kernel), []

    def _files(self) -> Iterator[tuple[str, str, dt.datetime]]:
        try:
            with os.scandir(self.directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            raise UserError(f"{self.directory}: cannot list: {(e.strerror or str(e)).lower()}") from None
        for entry in entries:
            if entry.name.startswith("."):  # editors' and tools' own files
                continue
            where = f"{self.label}/{entry.name}"
            if entry.is_symlink():  # nodes write the share: a link could show the host's own files
                self.warn(f"{where}: a symbolic link; inventories are files the nodes write, not followed; not read")
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as e:
                self.warn(f"{where}: cannot read: {(e.strerror or str(e)).lower()}; not read")
                continue
            if entry.is_dir(follow_symlinks=False):
                self.warn(f"{where}: a directory; inventories are the files directly in {self.label}")
                continue
            yield entry.name, where, dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc)

    def _uname(self, found: _Found, name: str, where: str) -> None:
        text = regular.read_text(self.directory / name, 4096, where, follow_symlinks=False).strip()
        if not text or "\n" in text or " " in text:
            raise NotAnInventory("a .uname file holds one word on one line, what `uname -r` prints")
        node = node_of(name[: -len(UNAME)], self.nodes) or name[: -len(UNAME)]
        found.kernels.setdefault(node, []).append((where, text))

    def _file(self, found: _Found, name: str, where: str, named: str | None, mtime: dt.datetime) -> None:
        """A file named after no node (salt's output of minions), or a node's grains."""
        got = self.parser.parse(
            regular.read_bytes(self.directory / name, MAX_BYTES, where, follow_symlinks=False), where
        )
        if isinstance(got, Single):
            self.warn(f"{where}: named after no node of the site; not used")
        elif isinstance(got, Grains):
            for minion, kernel in got.kernels.items():
                node = named if minion == "local" and named is not None else minion
                if self._wanted(node):
                    found.grains.setdefault(node, []).append((where, kernel))
        else:
            self._minions(found, got, where, mtime)

    def _minions(self, found: _Found, got: Minions, where: str, mtime: dt.datetime) -> None:
        for minion, listing in got.listings.items():
            if isinstance(listing, str):
                self.warn(f"{where}: minion {minion}: {listing}; no inventory")
            elif minion not in self.nodes:
                self.warn(f"{where}: minion {minion} is no node of the site; its inventory is not used")
            elif self._wanted(minion):
                by_key = self.parser.interner.by_key
                found.add(Inventory(minion, SALT, where, mtime, listing, by_key, unnamed_native=True))

    def _wanted(self, node: str) -> bool:
        """False for a node of the site that this run does not ask about."""
        return self.only is None or node in self.only or node not in self.nodes

    def _matched(self, found: _Found) -> dict[str, Found]:
        out: dict[str, Found] = {}
        for node in sorted(found.by_node):
            invs = found.by_node[node]
            if len(invs) > 1:  # (its kernel files then go unsaid: the node has none to go with)
                files = ", ".join(i.file for i in invs)
                self.warn(f"node {node} has {len(invs)} inventories ({files}); none is used until one is left")
                continue
            out[node] = invs[0]
        for node, said in sorted(found.kernels.items()):
            self._kernel(out, found, node, said, RPM, "a .uname file")
        for minion, said in sorted(found.grains.items()):
            self._kernel(out, found, minion, said, SALT, "salt's kernelrelease grain")
        return out

    def _kernel(
        self,
        out: dict[str, Found],
        found: _Found,
        node: str,
        said: list[tuple[str, str | None]],
        source: str,
        what: str,
    ) -> None:
        files = ", ".join(f for f, _ in said)
        if len(said) > 1:
            self.warn(f"{files}: {what} of {node}, {len(said)} times; not used")
            return
        inv = out.get(node)
        if inv is None and len(found.by_node.get(node, ())) > 1:
            return  # said already: the node has two inventories
        if isinstance(inv, Deferred):  # its format is known when it is read: checked then
            out[node] = inv.with_kernel((source, files, said[0][1]))
        elif inv is None or inv.source != source:
            self.warn(f"{files}: {what} of {node}, which has no {source} inventory here; not used")
        else:
            out[node] = inv.with_kernel(said[0][1])


def load(
    directory: Path,
    nodes: Collection[str],
    warn: Callable[[str], None],
    label: str | None = None,
    only: Collection[str] | None = None,
) -> tuple[dict[str, Found], Reader]:
    """node -> its inventory (or the file to read it from, with ``Reader.complete``), for
    the nodes that have exactly one in ``directory`` (named ``label`` in messages and
    reports); with ``only``, for those nodes alone."""
    reader = Reader(directory, nodes, warn, label, only)
    return reader.read(), reader
