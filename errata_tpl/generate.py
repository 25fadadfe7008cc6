"""Scanned mirror -> errata profile: the newest build of every (name, arch)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import evr as evrmod
from .evr import EVR
from .kernel import is_kernel_name
from .profile import Entry, Profile, newest_first
from .rpminfo import RpmInfo


@dataclass(frozen=True)
class Built:
    profile: Profile
    warnings: tuple[str, ...]
    sources_skipped: int


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
    extra: dict | None = None,
) -> Built:
    binaries: list[RpmInfo] = []
    sources = 0
    for p in packages:
        if p.is_source:
            sources += 1
        else:
            binaries.append(p)

    kernels = {(p.name, p.arch, _evr(p)) for p in binaries if is_kernel_name(p.name)}
    best, warnings = newest_per_name_arch(p for p in binaries if not is_kernel_name(p.name))

    entries = [Entry(p.name, _evr(p), p.arch) for _, p in sorted(best.items())]
    kernel_entries = newest_first([Entry(n, v, a) for n, a, v in kernels])

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

    prof = Profile(
        profile=profile, os=os_id, generated=generated, source=source,
        packages=tuple(entries), kernels=tuple(kernel_entries), kernel_named=tuple(kernel_named),
        extra=dict(extra or {}),
    )
    return Built(prof, tuple(warnings), sources)
