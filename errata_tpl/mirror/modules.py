"""Module streams (EL8/EL9 AppStream) from a repository's ``modules`` metadata.

Found through ``repodata/repomd.xml`` as dnf finds it; ``modules.yaml`` compressed
or not. A package is modular when its NEVRA is listed under ``artifacts: rpms:``
of a modulemd document: that is what dnf filters by (an rpm's ModularityLabel
header only names its build). Which streams are *active* follows dnf too: the
enabled ones, the default stream of a module neither enabled nor disabled, and
the streams those require.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio.yamlio import documents_as_text, load_documents_as_text
from errata_tpl.mirror.advisories import NevraKey, nevra_key
from errata_tpl.mirror.repomd import Repodata, gc_paused

# RHEL 8 AppStream's modules.yaml is some megabytes; leave room for bigger ones
MAX_BYTES = 32 * 1024 * 1024  # decompressed; RHEL 8's AppStream modules.yaml is a few MB
PLATFORM = "platform"  # the pseudo-module of the OS itself: not in any repository

Requires = tuple[tuple[str, tuple[str, ...]], ...]  # module -> acceptable streams ("-s": all but s; none: any)


@dataclass(frozen=True)
class ModuleBuild:
    """One modulemd document: one build (version, context) of a stream."""

    name: str
    stream: str
    version: int
    context: str
    arch: str
    artifacts: tuple[NevraKey, ...]  # binary packages (source ones left out)
    requires: Requires = ()

    @property
    def stream_id(self) -> str:
        return f"{self.name}:{self.stream}"


@dataclass(frozen=True)
class Modules:
    builds: tuple[ModuleBuild, ...]
    defaults: Mapping[str, str]  # module -> its default stream
    warnings: tuple[str, ...] = ()

    @functools.cached_property
    def _by_nevra(self) -> dict[NevraKey, tuple[ModuleBuild, ...]]:
        index: dict[NevraKey, list[ModuleBuild]] = {}
        for b in self.builds:
            for key in b.artifacts:
                index.setdefault(key, []).append(b)
        return {k: tuple(v) for k, v in index.items()}

    def builds_of(self, key: NevraKey) -> tuple[ModuleBuild, ...]:
        """The module builds that ship this NEVRA (none: a non-modular package)."""
        return self._by_nevra.get(key, ())

    def streams(self) -> dict[str, dict[str, list[str]]]:
        """module -> stream -> the names of its binary packages, sorted."""
        out: dict[str, dict[str, set[str]]] = {}
        for b in self.builds:
            out.setdefault(b.name, {}).setdefault(b.stream, set()).update(k[0] for k in b.artifacts)
        return {m: {s: sorted(names) for s, names in sorted(st.items())} for m, st in sorted(out.items())}

    def summary(self) -> dict[str, dict[str, Any]]:
        """What a profile records per module: its default stream and its streams' package names."""
        return {m: {"default": self.defaults.get(m), "streams": st} for m, st in self.streams().items()} | {
            m: {"default": s, "streams": {}} for m, s in sorted(self.defaults.items()) if m not in self.streams()
        }

    def active(self, chosen: Mapping[str, str | None]) -> dict[str, str]:
        """module -> active stream, as dnf decides: ``chosen`` names enabled streams
        (``None``: the module is disabled); any other module with a default stream
        has that one; then every stream an active build requires: a requirement
        overrides a default (dnf activates libfoo:2 for an app that needs it even
        when libfoo:1 is the default), never a stream the node enables. The stream
        required is the default when acceptable, else the highest acceptable one."""
        active = {m: s for m, s in self.defaults.items() if m not in chosen}
        active.update({m: s for m, s in chosen.items() if s is not None})
        by_stream: dict[tuple[str, str], list[ModuleBuild]] = {}
        known: dict[str, set[str]] = {}
        for b in self.builds:
            by_stream.setdefault((b.name, b.stream), []).append(b)
            known.setdefault(b.name, set()).add(b.stream)
        required: set[str] = set()
        for _ in range(len(known) + 1):  # each round settles one more module at least
            changed = False
            for m, s in sorted(active.items()):
                for b in by_stream.get((m, s), ()):
                    for dep, streams in b.requires:
                        if dep == PLATFORM or dep in chosen or dep in required:
                            continue  # the OS; the node's own choice; already settled by a requirement
                        pick = _pick_stream(sorted(known.get(dep, ())), streams, self.defaults.get(dep))
                        required.add(dep)
                        if pick is not None and active.get(dep) != pick and not _accepts(streams, active.get(dep)):
                            active[dep] = pick
                            changed = True
            if not changed:
                break
        return dict(sorted(active.items()))

    def excluded(self, active: Mapping[str, str]) -> tuple[set[NevraKey], set[str]]:
        """What dnf hides for these active streams: the NEVRAs of every inactive
        stream's builds (unless an active build ships them too), and the names of
        the active streams' packages (a non-modular package of such a name, or
        providing it, is hidden: the stream's own builds win even when older)."""
        include: set[NevraKey] = set()
        exclude: set[NevraKey] = set()
        for b in self.builds:
            (include if active.get(b.name) == b.stream else exclude).update(b.artifacts)
        return exclude - include, {k[0] for k in include}

    def included(self, active: Mapping[str, str]) -> set[NevraKey]:
        return {k for b in self.builds if active.get(b.name) == b.stream for k in b.artifacts}


def _accepts(acceptable: tuple[str, ...], stream: str | None) -> bool:
    if stream is None:
        return False
    wanted = [s for s in acceptable if not s.startswith("-")]
    return (not wanted or stream in wanted) and f"-{stream}" not in acceptable


