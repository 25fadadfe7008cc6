"""Package references: ``{name, version, arch}``, ``"N-[E:]V-R.A"`` or ``"N"``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.values import evr as evrmod
from errata_tpl.values.package import Package

# Arches recognised at the end of the string form. The mapping form takes any arch;
# the string form needs one we know, or "xorg-x11-server-Xorg" would read as a NEVRA.
KNOWN_ARCHES = frozenset(
    [
        "noarch",
        "x86_64",
        "i386",
        "i486",
        "i586",
        "i686",
        "athlon",
        "aarch64",
        "armv7hl",
        "armv7hnl",
        "armhfp",
        "ppc",
        "ppc64",
        "ppc64le",
        "ppc64p7",
        "s390",
        "s390x",
        "ia64",
        "alpha",
        "sparc",
        "sparc64",
        "riscv64",
        "loongarch64",
        "src",
        "nosrc",
    ]
)

_NAME_RE = re.compile(r"^[A-Za-z0-9_+][A-Za-z0-9_+.\-]*(?<![-.])$")  # not ending in "-" or "."
_ARCH_RE = re.compile(r"^[A-Za-z0-9_]+$")
# N-[E:]V-R with V starting with a digit: how dnf reads "bash-5.1.8-9.el9".
_NVR_RE = re.compile(r"^(?P<name>.+?)-(?P<evr>(?:\d+:)?\d[^\s:\-]*-[^\s:\-]+)$")

REF_KEYS = frozenset({"name", "version", "arch"})


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise UserError(f"bad package name {name!r}")
    return name


def check_arch(arch: Any) -> str:
    if not isinstance(arch, str) or not _ARCH_RE.fullmatch(arch):
        raise UserError(f"bad arch {arch!r}")
    return arch


def parse_string(text: str) -> Package:
    """``N-[E:]V-R.A``, ``N-[E:]V-R`` or a bare ``N``."""
    text = text.strip()
    base, dot, arch = text.rpartition(".")
    if dot and arch in KNOWN_ARCHES:
        m = _NVR_RE.fullmatch(base)
        if m:
            return Package(check_name(m["name"]), evrmod.parse(m["evr"]), arch)
    m = _NVR_RE.fullmatch(text)
    if m:
        return Package(check_name(m["name"]), evrmod.parse(m["evr"]), None)
    return Package(check_name(text))


def parse(value: Any) -> Package:
    """Parse one reference in any accepted form (values already rendered)."""
    if isinstance(value, str):
        return parse_string(value)
    if isinstance(value, Mapping):
        unknown = set(value) - REF_KEYS
        if unknown:
            raise UserError(f"unknown key {sorted(unknown)[0]!r} in package reference")
        if "name" not in value:
            raise UserError("package reference without 'name'")
        version: Any = value.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)  # "version: 5" is unambiguous; 1.10 as a float is not
        arch = value.get("arch")
        return Package(
            check_name(value["name"]),
            None if version is None else evrmod.parse(version),
            None if arch is None else check_arch(arch),
        )
    raise UserError(f"package reference must be a mapping or a string, not {type(value).__name__}")
