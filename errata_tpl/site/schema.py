"""The keys and types of every file kind, defined once.

``check(kind, data, where)`` raises a UserError naming the file and the key of
the first wrong value, and returns warnings for unknown keys (with the nearest
known key, as a typo usually is). ``json_schema(kind)`` gives the same rules as
a JSON Schema, for editors (``errata-tpl schema``, ``schemas/`` in the repo).

A new setting is one line in a table here, plus its field in ``site.config``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.values import kernel

JSON = dict[str, Any]


@dataclass(frozen=True)
class Type:
    """What a key's value may be: a check, the words an error uses, its JSON Schema."""

    ok: Callable[[Any], bool]
    text: str
    json: JSON


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


STR = Type(lambda v: isinstance(v, str), "a string", {"type": "string"})
BOOL = Type(lambda v: isinstance(v, bool), "true or false", {"type": "boolean"})
MAP = Type(lambda v: isinstance(v, dict), "a mapping", {"type": "object"})
OPT_STR = Type(lambda v: v is None or isinstance(v, str), "a string or null", {"type": ["string", "null"]})
# every version in these files is a kernel's: 'abc' or 7 would become kernel-abc.x86_64
VERSION = Type(kernel.is_version, "a kernel version 'V-R'", {"type": "string", "pattern": kernel.VERSION_PATTERN})
# a module stream: text ("1.10" must stay "1.10"); a whole number is unambiguous, a float is not
STREAM = Type(
    lambda v: v is None or isinstance(v, str) or _is_int(v),
    "a stream (quoted: '1.10') or null (the module disabled)",
    {"type": ["string", "integer", "null"]},
)
LIMIT = Type(lambda v: _is_int(v) and v >= 1, "a whole number of at least 1", {"type": "integer", "minimum": 1})
# a package reference: the form only here; values.ref checks the content after rendering
REF = Type(
    lambda v: isinstance(v, (str, dict)),
    "a package reference",
    {
        "anyOf": [
            {"type": "string", "description": "N, or N-[E:]V-R[.A] as rpm -qa prints it"},
            {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": ["string", "integer"]},
                    "arch": {"type": "string"},
                },
                "required": ["name"],
                "additionalProperties": False,
            },
        ]
    },
)


def map_of(t: Type, text: str) -> Type:
    return Type(
        lambda v: isinstance(v, dict) and all(isinstance(k, str) and t.ok(x) for k, x in v.items()),
        text,
        {"type": "object", "additionalProperties": t.json},
    )


def list_of(t: Type, text: str) -> Type:
    return Type(lambda v: isinstance(v, list) and all(t.ok(x) for x in v), text, {"type": "array", "items": t.json})


def said(t: Type, text: str) -> Type:
    """The same type, in other words for the error message."""
    return Type(t.ok, text, t.json)


PACKAGES = list_of(REF, "a list of package references")
PROFILE_MAP = map_of(OPT_STR, "a mapping of os-id or os-version to a profile name")

# key -> the type of its value
Spec = dict[str, Type]

SETTINGS: Spec = {
    "deploy_errata": BOOL,
    "errata_defaults": PROFILE_MAP,
    "kernel_version": map_of(VERSION, "a mapping of os-id or os-version to a kernel version"),
    "hook_suffix": map_of(STR, "a mapping with 'init' and 'fix' strings"),
    "installonly_limit": LIMIT,
    "profile_cloning_disabled": map_of(BOOL, "a mapping of node name to true or false"),
    "variables": MAP,
    "packages": PACKAGES,
    "modules": map_of(STREAM, "a mapping of module name to a stream (quoted: '1.10') or null (disabled)"),
    "hotfixes": list_of(STR, "a list of hotfix names (errata/<os-id>/hotfix-<name>.yaml)"),
}

_ADDRESSES = list_of(STR, "a list of e-mail addresses")
ANNOUNCE = Type(
    lambda v: (
        isinstance(v, dict)
        and set(v) <= {"from", "to"}
        and isinstance(v.get("from", ""), str)
        and _ADDRESSES.ok(v.get("to", []))
    ),
    "a mapping with from (an e-mail address) and to (a list of them)",
    {
        "type": "object",
        "properties": {"from": {"type": "string"}, "to": _ADDRESSES.json},
        "additionalProperties": False,
    },
)
# site.yaml only: who `errata-tpl announce --format email` writes as, and to
SITE: Spec = {**SETTINGS, "announce": ANNOUNCE}

