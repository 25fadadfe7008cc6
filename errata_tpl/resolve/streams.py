"""Module streams in the resolver: which of a profile's entries a node is offered.

A node's streams are its ``modules`` setting (os < site < cluster < node, node
wins; ``null``: the module is disabled), and for every other module the default
stream the profile recorded from the mirror's modulemd-defaults. As dnf does:

- a modular entry applies only to nodes whose active stream it belongs to;
- a non-modular entry of a name an active stream ships does not apply (dnf
  hides that build: the stream's own builds win, even when older).

Stream dependencies (a stream requiring another module's stream) are not
followed here: the profile records streams, not their requirements; ``check``
follows them with the repositories' full metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from errata_tpl.profile.profile import Entry, Profile


@dataclass(frozen=True)
class Stream:
    stream: str
    source: str  # where the choice came from: "os", "site", "cluster", "node", or "default"

    def __str__(self) -> str:
        return self.stream


def active(chosen: Mapping[str, tuple[str | None, str]], profile: Profile | None) -> dict[str, Stream]:
    """module -> its active stream: ``chosen`` maps a module to (stream or None, the layer
    that set it); the profile's defaults fill in the modules not chosen."""
    out = {m: Stream(s, "default") for m, s in (profile.module_defaults() if profile else {}).items()}
    for m, (s, layer) in chosen.items():
        if s is None:
            out.pop(m, None)
        else:
            out[m] = Stream(s, layer)
    return dict(sorted(out.items()))


def enabled(active: Mapping[str, Stream], chosen: Mapping[str, tuple[str | None, str]]) -> dict[str, str | None]:
    """What the node's package tool is told: every active stream, and None for each
    module a layer disables (sorted by module)."""
    out: dict[str, str | None] = {m: s.stream for m, s in active.items()}
    out.update({m: None for m, (s, _) in chosen.items() if s is None})
    return dict(sorted(out.items()))


def _shipped(profile: Profile, streams: Mapping[str, Stream]) -> dict[str, str]:
    """package name -> the active stream (NAME:STREAM) that ships it, by the profile's record."""
    mods = profile.extra.get("modules")
    out: dict[str, str] = {}
    if not isinstance(mods, dict):
        return out
    for m, st in streams.items():
        info = mods.get(m)
        per_stream = info.get("streams") if isinstance(info, dict) else None
        names = per_stream.get(st.stream) if isinstance(per_stream, dict) else None
        for name in names or ():
            out.setdefault(str(name), f"{m}:{st.stream}")
    for e in profile.modular:  # a build the summary missed still names its stream
        m, _, s = (e.module or "").partition(":")
        if m in streams and streams[m].stream == s:
            out.setdefault(e.name, e.module or "")
    return out


def shipped(profile: Profile | None, streams: Mapping[str, Stream], modular: tuple[Entry, ...] = ()) -> dict[str, str]:
    """package name -> the active stream (NAME:STREAM) that ships it, by the profile's
    record and by further modular entries (a hotfix's)."""
    out = _shipped(profile, streams) if profile is not None else {}
    for e in modular:
        m, _, s = (e.module or "").partition(":")
        if m in streams and streams[m].stream == s:
            out.setdefault(e.name, e.module or "")
    return out


def offered(profile: Profile, streams: Mapping[str, Stream]) -> dict[str, tuple[Entry, ...]]:
    """name -> the entries of the profile that apply to a node with these active streams."""
    shipped = _shipped(profile, streams)
    active_ids = {f"{m}:{s.stream}" for m, s in streams.items()}
    by_name: dict[str, list[Entry]] = {}
    for e in profile.packages:
        if e.name not in shipped:
            by_name.setdefault(e.name, []).append(e)
    for e in profile.modular:
        if e.module in active_ids:
            by_name.setdefault(e.name, []).append(e)
    return {k: tuple(v) for k, v in by_name.items()}


def not_offered(profile: Profile, streams: Mapping[str, Stream], name: str) -> list[str]:
    """Why the profile's other entries of ``name`` do not apply (for ``explain``)."""
    shipped = _shipped(profile, streams)
    out = []
    for e in profile.modular:
        if e.name != name:
            continue
        m, _, s = (e.module or "").partition(":")
        st = streams.get(m)
        if st is None:
            out.append(f"{e.name}-{e.evr}.{e.arch} of module stream {e.module}: module {m} has no active stream here")
        elif st.stream != s:
            out.append(
                f"{e.name}-{e.evr}.{e.arch} of module stream {e.module}: stream {m}:{st.stream} is active "
                f"({_source(st)}); builds of another stream are never applied"
            )
    for e in profile.packages:
        if e.name == name and name in shipped:
            out.append(
                f"{e.name}-{e.evr}.{e.arch} (not modular): module stream {shipped[name]} is active and ships "
                f"{name}; dnf hides other builds of it"
            )
    return out


def _source(st: Stream) -> str:
    return "the module's default stream" if st.source == "default" else f"set by {st.source}"


def key(active: Mapping[str, Stream]) -> tuple[tuple[str, str], ...]:
    """Equal for equal sets of active streams: a cache key."""
    return tuple((m, s.stream) for m, s in sorted(active.items()))


def describe(streams: Mapping[str, Stream]) -> str:
    return ", ".join(f"{m}:{s.stream} ({_source(s)})" for m, s in streams.items()) or "none"
