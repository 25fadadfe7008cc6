"""The values the resolver's steps take and give: what it reads (``Config``), each
step's typed result, and the resolved list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from errata_tpl.errors import UserError
from errata_tpl.inventory.model import Inventory
from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.profile.paths import hotfix_rel
from errata_tpl.profile.profile import Entry, Profile
from errata_tpl.resolve import hotfixes as overlay
from errata_tpl.resolve import streams
from errata_tpl.resolve.cache import VariablesKey
from errata_tpl.resolve.pkgset import Event, Pkg
from errata_tpl.site.config import Merged, NodeConfig, OsConfig, Overrides, Settings
from errata_tpl.site.hooks import FixHook, InitHook
from errata_tpl.site.stages import Rollout
from errata_tpl.values import evr as evrmod
from errata_tpl.values import names
from errata_tpl.values.evr import EVR
from errata_tpl.values.source import Source, source

if TYPE_CHECKING:
    from errata_tpl.promotions.record import Binding


class Config(Protocol):
    """What the resolver reads: the loaded tree (``site.tree.Tree``)."""

    @property
    def site(self) -> Settings: ...
    @property
    def overrides(self) -> Overrides: ...
    def node(self, name: str) -> NodeConfig: ...
    def cluster(self, name: str) -> Settings: ...
    def os(self, os_id: str) -> OsConfig: ...
    def profile(self, os_id: str, profile: str) -> Profile | None: ...
    def profile_rel(self, os_id: str, profile: str) -> str: ...
    def init_hook(self, os_id: str, profile: str, suffix: str) -> InitHook | None: ...
    def fix_hook(self, os_id: str, profile: str, suffix: str) -> FixHook | None: ...
    def hotfix(self, os_id: str, name: str) -> Hotfix | None: ...
    def inventory(self, node: str) -> Inventory | None: ...
    @property
    def rollout(self) -> Rollout: ...


@dataclass(frozen=True)
class KernelChoice:
    version: str | None
    source: Source  # node, cluster, site, errata-init, errata:<profile> or hotfix:<name> (kernel.follow), os, none
    kept: tuple[str, ...] = ()
    why: str = field(default="", compare=False)  # the rule and the file that chose it (explain)


@dataclass(frozen=True)
class Resolved:
    node: str
    os: str
    errata: str | None
    errata_from: Source
    kernel: KernelChoice
    packages: tuple[Pkg, ...]
    changed_by_errata: int = 0
    clone: str | None = None
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)  # how choices were made, for explain
    # module -> its active stream (set by a layer or the profile's default), and None for a
    # module a layer disables: what the node's package tool must enable before installing
    modules: Mapping[str, str | None] = field(default_factory=dict)
    active_streams: Mapping[str, streams.Stream] = field(default_factory=dict, compare=False)
    stage: str | None = None  # the node's rollout stage (site/stages.yaml), whether or not it chose
    hotfixes: tuple[overlay.Outcome, ...] = ()  # each chosen hotfix: what it applied, what was superseded
    manage: str = "all"  # "listed": the outputs leave packages not on the list alone (settings' manage:)


@dataclass(frozen=True)
class Layers:
    """Step 1: the node's files, and what they say merged (site < cluster < node)."""

    node: NodeConfig
    os: OsConfig
    site: Settings
    cluster: Settings | None
    merged: Merged

    def said(self, key: str) -> str:
        """The file of the last layer (node, cluster, site) that sets ``key``."""
        return next(
            s.where for s in (self.node, self.cluster, self.site) if s is not None and getattr(s, key) is not None
        )

    def chosen_streams(self) -> dict[str, tuple[str | None, str]]:
        """module -> (stream or None, the layer that said so): os < site < cluster < node."""
        out: dict[str, tuple[str | None, str]] = {}
        for label, mods in (
            ("os", self.os.modules),
            ("site", self.site.modules),
            ("cluster", self.cluster.modules if self.cluster is not None else {}),
            ("node", self.node.modules),
        ):
            out.update({m: (s, label) for m, s in mods.items()})
        return out


def present(site: Settings, cluster: Settings | None, nd: NodeConfig) -> tuple[Settings, ...]:
    """The layers a node has, site < cluster < node."""
    return (site, nd) if cluster is None else (site, cluster, nd)


@dataclass(frozen=True)
class ErrataChoice:
    """Step 3: the profile (or none), how it was chosen (``errata_from``) and where."""

    profile: str | None
    errata_from: Source
    chosen_by: str
    binding: Binding | None = None  # a stage's: the content its promotion record put in effect


