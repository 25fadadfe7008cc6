"""A profile's hooks (``errata/<os-id>/<profile><suffix>.yaml``) as values: the init
hook joins the settings in step 4, the fix hook's actions run in step 8 (docs/hooks.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.site.entries import PackageEntry
from errata_tpl.site.schema import ACTION_VERBS, Keys, text


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


def action(raw: Keys, where: str) -> Action:
    """A fix hook's action as written (its keys checked): one verb, its target, its conditions."""
    verbs = [v for v in ACTION_VERBS if v in raw]
    if len(verbs) != 1:
        raise UserError(f"{where}: an action needs exactly one of ronly, repl, add, del")
    verb = verbs[0]
    target = raw[verb]
    multi = raw.get("multi", False)
    if verb == "add" and isinstance(target, Mapping) and "multi" in target:
        # the spec's form: add: {name, version, arch, multi: true}
        if not isinstance(target["multi"], bool):
            raise UserError(f"{where}: key 'add': 'multi' must be true or false")
        multi = multi or target["multi"]
        target = {k: v for k, v in target.items() if k != "multi"}
    return Action(
        verb=verb,
        target=PackageEntry.of(target, f"{where}: key '{verb}'"),
        multi=bool(multi),
        when=text(raw, "when"),
        if_present=text(raw, "if_present"),
        where=where,
    )
