"""The keys and types of every file kind, defined once.

``check(kind, data, where)`` raises a UserError naming the file and the key of
the first wrong value, and returns warnings for unknown keys (with the
nearest known key, as a typo usually is).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.values import kernel

Check = Callable[[Any], bool]


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_map(v: Any) -> bool:
    return isinstance(v, dict)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _opt_str(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _map_of(check: Check) -> Check:
    return lambda v: isinstance(v, dict) and all(isinstance(k, str) and check(x) for k, x in v.items())


def _list_of(check: Check) -> Check:
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


def _ref(v: Any) -> bool:  # the form only; ref.parse checks the content after rendering
    return isinstance(v, (str, dict))


def _version(v: Any) -> bool:  # every version here is a kernel's: 'abc' or 7 would become kernel-abc.x86_64
    return kernel.is_version(v)


# key -> (check, what the message calls the expected type)
Spec = dict[str, tuple[Check, str]]

SETTINGS: Spec = {
    "deploy_errata": (_is_bool, "true or false"),
    "errata_defaults": (_map_of(_opt_str), "a mapping of os-id or os-version to a profile name"),
    "kernel_version": (_map_of(_version), "a mapping of os-id or os-version to a kernel version"),
    "hook_suffix": (_map_of(_is_str), "a mapping with 'init' and 'fix' strings"),
    "installonly_limit": (lambda v: _is_int(v) and v >= 1, "a whole number of at least 1"),
    "profile_cloning_disabled": (_map_of(_is_bool), "a mapping of node name to true or false"),
    "variables": (_is_map, "a mapping"),
    "packages": (_list_of(_ref), "a list of package references"),
}

NODE: Spec = {
    **SETTINGS,
    "kernel_version": (_version, "a kernel version string 'V-R' (the node's pin)"),
    "os": (_is_str, "an os-id such as el9-x86_64"),
    "cluster": (_is_str, "a cluster name"),
    "errata": (_opt_str, "a profile name or null"),
    "running_kernel": (_version, "a kernel version string 'V-R'"),
    "keep_kernels": (_list_of(_version), "a list of kernel versions"),
    "clone": (_is_str, "a node name"),
}

KERNEL: Spec = {
    "name": (_is_str, "a package name"),
    "arch": (_is_str, "an arch"),
    "version": (_version, "a kernel version 'V-R'"),
    "packages": (_list_of(_is_str), "a list of package names"),
    "modules": (_list_of(_ref), "a list of package references"),
}

OS: Spec = {
    "version": (_is_str, "an OS version key such as el9"),
    "arch": (_is_str, "an arch such as x86_64"),
    "kernel": (_is_map, "a mapping"),
    "installonly": (_list_of(_is_str), "a list of package names"),
    "variables": (_is_map, "a mapping"),
    "packages": (_list_of(_ref), "a list of package references"),
}

INIT_HOOK: Spec = {
    "kernel_version": (_version, "a kernel version 'V-R'"),
    "variables": (_is_map, "a mapping"),
}

FIX_HOOK: Spec = {
    "actions": (_list_of(_is_map), "a list of actions"),
}

ACTION_VERBS = ("ronly", "repl", "add", "del")
ACTION: Spec = {
    "ronly": (_ref, "a package reference"),
    "repl": (_ref, "a package reference"),
    "add": (_ref, "a package reference"),
    "del": (_ref, "a package name or reference"),
    "multi": (_is_bool, "true or false"),
    "when": (_is_str, "a jinja2 expression"),
    "if_present": (_is_str, "a package name"),
}

KINDS: dict[str, Spec] = {
    "site": SETTINGS,
    "cluster": SETTINGS,
    "node": NODE,
    "os": OS,
    "kernel": KERNEL,
    "init hook": INIT_HOOK,
    "fix hook": FIX_HOOK,
    "action": ACTION,
}
REQUIRED: dict[str, tuple[str, ...]] = {"node": ("os",), "os": ("version", "arch")}


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
        ok, expected = spec[key]
        if not ok(value):
            raise UserError(f"{where}: key '{key}': expected {expected}, got {_describe(value)}")
    for key in REQUIRED.get(kind, ()):
        if key not in data:
            raise UserError(f"{where}: key '{key}' is required")
    return warnings
