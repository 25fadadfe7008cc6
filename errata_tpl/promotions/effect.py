"""What a promotion does to a stage's nodes: each node resolved before and after (the
resolver with the promotion in effect or not), and the difference: packages, the
advisories and CVEs of the versions nodes move to, kernels (a node whose kernel
changes must reboot)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl.checks import diff as diffmod
from errata_tpl.mirror.advisories import Advisory, cves, unique
from errata_tpl.resolve.model import Resolved
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.site.stages import Rollout, Stages
from errata_tpl.site.tree import Tree

if TYPE_CHECKING:  # that module imports this one's callers
    from errata_tpl.promotions.chain import Effect


def stage_nodes(tree: Tree, stages: Stages, stage: str, os_id: str) -> list[str]:
    """The nodes of that os whose first matching stage is ``stage``."""
    out = []
    for n in tree.node_names():
        s = stages.of_node(n)
        if s is not None and s.name == stage and tree.node(n).os == os_id:
            out.append(n)
    return out


class Group(NamedTuple):
    """Nodes that change alike."""

    nodes: tuple[str, ...]
    profiles: tuple[str | None, str | None]  # before, after
    kernel: tuple[str | None, str | None]  # the selected kernel before, after
    diff: diffmod.Diff


class StageEffect(NamedTuple):
    nodes: tuple[str, ...]
    before: tuple[Resolved, ...]
    after: tuple[Resolved, ...]
    groups: tuple[Group, ...]

    @property
    def changes(self) -> list[diffmod.Change]:
        return [c for g in self.groups for c in g.diff.changes]

    def packages_changed(self) -> int:
        return len({(c.name, c.arch) for c in self.changes})

    def advisories(self) -> tuple[Advisory, ...]:
        """The advisories of the versions nodes move to (upgraded, pinned or added)."""
        return unique(a for c in self.changes if c.kind in ("upgraded", "pinned", "added") for a in c.advisories)

    def cves_fixed(self) -> list[str]:
        return sorted(cves(self.advisories()))

    def reboot(self) -> list[str]:
        """The nodes whose kernel changes."""
        return [n for g in self.groups if g.kernel[0] != g.kernel[1] for n in g.nodes]

    def summary(self) -> dict[str, object]:
        return {"nodes": list(self.nodes), "packages_changed": self.packages_changed(), "cves_fixed": self.cves_fixed()}


def as_it_is(
    tree: Tree, effects: Sequence[Effect], replaced: Effect | None, warn: Callable[[str], None], then: str
) -> tuple[list[Effect], bool]:
    """``effects``, with ``replaced`` (the stage's profile a promotion replaces) taken as its
    file is now when that changed since its record bound it: a stage's nodes *before* a
    promotion can only be shown with the file as it is, and it is said (``then``: how).
    Whether it changed."""
    if replaced is None or replaced.binding is None:
        return list(effects), False
    found = tree.profile(replaced.record.os, replaced.profile)
    if found is None or found.sha256 == replaced.binding.sha256:
        return list(effects), False
    warn(replaced.binding.changed(tree.profile_rel(replaced.record.os, replaced.profile), found.sha256, then))
    return [e._replace(binding=None) if e is replaced else e for e in effects], True


def effect(tree: Tree, before: Rollout, after: Rollout, nodes: Sequence[str]) -> StageEffect:
    old = tuple(Resolver(tree, rollout=before).resolve(n) for n in nodes)
    new = tuple(Resolver(tree, rollout=after).resolve(n) for n in nodes)
    groups: dict[tuple[object, ...], list[str]] = {}
    diffs: dict[tuple[object, ...], Group] = {}
    for a, b in zip(old, new):
        (ia, aa), (ib, ab) = diffmod.items_of_resolved(tree, a), diffmod.items_of_resolved(tree, b)
        d = diffmod.compare(a.errata or "(no profile)", ia, b.errata or "(no profile)", ib, {**aa, **ab})
        key = (a.errata, b.errata, a.kernel.version, b.kernel.version, d.changes)
        groups.setdefault(key, []).append(a.node)
        diffs.setdefault(key, Group((), (a.errata, b.errata), (a.kernel.version, b.kernel.version), d))
    out = tuple(diffs[k]._replace(nodes=tuple(v)) for k, v in groups.items())
    return StageEffect(tuple(nodes), old, new, out)


def text(e: StageEffect) -> list[str]:
    """The stage's diff, one group of nodes that change alike at a time."""
    lines = []
    for g in e.groups:
        before, after = (p or "(no profile)" for p in g.profiles)
        lines.append(f"{', '.join(g.nodes)}: {before} -> {after}")
        if g.kernel[0] != g.kernel[1]:
            lines.append(f"  kernel {g.kernel[0] or '(none)'} -> {g.kernel[1] or '(none)'}: reboot needed")
        lines += [f"  {line}" for line in diffmod.text(g.diff).splitlines()[2:]]
    return lines
