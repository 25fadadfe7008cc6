"""Which package names are kernels (the rule of rpmErrata.pl), and what a kernel version is."""

from __future__ import annotations

import re

from errata_tpl.errors import UserError


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


# A kernel version is a version and a release (``uname -r`` without the arch):
# rpm's version characters, one '-' between them, an optional epoch.
VERSION_PATTERN = r"^(?:[0-9]+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$"  # also for a JSON Schema
_VR = re.compile(VERSION_PATTERN)


def is_version(value: object) -> bool:
    """A kernel version ``V-R`` written as a string (``abc``, ``7``, ``5.14.0`` are not)."""
    return isinstance(value, str) and bool(_VR.fullmatch(value))


def version(value: object) -> str:
    """``value`` if it is a kernel version ``V-R`` (e.g. 5.14.0-362.8.1.el9_3);
    else a UserError saying so (the caller adds the file and key)."""
    text = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    if text is None or not _VR.fullmatch(text):
        raise UserError(f"{value!r} is not a kernel version V-R (e.g. 5.14.0-362.8.1.el9_3)")
    return text
