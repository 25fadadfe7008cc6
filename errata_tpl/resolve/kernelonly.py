"""Base-list packages a profile carries only as kernel builds.

The kernel-* rule (rpmErrata.pl's) lists kernel-tools, kernel-headers, kernel-doc
under a profile's ``kernels:``, which follow kernel selection (the OS's
``kernel.packages`` at the chosen kernel version), never replace-only. A base list
that names one outside ``kernel.packages`` keeps its base version: said, not silent.
"""

from __future__ import annotations

from collections.abc import Iterable

from errata_tpl.profile.profile import Profile
from errata_tpl.resolve.pkgset import PackageSet
from errata_tpl.values.source import BASE_LIST


def left_behind(profile: Profile, kernel_packages: Iterable[str], pset: PackageSet) -> list[str]:
    """Names the base list holds that ``profile`` lists only under ``kernels:`` and that
    ``kernel.packages`` does not name: no errata reach them."""
    names = profile.kernel_only - set(kernel_packages)
    return sorted(n for n in names if n in pset and any(p.source.kind in BASE_LIST for p in pset.get(n)))


def warning(os_where: str, profile: str, names: Iterable[str]) -> str:
    listed = sorted(names)
    them = "them" if len(listed) > 1 else "it"
    return (
        f"{os_where}: {', '.join(listed)}: in the base list, but profile {profile} lists {them} only under "
        f"'kernels:' (kernel builds, by the kernel-* rule), which follow kernel selection: errata leave {them} "
        f"at the base version; to have {them} follow the selected kernel, list {them} in key 'kernel.packages'"
    )
