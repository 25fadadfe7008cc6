"""Scanned mirror -> errata profile: the newest build of every (name, arch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import evr as evrmod
from .advisories import SEVERITIES, Advisory, NevraKey, nevra_key
from .evr import EVR
from .kernel import is_kernel_name
from .profile import Entry, Profile, newest_first
from .rpminfo import RpmInfo
from .selection import Selection


@dataclass(frozen=True)
class Built:
    profile: Profile
    warnings: tuple[str, ...]
    sources_skipped: int
    left_out: int = 0  # builds the selection refused (not security, too recent)
    renames: tuple[dict, ...] = ()


def _advisories_of(p: RpmInfo, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None) -> tuple[Advisory, ...]:
    if not advisories:
        return ()
    return advisories.get(nevra_key(p.name, p.epoch, p.version, p.release, p.arch), ())


def _published(p: RpmInfo, advs: tuple[Advisory, ...], field: str) -> str:
    """The day a build counts as published: its first advisory's date, else its build time."""
    if field != "buildtime":
        days = [d for a in advs if (d := (a.issued if field == "issued" else a.updated)) is not None]
        if days:
            return min(days)
    return dt.datetime.fromtimestamp(p.buildtime, tz=dt.timezone.utc).date().isoformat()


def selected(p: RpmInfo, sel: Selection, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None) -> bool:
    advs = _advisories_of(p, advisories)
    if sel.security_only:
        floor = SEVERITIES.index(sel.min_severity) if sel.min_severity else -1
        if not any(a.type == "security" and a.severity_rank() >= floor for a in advs):
            return False
    if sel.until is not None:
        field = sel.date_field if advisories is not None else "buildtime"
        if _published(p, advs, field) > sel.until:
            return False
    return True


def renames(entries: list[RpmInfo]) -> list[dict]:
    """Builds whose header obsoletes another name: the package was renamed, and the
    fix hook needs the new name in (repl) and the old one out (del)."""
    found = []
    for p in entries:
        for ob in p.obsoletes:
            old = ob.split()[0]
            if old != p.name:
                evr = f"{p.epoch}:" if p.epoch else ""
                found.append({
                    "name": p.name, "obsoletes": ob,
                    "actions": [{"repl": {"name": p.name, "version": f"{evr}{p.version}-{p.release}",
                                          "arch": p.arch}, "if_present": old}, {"del": old}],
                })
    return found


def _evr(p: RpmInfo) -> EVR:
    return EVR(p.epoch, p.version, p.release)


def newest_per_name_arch(packages: Iterable[RpmInfo]) -> tuple[dict[tuple[str, str], RpmInfo], list[str]]:
    """Highest EVR per (name, arch). Equal EVR: the first by path wins (input is
    sorted by path); a warning when the two files are different builds."""
    best: dict[tuple[str, str], RpmInfo] = {}
    warnings: list[str] = []
    for p in sorted(packages, key=lambda p: p.path):
        key = (p.name, p.arch)
        cur = best.get(key)
        if cur is None:
            best[key] = p
            continue
        c = evrmod.compare(_evr(p), _evr(cur))
        if c > 0:
            best[key] = p
        elif c == 0 and p.digest != cur.digest:
            warnings.append(
                f"{p.path}: same version as {cur.path} ({cur.nevra}) but a different build; kept {cur.path}"
            )
    return best, warnings


def build_profile(
    packages: Iterable[RpmInfo], *, os_id: str, profile: str, source: str, generated: str,
    extra: dict | None = None, advisories: Mapping[NevraKey, tuple[Advisory, ...]] | None = None,
    selection: Selection | None = None,
) -> Built:
    selection = selection or Selection()
    binaries: list[RpmInfo] = []
    sources = left_out = 0
    for p in packages:
        if p.is_source:
            sources += 1
        elif selection.active() and not selected(p, selection, advisories):
            left_out += 1
        else:
            binaries.append(p)

    kernels = {(p.name, p.arch, _evr(p)): p for p in binaries if is_kernel_name(p.name)}
    best, warnings = newest_per_name_arch(p for p in binaries if not is_kernel_name(p.name))

    entries = [Entry(p.name, _evr(p), p.arch, _advisories_of(p, advisories)) for _, p in sorted(best.items())]
    kernel_entries = newest_first([Entry(n, v, a, _advisories_of(p, advisories)) for (n, a, v), p in kernels.items()])

    # A name that embeds a kernel version found here (kmod-foo-5.14.0-362.el9) is
    # only right for that kernel: it stays replace-only, and is flagged for a fix hook.
    versions = sorted({e.evr.vr for e in kernel_entries}, key=len, reverse=True)
    kernel_named = []
    for e in entries:
        hit = next((v for v in versions if v in e.name), None)
        if hit is not None:
            kernel_named.append(e)
            warnings.append(
                f"{e.name}-{e.evr}.{e.arch}: name embeds kernel version {hit}; it usually needs a fix-hook entry"
            )

    renamed = renames([p for _, p in sorted(best.items())])
    for r in renamed:
        warnings.append(f"{r['name']} obsoletes {r['obsoletes']}: a renamed package; the fix hook needs "
                        f"repl {r['actions'][0]['repl']} and del {r['actions'][1]['del']}")
    header = dict(extra or {})
    if advisories is not None:
        header["advisories"] = "updateinfo"
    if selection.active():
        header["selection"] = selection.rule(advisories is not None)
    if renamed:
        header["renamed"] = renamed
    prof = Profile(
        profile=profile, os=os_id, generated=generated, source=source,
        packages=tuple(entries), kernels=tuple(kernel_entries), kernel_named=tuple(kernel_named),
        extra=header,
    )
    return Built(prof, tuple(warnings), sources, left_out, tuple(renamed))
