"""Names that become file names: os-ids, profiles, nodes, clusters, hook suffixes,
and the files ``resolve --out-dir`` writes.

Each is checked before it is joined to a path, so no value from a file or the
command line can reach outside the root ('/', '..', a leading dot).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from errata_tpl.errors import UserError

_OS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+]*-[A-Za-z0-9_]+$")
_PROFILE = re.compile(r"^[0-9]{8}$")
_NODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SUFFIX = re.compile(r"^[A-Za-z0-9_.\-]+$")
_EXT = re.compile(r"^[A-Za-z0-9_+\-]{1,32}$")


def _check(kind: str, value: object, pattern: re.Pattern[str], hint: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value) or ".." in value:
        raise UserError(f"bad {kind} {value!r}: {hint}")
    return value


def os_id(value: object) -> str:
    return _check("os-id", value, _OS_ID, "expected <os-version>-<arch>, e.g. el9-x86_64")


def is_os_id(value: object) -> bool:
    return _valid(os_id, value)


def os_id_parts(value: str) -> tuple[str, str]:
    """(os-version, arch) of a checked os-id: ``el9-x86_64`` is ``el9`` and ``x86_64``."""
    version, arch = os_id(value).rsplit("-", 1)
    return version, arch


def profile(value: object) -> str:
    """A dated profile: exactly a real calendar date YYYYMMDD. Nothing else, so a
    profile name can never be the name of a hook file (``<profile>-fix``)."""
    hint = "expected a calendar date YYYYMMDD"
    text = _check("profile name", value, _PROFILE, hint)
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise UserError(f"bad profile name {value!r}: {hint}") from None
    return text


def is_profile(value: str) -> bool:
    return _valid(profile, value)


def _valid(check: Callable[[object], str], value: object) -> bool:
    try:
        check(value)
    except UserError:
        return False
    return True


def hook_suffix(value: object) -> str:
    """A hook suffix is never empty: ``<profile><suffix>.yaml`` must not be a profile."""
    return _check("hook suffix", value, _SUFFIX, "a non-empty suffix of letters, digits, '.', '_' and '-', e.g. -fix")


def node(value: object) -> str:
    return _check("node name", value, _NODE, "letters, digits, '.', '_' and '-' only")


def cluster(value: object) -> str:
    return _check("cluster name", value, _NODE, "letters, digits, '.', '_' and '-' only")


_HOTFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


def hotfix(value: object) -> str:
    """A hotfix name: it becomes errata/<os-id>/hotfix-<name>.yaml."""
    return _check("hotfix name", value, _HOTFIX, "letters, digits, '.', '_' and '-' only, at most 100")


def extension(value: object) -> str:
    return _check("file extension", value, _EXT, "letters, digits, '_', '+' and '-' only")


def is_node_file(value: object) -> bool:
    """Is ``value`` a name ``resolve --out-dir`` writes: ``<node>.<ext>``, one plain
    name (no '/', no leading dot, no '..')?"""
    if not isinstance(value, str) or "." not in value:
        return False
    stem, ext = value.rsplit(".", 1)
    return bool(_NODE.fullmatch(stem) and ".." not in value and _EXT.fullmatch(ext))
