"""dnf's modular filtering, given to libsolv as dnf gives it: packages hidden from
the pool (libsolv's "considered" map), before anything is solved.

What dnf (libdnf's module excludes) hides, for the active streams:

- every build listed in the artifacts of a module stream that is not active,
  unless an active stream lists it too;
- every other build that has, or provides, the name of a package of an active
  stream: a stream's own builds win over the OS's, even when older.

Source packages are never used for this (they are not in a pool we solve).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from errata_tpl.mirror.advisories import NevraKey, nevra_key
from errata_tpl.mirror.modules import Modules


def solvable_key(s: Any) -> NevraKey:
    """A libsolv solvable as the NEVRA key the module metadata uses."""
    evr: str = s.evr
    epoch, _, vr = evr.rpartition(":")
    version, _, release = vr.rpartition("-")
    return nevra_key(s.name, epoch or None, version, release, s.arch)


def hidden(pool: Any, modules: Modules, active: Mapping[str, str]) -> dict[int, str]:
    """Solvable id -> why dnf would not offer it, for these active streams."""
    excluded, names = modules.excluded(active)
    include = modules.included(active)
    streams_of: dict[NevraKey, list[str]] = {}
    for b in modules.builds:
        for key in b.artifacts:
            streams_of.setdefault(key, []).append(b.stream_id)
    out: dict[int, str] = {}
    for s in pool.solvables_iter():
        key = solvable_key(s)
        if key in excluded:
            streams = ", ".join(sorted(set(streams_of[key])))
            out[s.id] = f"it belongs to module stream {streams}, which is not enabled"
    for name in sorted(names):
        dep = pool.Dep(name, False)  # never a new string: the provides index is built
        if dep is None:
            continue
        for s in pool.whatprovides(dep):
            if s.id not in out and solvable_key(s) not in include:
                stream = next(f"{m}:{st}" for m, st in sorted(active.items()) if _ships(modules, m, st, name))
                out[s.id] = f"module stream {stream} is enabled and ships {name}: other builds of it are hidden"
    return out


def _ships(modules: Modules, module: str, stream: str, name: str) -> bool:
    return any(
        b.name == module and b.stream == stream and any(k[0] == name for k in b.artifacts) for b in modules.builds
    )


def streams_text(active: Mapping[str, str]) -> str:
    return ", ".join(f"{m}:{s}" for m, s in sorted(active.items())) or "none"


def missing_streams(modules: Modules, chosen: Mapping[str, str | None]) -> list[str]:
    """The streams a node enables that no repository has (a typo, a stream not yet
    mirrored): dnf's ``module enable`` refuses them ("missing groups or modules")."""
    streams = modules.streams()
    out = []
    for m, s in sorted(chosen.items()):
        if s is not None and s not in streams.get(m, {}):
            there = f"its streams there: {', '.join(streams[m])}" if m in streams else f"no module {m} there"
            out.append(f"module stream {m}:{s} is in no repository ({there})")
    return out
