"""Scanned mirror -> errata profile: the newest build of every (name, arch)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from errata_tpl.mirror.advisories import SEVERITIES, Advisory, NevraKey, nevra_key
from errata_tpl.mirror.modules import ModuleBuild, Modules
from errata_tpl.mirror.rpminfo import RpmInfo
from errata_tpl.profile import renames
from errata_tpl.profile.profile import Earlier, Entry, Profile, newest_first
from errata_tpl.profile.selection import Selection
from errata_tpl.values import evr as evrmod
from errata_tpl.values.evr import EVR
from errata_tpl.values.kernel import is_kernel_name


@dataclass(frozen=True)
class Built:
    profile: Profile
    warnings: tuple[str, ...]
    sources_skipped: int
    left_out: int = 0  # builds the selection refused (not security, too recent)
    renames: tuple[dict[str, Any], ...] = ()


def _advisories_of(p: RpmInfo, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None) -> tuple[Advisory, ...]:
    if not advisories:
        return ()
    return advisories.get(nevra_key(p.name, p.epoch, p.version, p.release, p.arch), ())


def _published(p: RpmInfo, advs: tuple[Advisory, ...], field: str) -> str:
    """The day a build counts as published: the earliest date of its advisories
    (retracted ones and undated ones aside), else its build time."""
    if field != "buildtime":
        days = [
            d for a in advs if not a.retracted and (d := (a.issued if field == "issued" else a.updated)) is not None
        ]
        if days:
            return min(days)
    return dt.datetime.fromtimestamp(p.buildtime, tz=dt.timezone.utc).date().isoformat()


def is_security_fix(a: Advisory, min_severity: str | None) -> bool:
    """A security advisory, not retracted, of at least ``min_severity`` (an unknown
    severity is below every minimum)."""
    floor = SEVERITIES.index(min_severity) if min_severity else -1
    return a.type == "security" and not a.retracted and a.severity_rank() >= floor


def selected(p: RpmInfo, sel: Selection, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None) -> bool:
    advs = _advisories_of(p, advisories)
    if sel.security_only and not any(is_security_fix(a, sel.min_severity) for a in advs):
        return False
    if sel.until is not None:
        field = sel.date_field if advisories is not None else "buildtime"
        if _published(p, advs, field) > sel.until:
            return False
    return True


# The paths, among the builds given, whose whole file fails rpm's check (payload
# digest, size): the I/O edge answers, the choice stays here.
WholeFileCheck = Callable[[list[RpmInfo]], Collection[str]]


# The module streams (NAME:STREAM) whose builds list a package; none: not modular.
StreamsOf = Callable[[RpmInfo], Collection[str]]


@dataclass(frozen=True)
class Chosen:
    newest: dict[tuple[str, str], RpmInfo]  # (name, arch) -> the newest build, kernels and modular builds apart
    kernels: list[RpmInfo]  # every distinct kernel build
    warnings: list[str]
    modular: dict[tuple[str, str, str], RpmInfo] = field(default_factory=dict)  # (name, arch, NAME:STREAM) -> newest


_path = operator.itemgetter(0)  # an RpmInfo's path, in C: choose sorts every build by it


def _pick(group: list[RpmInfo]) -> tuple[RpmInfo, list[RpmInfo]]:
    """The newest build of a group in path order (the first path among equals), and
    the later builds of the same version."""
    compare = evrmod.label_compare()
    best = group[0]
    ties: list[RpmInfo] = []
    for p in group[1:]:
        c = 0 if p.label == best.label else compare(p.label, best.label)
        if c > 0:
            best, ties = p, []
        elif c == 0:
            ties.append(p)
    return best, ties


def choose(
    builds: Iterable[RpmInfo], check: WholeFileCheck | None = None, streams_of: StreamsOf | None = None
) -> Chosen:
    """The builds a profile names: the newest of every (name, arch) that is not a
    kernel, and every distinct kernel build (name, arch, version). A modular build
    (``streams_of`` names its module streams) competes only with builds of its own
    stream: the newest per (name, arch, stream), as dnf never moves a package from
    one stream to another.

    Each chosen build passes ``check``; one that fails gives way to the next newest
    of its group, which is checked in turn. So only the builds the profile names
    need rpm's whole-file check, and the profile is the one that checking every
    file would give. Equal versions: the first by path wins; a warning when the
    others are different builds.
    """
    groups: dict[tuple[Any, ...], list[RpmInfo]] = {}
    for p in sorted(builds, key=_path):
        if is_kernel_name(p.name):
            keys: Iterable[tuple[Any, ...]] = [(p.name, p.arch, "", p.label)]
        else:
            streams = streams_of(p) if streams_of is not None else ()
            keys = [(p.name, p.arch, s, None) for s in sorted(streams)] if streams else [(p.name, p.arch, "", None)]
        for key in keys:
            groups.setdefault(key, []).append(p)
    picked: dict[tuple[Any, ...], tuple[RpmInfo, list[RpmInfo]]] = {}
    pending = groups
    while pending:
        picks = {key: _pick(group) for key, group in pending.items()}
        # a build of two streams is in two groups: checked once
        failed = set(check(list(dict.fromkeys(best for best, _ in picks.values())))) if check is not None else set()
        pending = {}
        for key, (best, ties) in picks.items():
            if best.path not in failed:
                picked[key] = (best, ties)
            else:
                rest = [p for p in groups[key] if p.path != best.path]
                groups[key] = rest
                if rest:
                    pending[key] = rest
    newest: dict[tuple[str, str], RpmInfo] = {}
    modular: dict[tuple[str, str, str], RpmInfo] = {}
    kernels: list[RpmInfo] = []
    warnings: list[str] = []
    for key in sorted(picked, key=lambda k: k[:3]):  # kernels' versions: newest_first orders them
        best, ties = picked[key]
        if key[3] is not None:
            kernels.append(best)
        elif key[2]:
            modular[key[:3]] = best
        else:
            newest[key[:2]] = best
        warnings += [
            f"{p.path}: same version as {best.path} ({best.nevra}) but a different build; kept {best.path}"
            for p in ties
            if p.digest != best.digest
        ]
    return Chosen(newest, kernels, warnings, modular)


def build_profile(
    packages: Iterable[RpmInfo],
    *,
    os_id: str,
    profile: str,
    source: str,
    generated: str,
    extra: dict[str, Any] | None = None,
    advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None = None,
    selection: Selection | None = None,
    check: WholeFileCheck | None = None,
    modules: Modules | None = None,
) -> Built:
    """The profile of ``packages``: sources and what ``selection`` refuses left out,
    then ``choose`` (with ``check``; per module stream with ``modules``),
    kernel-named entries and renames flagged."""
    selection = selection or Selection()
    kept = _selected(packages, selection, advisories)
    streams_of = _streams_of(modules) if modules is not None else None
    chosen = choose(kept.binaries, check, streams_of)
    entries, modular, kernel_entries = _entries(chosen, kept.binaries, advisories, modules, streams_of)
    warnings = chosen.warnings
    kernel_named = _kernel_named(entries, kernel_entries, warnings)
    warnings += _retracted(entries, modular, kernel_entries)
    renamed = renames.found(list(chosen.newest.values()) + list(dict.fromkeys(chosen.modular.values())))
    warnings += [renames.warning(r) for r in renamed]
    header = dict(extra or {})
    if advisories is not None:
        header["advisories"] = "updateinfo"
    if selection.active():
        header["selection"] = selection.rule(advisories is not None, kept.undated)
    if renamed:
        header["renamed"] = renamed
    if modules is not None:
        header["modules"] = modules.summary()
    prof = Profile(
        profile=profile,
        os=os_id,
        generated=generated,
        source=source,
        packages=tuple(entries),
        kernels=tuple(kernel_entries),
        kernel_named=tuple(kernel_named),
        extra=header,
        modular=tuple(modular),
    )
    return Built(prof, tuple(warnings), kept.sources, kept.left_out, tuple(renamed))


class _Selected(NamedTuple):
    binaries: list[RpmInfo]  # the builds the selection keeps, sources apart
    sources: int  # source packages, left out
    left_out: int  # builds the selection refused
    undated: set[str]  # advisories that could have dated a build, but have no date


def _selected(
    packages: Iterable[RpmInfo], selection: Selection, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None
) -> _Selected:
    """The binary builds ``selection`` keeps (all of them when it is not active)."""
    binaries: list[RpmInfo] = []
    sources = left_out = 0
    undated: set[str] = set()
    field = selection.date_field if selection.until is not None and advisories is not None else "buildtime"
    for p in packages:
        if p.is_source:
            sources += 1
            continue
        if field != "buildtime":
            undated.update(
                a.id
                for a in _advisories_of(p, advisories)
                if not a.retracted and (a.issued if field == "issued" else a.updated) is None
            )
        if selection.active() and not selected(p, selection, advisories):
            left_out += 1
        else:
            binaries.append(p)
    return _Selected(binaries, sources, left_out, undated)


def _entries(
    chosen: Chosen,
    binaries: list[RpmInfo],
    advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None,
    modules: Modules | None,
    streams_of: StreamsOf | None,
) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """The profile's entries of the chosen builds: packages and modular builds (with the
    earlier builds whose advisories a node below them lacks), kernels newest first."""
    older = _older(binaries, advisories, streams_of)
    entries = [
        Entry(
            p.name,
            EVR(p.epoch, p.version, p.release),
            p.arch,
            _advisories_of(p, advisories),
            earlier=superseded(older[key], p, advisories) if (key := (p.name, p.arch, "")) in older else (),
        )
        for p in chosen.newest.values()
    ]
    modular = [
        modular_entry(
            p.name, EVR(p.epoch, p.version, p.release), p.arch, stream, modules, _advisories_of(p, advisories)
        ).but_earlier(superseded(older.get((p.name, p.arch, stream), ()), p, advisories))
        for (_, _, stream), p in chosen.modular.items()
        if modules is not None
    ]
    kernel_entries = newest_first(
        [
            Entry(p.name, EVR(p.epoch, p.version, p.release), p.arch, _advisories_of(p, advisories))
            for p in chosen.kernels
        ]
    )
    return entries, modular, kernel_entries


def _kernel_named(entries: list[Entry], kernel_entries: list[Entry], warnings: list[str]) -> list[Entry]:
    """A name that embeds a kernel version found here (kmod-foo-5.14.0-362.el9) is only
    right for that kernel: it stays replace-only, and is flagged for a fix hook."""
    versions = sorted({e.evr.vr for e in kernel_entries}, key=len, reverse=True)
    kernel_named = []
    for e in entries:
        hit = next((v for v in versions if v in e.name), None)
        if hit is not None:
            kernel_named.append(e)
            warnings.append(
                f"{e.name}-{e.evr}.{e.arch}: name embeds kernel version {hit}; it usually needs a fix-hook entry"
            )
    return kernel_named


def _retracted(*kinds: list[Entry]) -> list[str]:
    """A warning for each entry an advisory ships that was retracted."""
    return [
        f"{e.name}-{e.evr}.{e.arch}: advisory {a.id} is retracted: it fixes and dates nothing here; "
        "the build is still the newest of its name (a fix hook can pin an earlier one)"
        for entries in kinds
        for e in entries
        for a in e.advisories
        if a.retracted
    ]


def _older(
    builds: Iterable[RpmInfo], advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None, streams_of: StreamsOf | None
) -> dict[tuple[str, str, str], list[RpmInfo]]:
    """(name, arch, module stream or "") -> the builds of it that advisories ship (kernels
    apart: every kernel build is an entry of its own)."""
    out: dict[tuple[str, str, str], list[RpmInfo]] = {}
    for p in builds:
        if advisories and not is_kernel_name(p.name) and _advisories_of(p, advisories):
            for stream in (streams_of(p) if streams_of is not None else ()) or ("",):
                out.setdefault((p.name, p.arch, stream), []).append(p)
    return out


def superseded(
    builds: Iterable[RpmInfo], newest: RpmInfo, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None
) -> tuple[Earlier, ...]:
    """The builds older than ``newest`` with advisories that still count (retracted ones
    fix nothing), oldest first, one per version (rpm's order): what a node below them lacks."""
    compare = evrmod.label_compare()
    found: dict[EVR, Earlier] = {}
    for p in builds:
        advs = tuple(a for a in _advisories_of(p, advisories) if not a.retracted)
        evr = EVR(p.epoch, p.version, p.release)
        if advs and evr not in found and compare(p.label, newest.label) < 0:
            found[evr] = Earlier(evr, advs)
    return tuple(found[evr] for evr in sorted(found))


def _streams_of(modules: Modules) -> StreamsOf:
    def streams(p: RpmInfo) -> list[str]:
        return sorted(
            {b.stream_id for b in modules.builds_of(nevra_key(p.name, p.epoch, p.version, p.release, p.arch))}
        )

    return streams


def modular_entry(name: str, evr: EVR, arch: str, stream: str, modules: Modules, advs: tuple[Advisory, ...]) -> Entry:
    """The entry of a modular build, with the newest module build of ``stream`` that
    ships it (its version and context: what dnf names it by)."""
    key = nevra_key(name, evr.epoch, evr.version, evr.release or "", arch)
    builds: list[ModuleBuild] = [b for b in modules.builds_of(key) if b.stream_id == stream]
    newest = max(builds, key=lambda b: (b.version, b.context))
    return Entry(name, evr, arch, advs, stream, str(newest.version), newest.context)
