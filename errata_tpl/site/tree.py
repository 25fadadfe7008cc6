"""The configuration tree on disk: os/, site/, errata/. Loads, validates, caches.

The only part of the resolver's world that reads the disk or makes a path: every
file is read at most once per run, checked against ``site.schema`` and turned
into the typed values of ``site.config``; messages name files relative to the root.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, yamlio
from errata_tpl.fileio.parsedfiles import ParsedFiles, load_copied
from errata_tpl.fileio.yamlio import Data
from errata_tpl.inventory.model import Deferred, Inventory
from errata_tpl.mirror.caches import cache_dir
from errata_tpl.notices import Notices
from errata_tpl.profile import records
from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.profile.paths import HOTFIX_PREFIX, profile_rel
from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.promotions.store import load_rollout
from errata_tpl.site import config, schema
from errata_tpl.site.config import (
    Announce,
    KernelConfig,
    NodeConfig,
    OsConfig,
    Overrides,
    Settings,
    SiteConfig,
)
from errata_tpl.site.entries import entries, listed_twice
from errata_tpl.site.hooks import FixHook, InitHook, action
from errata_tpl.site.stages import Rollout
from errata_tpl.site.strays import stray_site_files
from errata_tpl.values import names
from errata_tpl.values.package import Package
from errata_tpl.values.source import Source

_S = TypeVar("_S", bound=Settings)


def _is_glob(key: str) -> bool:
    return any(c in key for c in "*?[")


class Tree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.notices = Notices()  # what reading the tree said (a resolver has its own)
        self.node_files = ParsedFiles(root, cache_dir(root, "parsed") / "nodes.json", self.warn)

    @property
    def warnings(self) -> list[str]:
        return self.notices.lines

    def warn(self, msg: str) -> None:
        self.notices.warn(msg)

    def _warn(self, msgs: list[str]) -> None:
        for m in msgs:
            self.notices.warn(m)

    def rel(self, *parts: str) -> str:
        return "/".join(parts)

    def save_caches(self) -> None:
        """Keep what this run parsed for the next (called once a command has succeeded)."""
        self.node_files.save()

    def _spelt(self, rel: str, yml_ok: bool = False) -> str:
        return yamlio.spelt(self.root, rel, yml_ok)

    def _read(self, rel: str, kind: str | None, required: bool) -> tuple[str, Data] | None:
        """The file ``rel`` as read (its spelling, and what it holds); None when it is
        absent and not ``required``."""
        rel = self._spelt(rel, yml_ok=kind in ("node", "cluster"))
        path = self.root / rel
        if kind != "node" and not regular.present(path, rel):
            if required:
                raise UserError(f"{rel}: no such file")
            return None
        if kind == "node":
            data = self.node_files.load(rel)
        elif kind == "os":  # large: a JSON copy beside the root, as for profiles
            data = load_copied(path, rel, cache_dir(self.root, "parsed"), self.warn)
        else:
            data = yamlio.load_file(path, rel)
        return rel, data

    def _load(self, rel: str, kind: str) -> schema.Keys:
        """The file of that ``kind``, its keys checked (site.schema): a mapping, ``{}`` when empty."""
        read = self._read(rel, kind, required=True)
        assert read is not None  # required: an absent file is an error
        return schema.check(kind, read[1], read[0], self._line_of(read[0]))

    def _load_present(self, rel: str, kind: str) -> schema.Keys | None:
        """``_load``, or None when there is no such file."""
        read = self._read(rel, kind, required=False)
        return None if read is None else schema.check(kind, read[1], read[0], self._line_of(read[0]))

    def _line_of(self, rel: str) -> schema.LineOf:
        """The line of a key in ``rel``, for an error's message (the file is read again)."""
        return functools.partial(yamlio.line_of, self.root / rel)

    # --- site ------------------------------------------------------------------------

    @functools.cached_property
    def site(self) -> SiteConfig:
        rel = "site/site.yaml"
        data = self._load_present(rel, "site") or {}
        return self._os_keys(SiteConfig(where=rel, **config.read(SiteConfig, data, rel)))

    def _os_keys(self, s: _S) -> _S:
        """``s``, its errata_defaults and kernel_version keyed by no OS of the site (a typo
        such as el9-x86-64 chooses nothing), its profile_cloning_disabled keyed by no
        node and its packages naming one name and arch twice named in a warning."""
        ids = self.os_ids()
        known = {*ids, *(i.rpartition("-")[0] for i in ids)}
        for key, value in (("errata_defaults", s.errata_defaults), ("kernel_version", s.kernel_version)):
            for k in sorted(value.keys() - known):
                self.warn(
                    f"{s.where}: key '{key}': {k!r} is no os-id or os-version of the site"
                    f" ({', '.join(ids) or 'no os/<os-id>/os.yaml'}); the entry chooses nothing"
                )
        unknown = (
            sorted(s.profile_cloning_disabled.keys() - set(self.node_names())) if s.profile_cloning_disabled else []
        )
        for k in unknown:  # a misspelt node: its clone stays a clone
            self.warn(
                f"{s.where}: key 'profile_cloning_disabled': {k!r}: no such node (no site/nodes/{k}.yaml);"
                " the entry decides nothing"
            )
        self._warn(listed_twice(s.packages))
        return s

    @property
    def announce(self) -> Announce:
        return self.site.announce or Announce(self.site.where)

    def inventory(self, node: str) -> Inventory | None:
        """The node's inventory in site.yaml's ``installed`` directory (for ``base: installed``),
        None when it has none; the directory is read once, when first asked."""
        found, complete = self._inventories
        got = found.get(node)
        if isinstance(got, Deferred):
            got, said = complete(got)
            self._warn(said)
        return got

    @functools.cached_property
    def _inventories(
        self,
    ) -> tuple[Mapping[str, Inventory | Deferred], Callable[[Deferred], tuple[Inventory | None, list[str]]]]:
        from errata_tpl.inventory.load import load  # only a site with base: installed reads inventories

        rel = self.site.installed
        if rel is None:
            raise UserError(f"{self.site.where}: key 'installed' is needed by base: installed (the nodes' inventories)")
        if not (self.root / rel).is_dir():
            raise UserError(f"{self.site.where}: key 'installed': {rel}: no such directory")
        said: list[str] = []
        found, reader = load(self.root / rel, self.node_names(), said.append, rel.rstrip("/"))
        self._warn(said)
        return found, reader.complete

    @functools.cache  # noqa: B019 - one Tree per run
    def cluster(self, name: str) -> Settings:
        rel = self._spelt(self.rel("site/clusters", f"{names.cluster(name)}.yaml"), yml_ok=True)
        return self._os_keys(Settings(where=rel, **config.read(Settings, self._load(rel, "cluster"), rel)))

    @functools.cache  # noqa: B019
    def node(self, name: str) -> NodeConfig:
        rel = self._spelt(self.rel("site/nodes", f"{names.node(name)}.yaml"), yml_ok=True)
        try:
            data = self._load(rel, "node")
        except UserError:
            if not (self.root / rel).is_file():
                raise UserError(f"unknown node {name!r}: no {rel}") from None
            raise
        return self._os_keys(
            NodeConfig(where=rel, name=name, errata_set="errata" in data, **config.read(NodeConfig, data, rel))
        )

    def node_names(self) -> list[str]:
        """The nodes of site/nodes/*.yaml and *.yml; one there that is no regular file (a
        directory, a FIFO, a dangling link) is said and skipped; a node in both is an error."""
        self._stray_site_files()
        d = self.root / "site" / "nodes"
        if not d.is_dir():
            return []
        found: dict[str, str] = {}
        odd: list[str] = []
        with os.scandir(d) as entries:  # the type from the listing: no stat per file
            for e in entries:
                stem, dot, ext = e.name.rpartition(".")
                if not dot or ext not in ("yaml", "yml"):
                    continue
                if not e.is_file():
                    odd.append(e.name)
                elif stem in found:
                    first, second = sorted((found[stem], e.name))
                    raise UserError(f"site/nodes/{first} and site/nodes/{second}: two files for node {stem}; keep one")
                else:
                    found[stem] = e.name
        self._warn([f"site/nodes/{n}: not a regular file; not read as a node" for n in sorted(odd)])
        return sorted(found)

    @functools.cached_property
    def overrides(self) -> Overrides:
        rel = "site/errata-overrides.yaml"
        read = self._read(rel, None, required=False)  # no schema: its keys are node names and globs
        data = (read[1] if read is not None else None) or {}
        if not isinstance(data, dict):
            raise UserError(f"{rel}: must be a mapping of node name or glob to a profile name or null")
        exact: dict[str, str | None] = {}
        globs: list[tuple[str, str | None]] = []
        for key, value in data.items():
            if not isinstance(key, str):
                raise UserError(f"{rel}: key {key!r}: a node name or glob must be a string")
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # an unquoted 20261121 is meant as the profile name
            profile = None
            if value is not None:
                try:
                    profile = names.profile(value)
                except UserError as e:
                    raise UserError(f"{rel}: key '{key}': {e}") from None
            (globs.append((key, profile)) if _is_glob(key) else exact.__setitem__(key, profile))
        found = Overrides(exact, tuple(globs), rel)
        self._warn(found.unmatched(self.node_names()))
        return found

    # --- os ----------------------------------------------------------------------------

    @functools.cache  # noqa: B019
    def os(self, os_id: str) -> OsConfig:
        rel = self.rel("os", names.os_id(os_id), "os.yaml")
        if not regular.present(self.root / rel, rel):
            raise UserError(f"unknown os {os_id!r}: no {rel}")
        data = self._load(rel, "os")
        version, arch = names.os_id_parts(os_id)
        for key, want in (("version", version), ("arch", arch)):
            if str(data[key]) != want:  # else a node of el9-x86_64 silently gets another OS's lists
                raise UserError(f"{rel}: key '{key}': {data[key]!r} disagrees with the os-id of its directory, {os_id}")
        kdata = schema.mapping(data, "kernel")
        kname = schema.text(kdata, "name", "kernel")
        kversion = kdata.get("version")
        kernel = KernelConfig(
            name=kname,
            arch=schema.text(kdata, "arch", arch),
            version=None if kversion is None else str(kversion),
            packages=schema.texts(kdata, "packages") if "packages" in kdata else (kname,),
            modules=entries(kdata.get("modules"), rel, "kernel.modules"),
        )
        listed = entries(data.get("packages"), rel)
        self._warn(listed_twice(listed))
        return OsConfig(
            os_id=os_id,
            version=version,
            arch=arch,
            kernel=kernel,
            installonly=schema.texts(data, "installonly"),
            variables=schema.mapping(data, "variables"),
            packages=listed,
            where=rel,
            modules=config.streams(data.get("modules")),
        )

    # --- errata --------------------------------------------------------------------------

    def profile_rel(self, os_id: str, profile: str) -> str:
        return profile_rel(os_id, profile)

    @functools.cache  # noqa: B019
    def profile(self, os_id: str, profile: str) -> Profile | None:
        return records.profile(self.root, os_id, profile, self.warn)

    def entry(self, os_id: str, profile: str | None, p: Package) -> Entry | None:
        """The entry of that version in that profile of the os, if both exist."""
        if profile is None:
            return None
        try:
            prof = self.profile(os_id, profile)
        except UserError:
            return None
        return prof.find(p) if prof is not None else None

    @functools.cache  # noqa: B019
    def hotfix(self, os_id: str, name: str) -> Hotfix | None:
        """``errata/<os-id>/hotfix-<name>.yaml``, None when there is none."""
        return records.hotfix(self.root, os_id, name)

    def source_entry(self, os_id: str, source: Source | None, errata: str | None, p: Package) -> Entry | None:
        """The profile or hotfix entry a resolved version came from (``from``), for its advisories."""
        if source is None:
            return None
        if source.kind == "hotfix" and source.ref is not None:
            try:
                found = self.hotfix(os_id, source.ref)
            except UserError:
                return None
            return next((e for e in found.entries() if e.same_package(p)), None) if found is not None else None
        return self.entry(os_id, source.profile(errata), p)

    @functools.cached_property
    def rollout(self) -> Rollout:
        """site/stages.yaml and site/promotions.yaml (checked); a stage no node
        belongs to is a warning."""
        rollout = load_rollout(self.root, self.warn)
        if rollout.stages is not None:
            self._warn(rollout.stages.unmatched(self.node_names()))
        return rollout

    def profiles(self, os_id: str) -> list[str]:
        d = self.root / "errata" / os_id
        if not d.is_dir():
            return []
        out = []
        for p in d.iterdir():
            stem = p.name[: -len(".yaml")]
            if p.name.endswith(".yaml") and names.is_profile(stem):
                out.append(stem)
        return sorted(out)

    @functools.cache  # noqa: B019
    def _stray_site_files(self) -> None:
        self._warn(stray_site_files(self.root))

    @functools.cache  # noqa: B019
    def _stray_hooks(self, os_id: str) -> None:
        """Name the files of errata/<os-id>/ no node reads: a hook of a profile the OS does
        not have, or a file that is no profile, hotfix or hook of a suffix the site or a
        cluster file names (the defaults -init and -fix included)."""
        d = self.root / "errata" / os_id
        profiles = set(self.profiles(os_id))
        suffixes = {*config.DEFAULT_SUFFIX.values()}
        for layer in (self.site, *(self.cluster(c) for c in self.cluster_names())):
            suffixes.update(layer.hook_suffix.values())
        shapes = ", ".join(f"<profile>{x}.yaml" for x in sorted(suffixes))
        stray = []
        for name in sorted(os.listdir(d)) if d.is_dir() else ():
            stem, _dot, ext = name.rpartition(".")
            if ext not in ("yaml", "yml") or stem in profiles or stem.startswith(HOTFIX_PREFIX):
                continue
            rel = f"errata/{os_id}/{name}"
            if stem[8:] not in suffixes or not names.is_profile(stem[:8]):
                stray.append(f"{rel}: not a profile, a hotfix, nor a hook ({shapes}); no node reads it")
            elif stem[:8] not in profiles:
                stray.append(f"{rel}: a hook of profile {stem[:8]}, which {os_id} does not have; no node reads it")
        self._warn(stray)

    def os_ids(self) -> list[str]:
        """The OSes of the site: os/<os-id>/os.yaml."""
        d = self.root / "os"
        if not d.is_dir():
            return []
        # an os.yaml that is a FIFO or a directory is an error naming it: skipped, its OS's nodes would vanish
        return sorted(p.name for p in d.iterdir() if regular.present(p / "os.yaml", f"os/{p.name}/os.yaml"))

    def cluster_names(self) -> list[str]:
        d = self.root / "site" / "clusters"
        found = (
            {p.name.rpartition(".")[0] for p in d.iterdir() if p.suffix in (".yaml", ".yml")} if d.is_dir() else set()
        )
        return sorted(found)

    def _hook(self, os_id: str, profile: str, suffix: str, kind: str) -> tuple[schema.Keys | None, str]:
        self._stray_hooks(os_id)
        try:
            names.hook_suffix(suffix)
        except UserError as e:
            raise UserError(f"key 'hook_suffix': {e}") from None
        rel = self.rel("errata", names.os_id(os_id), f"{names.profile(profile)}{suffix}.yaml")
        return self._load_present(rel, kind), rel

    @functools.cache  # noqa: B019
    def init_hook(self, os_id: str, profile: str, suffix: str) -> InitHook | None:
        data, rel = self._hook(os_id, profile, suffix, "init hook")
        if data is None:
            return None
        kver = data.get("kernel_version")
        return InitHook(None if kver is None else str(kver), schema.mapping(data, "variables"), rel)

    @functools.cache  # noqa: B019
    def fix_hook(self, os_id: str, profile: str, suffix: str) -> FixHook | None:
        data, rel = self._hook(os_id, profile, suffix, "fix hook")
        if data is None:
            return None
        actions = tuple(action(a, f"{rel}: actions[{i}]") for i, a in enumerate(schema.mappings(data, "actions")))
        return FixHook(actions, profile, rel)