def _pick_stream(known: list[str], acceptable: tuple[str, ...], default: str | None) -> str | None:
    wanted = [s for s in acceptable if not s.startswith("-")]
    refused = {s[1:] for s in acceptable if s.startswith("-")}
    ok = [s for s in (wanted or known) if s not in refused]
    if default is not None and default in ok:
        return default
    return max(ok) if ok else None


def merge(found: Iterable[Modules]) -> Modules:
    """Several repositories' module metadata as one (dnf reads them all together)."""
    builds: dict[tuple[Any, ...], ModuleBuild] = {}
    defaults: dict[str, str] = {}
    warnings: list[str] = []
    for mods in found:
        for b in mods.builds:
            builds.setdefault((b.name, b.stream, b.version, b.context, b.arch), b)
        for m, s in mods.defaults.items():
            if defaults.setdefault(m, s) != s:
                warnings.append(f"module {m}: the repositories disagree on its default stream ({defaults[m]}, {s})")
        warnings += mods.warnings
    return Modules(tuple(builds.values()), defaults, tuple(warnings))


def load(source: Path | Repodata | None) -> Modules | None:
    """The module metadata of a repository (a directory, or its repomd.xml read
    already); None when it has none (not a modular repository)."""
    found = _file_text(source)
    if found is None:
        return None
    with gc_paused():
        return parse(*found)


def documents(repo: Path) -> tuple[Path, list[Any]] | None:
    """The repository's module metadata file and its YAML documents, every scalar
    kept as text (for a copy cut to some builds: ``publish``); None without one."""
    found = _file_text(repo)
    if found is None:
        return None
    with gc_paused():
        return Path(found[1]), load_documents_as_text(found[0], found[1], MAX_BYTES)


def _file_text(source: Path | Repodata | None) -> tuple[str, str] | None:
    """The modules file's text, checked against repomd.xml and decompressed with
    bounds, and its path; None without a modules record."""
    repodata = Repodata.read(source) if isinstance(source, Path) else source
    rec = repodata.record("modules") if repodata is not None else None
    if repodata is None or rec is None:
        return None
    path = repodata.path(rec)
    data = repodata.read_all(rec, MAX_BYTES)
    try:
        return data.decode("utf-8"), str(path)
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start + 1})") from None


def parse(text: str, where: str) -> Modules:
    """modulemd (v1, v2) and modulemd-defaults (v1) documents; others (obsoletes,
    translations) are skipped, as dnf skips what it does not use."""
    builds: list[ModuleBuild] = []
    defaults: dict[str, tuple[int, str | None]] = {}
    warnings: list[str] = []
    for i, doc in enumerate(documents_as_text(text, where, MAX_BYTES)):  # one at a time: bounded memory
        if doc is None:
            continue
        at = f"{where}: document {i + 1}"
        if not isinstance(doc, dict) or not isinstance(data := doc.get("data"), dict):
            raise UserError(f"{at}: not a modulemd document (a mapping with 'document' and 'data')")
        kind = doc.get("document")
        if kind == "modulemd":
            builds.append(_build(data, at))
        elif kind == "modulemd-defaults":
            name = _text(data, "module", at)
            stream = data.get("stream")
            modified = _int(data.get("modified", "0"))
            prev = defaults.get(name)
            if prev is not None and prev[0] == modified and prev[1] != stream:
                warnings.append(f"{at}: module {name}: two defaults documents disagree; no default stream")
                defaults[name] = (modified, None)
            elif prev is None or modified > prev[0]:
                defaults[name] = (modified, stream if isinstance(stream, str) else None)
    return Modules(tuple(builds), {m: s for m, (_, s) in sorted(defaults.items()) if s is not None}, tuple(warnings))


def _build(data: dict[str, Any], at: str) -> ModuleBuild:
    name, stream = _text(data, "name", at), _text(data, "stream", at)
    arts = data.get("artifacts") or {}
    rpms = arts.get("rpms") if isinstance(arts, dict) else None
    if rpms is not None and not (isinstance(rpms, list) and all(isinstance(r, str) for r in rpms)):
        raise UserError(f"{at}: key 'artifacts': 'rpms' must be a list of N-E:V-R.A")
    keys = []
    for r in rpms or ():
        key = parse_nevra(r)
        if key is None:
            raise UserError(f"{at}: key 'artifacts': {r!r} is not N-E:V-R.A")
        if key[4] not in ("src", "nosrc"):
            keys.append(key)
    return ModuleBuild(
        name,
        stream,
        _int(data.get("version", "0")),
        str(data.get("context") or ""),
        str(data.get("arch") or ""),
        tuple(keys),
        _requires(data.get("dependencies")),
    )


def _requires(deps: Any) -> Requires:
    """The runtime module requirements (of the first dependency set: a built
    module has one per context)."""
    if not isinstance(deps, list) or not deps or not isinstance(deps[0], dict):
        return ()
    req = deps[0].get("requires")
    if not isinstance(req, dict):
        return ()
    return tuple(
        (str(m), tuple(str(s) for s in streams) if isinstance(streams, list) else ())
        for m, streams in sorted(req.items())
    )


def parse_nevra(text: str) -> NevraKey | None:
    """``name-[epoch:]version-release.arch``, as modulemd artifacts list packages."""
    rest, dot, arch = text.rpartition(".")
    nv, dash, release = rest.rpartition("-")
    name, dash2, ev = nv.rpartition("-")
    if not (dot and dash and dash2 and name and release and arch):
        return None
    epoch, _, version = ev.rpartition(":")
    if not version:
        return None
    return nevra_key(name, epoch or None, version, release, arch)


def _text(data: dict[str, Any], key: str, at: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise UserError(f"{at}: key '{key}' is missing or not a string")
    return value


def _int(value: Any) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else 0
