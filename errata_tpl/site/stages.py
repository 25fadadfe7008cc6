"""Rollout stages (``site/stages.yaml``, written by people) and the promotion record
(``site/promotions.yaml``, an append-only list written by ``promote``).

A node belongs to the first stage whose globs match its name; a stage's current
profile for an os-id is its latest promotion record.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.values import names

STAGES = "site/stages.yaml"
PROMOTIONS = "site/promotions.yaml"

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_UNITS = (7 * 86400, 86400, 3600, 60)


def duration(value: Any, where: str) -> int:
    """``2d``, ``12h``, ``1d12h``, ``1w``, ``30m`` (or ``0``) in seconds."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    m = _DURATION.match(text)
    if text == "0":
        return 0
    if not text or m is None:
        raise UserError(f"{where}: expected a duration such as 2d, 12h, 1d12h, 1w or 30m, got {value!r}")
    return sum(int(n) * unit for n, unit in zip(m.groups(), _UNITS) if n)


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


def stages_from_data(data: Any) -> Stages:
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("stages", []), list):
        raise UserError(f"{STAGES}: key 'stages': expected a list of {{name, nodes, soak}}")
    unknown = set(data) - {"stages", "repos"}
    if unknown:
        raise UserError(f"{STAGES}: unknown key {sorted(unknown)[0]!r} (stages, repos)")
    out: list[Stage] = []
    for i, item in enumerate(data.get("stages") or []):
        where = f"{STAGES}: key 'stages[{i}]'"
        if not isinstance(item, dict) or set(item) - {"name", "nodes", "soak"}:
            raise UserError(f"{where}: expected a mapping with name, nodes and optionally soak")
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
        out.append(Stage(name, tuple(globs), soak))
    repos = data.get("repos") or {}
    if not (
        isinstance(repos, dict)
        and all(isinstance(v, list) and all(isinstance(d, str) for d in v) for v in repos.values())
    ):
        raise UserError(f"{STAGES}: key 'repos': expected a mapping of os-id to a list of directories")
    return Stages(tuple(out), {str(k): tuple(v) for k, v in repos.items()})


def load_stages(root: Path) -> Stages | None:
    """None when the site has no stages.yaml (no stage decides anything)."""
    path = root / STAGES
    return stages_from_data(yamlio.load_file(path, STAGES)) if path.is_file() else None


# --- the record -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    profile: str
    os: str
    stage: str
    time: str  # YYYY-MM-DDTHH:MM:SSZ (UTC)
    by: str
    note: str | None = None
    forced: tuple[str, ...] = ()  # what --force overrode; empty: nothing
    summary: dict[str, Any] = field(default_factory=dict)  # nodes, packages changed, CVEs fixed, check

    def when(self) -> dt.datetime:
        return parse_time(self.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "os": self.os,
            "stage": self.stage,
            "time": self.time,
            "by": self.by,
            "note": self.note,
            "forced": list(self.forced) or False,
            **self.summary,
        }


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def show_time(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_SUMMARY_KEYS = ("nodes", "packages_changed", "cves_fixed", "check")


@dataclass(frozen=True)
class Promotions:
    records: tuple[Promotion, ...] = ()

    def current(self, stage: str, os_id: str) -> Promotion | None:
        """The stage's current profile for the os-id: its latest record."""
        return next((r for r in reversed(self.records) if r.stage == stage and r.os == os_id), None)

    def latest(self, profile: str, os_id: str, stage: str) -> Promotion | None:
        """When ``profile`` last came to ``stage``."""
        return next(
            (r for r in reversed(self.records) if (r.profile, r.os, r.stage) == (profile, os_id, stage)),
            None,
        )


def promotions_from_data(data: Any) -> Promotions:
    if data is None:
        return Promotions()
    if not isinstance(data, list):
        raise UserError(f"{PROMOTIONS}: expected a list of promotion records (written by errata-tpl promote)")
    out = []
    for i, item in enumerate(data):
        where = f"{PROMOTIONS}: [{i}]"
        if not isinstance(item, dict):
            raise UserError(f"{where}: expected a mapping")
        for key in ("profile", "os", "stage", "time", "by"):
            if not isinstance(item.get(key), str):
                raise UserError(f"{where}: key '{key}': expected a string")
        try:
            parse_time(item["time"])
        except ValueError:
            raise UserError(f"{where}: key 'time': expected YYYY-MM-DDTHH:MM:SSZ, got {item['time']!r}") from None
        forced = item.get("forced") or ()
        out.append(
            Promotion(
                profile=item["profile"],
                os=item["os"],
                stage=item["stage"],
                time=item["time"],
                by=item["by"],
                note=None if item.get("note") is None else str(item["note"]),
                forced=tuple(str(f) for f in forced) if isinstance(forced, list) else ("yes",) if forced else (),
                summary={k: item[k] for k in _SUMMARY_KEYS if k in item},
            )
        )
    return Promotions(tuple(out))


def load_promotions(root: Path) -> Promotions:
    path = root / PROMOTIONS
    return promotions_from_data(yamlio.load_file(path, PROMOTIONS)) if path.is_file() else Promotions()


HEADER = (
    "# Written by `errata-tpl promote`: one record per promotion, appended (never edited).\n"
    "# The current profile of a stage, per os-id, is its latest record.\n"
)


def record_text(p: Promotion) -> str:
    """One record as a block list item (appended to the file as it is)."""
    d = p.as_dict()
    lines = [f"{'- ' if i == 0 else '  '}{k}: {yamlio.value(v)}\n" for i, (k, v) in enumerate(d.items())]
    return "".join(lines)


@dataclass(frozen=True)
class Rollout:
    """The stages and the record together: which stage a node is in, and the
    profile that stage has for its os-id."""

    stages: Stages | None = None
    promotions: Promotions = field(default_factory=Promotions)

    def stage_of(self, node: str) -> Stage | None:
        return self.stages.of_node(node) if self.stages is not None else None

    def choice(self, node: str, os_id: str) -> tuple[str, Promotion] | None:
        """(stage name, its current record for the os-id), when the node has a stage
        and that stage has a profile for its os-id."""
        stage = self.stage_of(node)
        if stage is None:
            return None
        current = self.promotions.current(stage.name, os_id)
        return None if current is None else (stage.name, current)

    def with_record(self, record: Promotion) -> Rollout:
        """As it will be once ``record`` is appended (promote's preview)."""
        return Rollout(self.stages, Promotions((*self.promotions.records, record)))


def load_rollout(root: Path) -> Rollout:
    return Rollout(load_stages(root), load_promotions(root))
