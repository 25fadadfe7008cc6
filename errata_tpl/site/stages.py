"""Rollout stages (``site/stages.yaml``, written by people), and the rollout: the stages
with what the promotion record (``errata_tpl.promotions``) brought into effect.

A node belongs to the first stage whose globs match its name; a stage's current
profile for an os-id is its latest promotion in effect.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, yamlio
from errata_tpl.site import schema
from errata_tpl.values import names

if TYPE_CHECKING:  # the record's modules import this one
    from errata_tpl.promotions.chain import Effect, History

STAGES = "site/stages.yaml"

_DURATION = re.compile(r"^(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,8})m)?$")
_UNITS = (7 * 86400, 86400, 3600, 60)
MAX_SOAK = 366 * 86400  # past a year a soak is a typo (and dates past 9999 do not exist)
_FINGERPRINT = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")


def duration(value: Any, where: str, limit: int = MAX_SOAK) -> int:
    """``2d``, ``12h``, ``1d12h``, ``1w``, ``30m`` (or ``0``) in seconds, at most ``limit``."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    m = _DURATION.match(text)
    if text == "0":
        return 0
    if not text or m is None:
        raise UserError(
            f"{where}: expected a duration such as 2d, 12h, 1d12h, 1w or 30m, got {yamlio.shown(value):.40}"
        )
    seconds = sum(int(n) * unit for n, unit in zip(m.groups(), _UNITS) if n)
    if seconds > limit:
        raise UserError(f"{where}: {text} is longer than {show_duration(limit)}; refused")
    return seconds


def show_duration(seconds: int) -> str:
    parts = []
    for unit, label in zip((86400, 3600, 60), "dhm"):
        if seconds >= unit:
            parts.append(f"{seconds // unit}{label}")
            seconds %= unit
    return "".join(parts) or "0m"


@dataclass(frozen=True)
class Stage:
    name: str
    nodes: tuple[str, ...]  # globs, fnmatch as in the override file
    soak: int = 0  # seconds the profile must have been at the stage before this one
    approvers: tuple[str, ...] = ()  # OpenPGP fingerprints (upper case, no spaces)
    approvals: int = 0  # distinct approvers a promotion needs (1 when approvers are given)

    def matches(self, node: str) -> bool:
        return any(fnmatch.fnmatchcase(node, g) for g in self.nodes)


@dataclass(frozen=True)
class Stages:
    stages: tuple[Stage, ...]
    repos: dict[str, tuple[str, ...]] = field(default_factory=dict)  # os-id -> dirs for promote's check

    def of_node(self, node: str) -> Stage | None:
        return next((s for s in self.stages if s.matches(node)), None)

    def index(self, name: str) -> int:
        for i, s in enumerate(self.stages):
            if s.name == name:
                return i
        known = ", ".join(s.name for s in self.stages) or "none"
        raise UserError(f"{STAGES}: no stage {name!r} (stages: {known})")

    def unmatched(self, nodes: list[str]) -> list[str]:
        """A warning for each stage no node belongs to: its globs match none, or only
        nodes an earlier stage takes."""
        taken: dict[str, int] = {}
        matched: set[str] = set()
        for n in nodes:
            for s in self.stages:
                if s.matches(n):
                    matched.add(s.name)
            first = self.of_node(n)
            if first is not None:
                taken[first.name] = taken.get(first.name, 0) + 1
        out = []
        for s in self.stages:
            if s.name in taken:
                continue
            globs = ", ".join(s.nodes)
            why = "earlier stages take every node they match" if s.name in matched else "they match no node"
            out.append(f"{STAGES}: stage '{s.name}' has no node: its globs ({globs}): {why}")
        return out


_STAGE_KEYS = ("name", "nodes", "soak", "approvers", "approvals")


