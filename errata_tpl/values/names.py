"""Names that become file names: os-ids, profiles, nodes, clusters.

Each is checked before it is joined to a path, so no value from a file or the
command line can reach outside the root ('/', '..', a leading dot).
"""

from __future__ import annotations

import re
from typing import Any

from errata_tpl.errors import UserError

_OS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+]*-[A-Za-z0-9_]+$")
_PROFILE = re.compile(r"^[0-9]{8}[A-Za-z0-9_-]*$")
_NODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _check(kind: str, value: Any, pattern: re.Pattern[str], hint: str) -> str:
    if not isinstance(value, str) or not pattern.match(value) or ".." in value:
        raise UserError(f"bad {kind} {value!r}: {hint}")
    return value


def os_id(value: Any) -> str:
    return _check("os-id", value, _OS_ID, "expected <os-version>-<arch>, e.g. el9-x86_64")


def profile(value: Any) -> str:
    return _check("profile name", value, _PROFILE, "expected YYYYMMDD")


def node(value: Any) -> str:
    return _check("node name", value, _NODE, "letters, digits, '.', '_' and '-' only")


def cluster(value: Any) -> str:
    return _check("cluster name", value, _NODE, "letters, digits, '.', '_' and '-' only")


_HOTFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


def hotfix(value: Any) -> str:
    """A hotfix name: it becomes errata/<os-id>/hotfix-<name>.yaml."""
    return _check("hotfix name", value, _HOTFIX, "letters, digits, '.', '_' and '-' only, at most 100")
