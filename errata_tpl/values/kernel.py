"""Which package names are kernels (the rule of rpmErrata.pl)."""

from __future__ import annotations


def is_kernel_name(name: str) -> bool:
    """``kernel`` and ``kernel-*``, but not ``kernel-module-*`` nor ``kernel-utils*``.

    Those two are ordinary userland/add-on packages that errata may update
    like any other; real kernel packages are installonly and need a pin.
    """
    if name == "kernel":
        return True
    if not name.startswith("kernel-"):
        return False
    return not (name.startswith("kernel-module-") or name.startswith("kernel-utils"))