def _approvers(item: dict[str, Any], where: str) -> tuple[tuple[str, ...], int]:
    raw = item.get("approvers", [])
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise UserError(f"{where}: key 'approvers': expected a list of OpenPGP fingerprints")
    approvers = []
    for f in raw:
        fp = f.replace(" ", "").upper()
        if not _FINGERPRINT.match(fp):
            raise UserError(f"{where}: key 'approvers': {f!r:.60} is not an OpenPGP fingerprint (40 hex digits)")
        if fp in approvers:
            raise UserError(f"{where}: key 'approvers': {fp} is listed twice")
        approvers.append(fp)
    if not approvers:
        if "approvals" in item:
            raise UserError(f"{where}: key 'approvals': the stage has no approvers")
        return (), 0
    count = item.get("approvals", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(approvers):
        raise UserError(
            f"{where}: key 'approvals': expected a number from 1 to {len(approvers)}, got {yamlio.shown(count):.40}"
        )
    return tuple(approvers), count


def stages_from_data(data: yamlio.Data, line_of: schema.LineOf | None = None) -> Stages:
    if data is None:
        data = {}
    listed = data.get("stages", []) if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(listed, list):
        raise UserError(f"{STAGES}: key 'stages': expected a list of {{name, nodes, soak}}")
    schema.check("stages", data, STAGES, line_of)  # unknown keys: file, line and the near key
    out: list[Stage] = []
    for i, item in enumerate(listed):
        where = f"{STAGES}: key 'stages[{i}]'"
        if not isinstance(item, dict) or set(item) - set(_STAGE_KEYS):
            raise UserError(f"{where}: expected a mapping of {', '.join(_STAGE_KEYS)}")
        try:
            name = names.node(item.get("name"))
        except UserError as e:
            raise UserError(f"{where}: key 'name': {e}") from None
        if any(s.name == name for s in out):
            raise UserError(f"{where}: key 'name': stage {name!r} is named twice")
        globs = item.get("nodes")
        if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
            raise UserError(f"{where}: key 'nodes': expected a list of node names or globs")
        soak = duration(item["soak"], f"{where}: key 'soak'") if "soak" in item else 0
        out.append(Stage(name, tuple(str(g) for g in globs), soak, *_approvers(item, where)))
    repos = data.get("repos") or {}
    if not (
        isinstance(repos, dict)
        and all(isinstance(v, list) and all(isinstance(d, str) for d in v) for v in repos.values())
    ):
        raise UserError(f"{STAGES}: key 'repos': expected a mapping of os-id to a list of directories")
    return Stages(tuple(out), {str(k): tuple(str(d) for d in v) for k, v in repos.items() if isinstance(v, list)})


def load_stages(root: Path) -> Stages | None:
    """None when the site has no stages.yaml (no stage decides anything)."""
    path = root / yamlio.spelt(root, STAGES)
    if not regular.present(path, STAGES):
        return None
    return stages_from_data(yamlio.load_file(path, STAGES), functools.partial(yamlio.line_of, path))


class Rollout:
    """The stages and the record together: which stage a node is in, and the
    profile that stage has for its os-id."""

    def __init__(self, stages: Stages | None = None, history: History | None = None) -> None:
        self.stages = stages
        self._history = history

    @property
    def history(self) -> History:
        if self._history is None:
            from errata_tpl.promotions.chain import History  # that module imports this one

            self._history = History()
        return self._history

    def stage_of(self, node: str) -> Stage | None:
        return self.stages.of_node(node) if self.stages is not None else None

    def choice(self, node: str, os_id: str) -> tuple[str, Effect] | None:
        """(stage name, its current promotion for the os-id), when the node has a stage
        and that stage has a profile for its os-id."""
        stage = self.stage_of(node)
        if stage is None:
            return None
        current = self.history.current(stage.name, os_id)
        return None if current is None else (stage.name, current)

    def with_effect(self, effect: Effect) -> Rollout:
        """As it will be once ``effect`` is in effect too (promote's preview)."""
        return Rollout(self.stages, self.history.with_effect(effect))


def required(stages: Stages | None) -> Stages:
    """The site's stages; a UserError when there are none."""
    if stages is None or not stages.stages:
        raise UserError(f"{STAGES}: no stages defined (stages: [{{name, nodes, soak}}, ...])")
    return stages
