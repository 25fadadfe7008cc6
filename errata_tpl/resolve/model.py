"""The values the resolver's steps take and give: what it reads (``Config``), each
step's typed result, and the resolved list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from errata_tpl.inventory.model import Inventory
from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve import hotfixes as overlay
from errata_tpl.resolve import streams
from errata_tpl.resolve.cache import VariablesKey
from errata_tpl.resolve.pkgset import Event, Pkg
from errata_tpl.site.config import FixHook, InitHook, Merged, NodeConfig, OsConfig, Overrides, Settings
from errata_tpl.site.stages import Rollout
from errata_tpl.values.source import Source, source


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
    source: Source  # node, cluster, site, errata-init, os, none
    kept: tuple[str, ...] = ()


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
        return ErrataChoice(rec.profile, source("stage", stage), by)
    osc = layers.os
    defaults = s.errata_defaults
    if defaults.get(osc.os_id) is not None:
        return ErrataChoice(defaults[osc.os_id], source("os-id"), f"errata_defaults['{osc.os_id}']")
    if defaults.get(osc.version) is not None:
        return ErrataChoice(defaults[osc.version], source("os-version"), f"errata_defaults['{osc.version}']")
    return ErrataChoice(None, source("none"), "no errata_defaults entry for this os")


def kernel_choice(layers: Layers, init: InitHook | None, osc: OsConfig) -> KernelChoice:
    """Step 6's version: node > cluster > site (by os-id, then os-version) > init hook > os."""
    if layers.node.kernel_pin is not None:
        return KernelChoice(layers.node.kernel_pin, source("node"))
    for layer, label in ((layers.cluster, source("cluster")), (layers.site, source("site"))):
        for key in (osc.os_id, osc.version):
            if layer is not None and layer.kernel_version.get(key) is not None:
                return KernelChoice(layer.kernel_version[key], label)
    if init is not None and init.kernel_version is not None:
        return KernelChoice(init.kernel_version, source("errata-init"))
    if osc.kernel.version is not None:
        return KernelChoice(osc.kernel.version, source("os"))
    return KernelChoice(None, source("none"))
