"""What a key's value may be: a ``Type`` (a check, the words an error uses, its JSON
Schema), the types keys share, and the ways to make one of others (``map_of``,
``list_of``, ``said``, ``closed``). ``site.schema`` says which keys each file kind
has and of which type; ``site.config`` gives the settings' keys theirs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from errata_tpl.values import kernel

JSON = dict[str, Any]


@dataclass(frozen=True)
class Type:
    """What a key's value may be: a check, the words an error uses, its JSON Schema;
    for a mapping whose keys are known, the kind they are checked against (``fields``),
    and for a list, the kind of the mappings in it (``items``)."""

    ok: Callable[[Any], bool]
    text: str
    json: JSON
    fields: str | None = None
    items: str | None = None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# Patterns of what becomes a file name (values.names checks them in the code too).
OS_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+]*-[A-Za-z0-9_]+$"
OS_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+]*(-[A-Za-z0-9_]+)?$"  # an os-id or an os-version (el9)
PROFILE_PATTERN = r"^[0-9]{8}$"
NODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
NODE_OR_GLOB_PATTERN = r"^[A-Za-z0-9_.\-*?\[\]!]+$"
HOTFIX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"

ANY = Type(lambda v: True, "a value", {})
STR = Type(lambda v: isinstance(v, str), "a string", {"type": "string"})
BOOL = Type(lambda v: isinstance(v, bool), "true or false", {"type": "boolean"})
MAP = Type(lambda v: isinstance(v, dict), "a mapping", {"type": "object"})
OPT_STR = Type(lambda v: v is None or isinstance(v, str), "a string or null", {"type": ["string", "null"]})
OS_ID = Type(STR.ok, "an os-id such as el9-x86_64", {"type": "string", "pattern": OS_ID_PATTERN})
PROFILE = Type(STR.ok, "a profile name YYYYMMDD", {"type": "string", "pattern": PROFILE_PATTERN})
OPT_PROFILE = Type(
    OPT_STR.ok, "a profile name YYYYMMDD or null", {"type": ["string", "null"], "pattern": PROFILE_PATTERN}
)
NODE_NAME = Type(STR.ok, "a node name", {"type": "string", "pattern": NODE_PATTERN})
# every version in these files is a kernel's: 'abc' or 7 would become kernel-abc.x86_64
VERSION = Type(kernel.is_version, "a kernel version 'V-R'", {"type": "string", "pattern": kernel.VERSION_PATTERN})
# a module stream: text ("1.10" must stay "1.10"); a whole number is unambiguous, a float is not
STREAM = Type(
    lambda v: v is None or isinstance(v, str) or _is_int(v),
    "a stream (quoted: '1.10') or null (the module disabled)",
    {"type": ["string", "integer", "null"]},
)


def one_of(*values: str) -> Type:
    """One of these words."""
    return Type(lambda v: v in values, " or ".join(values), {"type": "string", "enum": list(values)})


LIMIT = Type(lambda v: _is_int(v) and v >= 1, "a whole number of at least 1", {"type": "integer", "minimum": 1})
COUNT = Type(lambda v: _is_int(v) and v >= 0, "a whole number", {"type": "integer", "minimum": 0})
REF_JSON: JSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "version": {"type": ["string", "integer"]}, "arch": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
# a package reference: its form only here (a mapping's keys too); values.ref checks the content after rendering
REF = Type(
    lambda v: isinstance(v, (str, dict)),
    "a package reference",
    {"anyOf": [{"type": "string", "description": "N, or N-[E:]V-R[.A] as rpm -qa prints it"}, REF_JSON]},
    fields="package reference",
)


def map_of(t: Type, text: str, keys: str | None = None) -> Type:
    """A mapping of any keys (matching the pattern ``keys``) to values of type ``t``."""
    json: JSON = {"type": "object", "additionalProperties": t.json}
    if keys is not None:
        json["propertyNames"] = {"pattern": keys}
    return Type(lambda v: isinstance(v, dict) and all(isinstance(k, str) and t.ok(x) for k, x in v.items()), text, json)


def list_of(t: Type, text: str) -> Type:
    return Type(
        lambda v: isinstance(v, list) and all(t.ok(x) for x in v),
        text,
        {"type": "array", "items": t.json},
        items=t.fields,
    )


def said(t: Type, text: str) -> Type:
    """The same type, in other words for the error message."""
    return dataclasses.replace(t, text=text)


def json_def(kind: str) -> str:
    """A kind's name in a JSON Schema's $defs."""
    return kind.replace(" ", "-")


def closed(kind: str, text: str) -> Type:
    """A mapping whose keys are those of ``kind`` (checked, and refused when unknown)."""
    return Type(lambda v: isinstance(v, dict), text, {"$ref": f"#/$defs/{json_def(kind)}"}, fields=kind)


PACKAGES = list_of(REF, "a list of package references")
# a profile a site file chooses: unquoted, YAML reads 20261121 as a number, meant as the name
PROFILE_CHOICE = Type(
    lambda v: v is None or isinstance(v, str) or _is_int(v),
    "a profile name YYYYMMDD or null",
    {"type": ["string", "integer", "null"], "pattern": PROFILE_PATTERN},
)
PROFILE_MAP = map_of(PROFILE_CHOICE, "a mapping of os-id or os-version to a profile name", OS_KEY_PATTERN)
KERNEL_PINS = map_of(VERSION, "a mapping of os-id or os-version to a kernel version", OS_KEY_PATTERN)
MODULES = map_of(STREAM, "a mapping of module name to a stream (quoted: '1.10') or null (disabled)")
HOTFIX_NAME = Type(STR.ok, "a hotfix name", {"type": "string", "pattern": HOTFIX_PATTERN})
HOTFIXES = list_of(HOTFIX_NAME, "a list of hotfix names (errata/<os-id>/hotfix-<name>.yaml)")
NAMES = list_of(STR, "a list of package names")
DIRS = map_of(list_of(STR, "a list of directories"), "a mapping of os-id to a list of directories", OS_ID_PATTERN)
