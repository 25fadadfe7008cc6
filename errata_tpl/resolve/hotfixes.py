"""Hotfix overlays in the resolver: chosen by the ``hotfixes`` setting (the lists of
site, cluster and node add up), applied right after the dated profile (step 6)
and before the fix hook, replace-only, never lowering a version.

Where the node already has the same or a newer build (from its dated profile, or
a pin), the entry does nothing and says by what it is superseded.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.profile import hotfix as hf
from errata_tpl.profile.profile import Entry
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.values import evr as evrmod
from errata_tpl.values import names
from errata_tpl.values import package as notation

KEY = "hotfixes"


def chosen(layers: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[tuple[str, str], ...]:
    """(name, where) of every hotfix the layers (file, settings) name, in order,
    each once: the lists of all layers add up."""
    out: dict[str, str] = {}
    for where, layer in layers:
        items = layer.get(KEY) or []
        if not isinstance(items, list):
            raise UserError(f"{where}: key '{KEY}': expected a list of hotfix names")
        for i, item in enumerate(items):
            try:
                name = names.hotfix(item)
            except UserError as e:
                raise UserError(f"{where}: key '{KEY}[{i}]': {e}") from None
            out.setdefault(name, where)
    return tuple(out.items())


class Hotfixes:
    """Loads ``errata/<os-id>/hotfix-<name>.yaml`` once per run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[tuple[str, str], hf.Hotfix | None] = {}

    def get(self, os_id: str, name: str) -> hf.Hotfix | None:
        key = (os_id, name)
        if key not in self._loaded:
            rel = hf.rel(os_id, name)
            path = self.root / rel
            self._loaded[key] = hf.load(path, rel) if path.is_file() else None
        return self._loaded[key]

    def require(self, os_id: str, name: str, node: str, where: str) -> hf.Hotfix:
        """The hotfix, or an error naming the node and the key that chose it."""
        found = self.get(os_id, name)
        if found is None:
            raise UserError(
                f"{where}: key '{KEY}': node {node}: hotfix {name!r} does not exist (no {hf.rel(os_id, name)})"
            )
        return found

    def entry(self, os_id: str, source: str, name: str, arch: str | None, version: str | None) -> Entry | None:
        """The entry a ``hotfix:<name>`` provenance points at (for its advisories)."""
        if not source.startswith("hotfix:") or arch is None or version is None:
            return None
        try:
            found = self.get(os_id, source.split(":", 1)[1])
        except UserError:
            return None
        if found is None:
            return None
        return next((e for e in found.entries() if (e.name, e.arch, str(e.evr)) == (name, arch, version)), None)


@dataclass(frozen=True)
class Outcome:
    """What one hotfix did on one node."""

    name: str
    applied: tuple[str, ...] = ()  # NEVRAs it set
    superseded: tuple[tuple[str, str], ...] = ()  # (its NEVRA, the source of the same-or-newer build)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "applied": list(self.applied),
            "superseded": [{"package": p, "by": by} for p, by in self.superseded],
        }


def apply(pset: PackageSet, hotfix: hf.Hotfix) -> Outcome:
    """Each entry replace-only, as a profile's; same-or-newer already there: superseded."""
    tag = f"hotfix:{hotfix.name}"
    applied: list[str] = []
    superseded: list[tuple[str, str]] = []
    for e in hotfix.entries():
        nevra = notation.nevra(e)
        have = [o for o in pset.get(e.name) if o.arch == e.arch or (o.arch is None and e.arch in pset.native_arches)]
        stays = [o for o in have if o.evr is not None and evrmod.compare(o.evr, e.evr) >= 0]
        if stays:
            by = stays[0].source
            superseded.append((nevra, by))
            text = f"{tag}: {nevra} superseded by {by} ({notation.nevra(stays[0])})"
            pset.note(e.name, tag, functools.partial(str, text))
            continue
        if pset.ronly(e.name, e.evr, e.arch, tag):
            applied.append(nevra)
    return Outcome(hotfix.name, tuple(applied), tuple(superseded))
