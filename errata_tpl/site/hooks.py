"""A profile's hooks (``errata/<os-id>/<profile><suffix>.yaml``) as values: the init
hook joins the settings in step 4, the fix hook's actions run in step 8 (docs/hooks.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.site.entries import PackageEntry


@dataclass(frozen=True, eq=False)
class InitHook:
    kernel_version: str | None
    variables: Mapping[str, Any]
    where: str


@dataclass(frozen=True, eq=False)
class Action:
    """One fix-hook action: a verb (ronly, repl, add, del) on a package, maybe conditional."""

    verb: str
    target: PackageEntry
    multi: bool
    when: str | None
    if_present: str | None
    where: str  # "errata/os/p-fix.yaml: actions[2]"

    @property
    def name(self) -> str:
        """The package it is about, for explain (an unrendered template as written)."""
        known = self.target.name
        if known is not None:
            return known
        raw = self.target.raw
        return str(raw.get("name", "")) if isinstance(raw, Mapping) else str(raw)


@dataclass(frozen=True, eq=False)
class FixHook:
    actions: tuple[Action, ...]
    profile: str
    where: str
