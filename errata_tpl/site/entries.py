"""An entry of a ``packages`` list (a site's, a cluster's, a node's, an OS's, a kernel's
modules) or a fix-hook action's reference, as written: parsed once when it has no
template, else rendered with each node's variables."""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.site import templating
from errata_tpl.values import ref
from errata_tpl.values.package import Package


@dataclass(frozen=True, eq=False)
class PackageEntry:
    """One entry of a ``packages`` list (or kernel modules, or an action's reference):
    parsed once when it has no template, else rendered per node."""

    raw: Any
    where: str  # "site/site.yaml: packages[3]"
    parsed: Package | None  # None: templated
    key: Hashable = None  # equal for entries written alike (the text, not rpm's equality)

    @staticmethod
    def of(raw: Any, where: str) -> PackageEntry:
        key = json.dumps(raw, sort_keys=True, default=str)
        if is_templated(raw):
            return PackageEntry(raw, where, None, key)
        try:
            return PackageEntry(raw, where, ref.parse(raw), key)
        except UserError as e:
            raise e.located(where) from None

    def render(self, variables: Mapping[str, Any]) -> Package:
        if self.parsed is not None:
            return self.parsed
        try:
            return ref.parse(templating.render_value(self.raw, variables, self.where))
        except UserError as e:
            raise e.located(self.where) from None

    @property
    def name(self) -> str | None:
        """The package's name when it is known before rendering."""
        if self.parsed is not None:
            return self.parsed.name
        name = self.raw.get("name") if isinstance(self.raw, Mapping) else None
        return name if isinstance(name, str) and not templating.is_template(name) else None


def is_templated(item: Any) -> bool:
    if isinstance(item, str):
        return templating.is_template(item)
    if isinstance(item, Mapping):
        return any(isinstance(v, str) and templating.is_template(v) for v in item.values())
    return False


def templated(items: tuple[PackageEntry, ...]) -> bool:
    """Has any entry a template, to be rendered per node?"""
    return any(e.parsed is None for e in items)


def entries(items: Any, where: str, key: str = "packages") -> tuple[PackageEntry, ...]:
    return tuple(PackageEntry.of(item, f"{where}: {key}[{i}]") for i, item in enumerate(items or ()))


def listed_twice(items: tuple[PackageEntry, ...]) -> list[str]:
    """A warning for each entry of one list naming a name and arch an earlier entry of
    it names (a node pinning two versions of bash): the later replaces the earlier, as
    a later layer's does, and the earlier one does nothing. Templated entries are
    rendered per node and not compared here."""
    seen: dict[tuple[str, str | None], PackageEntry] = {}
    out = []
    for e in items:
        if e.parsed is None:
            continue
        key = (e.parsed.name, e.parsed.arch)
        first = seen.setdefault(key, e)
        if first is not e:
            arch = f".{e.parsed.arch}" if e.parsed.arch else ""
            out.append(f"{e.where}: {e.parsed.name}{arch} again ({first.where} names it): the later entry is used")
    return out