NODE: Spec = {
    **SETTINGS,
    "kernel_version": said(VERSION, "a kernel version string 'V-R' (the node's pin)"),
    "os": said(STR, "an os-id such as el9-x86_64"),
    "cluster": said(STR, "a cluster name"),
    "errata": said(OPT_STR, "a profile name or null"),
    "running_kernel": said(VERSION, "a kernel version string 'V-R'"),
    "keep_kernels": list_of(VERSION, "a list of kernel versions"),
    "clone": said(STR, "a node name"),
}

KERNEL: Spec = {
    "name": said(STR, "a package name"),
    "arch": said(STR, "an arch"),
    "version": said(VERSION, "a kernel version 'V-R'"),
    "packages": list_of(STR, "a list of package names"),
    "modules": PACKAGES,
}

OS: Spec = {
    "version": said(STR, "an OS version key such as el9"),
    "arch": said(STR, "an arch such as x86_64"),
    "kernel": MAP,
    "installonly": list_of(STR, "a list of package names"),
    "variables": MAP,
    "packages": PACKAGES,
    "modules": map_of(STREAM, "a mapping of module name to a stream (quoted: '1.10') or null (disabled)"),
}

INIT_HOOK: Spec = {
    "kernel_version": said(VERSION, "a kernel version 'V-R'"),
    "variables": MAP,
}

FIX_HOOK: Spec = {
    "actions": list_of(MAP, "a list of actions"),
}

ACTION_VERBS = ("ronly", "repl", "add", "del")
_REF_MAP = REF.json["anyOf"][1]
# add takes multi inside the reference too, as the spec writes it: {name, version, arch, multi}
_ADD_JSON = {
    "anyOf": [REF.json["anyOf"][0], {**_REF_MAP, "properties": {**_REF_MAP["properties"], "multi": BOOL.json}}]
}
ACTION: Spec = {
    "ronly": REF,
    "repl": REF,
    "add": Type(REF.ok, REF.text, _ADD_JSON),
    "del": said(REF, "a package name or reference"),
    "multi": BOOL,
    "when": said(STR, "a jinja2 expression"),
    "if_present": said(STR, "a package name"),
}

KINDS: dict[str, Spec] = {
    "site": SITE,
    "cluster": SETTINGS,
    "node": NODE,
    "os": OS,
    "kernel": KERNEL,
    "init hook": INIT_HOOK,
    "fix hook": FIX_HOOK,
    "action": ACTION,
}
REQUIRED: dict[str, tuple[str, ...]] = {"node": ("os",), "os": ("version", "arch")}
# the files a user writes, and the kinds their schemas are made of
FILES = {
    "site": "site",
    "cluster": "cluster",
    "node": "node",
    "os": "os",
    "init-hook": "init hook",
    "fix-hook": "fix hook",
}


def _describe(v: Any) -> str:
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def check(kind: str, data: Any, where: str) -> list[str]:
    """Validate one file (or one part of a file); return unknown-key warnings."""
    spec = KINDS[kind]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{where}: a {kind} file must be a mapping of keys, not {_describe(data)}")
    warnings = []
    for key, value in data.items():
        if not isinstance(key, str):
            raise UserError(f"{where}: key {key!r} must be a string")
        if key not in spec:
            near = difflib.get_close_matches(key, list(spec), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            warnings.append(f"{where}: unknown key '{key}'{hint}; ignored")
            continue
        t = spec[key]
        if not t.ok(value):
            raise UserError(f"{where}: key '{key}': expected {t.text}, got {_describe(value)}")
    for key in REQUIRED.get(kind, ()):
        if key not in data:
            raise UserError(f"{where}: key '{key}' is required")
    return warnings


def _object(kind: str, nested: Mapping[str, JSON] | None = None) -> JSON:
    spec = KINDS[kind]
    props = {key: {**(nested or {}).get(key, t.json), "description": t.text} for key, t in spec.items()}
    out: JSON = {"type": "object", "properties": props}
    if kind in REQUIRED:
        out["required"] = list(REQUIRED[kind])
    return out


def json_schema(file_kind: str) -> JSON:
    """The JSON Schema (draft 2020-12) of one file kind (a key of ``FILES``)."""
    kind = FILES[file_kind]
    nested: dict[str, JSON] = {}
    if kind == "os":
        nested["kernel"] = _object("kernel")
    if kind == "fix hook":
        nested["actions"] = {"type": "array", "items": _object("action")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"errata-tpl/{file_kind}.schema.json",
        "title": f"errata-tpl {kind} file",
        **_object(kind, nested),
    }
