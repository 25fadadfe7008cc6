"""A dated errata profile: the replace-only entries frozen on one day."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import evr as evrmod
from . import ref as refmod
from . import yamlio
from .errors import UserError
from .evr import EVR


@dataclass(frozen=True)
class Entry:
    name: str
    evr: EVR
    arch: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": str(self.evr), "arch": self.arch}


@dataclass(frozen=True)
class Profile:
    profile: str
    os: str
    generated: str
    source: str
    packages: tuple[Entry, ...]
    kernels: tuple[Entry, ...] = ()
    kernel_named: tuple[Entry, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # further header fields, kept as read


HEADER_KEYS = ("profile", "os", "generated", "source")
LIST_KEYS = ("packages", "kernels", "kernel_named")


def dump_yaml(p: Profile) -> str:
    out = [f"{k}: {yamlio.value(getattr(p, k))}\n" for k in HEADER_KEYS]
    out += [f"{k}: {yamlio.value(v)}\n" for k, v in sorted(p.extra.items())]
    for key in LIST_KEYS:
        out.append(yamlio.block_list(key, (e.as_dict() for e in getattr(p, key))))
    return "".join(out)


def _entries(data: dict[str, Any], key: str, where: str) -> tuple[Entry, ...]:
    items = data.get(key) or []
    if not isinstance(items, list):
        raise UserError(f"{where}: '{key}' must be a list")
    out = []
    for i, item in enumerate(items):
        try:
            r = refmod.parse(item)
            if r.version is None or r.arch is None:
                raise UserError("a profile entry needs name, version and arch")
        except UserError as e:
            raise UserError(f"{where}: {key}[{i}]: {e}") from None
        out.append(Entry(r.name, r.version, r.arch))
    return tuple(out)


def from_data(data: Any, where: str) -> Profile:
    if not isinstance(data, dict):
        raise UserError(f"{where}: a profile must be a mapping")
    for k in ("profile", "os"):
        if not isinstance(data.get(k), str):
            raise UserError(f"{where}: '{k}' is missing or not a string")
    extra = {k: v for k, v in data.items() if k not in HEADER_KEYS and k not in LIST_KEYS}
    return Profile(
        profile=data["profile"],
        os=data["os"],
        generated=str(data.get("generated", "")),
        source=str(data.get("source", "")),
        packages=_entries(data, "packages", where),
        kernels=_entries(data, "kernels", where),
        kernel_named=_entries(data, "kernel_named", where),
        extra=extra,
    )


def load(path: Path, where: str | None = None) -> Profile:
    where = where or str(path)
    return from_data(yamlio.load_file(path, where), where)


def newest_first(entries: list[Entry]) -> list[Entry]:
    """By name and arch, newest version first within each (the ``kernels`` order)."""
    by_evr = sorted(entries, key=lambda e: evrmod.sort_key(e.evr), reverse=True)
    return sorted(by_evr, key=lambda e: (e.name, e.arch))  # stable: keeps newest first
