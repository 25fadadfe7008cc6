"""One node's concrete package list, in the spec's nine steps, with provenance.

Nodes that share os, cluster, profile, kernel and their own package-relevant
settings share the result of steps 4-7 (the expensive part: base list and
thousands of replace-only entries); only step 8 (kept kernels) is per node.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from deepmerge import Merger

from errata_tpl.errors import UserError
from errata_tpl.profile.profile import Profile
from errata_tpl.resolve import kernelonly
from errata_tpl.resolve.pkgset import Event, PackageSet, Pkg
from errata_tpl.site import schema, templating
from errata_tpl.site.tree import OsConfig, Tree
from errata_tpl.values import evr as evrmod
from errata_tpl.values import names
from errata_tpl.values import ref as refmod
from errata_tpl.values.package import Package

DEFAULT_SUFFIX = {"init": "-init", "fix": "-fix"}
DEFAULT_INSTALLONLY_LIMIT = 3

# dicts merge deeply, lists (other than packages, handled apart) replace
_merger = Merger([(dict, ["merge"]), (list, ["override"])], ["override"], ["override"])


@dataclass(frozen=True)
class KernelChoice:
    version: str | None
    source: str  # node | site | cluster | errata-init | os | none
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolved:
    node: str
    os: str
    errata: str | None
    errata_from: str
    kernel: KernelChoice
    packages: tuple[Pkg, ...]
    changed_by_errata: int = 0
    clone: str | None = None
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)  # how choices were made, for explain


@dataclass(frozen=True)
class _Shared:
    """Steps 4-7 for one memo key."""

    pset: PackageSet
    frozen: tuple[Pkg, ...]
    changed: frozenset[tuple[str, str]]  # (name, arch) the profile changed


def merge_settings(*layers: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for layer in layers:
        _merger.merge(out, {k: v for k, v in layer.items() if k != "packages"})
    return out


class Resolver:
    def __init__(self, tree: Tree, trace: bool = False, preview: Mapping[str, str] | None = None) -> None:
        self.tree = tree
        self.trace = trace
        self.preview = dict(preview or {})  # node -> profile: what switching it would give
        self._memo: dict[Any, _Shared] = {}
        self._layers: dict[int, tuple[Any, list[Pkg | None]]] = {}
        self._base: dict[Any, PackageSet] = {}
        self._plain: dict[Any, _Shared] = {}
        self._indexes: dict[int, tuple[Profile, dict[str, list[Any]]]] = {}
        self._done: dict[str, Resolved] = {}
        self.warnings: list[str] = []
        self._kernel_only_seen: dict[tuple[str, str], tuple[int, set[str]]] = {}
        self.stats = {"nodes": 0, "shared": 0}

    def _warn(self, msg: str) -> None:
        if msg not in self.warnings:
            self.warnings.append(msg)

    def _kernel_only(self, osc: OsConfig, profile: Profile, pset: PackageSet) -> None:
        """One warning per OS and profile, naming every base-list package that only
        kernel selection could move (it grows as nodes bring more)."""
        found = kernelonly.left_behind(profile, osc.kernel.packages, pset)
        if not found:
            return
        key = (osc.os_id, profile.profile)
        slot, names_ = self._kernel_only_seen.get(key, (len(self.warnings), set()))
        if set(found) <= names_:
            return
        names_ |= set(found)
        msg = kernelonly.warning(osc.where, profile.profile, names_)
        if slot < len(self.warnings):
            self.warnings[slot] = msg
        else:
            self.warnings.append(msg)
        self._kernel_only_seen[key] = (slot, names_)

    # --- entry point ------------------------------------------------------------------------

    def resolve(self, node: str, _stack: tuple[str, ...] = ()) -> Resolved:
        if node in self._done:
            return self._done[node]
        nd = self.tree.node(node)
        where = f"site/nodes/{node}.yaml"
        settings = self._choice_settings(node, nd)
        ref = nd.get("clone")
        if ref is not None and not settings.get("profile_cloning_disabled", {}).get(node, False):
            try:
                ref = names.node(ref)
                self.tree.node(ref)
            except UserError as e:
                raise e.located(f"{where}: key 'clone'") from None
            if ref in (*_stack, node):
                raise UserError(f"{where}: key 'clone': cloning loop {' -> '.join((*_stack, node, ref))}")
            base = self.resolve(ref, (*_stack, node))
            if base.os != nd.get("os"):  # a list of another OS's packages would install nothing right
                raise UserError(
                    f"{where}: key 'clone': {ref} is a node of {base.os} (site/nodes/{ref}.yaml), "
                    f"this node of {nd.get('os')}; a clone copies a node of its own os"
                )
            tag = f"clone:{ref}"
            result = replace(
                base,
                node=node,
                clone=ref,
                packages=tuple(p.but(source=tag) for p in base.packages),
                notes=(f"packages cloned from {ref} ({where} key 'clone')", *base.notes),
            )
        else:
            result = self._resolve_own(node, nd, settings)
        self._done[node] = result
        return result

    # --- steps ------------------------------------------------------------------------------

    def _cluster(self, node: str, nd: Mapping[str, Any]) -> dict[str, Any]:
        if nd.get("cluster") is None:
            return {}
        try:
            return self.tree.cluster(nd["cluster"])
        except UserError as e:  # name the node file that chose the cluster, too
            raise e.located(f"site/nodes/{node}.yaml: key 'cluster'") from None

    def _choice_settings(self, node: str, nd: Mapping[str, Any]) -> dict[str, Any]:
        """Step 1 for what chooses: site < cluster < node."""
        return merge_settings(self.tree.site, self._cluster(node, nd), nd)

    def _choose_errata(
        self, node: str, nd: Mapping[str, Any], osc: OsConfig, s: Mapping[str, Any]
    ) -> tuple[str | None, str, str]:
        """Step 2: (profile or None, errata_from, where the choice was made)."""
        where = f"site/nodes/{node}.yaml"
        if node in self.preview:
            return self.preview[node], "preview", "diff --profile"
        if s.get("deploy_errata") is not True:
            if nd.get("errata") is not None:
                self._warn(f"{where}: key 'errata' ignored: deploy_errata is not true for {node}")
            return None, "deploy-off", "deploy_errata is not true"
        if "errata" in nd:
            self._warn(
                f"{where}: key 'errata': choosing a profile in the node file is discouraged; "
                "use site/errata-overrides.yaml"
            )
            return nd["errata"], "node", f"{where} key 'errata'"
        found, value, key = self.tree.overrides.lookup(node)
        if found:
            return value, "override", f"{self.tree.overrides.where} key '{key}'"
        defaults = s.get("errata_defaults") or {}
        if defaults.get(osc.os_id) is not None:
            return defaults[osc.os_id], "os-id", f"errata_defaults['{osc.os_id}']"
        if defaults.get(osc.version) is not None:
            return defaults[osc.version], "os-version", f"errata_defaults['{osc.version}']"
        return None, "none", "no errata_defaults entry for this os"

    def _kernel_version(
        self,
        nd: Mapping[str, Any],
        site: Mapping[str, Any],
        cluster: Mapping[str, Any],
        init: Mapping[str, Any],
        osc: OsConfig,
    ) -> tuple[str | None, str]:
        """Step 5's choice: node > site[os-id] > site[os-version] > init hook > os."""
        if nd.get("kernel_version") is not None:
            return str(nd["kernel_version"]), "node"
        for layer, label in ((cluster, "cluster"), (site, "site")):
            pins = layer.get("kernel_version") or {}
            for key in (osc.os_id, osc.version):
                if pins.get(key) is not None:
                    return str(pins[key]), label
        if init.get("kernel_version") is not None:
            return str(init["kernel_version"]), "errata-init"
        if osc.kernel.version is not None:
            return osc.kernel.version, "os"
        return None, "none"

    def _resolve_own(self, node: str, nd: Mapping[str, Any], s: Mapping[str, Any]) -> Resolved:
        where = f"site/nodes/{node}.yaml"
        os_id = nd["os"]
        try:
            names.os_id(os_id)
            osc = self.tree.os(os_id)
        except UserError as e:  # a missing or inconsistent os.yaml: name the node file that chose it, too
            raise e.located(f"{where}: key 'os'") from None
        cluster = self._cluster(node, nd)

        profile_name, errata_from, chosen_by = self._choose_errata(node, nd, osc, s)
        profile: Profile | None = None
        suffix = {**DEFAULT_SUFFIX, **(s.get("hook_suffix") or {})}
        init: dict[str, Any] = {}
        if profile_name is not None:
            try:
                names.profile(profile_name)
            except UserError as e:
                raise UserError(f"node {node}: {e} (chosen by {chosen_by})") from None
            profile = self.tree.profile(os_id, profile_name)
            if profile is None:
                raise UserError(
                    f"node {node}: errata profile {profile_name!r} chosen by {chosen_by} does not exist "
                    f"(no {self.tree.profile_rel(os_id, profile_name)})"
                )
            init = self.tree.hook(os_id, profile_name, suffix["init"], "init hook")[0] or {}

        kver, kfrom = self._kernel_version(nd, self.tree.site, cluster, init, osc)
        settings = merge_settings(
            {"variables": osc.variables},
            {"variables": init.get("variables") or {}},
            self.tree.site,
            cluster,
            nd,
        )
        variables = {
            "os_id": osc.os_id,
            "os_version": osc.version,
            "os_arch": osc.arch,
            "errata_profile": profile_name,
            "kernel_version": kver,
            **(settings.get("variables") or {}),
        }
        keep = [str(v) for v in (nd.get("running_kernel"), *(nd.get("keep_kernels") or ())) if v is not None]
        kept = tuple(dict.fromkeys(v for v in keep if v != kver))
        notes = (
            f"errata: {profile_name or 'none'} ({errata_from}: {chosen_by})",
            f"kernel: {kver or 'none'} (from {kfrom})" + (f", kept {', '.join(kept)}" if kept else ""),
        )

        self.stats["nodes"] += 1
        if self.trace:
            shared = self._steps_4_to_7(node, nd, osc, cluster, profile, suffix, variables, kver)
        else:
            shared = self._shared(node, nd, osc, cluster, profile, suffix, variables, kver)

        if kept:
            pset = shared.pset.copy(trace=self.trace)
            if self.trace:
                pset.events = list(shared.pset.events or [])
            self._keep_kernels(pset, osc, variables, kept)
            packages = pset.freeze()
            events = tuple(pset.events or ())
        else:
            pset, packages, events = shared.pset, shared.frozen, tuple(shared.pset.events or ())
        self._check_installonly(node, pset, osc, s, kver, nd.get("running_kernel"))
        if profile is not None:
            self._kernel_only(osc, profile, pset)
        return Resolved(
            node=node,
            os=os_id,
            errata=profile_name,
            errata_from=errata_from,
            kernel=KernelChoice(kver, kfrom, kept),
            packages=packages,
            changed_by_errata=len(shared.changed),
            events=events,
            notes=notes,
        )

    def _layer(self, items: Any, variables: Mapping[str, Any], where: str, label: str) -> list[Pkg]:
        """A layer's package entries. Entries without a template are parsed once per
        run and shared by every node; only templated ones are rendered per node."""
        cached = self._layers.get(id(items))
        if cached is None or cached[0] is not items:
            static = [
                None if _templated(item) else self._render_ref(item, {}, f"{where}: packages[{i}]")
                for i, item in enumerate(items)
            ]
            cached = (items, [None if r is None else Pkg(r.name, r.evr, r.arch, label) for r in static])
            self._layers[id(items)] = cached
        out = []
        for i, (item, p) in enumerate(zip(items, cached[1])):
            if p is None:
                r = self._render_ref(item, variables, f"{where}: packages[{i}]")
                p = Pkg(r.name, r.evr, r.arch, label)
            out.append(p)
        return out

    def _render_ref(self, item: Any, variables: Mapping[str, Any], what: str) -> Package:
        try:
            return refmod.parse(templating.render_value(item, variables, what))
        except UserError as e:
            raise e.located(what) from None

    def _base_layers(
        self,
        node: str,
        nd: Mapping[str, Any],
        osc: OsConfig,
        cluster: Mapping[str, Any],
    ) -> tuple[tuple[str, Any, str], ...]:
        return (
            ("os", osc.packages, osc.where),
            ("site", self.tree.site.get("packages") or (), "site/site.yaml"),
            ("cluster", cluster.get("packages") or (), f"site/clusters/{nd.get('cluster')}.yaml"),
            ("node", nd.get("packages") or (), f"site/nodes/{node}.yaml"),
        )

    def _steps_4_to_7(
        self,
        node: str,
        nd: Mapping[str, Any],
        osc: OsConfig,
        cluster: Mapping[str, Any],
        profile: Profile | None,
        suffix: Mapping[str, str],
        variables: Mapping[str, Any],
        kver: str | None,
    ) -> _Shared:
        """Steps 4 to 7 for one node, from scratch: the reference the shortcuts must match."""
        pset = PackageSet(native_arches=(osc.arch, "noarch"), trace=self.trace)
        # 4. base list: os < site < cluster < node
        for label, items, where in self._base_layers(node, nd, osc, cluster):
            for p in self._layer(items, variables, where, label):
                pset.put(p)
        # 5. kernel
        if kver is not None:
            self._kernel_packages(pset, osc, variables, kver, "kernel")
        return self._steps_6_7(pset, osc, profile, suffix, variables)

    def _steps_6_7(
        self,
        pset: PackageSet,
        osc: OsConfig,
        profile: Profile | None,
        suffix: Mapping[str, str],
        variables: Mapping[str, Any],
    ) -> _Shared:
        changed: set[tuple[str, str]] = set()
        if profile is not None:
            # 6. errata, replace-only: only entries naming a package the node has can apply
            tag = f"errata:{profile.profile}"
            index = self._profile_index(profile)
            for name in [n for n in pset.names() if n in index]:
                for e in index[name]:
                    if pset.ronly(e.name, e.evr, e.arch, tag):
                        changed.add((e.name, e.arch))
            # 7. fix hook
            hook, rel = self.tree.hook(osc.os_id, profile.profile, suffix["fix"], "fix hook")
            if hook:
                self._fix_hook(pset, hook.get("actions") or [], variables, f"fix:{profile.profile}", rel)
        return _Shared(pset, pset.freeze(), frozenset(changed))

    # --- shortcuts: nodes that share inputs share work -------------------------------------

    def _shared(
        self,
        node: str,
        nd: Mapping[str, Any],
        osc: OsConfig,
        cluster: Mapping[str, Any],
        profile: Profile | None,
        suffix: Mapping[str, str],
        variables: Mapping[str, Any],
        kver: str | None,
    ) -> _Shared:
        """Steps 4-7, shared between nodes.

        * base: os, site and cluster lists and the kernel, per (os, cluster, kernel, variables);
        * plain: base + errata + fix hook, for nodes without packages of their own;
        * a node with its own packages starts from plain and redoes only the names it
          lists, unless they meet the kernel or the fix hook (then: from scratch).
        """
        vkey = json.dumps(variables, sort_keys=True, default=str)
        base_key = (osc.os_id, nd.get("cluster"), kver, vkey)
        plain_key = (base_key, None if profile is None else profile.profile, suffix["fix"])
        plain = self._plain.get(plain_key)
        items = nd.get("packages")
        if plain is not None and not items:
            self.stats["shared"] += 1
        if plain is None:
            base = self._base.get(base_key)
            if base is None:
                base = PackageSet(native_arches=(osc.arch, "noarch"))
                for label, layer, where in self._base_layers(node, nd, osc, cluster)[:3]:
                    for p in self._layer(layer, variables, where, label):
                        base.put(p)
                if kver is not None:
                    self._kernel_packages(base, osc, variables, kver, "kernel")
                self._base[base_key] = base
            plain = self._plain[plain_key] = self._steps_6_7(base.copy(), osc, profile, suffix, variables)
        if not items:
            return plain

        node_key = (plain_key, json.dumps(items, sort_keys=True, default=str))
        hit = self._memo.get(node_key)
        if hit is not None:
            self.stats["shared"] += 1
            return hit
        own = self._layer(items, variables, f"site/nodes/{node}.yaml", "node")
        touched = {p.name for p in own}
        if touched & self._kernel_names(osc, variables, kver) or self._fix_touches(osc, profile, suffix, touched):
            result = self._steps_4_to_7(node, nd, osc, cluster, profile, suffix, variables, kver)
        else:
            base = self._base[base_key]
            pset = plain.pset.copy()
            for name in touched:
                pset.reset(name, base.get(name))
            for p in own:
                pset.put(p)
            index = self._profile_index(profile) if profile is not None else {}
            # only the touched names' profile entries can have changed anything for them
            changed = set(plain.changed - {(e.name, e.arch) for n in touched for e in index.get(n, ())})
            if profile is not None:
                tag = f"errata:{profile.profile}"
                for name in touched:
                    for e in self._profile_index(profile).get(name, ()):
                        if pset.ronly(e.name, e.evr, e.arch, tag):
                            changed.add((e.name, e.arch))
            result = _Shared(pset, pset.freeze(), frozenset(changed))
        self._memo[node_key] = result
        return result

    def _profile_index(self, profile: Profile) -> dict[str, list[Any]]:
        index = self._indexes.get(id(profile))
        if index is None or index[0] is not profile:
            by_name: dict[str, list[Any]] = {}
            for e in profile.packages:
                by_name.setdefault(e.name, []).append(e)
            index = self._indexes[id(profile)] = (profile, by_name)
        return index[1]

    def _kernel_names(self, osc: OsConfig, variables: Mapping[str, Any], kver: str | None) -> set[str]:
        names_ = set(osc.kernel.packages)
        mvars = {**variables, "kernel_version": kver}
        for i, item in enumerate(osc.kernel.modules):
            names_.add(self._render_ref(item, mvars, f"{osc.where}: kernel.modules[{i}]").name)
        return names_

    def _fix_touches(self, osc: OsConfig, profile: Profile | None, suffix: Mapping[str, str], names_: set[str]) -> bool:
        """Could the fix hook act on (or test for) one of these names? Templated
        names count as touching everything: the caller then takes the long way."""
        if profile is None:
            return False
        hook, _ = self.tree.hook(osc.os_id, profile.profile, suffix["fix"], "fix hook")
        for action in (hook or {}).get("actions") or []:
            if not isinstance(action, Mapping):
                return True
            for key in ("ronly", "repl", "add", "del", "if_present"):
                if key in action:
                    value = action[key]
                    name = value.get("name") if isinstance(value, Mapping) else value
                    if not isinstance(name, str) or templating.is_template(name) or _action_name(value) in names_:
                        return True
        return False

    def _kernel_packages(
        self, pset: PackageSet, osc: OsConfig, variables: Mapping[str, Any], version: str, source: str
    ) -> None:
        k = osc.kernel
        try:
            kevr = evrmod.parse(version)
        except UserError as e:
            raise UserError(f"kernel version for {osc.os_id}: {e}") from None
        for name in k.packages:
            if source == "kernel":
                pset.repl(name, kevr, k.arch, source, multi=True)
            else:
                pset.add(name, kevr, k.arch, source, multi=True)
        mvars = {**variables, "kernel_version": version}
        for i, item in enumerate(k.modules):
            r = self._render_ref(item, mvars, f"{osc.where}: kernel.modules[{i}]")
            pset.add(r.name, r.evr, r.arch or k.arch, source, multi=True)

    def _keep_kernels(
        self, pset: PackageSet, osc: OsConfig, variables: Mapping[str, Any], kept: tuple[str, ...]
    ) -> None:
        for v in kept:
            self._kernel_packages(pset, osc, variables, v, "keep-kernel")

    def _check_installonly(
        self, node: str, pset: PackageSet, osc: OsConfig, s: Mapping[str, Any], kver: str | None, running: Any
    ) -> None:
        """More versions of an installonly package (the kernel, and the os's
        ``installonly`` list) than ``installonly_limit`` is an error; nothing is
        dropped behind the user's back."""
        limit = s.get("installonly_limit", DEFAULT_INSTALLONLY_LIMIT)
        for name in dict.fromkeys((osc.kernel.name, *osc.installonly)):
            versions = sorted({str(p.evr) for p in pset.get(name) if p.evr is not None})
            if len(versions) <= limit:
                continue
            must = ", ".join(f"{what} {v}" for what, v in (("selected", kver), ("running", running)) if v)
            raise UserError(
                f"site/nodes/{node}.yaml: key 'keep_kernels': {len(versions)} versions of {name} "
                f"({', '.join(versions)}) exceed installonly_limit {limit}; the {must} must stay: "
                f"keep fewer kernels or raise installonly_limit"
            )

    def _fix_hook(
        self, pset: PackageSet, actions: list[Any], variables: Mapping[str, Any], source: str, rel: str
    ) -> None:
        for i, action in enumerate(actions):
            what = f"{rel}: actions[{i}]"
            for w in schema.check("action", action, what):
                self._warn(w)
            verbs = [v for v in ("ronly", "repl", "add", "del") if v in action]
            if len(verbs) != 1:
                raise UserError(f"{what}: an action needs exactly one of ronly, repl, add, del")
            verb = verbs[0]
            if "when" in action and not templating.evaluate(action["when"], variables, f"{what}: key 'when'"):
                pset.note(
                    _action_name(action[verb]),
                    source,
                    lambda a=action, v=verb: f"{source}: {v} skipped: when {a['when']!r} is false",
                )
                continue
            if "if_present" in action and action["if_present"] not in pset:
                pset.note(
                    action["if_present"],
                    source,
                    lambda a=action, v=verb: f"{source}: {v} skipped: {a['if_present']} is not present",
                )
                continue
            r = self._render_ref(action[verb], variables, f"{what}: key '{verb}'")
            try:
                if verb == "ronly":
                    if r.evr is None or r.arch is None:
                        raise UserError("ronly needs name, version and arch")
                    pset.ronly(r.name, r.evr, r.arch, source)
                elif verb == "repl":
                    pset.repl(r.name, r.evr, r.arch, source)
                elif verb == "add":
                    pset.add(r.name, r.evr, r.arch, source, multi=bool(action.get("multi", False)))
                else:
                    pset.delete(r.name, r.evr, r.arch, source)
            except UserError as e:
                raise e.located(f"{what}: key '{verb}'") from None


def _templated(item: Any) -> bool:
    if isinstance(item, str):
        return templating.is_template(item)
    if isinstance(item, Mapping):
        return any(isinstance(v, str) and templating.is_template(v) for v in item.values())
    return False


def _action_name(value: Any) -> str:
    """The package a (possibly skipped, unrendered) action is about, for explain."""
    if isinstance(value, Mapping):
        return str(value.get("name", ""))
    try:
        return refmod.parse_string(str(value)).name
    except UserError:
        return str(value)
