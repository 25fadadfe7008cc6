"""What a published folder holds: the builds a dated profile or a hotfix names,
each once, with the advisories and module streams its record gives it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.mirror.advisories import Advisory, NevraKey, nevra_key
from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.profile.paths import HOTFIX_PREFIX
from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.values.package import nevra

ModuleBuildId = tuple[str, str, str, str]  # name, stream, version, context: one modulemd document


@dataclass(frozen=True)
class Build:
    key: NevraKey
    nevra: str  # N-[E:]V-R.A, for messages and dnf
    advisories: tuple[Advisory, ...]
    modules: tuple[ModuleBuildId, ...]  # the module builds the record says ship it; none: not modular
    where: str  # the record's key that names it first: packages, kernels, kernel_named, modular

    @property
    def name(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class Content:
    os_id: str
    folder: str  # the folder's name below DIR/<os-id>/: the profile (YYYYMMDD) or hotfix-<NAME>
    record: str  # the file it comes from, relative to the root
    record_sha256: str  # of that file's bytes: the published folder is made from exactly it
    generated: str  # the record's time stamp (YYYY-MM-DDTHH:MM:SSZ)
    builds: tuple[Build, ...]  # each NEVRA once, sorted
    # module -> default stream, as the record gives them; None: the record gives none
    # (a hotfix), and ERRATA_DIR's module metadata decides
    module_defaults: Mapping[str, str] | None

    def by_key(self) -> dict[NevraKey, Build]:
        return {b.key: b for b in self.builds}

    def advisory_ids(self) -> set[str]:
        return {a.id for b in self.builds for a in b.advisories}


def _key(e: Entry) -> NevraKey:
    return nevra_key(e.name, e.evr.epoch, e.evr.version, e.evr.release or "", e.arch)


def _builds(lists: Iterable[tuple[str, Iterable[Entry]]]) -> tuple[Build, ...]:
    """Each NEVRA once (kernel-named entries are also packages; a build of two
    streams is two modular entries), with every advisory and module build its
    entries record."""
    found: dict[NevraKey, tuple[Entry, str, dict[str, Advisory], set[ModuleBuildId]]] = {}
    for where, entries in lists:
        for e in entries:
            key = _key(e)
            _, _, advs, mods = found.setdefault(key, (e, where, {}, set()))
            advs.update({a.id: a for a in e.advisories})
            if e.module is not None:
                name, stream = e.module.split(":", 1)
                mods.add((name, stream, e.module_version or "", e.module_context or ""))
    return tuple(
        Build(key, nevra(e), tuple(advs[i] for i in sorted(advs)), tuple(sorted(mods)), where)
        for key, (e, where, advs, mods) in sorted(found.items())
    )


def of_profile(rel: str, sha256: str, p: Profile) -> Content:
    builds = _builds(
        (("packages", p.packages), ("kernels", p.kernels), ("kernel_named", p.kernel_named), ("modular", p.modular))
    )
    return Content(p.os, p.profile, rel, sha256, p.generated, builds, p.module_defaults())


def of_hotfix(rel: str, sha256: str, h: Hotfix) -> Content:
    builds = _builds((("packages", h.entries()), ("kernels", h.kernels), ("modular", h.modular_entries())))
    return Content(h.os, f"{HOTFIX_PREFIX}{h.name}", rel, sha256, h.generated, builds, None)


def load(
    root: Path, os_id: str, rel: str, sha256: str, hotfix: str | None, profile: str | None, warn: Callable[[str], None]
) -> Content:
    """The content of the record at ``rel`` (a hotfix, else a dated profile), read as
    every command reads it (``profile.records``: its checks, its parsed copy)."""
    from errata_tpl.profile import records

    found: Profile | Hotfix | None = (
        records.hotfix(root, os_id, hotfix) if hotfix is not None else records.profile(root, os_id, profile or "", warn)
    )
    if found is None:
        raise UserError(f"{rel}: no such file")
    return of_hotfix(rel, sha256, found) if isinstance(found, Hotfix) else of_profile(rel, sha256, found)
