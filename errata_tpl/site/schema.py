"""The keys and types of every file kind, defined once.

``check(kind, data, where)`` raises a UserError naming the file, the line and the key
of the first unknown key (with the nearest known key: a typo usually is one) or wrong
value; nested mappings whose keys are known (an OS's ``kernel``, a fix hook's actions,
a package reference) are checked too. ``json_schema(kind)`` gives the same rules as a
JSON Schema, for editors (``errata-tpl schema``, ``schemas/`` in the repo).

The keys of site, cluster and node files are the fields of ``site.config.Settings``
and ``NodeConfig``: a new setting is one field there (``config.key``: its type from
here, how layers merge it, how its value is read). The other files' keys are the
tables below.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.values import kernel

JSON = dict[str, Any]
KeyPath = tuple[str | int, ...]  # where in a file: ("actions", 2, "repl")
LineOf = Callable[[KeyPath], "int | None"]  # the line a key is on (read again only for an error)


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
_REF_JSON: JSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "version": {"type": ["string", "integer"]}, "arch": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
# a package reference: its form only here (a mapping's keys too); values.ref checks the content after rendering
REF = Type(
    lambda v: isinstance(v, (str, dict)),
    "a package reference",
    {"anyOf": [{"type": "string", "description": "N, or N-[E:]V-R[.A] as rpm -qa prints it"}, _REF_JSON]},
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


def _def(kind: str) -> str:
    """A kind's name in a JSON Schema's $defs."""
    return kind.replace(" ", "-")


def closed(kind: str, text: str) -> Type:
    """A mapping whose keys are those of ``kind`` (checked, and refused when unknown)."""
    return Type(lambda v: isinstance(v, dict), text, {"$ref": f"#/$defs/{_def(kind)}"}, fields=kind)


PACKAGES = list_of(REF, "a list of package references")
PROFILE_MAP = map_of(OPT_PROFILE, "a mapping of os-id or os-version to a profile name", OS_KEY_PATTERN)
KERNEL_PINS = map_of(VERSION, "a mapping of os-id or os-version to a kernel version", OS_KEY_PATTERN)
MODULES = map_of(STREAM, "a mapping of module name to a stream (quoted: '1.10') or null (disabled)")
HOTFIXES = list_of(
    Type(STR.ok, "a hotfix name", {"type": "string", "pattern": HOTFIX_PATTERN}),
    "a list of hotfix names (errata/<os-id>/hotfix-<name>.yaml)",
)
NAMES = list_of(STR, "a list of package names")
DIRS = map_of(list_of(STR, "a list of directories"), "a mapping of os-id to a list of directories", OS_ID_PATTERN)

# key -> the type of its value
Spec = dict[str, Type]

HOOK_SUFFIX: Spec = {
    "init": said(STR, "a suffix such as -init"),
    "fix": said(STR, "a suffix such as -fix"),
}

# site, cluster and node files' ``kernel:``: how the node's kernel moves with its errata
KERNEL_FOLLOW = ("profile", "none")
KERNEL_SETTING: Spec = {
    "follow": Type(
        lambda v: v in KERNEL_FOLLOW,
        "profile (the newest kernel build of the node's profile and hotfixes) or none",
        {"enum": list(KERNEL_FOLLOW)},
    ),
}

KERNEL: Spec = {
    "name": said(STR, "a package name"),
    "arch": said(STR, "an arch"),
    "version": said(VERSION, "a kernel version 'V-R'"),
    "packages": NAMES,
    "modules": PACKAGES,
}

OS: Spec = {
    "version": said(STR, "an OS version key such as el9"),
    "arch": said(STR, "an arch such as x86_64"),
    "kernel": closed("kernel", "a mapping of name, arch, version, packages, modules"),
    "installonly": NAMES,
    "variables": MAP,
    "packages": PACKAGES,
    "modules": MODULES,
}

INIT_HOOK: Spec = {
    "kernel_version": said(VERSION, "a kernel version 'V-R'"),
    "variables": MAP,
}

ACTION_VERBS = ("ronly", "repl", "add", "del")
ACTION: Spec = {
    "ronly": REF,
    "repl": REF,
    # add takes multi inside the reference too, as the spec writes it: {name, version, arch, multi}
    "add": Type(
        REF.ok,
        REF.text,
        {"anyOf": [REF.json["anyOf"][0], {**_REF_JSON, "properties": {**_REF_JSON["properties"], "multi": BOOL.json}}]},
        fields="added reference",
    ),
    "del": said(REF, "a package name or reference"),
    "multi": BOOL,
    "when": said(STR, "a jinja2 expression"),
    "if_present": said(STR, "a package name"),
}

FIX_HOOK: Spec = {
    "actions": Type(
        lambda v: isinstance(v, list) and all(isinstance(a, dict) for a in v),
        "a list of actions",
        {"type": "array", "items": {"$ref": "#/$defs/action"}},
        items="action",
    ),
}

ANNOUNCE: Spec = {  # site.yaml's announce: who `errata-tpl announce --format email` writes as, and to
    "from": said(STR, "an e-mail address"),
    "to": list_of(STR, "a list of e-mail addresses"),
}

PACKAGE_REFERENCE: Spec = {"name": ANY, "version": ANY, "arch": ANY}  # values: values.ref's to check

STAGE: Spec = {
    "name": NODE_NAME,
    "nodes": list_of(STR, "a list of node names or globs"),
    "soak": Type(
        lambda v: isinstance(v, (str, int)) and not isinstance(v, bool),
        "a duration such as 2d",
        {"type": ["string", "integer"], "pattern": r"^(0|([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?)$"},
    ),
    "approvers": list_of(STR, "a list of OpenPGP fingerprints"),
    "approvals": LIMIT,
}
STAGES: Spec = {
    "stages": Type(
        lambda v: isinstance(v, list),
        "a list of stages",
        {"type": "array", "items": {"$ref": "#/$defs/stage"}},
        items="stage",
    ),
    "repos": DIRS,
}

_ENTRY_JSON: JSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "arch": {"type": "string"},
        "module": {"type": "string"},
        "module_version": {"type": ["string", "null"]},
        "module_context": {"type": ["string", "null"]},
        "advisories": {"type": "array"},
        "cves": {"type": "array", "items": {"type": "string"}},
        "needed_by": {"type": "array", "items": {"type": "string"}},
        "earlier": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "version": {"type": "string"},
                    "advisories": {"type": "array"},
                    "cves": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["version", "advisories"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["name", "version", "arch"],
    "additionalProperties": False,
}
ENTRIES = Type(
    lambda v: v is None or isinstance(v, list), "a list of entries", {"type": ["array", "null"], "items": _ENTRY_JSON}
)
PROFILE_FILE: Spec = {
    "profile": PROFILE,
    "os": OS_ID,
    "generated": STR,
    "source": STR,
    "advisories": STR,
    "selection": MAP,
    "renamed": ANY,
    "modules": MAP,
    "signatures": STR,
    "keyring": list_of(STR, "a list of key fingerprints"),
    "packages": ENTRIES,
    "kernels": ENTRIES,
    "kernel_named": ENTRIES,
    "modular": ENTRIES,
}
HOTFIX_FILE: Spec = {
    "name": Type(STR.ok, "a hotfix name", {"type": "string", "pattern": HOTFIX_PATTERN}),
    "os": OS_ID,
    "generated": STR,
    "source": STR,
    "selection": MAP,
    "against": OPT_PROFILE,
    "repos": list_of(STR, "a list of directories"),
    "renamed": ANY,
    "packages": ENTRIES,
    "kernels": ENTRIES,
    "modular": ENTRIES,
}

STATIC: dict[str, Spec] = {
    "os": OS,
    "kernel": KERNEL,
    "hook suffix": HOOK_SUFFIX,
    "kernel setting": KERNEL_SETTING,
    "announce": ANNOUNCE,
    "init hook": INIT_HOOK,
    "fix hook": FIX_HOOK,
    "action": ACTION,
    "package reference": PACKAGE_REFERENCE,
    "added reference": {**PACKAGE_REFERENCE, "multi": BOOL},
    "stages": STAGES,
    "stage": STAGE,
    "profile": PROFILE_FILE,
    "hotfix": HOTFIX_FILE,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "node": ("os",),
    "os": ("version", "arch"),
    "stage": ("name", "nodes"),
    "profile": ("profile", "os"),
    "hotfix": ("name", "os"),
}


@functools.cache
def kinds() -> dict[str, Spec]:
    """Every kind's keys: the static tables, and site, cluster and node from the fields
    of ``site.config`` (imported here, when first needed: it brings jinja2)."""
    from errata_tpl.site import config

    return {
        **STATIC,
        "site": config.file_keys(config.SiteConfig),
        "cluster": config.file_keys(config.Settings),
        "node": config.file_keys(config.NodeConfig),
    }


# the files a user writes or reads, and the kinds their schemas are made of
FILES = {
    "site": "site",
    "cluster": "cluster",
    "node": "node",
    "os": "os",
    "overrides": "override file",
    "init-hook": "init hook",
    "fix-hook": "fix hook",
    "stages": "stages",
    "promotions": "promotion record",
    "profile": "profile",
    "hotfix": "hotfix",
}


def _describe(v: Any) -> str:
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def _path_text(path: KeyPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}" if out else p
    return out


def unknown_key(key: str, known: list[str], where: str, path: KeyPath, line_of: LineOf | None) -> UserError:
    """``file:line: [path: ]unknown key 'k' (did you mean 'k2'?)``."""
    near = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else f" (known: {', '.join(known)})"
    line = line_of((*path, key)) if line_of is not None else None
    at = f"{where}:{line}" if line is not None else where
    inside = f" {_path_text(path)}:" if path else ""
    return UserError(f"{at}:{inside} unknown key '{key}'{hint}", where=where)


def check(kind: str, data: Any, where: str, line_of: LineOf | None = None, path: KeyPath = ()) -> None:
    """Validate one file (``where``, relative to the root), or the part of it at ``path``.
    ``line_of`` finds the line of a key for the message."""
    spec = kinds()[kind]
    inside = f": {_path_text(path)}" if path else ""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        what = f"a {kind} file" if not path else _path_text(path)
        raise UserError(f"{where}{inside}: {what} must be a mapping of keys, not {_describe(data)}")
    for key, value in data.items():
        if not isinstance(key, str):
            raise UserError(f"{where}{inside}: key {key!r} must be a string")
        t = spec.get(key)
        if t is None:
            raise unknown_key(key, list(spec), where, path, line_of)
        if not t.ok(value):
            raise UserError(f"{where}{inside}: key '{key}': expected {t.text}, got {_describe(value)}")
        if t.fields is not None and isinstance(value, dict):
            check(t.fields, value, where, line_of, (*path, key))
        if t.items is not None and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    check(t.items, item, where, line_of, (*path, key, i))
    for key in REQUIRED.get(kind, ()):
        if key not in data:
            raise UserError(f"{where}{inside}: key '{key}' is required")


def _object(kind: str) -> JSON:
    spec = kinds()[kind]
    props = {key: {**t.json, "description": t.text} for key, t in spec.items()}
    out: JSON = {"type": "object", "properties": props, "additionalProperties": False}
    if kind in REQUIRED:
        out["required"] = list(REQUIRED[kind])
    return out


def _refs(j: Any) -> Iterator[str]:
    """The definitions a piece of JSON Schema refers to (``#/$defs/<name>``)."""
    if isinstance(j, dict):
        for k, v in j.items():
            if k == "$ref" and isinstance(v, str):
                yield v.rsplit("/", 1)[1]
            else:
                yield from _refs(v)
    elif isinstance(j, list):
        for v in j:
            yield from _refs(v)


def _defs_of(kind: str, seen: dict[str, JSON]) -> None:
    """The kinds ``kind``'s keys refer to, each defined once."""
    for name in _refs(_object(kind)):
        if name not in seen:
            seen[name] = _object(name.replace("-", " "))
            _defs_of(name.replace("-", " "), seen)


def json_schema(file_kind: str) -> JSON:
    """The JSON Schema (draft 2020-12) of one file kind (a key of ``FILES``)."""
    kind = FILES[file_kind]
    head: JSON = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"errata-tpl/{file_kind}.schema.json",
        "title": f"errata-tpl {kind} file",
    }
    if kind == "override file":
        return {
            **head,
            "description": "node name or glob -> profile name, or null (no errata)",
            "type": ["object", "null"],
            "propertyNames": {"pattern": NODE_OR_GLOB_PATTERN},
            "additionalProperties": OPT_PROFILE.json,
        }
    if kind == "promotion record":
        return {**head, "type": ["array", "null"], "items": promotion_json()}
    defs: dict[str, JSON] = {}
    _defs_of(kind, defs)
    return {**head, **_object(kind), **({"$defs": defs} if defs else {})}


def promotion_json() -> JSON:
    """One record of site/promotions.yaml (written by promote and approve): its keys are
    ``promotions.record.KEYS``."""
    from errata_tpl.promotions import record

    types: Mapping[str, JSON] = {
        "profile": PROFILE.json,
        "os": OS_ID.json,
        "stage": NODE_NAME.json,
        "time": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
        "by": STR.json,
        "note": OPT_STR.json,
    }
    return {
        "type": "object",
        "properties": {k: types.get(k, {}) for k in record.KEYS},
        "required": ["profile", "os", "stage", "time", "by"],
        "additionalProperties": False,
    }