@dataclass(frozen=True)
class Variables:
    """The template variables of a node; ``key`` is equal for nodes whose variables
    come from the same files (their values are then equal too)."""

    values: Mapping[str, Any]
    key: VariablesKey


@dataclass(frozen=True)
class StepInputs:
    """Step 4: what steps 5 to 9 read besides the layers: the os, the profile (its init
    hook joined to the settings), the variables and the kernel chosen."""

    os: OsConfig
    profile: Profile | None
    variables: Variables
    kernel: KernelChoice


def errata_choice(
    layers: Layers, tree: Config, rollout: Rollout, preview: Mapping[str, str], warn: Callable[[str], None]
) -> ErrataChoice:
    """Step 3: the deploy flag, a preview, the node file, the override file, the stage,
    errata_defaults by os-id, then by os-version."""
    nd, s = layers.node, layers.merged
    if nd.name in preview:
        return ErrataChoice(preview[nd.name], source("preview"), "diff --profile")
    if not s.deploy_errata:
        if nd.errata is not None:
            warn(f"{nd.where}: key 'errata' ignored: deploy_errata is not true for {nd.name}")
        return ErrataChoice(None, source("deploy-off"), "deploy_errata is not true")
    if nd.errata_set:
        warn(
            f"{nd.where}: key 'errata': choosing a profile in the node file is discouraged; "
            "use site/errata-overrides.yaml"
        )
        return ErrataChoice(nd.errata, source("node"), f"{nd.where} key 'errata'")
    overrides = tree.overrides
    found, value, key = overrides.lookup(nd.name)
    if found:
        return ErrataChoice(value, source("override"), f"{overrides.where} key '{key}'")
    staged = rollout.choice(nd.name, nd.os)
    if staged is not None:
        stage, rec = staged
        by = f"site/promotions.yaml: {stage} for {nd.os} since {rec.time} by {rec.by}"
        return ErrataChoice(rec.profile, source("stage", stage), by, rec.binding)
    osc = layers.os
    defaults = s.errata_defaults
    if defaults.get(osc.os_id) is not None:
        return ErrataChoice(defaults[osc.os_id], source("os-id"), f"errata_defaults['{osc.os_id}']")
    if defaults.get(osc.version) is not None:
        return ErrataChoice(defaults[osc.version], source("os-version"), f"errata_defaults['{osc.version}']")
    return ErrataChoice(None, source("none"), "no errata_defaults entry for this os")


def chosen_profile(tree: Config, layers: Layers, choice: ErrataChoice) -> Profile | None:
    """The profile step 3 chose, read (None: no errata); a name that is no profile's, or
    a profile the OS does not have, is an error naming what chose it."""
    if choice.profile is None:
        return None
    nd, os_id = layers.node, layers.os.os_id
    try:
        names.profile(choice.profile)
    except UserError as e:
        raise UserError(f"node {nd.name}: {e} (chosen by {choice.chosen_by})") from None
    profile = tree.profile(os_id, choice.profile)
    if profile is None:
        raise UserError(
            f"node {nd.name}: errata profile {choice.profile!r} chosen by {choice.chosen_by} does not exist "
            f"(no {tree.profile_rel(os_id, choice.profile)})"
        )
    if choice.binding is not None:  # the file must hold what the record promoted
        choice.binding.check(tree.profile_rel(os_id, choice.profile), profile.sha256)
    return profile


def notes(
    choice: ErrataChoice, kernel: KernelChoice, active: Mapping[str, streams.Stream], fixes: tuple[overlay.Outcome, ...]
) -> tuple[str, ...]:
    """What a resolved list says of how it was made: its profile, its kernel, its module
    streams and hotfixes (``resolve --format yaml``'s notes, explain)."""
    kept = f", kept {', '.join(kernel.kept)}" if kernel.kept else ""
    return (
        f"errata: {choice.profile or 'none'} ({choice.errata_from}: {choice.chosen_by})",
        f"kernel: {kernel.version or 'none'} (from {kernel.source}: {kernel.why}){kept}",
        *((f"module streams: {streams.describe(active)}",) if active else ()),
        *(f"hotfix: {o.describe()}" for o in fixes),
    )


