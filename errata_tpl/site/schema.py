"""The keys of every file kind, defined once, and the check of a file against them.

``check(kind, data, where)`` raises a UserError naming the file, the line and the key
of the first unknown key (with the nearest known key: a typo usually is one) or wrong
value; nested mappings whose keys are known (an OS's ``kernel``, a fix hook's actions,
a package reference) are checked too. The types of the keys' values are
``site.keytypes``'; ``site.schema_json`` gives the same rules as JSON Schemas, for
editors (``errata-tpl schema``, ``schemas/`` in the repo).

The keys of site, cluster and node files are the fields of ``site.config.Settings``
and ``NodeConfig``: a new setting is one field there (``config.key_field``: its type
from ``site.keytypes``, how layers merge it, how its value is read). The other files'
keys are the tables below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, overload

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.fileio.yamlio import Data
from errata_tpl.site.keytypes import (
    ANY,
    BOOL,
    DIRS,
    HOTFIX_NAME,
    JSON,
    LIMIT,
    MAP,
    MODULES,
    NAMES,
    NODE_NAME,
    OPT_PROFILE,
    OS_ID,
    PACKAGES,
    PROFILE,
    REF,
    REF_JSON,
    STR,
    VERSION,
    Type,
    closed,
    list_of,
    said,
)

KeyPath = tuple[str | int, ...]  # where in a file: ("actions", 2, "repl")
LineOf = Callable[[KeyPath], "int | None"]  # the line a key is on (read again only for an error)

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
        {"anyOf": [REF.json["anyOf"][0], {**REF_JSON, "properties": {**REF_JSON["properties"], "multi": BOOL.json}}]},
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
    "name": HOTFIX_NAME,
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


# A file's keys once ``check`` has checked them: each value of its key's type. Its
# readers take a value as that type (absent: the default) with these, never as Any.
Keys = dict[str, Data]


def mapping(data: Keys, key: str) -> dict[str, Data]:
    """A mapping key's value (a copy), ``{}`` when absent."""
    value = data.get(key)
    return dict(value) if isinstance(value, dict) else {}


def mappings(data: Keys, key: str) -> list[Keys]:
    """A list of mappings (a fix hook's actions), ``[]`` when absent."""
    value = data.get(key)
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


@overload
def text(data: Keys, key: str) -> str | None: ...
@overload
def text(data: Keys, key: str, default: str) -> str: ...
def text(data: Keys, key: str, default: str | None = None) -> str | None:
    """A string key's value, ``default`` when absent."""
    value = data.get(key)
    return value if isinstance(value, str) else default


def texts(data: Keys, key: str) -> tuple[str, ...]:
    """A list of strings, ``()`` when absent."""
    value = data.get(key)
    return tuple(x for x in value if isinstance(x, str)) if isinstance(value, list) else ()


def _describe(v: Any) -> str:
    text = yamlio.shown(v)
    return f"{type(v).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def _path_text(path: KeyPath) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}" if out else p
    return out


def unknown_key(key: str, known: list[str], where: str, path: KeyPath, line_of: LineOf | None) -> UserError:
    """``file:line: [path: ]unknown key 'k' (did you mean 'k2'?)``."""
    import difflib  # only for a misspelt key

    near = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else f" (known: {', '.join(known)})"
    line = line_of((*path, key)) if line_of is not None else None
    at = f"{where}:{line}" if line is not None else where
    inside = f" {_path_text(path)}:" if path else ""
    return UserError(f"{at}:{inside} unknown key '{key}'{hint}", where=where)


def check(kind: str, data: Data, where: str, line_of: LineOf | None = None, path: KeyPath = ()) -> Keys:
    """Validate one file (``where``, relative to the root), or the part of it at ``path``:
    the mapping it is (``{}`` for an empty file), its keys known and their values of
    their types. ``line_of`` finds the line of a key for the message."""
    spec = STATIC.get(kind) or kinds()[kind]  # a record's kinds are static: jinja2 is not loaded for them
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
    return data
