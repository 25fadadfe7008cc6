"""One node's concrete package list: nine steps, numbered as they run, with provenance.

``Resolver.resolve_node`` reads as the steps, in their order (docs/resolution.md
numbers them alike), and the methods below come in it: 1 settings, 2 cloning
(decided by the settings: a clone's own list is never made), 3 errata choice, 4 init
hook, 5 base list, 6 kernel, 7 errata (7a module streams, 7b the profile, 7c
hotfixes), 8 fix hook, 9 keep old kernels, then the kernel-only notice. Nodes share
work through one cache per step: nodes with the same os, site, cluster, profile,
kernel and variables get the very same sets from steps 5 to 9, and a node whose own
packages differ shares, in step 7b, the replace-only result of every name it did not
change. There is no second path: ``explain`` runs these functions with tracing on
and reads the events they record.

The contract of a step, and how to add one:

- Its work is a function of typed inputs: ``site.config`` values, a profile, the
  node's variables, the package set of the step before. It reads no file (the tree
  hands it loaded values) and never the node's name: nodes with the same inputs
  must get the same result. It copies the set it is given and returns the copy
  (``apply.py``): a set a step returned is shared and never changed.
- Its key (``resolve/cache.py``) is a tuple type of exactly those inputs, beside the
  others in the order the steps run, and its ``StepCache``, named by the step's
  number, is made in ``StepCaches``; the step asks it with the key and a function
  making the result.
- Choices made by the node's name (the override file, stages, previews: step 3,
  the hotfixes chosen) are made before, uncached, and handed on as values.
- It is called in ``resolve_node`` where it runs, its number beside it and first in
  its docstring; the steps after it are renumbered here, in ``cache.py`` and in
  docs/resolution.md.
- The tests run every resolver in check mode (``cache.CHECK_ENV``): each cache hit
  is made again from the node's own inputs and must be equal, so a key that forgets
  an input fails a test instead of sharing a wrong list (tests/unit/resolve/).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.notices import Notices
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve import apply, cache, kernelonly, model, replaceonly, streams
from errata_tpl.resolve import hotfixes as overlay
from errata_tpl.resolve.cache import StepCaches
from errata_tpl.resolve.hookuse import HookUse
from errata_tpl.resolve.model import (
    Config,
    ErrataChoice,
    Layers,
    Resolved,
    StepInputs,
    Variables,
    errata_choice,
    kernel_choice,
    present,
)
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.site.config import BASE_INSTALLED, NodeConfig, deep_merge, merge, merges_nothing
from errata_tpl.site.entries import PackageEntry, templated
from errata_tpl.site.hooks import InitHook
from errata_tpl.site.stages import Rollout
from errata_tpl.values import names
from errata_tpl.values.source import Source, source


class Resolver:
    def __init__(
        self,
        tree: Config,
        trace: bool = False,
        preview: Mapping[str, str] | None = None,
        preview_hotfixes: Mapping[str, tuple[str, ...]] | None = None,
        rollout: Rollout | None = None,
        check: bool | None = None,
    ) -> None:
        self.tree = tree
        self.trace = trace
        self.preview = dict(preview or {})  # node -> profile: what switching it would give
        self.preview_hotfixes = dict(preview_hotfixes or {})  # node -> hotfixes: what adding them would give
        self.rollout = rollout if rollout is not None else tree.rollout  # promote previews its record
        self.check = cache.checking() if check is None else check  # every cache hit made again and compared
        self.cache = StepCaches(self.check)
        self._results: set[PackageSet] = set()  # every list made: a node whose list is one of them shared work
        self._done: dict[str, Resolved] = {}
        self.notices = Notices()
        self.hook_use = HookUse()  # which fix-hook actions found something: resolve.hookuse
        self.stats = {"nodes": 0, "shared": 0}

    @property
    def warnings(self) -> list[str]:
        return self.notices.lines

    # --- the nine steps ------------------------------------------------------------------

    def resolve(self, node: str, _stack: tuple[str, ...] = ()) -> Resolved:
        if node not in self._done:
            self._done[node] = self.resolve_node(self.tree.node(node), _stack)
        return self._done[node]

    def resolve_node(self, nd: NodeConfig, stack: tuple[str, ...] = ()) -> Resolved:
        layers = self.settings(nd)  # 1
        ref = self.clone_source(layers)  # 2: a clone's own list is never made
        if ref is not None:
            return self.cloning(nd, ref, stack)
        choice = self.errata_choice(layers)  # 3
        inputs = self.init_hook(layers, choice)  # 4
        pl = self.base_list(layers, inputs)  # 5
        pl = self.kernel(pl, inputs)  # 6
        active, enabled = self.module_streams(layers, inputs)  # 7a
        pl, changed = self.errata(pl, inputs.profile, active)  # 7b
        pl, fixes = self.hotfixes(pl, layers, inputs, active)  # 7c: hotfix overlays, before the fix hook
        pl = self.fix_hook(pl, layers, inputs)  # 8
        pl, kept = self.keep_kernels(pl, layers, inputs)  # 9
        self.kernel_only(pl, inputs)  # 9, last: a notice, no change
        self.stats["nodes"] += 1
        if pl in self._results:
            self.stats["shared"] += 1  # another node's list, made once
        self._results.add(pl)
        kernel = replace(inputs.kernel, kept=kept)
        return Resolved(
            node=nd.name,
            os=nd.os,
            errata=choice.profile,
            errata_from=choice.errata_from,
            kernel=kernel,
            packages=pl.frozen(),
            changed_by_errata=changed,
            events=tuple(pl.events or ()),
            notes=model.notes(choice, kernel, active, fixes),
            modules=enabled,
            active_streams=active,
            stage=self._stage(nd),
            hotfixes=fixes,
            manage=layers.merged.manage,
        )

    def settings(self, nd: NodeConfig) -> Layers:
        """1. Settings: site < cluster < node (the os and the init hook join in step 4)."""
        try:
            osc = self.tree.os(nd.os)
        except UserError as e:  # a missing or inconsistent os.yaml: name the node file that chose it, too
            raise e.located(f"{nd.where}: key 'os'") from None
        try:
            cluster = self.tree.cluster(nd.cluster) if nd.cluster is not None else None
        except UserError as e:
            raise e.located(f"{nd.where}: key 'cluster'") from None
        site = self.tree.site
        own = None if merges_nothing(nd) else nd  # most nodes say nothing to merge: their cluster's result
        merged = self.cache.merged.get((site, cluster, own), lambda: merge(*present(site, cluster, nd)))
        return Layers(nd, osc, site, cluster, merged)

    def clone_source(self, layers: Layers) -> str | None:
        """2. Cloning, asked: the node whose list this one takes, if cloning applies."""
        nd = layers.node
        if nd.clone is None or layers.merged.profile_cloning_disabled.get(nd.name, False):
            return None
        try:
            self.tree.node(names.node(nd.clone))
        except UserError as e:
            raise e.located(f"{nd.where}: key 'clone'") from None
        return nd.clone

    def cloning(self, nd: NodeConfig, ref: str, stack: tuple[str, ...]) -> Resolved:
        """2. Cloning, done: the reference node's whole result, ``from: clone:<ref>``."""
        if ref in (*stack, nd.name):
            raise UserError(f"{nd.where}: key 'clone': cloning loop {' -> '.join((*stack, nd.name, ref))}")
        base = self.resolve(ref, (*stack, nd.name))
        if base.os != nd.os:  # a list of another OS's packages would install nothing right
            raise UserError(
                f"{nd.where}: key 'clone': {ref} is a node of {base.os} ({self.tree.node(ref).where}), "
                f"this node of {nd.os}; a clone copies a node of its own os"
            )
        tag = source("clone", ref)
        return replace(
            base,
            node=nd.name,
            clone=ref,
            stage=self._stage(nd),
            packages=tuple(p.but(source=tag) for p in base.packages),
            notes=(f"packages cloned from {ref} ({nd.where} key 'clone')", *base.notes),
        )

    def errata_choice(self, layers: Layers) -> ErrataChoice:
        """3. Errata choice (``model.errata_choice``): by the node's name, so uncached."""
        return errata_choice(layers, self.tree, self.rollout, self.preview, self.notices.warn)

    def init_hook(self, layers: Layers, choice: ErrataChoice) -> StepInputs:
        """4. Init hook: the profile's init hook joins the settings below site, cluster and
        node: its variables, and its kernel_version in the kernel's order of choice."""
        nd, osc = layers.node, layers.os
        profile = model.chosen_profile(self.tree, layers, choice)
        init: InitHook | None = None
        if choice.profile is not None:
            init = self.tree.init_hook(osc.os_id, choice.profile, layers.merged.hook_suffix["init"])
        builds = model.kernel_builds(
            self.tree, layers, profile, model.chosen_hotfixes(layers, self.preview, self.preview_hotfixes)
        )  # kernel.follow's
        kernel = kernel_choice(layers, init, osc, builds)
        own = nd if nd.variables else None  # a node without variables shares its cluster's
        key: cache.VariablesKey = (osc, init, layers.site, layers.cluster, own, choice.profile, kernel.version)

        def variables() -> Variables:
            below = deep_merge(osc.variables, init.variables if init else {})
            merged = merge(*present(layers.site, layers.cluster, nd), variables_below=below).variables
            builtin = {
                "os_id": osc.os_id,
                "os_version": osc.version,
                "os_arch": osc.arch,
                "errata_profile": choice.profile,
                "kernel_version": kernel.version,
            }
            return Variables({**builtin, **merged}, key)

        return StepInputs(osc, profile, self.cache.variables.get(key, variables), kernel)

    def base_list(self, layers: Layers, inputs: StepInputs) -> PackageSet:
        """5. Base list: os + site + cluster + node packages; a later layer's entry
        replaces an earlier one of the same name and arch. With ``base: installed`` the
        node's inventory takes the os's place."""
        osc = inputs.os
        pl = self.cache.empty.get((osc,), lambda: PackageSet((osc.arch, "noarch"), trace=self.trace))
        first: tuple[Source, Any, tuple[PackageEntry, ...]] = (source("os"), osc, osc.packages)
        if layers.merged.base == BASE_INSTALLED:
            pl, first = self.installed(pl, layers, inputs), (source("os"), osc, ())
        for label, owner, items in (
            first,
            (source("site"), layers.site, layers.site.packages),
            (source("cluster"), layers.cluster, layers.cluster.packages if layers.cluster else ()),
            (source("node"), layers.node, layers.node.packages),
        ):
            if items and owner is not None:
                per_node = self.cache.templated.get((owner,), functools.partial(templated, items))
                vkey = inputs.variables.key if per_node else None
                # a node's own entries are few: nodes that write the same ones share the result
                what = tuple(e.key for e in items) if owner is layers.node else owner
                pl = self.cache.layer.get(
                    (pl, label, what, vkey),
                    functools.partial(apply.put_layer, pl, items, inputs.variables.values, label),
                )
        return pl

    def installed(self, pl: PackageSet, layers: Layers, inputs: StepInputs) -> PackageSet:
        """5. ``base: installed``: the node's inventory (what its name finds; the key is
        what the inventory holds, so nodes with the same one share the result)."""
        inv = self.tree.inventory(layers.node.name)
        if inv is None:
            raise UserError(
                f"{layers.said('base')}: key 'base': installed, but node {layers.node.name} has no inventory"
            )
        p = None if inv.epochs else inputs.profile  # an inventory without epochs takes the profile's
        key = (pl, inputs.os, inv.keys, inv.epochs, None if p is None else cache.profile_id(p))
        return self.cache.installed.get(key, lambda: apply.put_installed(pl, inv, inputs.os, p))

    def kernel(self, pl: PackageSet, inputs: StepInputs) -> PackageSet:
        """6. Kernel: every kernel package at the chosen version, its modules named for it; multi."""
        version = inputs.kernel.version
        if version is None:
            return pl
        return self.cache.kernel.get(
            (pl, inputs.os, version, inputs.variables.key),
            lambda: apply.kernel_packages(pl, inputs.os, inputs.variables.values, version),
        )

    def module_streams(self, layers: Layers, inputs: StepInputs) -> cache.Streams:
        """7a. The node's active module streams: its ``modules`` (os < site < cluster < node),
        and for the other modules the default stream the profile recorded; and what its
        package tool is told to enable or disable."""
        own = layers.node if layers.node.modules else None

        def make() -> cache.Streams:
            chosen = layers.chosen_streams()
            active = streams.active(chosen, inputs.profile)
            return active, streams.enabled(active, chosen)

        pid = None if inputs.profile is None else cache.profile_id(inputs.profile)
        key: cache.StreamsKey = (inputs.os, layers.site, layers.cluster, own, pid)
        return self.cache.streams.get(key, make)

    def errata(
        self, pl: PackageSet, profile: Profile | None, active: Mapping[str, streams.Stream] | None = None
    ) -> tuple[PackageSet, int]:
        """7b. Errata: the profile's entries, replace-only; (the set, how many (name, arch) changed).

        ``_offered`` gives the entries that may apply with the node's module streams: a
        modular entry only where its stream is active, never across streams."""
        if profile is None:
            return pl, 0
        done = replaceonly.cached(self.cache, pl, profile, active or {})
        return done.pl, done.changed

    def hotfixes(
        self, pl: PackageSet, layers: Layers, inputs: StepInputs, active: Mapping[str, streams.Stream]
    ) -> tuple[PackageSet, tuple[overlay.Outcome, ...]]:
        """7c. Hotfixes: each one the settings name (site, cluster and node lists add up),
        replace-only like a profile, when errata are deployed, whatever the profile
        (none too: a held-back node gets its urgent fix); a build of a module stream
        only where that stream is active, as in 6b."""
        nd = layers.node
        chosen = model.chosen_hotfixes(layers, self.preview, self.preview_hotfixes)
        if not chosen:
            return pl, ()
        outcomes = []
        for name, where in chosen:
            hf = self.tree.hotfix(nd.os, name)
            if hf is None:
                raise UserError(
                    f"{where}: key 'hotfixes': node {nd.name}: hotfix {name!r} does not exist "
                    f"(no errata/{nd.os}/hotfix-{name}.yaml)"
                )
            offered = overlay.offered_with(active, streams.shipped(inputs.profile, active, hf.modular_entries()))
            pid = cache.profile_id(inputs.profile) if inputs.profile is not None else None
            key: cache.HotfixKey = (pl, hf, streams.key(active), pid)
            pl, outcome = self.cache.hotfix.get(key, functools.partial(overlay.applied, pl, hf, offered))
            outcomes.append(outcome)
        return pl, tuple(outcomes)

    def _stage(self, nd: NodeConfig) -> str | None:
        stage = self.rollout.stage_of(nd.name)
        return stage.name if stage is not None else None

    def fix_hook(self, pl: PackageSet, layers: Layers, inputs: StepInputs) -> PackageSet:
        """8. Fix hook: its actions in order."""
        if inputs.profile is None:
            return pl
        hook = self.tree.fix_hook(inputs.os.os_id, inputs.profile.profile, layers.merged.hook_suffix["fix"])
        if hook is None or not hook.actions:
            return pl
        hits = self.hook_use.used(hook)  # the actions that find something on some node
        try:
            return self.cache.fix.get(
                (pl, hook, inputs.variables.key), lambda: apply.fix_actions(pl, hook, inputs.variables.values, hits)
            )
        except UserError:
            self.hook_use.stopped(hook)
            raise

    def keep_kernels(self, pl: PackageSet, layers: Layers, inputs: StepInputs) -> tuple[PackageSet, tuple[str, ...]]:
        """9. Keep old kernels: the running one (with ``base: installed`` and no running_kernel,
        the inventory's) and keep_kernels, multi; more versions of an installonly package than
        installonly_limit is an error."""
        nd = layers.node
        running = nd.running_kernel
        if running is None and layers.merged.base == BASE_INSTALLED:  # the kernel its inventory says it runs
            inv = self.tree.inventory(nd.name)
            running = inv.running_version if inv is not None else None
        versions = (running, *nd.keep_kernels)
        kept = tuple(dict.fromkeys(v for v in versions if v is not None and v != inputs.kernel.version))
        if kept:
            pl.frozen()  # the set a kept kernel adds to: its copies freeze by splicing into it
            pl = self.cache.keep.get(
                (pl, inputs.os, kept, inputs.variables.key),
                lambda: apply.keep_kernels(pl, inputs.os, inputs.variables.values, kept),
            )
        limit = layers.merged.installonly_limit
        over = self.cache.limit.get((pl, inputs.os, limit), lambda: apply.over_limit(pl, inputs.os, limit))
        if over:
            raise apply.too_many(nd, *over[0], limit, inputs.kernel.version)
        return pl, kept

    def kernel_only(self, pl: PackageSet, inputs: StepInputs) -> None:
        """9, last: base-list names the profile lists only as kernel builds, said once per
        OS and profile (see ``kernelonly``)."""
        prof, osc = inputs.profile, inputs.os
        if prof is None:
            return
        left = self.cache.kernel_only.get(
            (pl, osc, cache.profile_id(prof)),
            lambda: kernelonly.left_behind(prof, osc.kernel.packages, pl),
        )
        self.notices.grow((osc.where, prof.profile), left, kernelonly.warning)