def chosen_hotfixes(
    layers: Layers, preview: Mapping[str, str], preview_hotfixes: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, str], ...]:
    """(name, where) of the hotfixes a node gets (those diff --hotfix previews too):
    none unless errata are deployed."""
    nd = layers.node
    if not (layers.merged.deploy_errata or nd.name in preview):
        return ()
    return overlay.chosen(
        [(s.where, s.hotfixes) for s in present(layers.site, layers.cluster, nd)]
        + [("diff --hotfix", preview_hotfixes.get(nd.name, ()))]
    )


# (source, the file, its kernel builds): where kernel.follow looks, in order
KernelBuilds = tuple[tuple[Source, str, tuple[Entry, ...]], ...]


def kernel_builds(
    tree: Config, layers: Layers, profile: Profile | None, hotfixes: tuple[tuple[str, str], ...]
) -> KernelBuilds:
    """Where kernel: {follow: profile} looks: the profile's kernels, then each chosen
    hotfix's (read only when the node follows)."""
    if layers.merged.kernel.get("follow") != "profile":
        return ()
    os_id = layers.os.os_id
    out: KernelBuilds = ()
    if profile is not None:
        out += ((source("errata", profile.profile), tree.profile_rel(os_id, profile.profile), profile.kernels),)
    for name, _where in hotfixes:
        hf = tree.hotfix(os_id, name)
        if hf is not None:  # a missing one is step 7c's error
            out += ((source("hotfix", name), hotfix_rel(os_id, name), hf.kernels),)
    return out


def newest_kernel(osc: OsConfig, builds: KernelBuilds) -> tuple[Source, str, EVR] | None:
    """(source, file, version) of the newest build of the OS's kernel (``kernel.name`` at
    ``kernel.arch``) the sources have; the first source of an equal version."""
    best: tuple[Source, str, EVR] | None = None
    for src, where, packages in builds:
        for p in packages:
            evr = p.evr if p.name == osc.kernel.name and p.arch == osc.kernel.arch else None
            if evr is not None and (best is None or evr > best[2]):
                best = (src, where, evr)
    return best


def kernel_choice(layers: Layers, init: InitHook | None, osc: OsConfig, builds: KernelBuilds = ()) -> KernelChoice:
    """Step 6's version: node > cluster > site (by os-id, then os-version) > init hook >
    kernel: {follow: profile} (the newest kernel build of ``builds``: the profile's and
    the hotfixes', never older than the OS's) > os."""
    follow = layers.merged.kernel.get("follow") == "profile"
    said = next((s.where for s in reversed(present(layers.site, layers.cluster, layers.node)) if s.kernel), "")
    pinned = _pinned(layers, init, osc)
    if pinned is not None:  # a pin wins over follow, and explain says so
        return replace(pinned, why=f"{pinned.why}, before kernel: {{follow: profile}} in {said}") if follow else pinned
    os_version = None if osc.kernel.version is None else evrmod.parse(osc.kernel.version)
    found = newest_kernel(osc, builds) if follow else None
    if found is not None and (os_version is None or found[2] >= os_version):
        src, where, version = found
        why = f"the newest {osc.kernel.name} build of {where}, by kernel: {{follow: profile}} in {said}"
        return KernelChoice(str(version), src, why=why)
    missed = ""
    if follow:
        older = f"only {found[2]}, older than the OS's" if found else "no kernel build in a profile or hotfix"
        missed = f"; kernel: {{follow: profile}} in {said} found {older}"
    if osc.kernel.version is not None:
        return KernelChoice(osc.kernel.version, source("os"), why=f"{osc.where} key 'kernel.version'{missed}")
    return KernelChoice(None, source("none"), why=f"no rule gives a kernel version{missed}")


def _pinned(layers: Layers, init: InitHook | None, osc: OsConfig) -> KernelChoice | None:
    """A version a file names for the node: its pin, its cluster's or site's, the init hook's."""
    nd = layers.node
    if nd.kernel_pin is not None:
        return KernelChoice(nd.kernel_pin, source("node"), why=f"{nd.where} key 'kernel_version'")
    for layer, label in ((layers.cluster, source("cluster")), (layers.site, source("site"))):
        for key in (osc.os_id, osc.version):
            if layer is not None and layer.kernel_version.get(key) is not None:
                why = f"{layer.where} key 'kernel_version.{key}'"
                return KernelChoice(layer.kernel_version[key], label, why=why)
    if init is not None and init.kernel_version is not None:
        return KernelChoice(init.kernel_version, source("errata-init"), why=f"{init.where} key 'kernel_version'")
    return None
