"""The configuration tree as frozen, typed values: what the resolver reads.

Each object is built once from one file by ``site.tree`` (the only part that
reads the disk) and knows where it came from (``where``: the file, relative to
the root) for error messages. Objects compare and hash by identity: one per
file, so they key the resolver's caches cheaply. Here: the settings of site, cluster
and node files and how their layers merge, an OS, the override file; the entries of
a ``packages`` list are ``site.entries``', a profile's hooks ``site.hooks``'.

A new key of site, cluster and node files is one field of ``Settings`` (or of
``NodeConfig`` for a node's own): ``key_field(type, merge, read)`` says its type (from
``site.keytypes``), how layers merge it and how its value is read; the schema, the
JSON Schemas and the tree's reading follow from it.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.site import keytypes
from errata_tpl.site.entries import PackageEntry, entries
from errata_tpl.values import names

BASE_LISTS, BASE_INSTALLED = "lists", "installed"  # base:
MANAGE_ALL, MANAGE_LISTED = "all", "listed"  # manage:

# How a key of later layers (site < cluster < node) combines with earlier ones.
REPLACE = "replace"  # the last layer that says it wins
UPDATE = "update"  # mappings: key by key (dicts inside merge deeply)
OWN = "own"  # read from each layer apart, never merged

# How a key's value in the file becomes the field's value: (value, file, key) -> value.
Reader = Callable[[Any, str, str], Any]


def _same(value: Any, where: str, key: str) -> Any:
    return value


def _mapping(value: Any, where: str, key: str) -> dict[str, Any]:
    return dict(value)


def _text(value: Any, where: str, key: str) -> str:
    return str(value)


def _profiles(value: Any, where: str, key: str) -> dict[str, str | None]:
    return {k: None if v is None else str(v) for k, v in value.items()}


def key_field(
    t: keytypes.Type, merge: str | None = None, read: Reader = _same, default: Any = None, name: str = ""
) -> Any:
    """A field that is a key of the file (``name``, default: the field's name): its type
    (checked by site.schema, shown in the JSON Schemas), how later layers merge it
    (``merge``), and how its value is read. A mutable default is given as its type
    (``dict``): every object gets its own."""
    meta = {"type": t, "merge": merge, "read": read, "key": name}
    if isinstance(default, type):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


def file_keys(cls: type) -> dict[str, keytypes.Type]:
    """The keys of a file read into ``cls``, and their types."""
    return {k: f.metadata["type"] for k, f in _by_key(cls).items()}


@functools.cache
def _by_key(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """File key -> field; a subclass's field of the same key wins (a node's
    ``kernel_version`` is its pin, not the site's mapping)."""
    out: dict[str, dataclasses.Field[Any]] = {}
    for f in dataclasses.fields(cls):
        if "type" in f.metadata:
            out[f.metadata["key"] or f.name] = f
    return out


def read(cls: type, data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The fields of ``cls`` the file's keys give (checked by site.schema first); a key
    that is absent or null keeps the field's default."""
    out: dict[str, Any] = {}
    for k, f in _by_key(cls).items():
        value = data.get(k)
        if value is not None:
            out[f.name] = f.metadata["read"](value, where, k)
    return out


def streams(data: Any) -> dict[str, str | None]:
    """A ``modules`` mapping (checked by site.schema) with its streams as text."""
    return {str(m): None if s is None else str(s) for m, s in sorted((data or {}).items())}


def _entries(value: Any, where: str, key: str) -> tuple[PackageEntry, ...]:
    return entries(value, where, key)


def _streams(value: Any, where: str, key: str) -> dict[str, str | None]:
    return streams(value)


def _versions(value: Any, where: str, key: str) -> dict[str, str]:
    return {k: str(v) for k, v in value.items() if v is not None}


def _texts(value: Any, where: str, key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in value if v is not None)


def _hotfixes(value: Any, where: str, key: str) -> tuple[str, ...]:
    for i, name in enumerate(value):
        try:
            names.hotfix(name)
        except UserError as e:
            raise e.located(f"{where}: key '{key}[{i}]'") from None
    return tuple(value)


def _os_id(value: Any, where: str, key: str) -> str:
    try:
        return names.os_id(value)
    except UserError as e:
        raise e.located(f"{where}: key '{key}'") from None


@dataclass(frozen=True, eq=False)
class Settings:
    """The keys site.yaml, a cluster file and a node file share: each field with
    ``key`` is one (a new key is one field here)."""

    where: str
    deploy_errata: bool | None = key_field(keytypes.BOOL, REPLACE)
    errata_defaults: Mapping[str, str | None] = key_field(keytypes.PROFILE_MAP, UPDATE, _profiles, dict)
    kernel_version: Mapping[str, str] = key_field(
        keytypes.KERNEL_PINS, OWN, _versions, dict
    )  # pins by os-id / os-version
    hook_suffix: Mapping[str, str] = key_field(
        keytypes.closed("hook suffix", "a mapping with 'init' and 'fix' strings"), UPDATE, _mapping, dict
    )
    installonly_limit: int | None = key_field(keytypes.LIMIT, REPLACE)
    profile_cloning_disabled: Mapping[str, bool] = key_field(
        keytypes.map_of(keytypes.BOOL, "a mapping of node name to true or false", keytypes.NODE_PATTERN),
        UPDATE,
        _mapping,
        dict,
    )
    variables: Mapping[str, Any] = key_field(keytypes.MAP, UPDATE, _mapping, dict)
    packages: tuple[PackageEntry, ...] = key_field(keytypes.PACKAGES, OWN, _entries, ())
    # module -> stream (None: disabled); read per layer (os < site < cluster < node), see resolve.streams
    modules: Mapping[str, str | None] = key_field(keytypes.MODULES, OWN, _streams, dict)
    hotfixes: tuple[str, ...] = key_field(keytypes.HOTFIXES, OWN, _hotfixes, ())  # the lists of all layers add up
    # where step 4 starts: the hand-written lists (os < site < cluster < node), or the node's inventory
    base: str | None = key_field(keytypes.one_of(BASE_LISTS, BASE_INSTALLED), REPLACE)
    # what the outputs do with a package not on the list: remove it (the whole set), or leave it alone
    manage: str | None = key_field(keytypes.one_of(MANAGE_ALL, MANAGE_LISTED), REPLACE)
    # {follow: profile | none}: the last layer that says it wins (see model.kernel_choice)
    kernel: Mapping[str, str] = key_field(
        keytypes.closed("kernel setting", "a mapping with follow: profile or none"), UPDATE, _mapping, dict
    )


@dataclass(frozen=True)
class Announce:
    """site.yaml's ``announce:``: the sender and recipients of announce --format email."""

    where: str
    sender: str | None = None
    to: tuple[str, ...] = ()


def _repos(value: Any, where: str, key: str) -> dict[str, tuple[str, ...]]:
    for os_id in value:
        try:
            names.os_id(os_id)
        except UserError as e:
            raise e.located(f"{where}: key '{key}'") from None
    return {os_id: tuple(dirs) for os_id, dirs in value.items()}


def _announce(value: Any, where: str, key: str) -> Announce:
    return Announce(where, value.get("from"), tuple(value.get("to") or ()))


@dataclass(frozen=True, eq=False)
class SiteConfig(Settings):
    """site.yaml: the keys every layer has, and the site's own."""

    # os-id -> the repositories (folders with repodata/, relative to the root) check solves its nodes against
    repos: Mapping[str, tuple[str, ...]] = key_field(keytypes.DIRS, read=_repos, default=dict)
    announce: Announce | None = key_field(  # noqa: RUF009 (a dataclasses.field, as the other keys')
        keytypes.closed("announce", "a mapping with from (an e-mail address) and to (a list of them)"), read=_announce
    )
    # the nodes' inventories (status, report, explain read them), relative to the root
    installed: str | None = key_field(keytypes.said(keytypes.STR, "a directory of inventories, relative to the root"))


@dataclass(frozen=True, eq=False)
class NodeConfig(Settings):
    name: str = ""
    os: str = key_field(keytypes.OS_ID, read=_os_id, default="")
    cluster: str | None = key_field(keytypes.said(keytypes.STR, "a cluster name"))
    errata: str | None = key_field(keytypes.said(keytypes.PROFILE_CHOICE, "a profile name or null"), read=_text)
    errata_set: bool = False  # the node file has 'errata' (null included)
    kernel_pin: str | None = key_field(  # the node's kernel_version
        keytypes.said(keytypes.VERSION, "a kernel version string 'V-R' (the node's pin)"),
        read=_text,
        name="kernel_version",
    )
    running_kernel: str | None = key_field(keytypes.said(keytypes.VERSION, "a kernel version string 'V-R'"), read=_text)
    keep_kernels: tuple[str, ...] = key_field(
        keytypes.list_of(keytypes.VERSION, "a list of kernel versions"), read=_texts, default=()
    )
    clone: str | None = key_field(keytypes.said(keytypes.NODE_NAME, "a node name"))


DEFAULT_SUFFIX = {"init": "-init", "fix": "-fix"}
DEFAULT_INSTALLONLY_LIMIT = 3


@dataclass(frozen=True)
class Merged:
    """Site < cluster < node (step 1), with the spec's defaults."""

    deploy_errata: bool
    errata_defaults: Mapping[str, str | None]
    hook_suffix: Mapping[str, str]
    installonly_limit: int
    profile_cloning_disabled: Mapping[str, bool]
    variables: Mapping[str, Any]
    base: str = BASE_LISTS
    manage: str = MANAGE_ALL
    kernel: Mapping[str, str] = field(default_factory=dict)  # {follow: ...}


def deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Dicts merge deeply, anything else (lists too) is replaced."""
    out = dict(a)
    for k, v in b.items():
        old = out.get(k)
        out[k] = deep_merge(old, v) if isinstance(old, Mapping) and isinstance(v, Mapping) else v
    return out


def _rules() -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.metadata["merge"]) for f in dataclasses.fields(Settings) if f.metadata.get("merge"))


RULES = _rules()  # (field, merge rule) of every Settings field


def merges_nothing(s: Settings) -> bool:
    """True when the layer sets none of the keys ``merge`` combines: merging it changes nothing."""
    return all(getattr(s, n) is None if rule == "replace" else not getattr(s, n) for n, rule in RULES if rule != "own")


def merge(*layers: Settings, variables_below: Mapping[str, Any] = {}) -> Merged:
    values: dict[str, Any] = {}
    for name, rule in RULES:
        if rule == "replace":
            values[name] = next((v for v in (getattr(s, name) for s in reversed(layers)) if v is not None), None)
        elif rule == "update":
            acc: dict[str, Any] = dict(variables_below) if name == "variables" else {}
            for s in layers:
                acc = deep_merge(acc, getattr(s, name))
            values[name] = acc
    suffix = {**DEFAULT_SUFFIX, **values["hook_suffix"]}
    if suffix["init"] == suffix["fix"]:  # the fix hook would be read as the init hook
        where = next((s.where for s in reversed(layers) if s.hook_suffix), "site/site.yaml")
        raise UserError(f"{where}: key 'hook_suffix': init and fix are both {suffix['fix']!r}; they name two files")
    return Merged(
        deploy_errata=values["deploy_errata"] is True,
        errata_defaults=values["errata_defaults"],
        hook_suffix=suffix,
        installonly_limit=values["installonly_limit"] or DEFAULT_INSTALLONLY_LIMIT,
        profile_cloning_disabled=values["profile_cloning_disabled"],
        variables=values["variables"],
        base=values["base"] or BASE_LISTS,
        manage=values["manage"] or MANAGE_ALL,
        kernel=values["kernel"],
    )


@dataclass(frozen=True, eq=False)
class KernelConfig:
    name: str
    arch: str
    version: str | None
    packages: tuple[str, ...]
    modules: tuple[PackageEntry, ...]  # rendered per kernel version


@dataclass(frozen=True, eq=False)
class OsConfig:
    os_id: str
    version: str
    arch: str
    kernel: KernelConfig
    installonly: tuple[str, ...]
    variables: Mapping[str, Any]
    packages: tuple[PackageEntry, ...]
    where: str
    modules: Mapping[str, str | None] = field(default_factory=dict)  # the OS's module streams (lowest layer)


@dataclass(frozen=True, eq=False)
class Overrides:
    exact: Mapping[str, str | None]
    globs: tuple[tuple[str, str | None], ...]  # in file order: the first match wins
    where: str

    def unmatched(self, nodes: list[str]) -> list[str]:
        """A warning for each entry that decides no node: a name without a node file, a
        glob that matches no node, or only nodes an exact name or an earlier glob decides."""
        known = set(nodes)
        out = [
            f"{self.where}: key '{n}': no such node (no site/nodes/{n}.yaml); the entry decides nothing"
            for n in self.exact
            if n not in known
        ]
        deciding = {key for found, _, key in map(self.lookup, nodes) if found}
        for pattern, _ in self.globs:
            if pattern not in deciding:
                matched = any(fnmatch.fnmatchcase(n, pattern) for n in nodes)
                why = "earlier entries decide every node it matches" if matched else "the glob matches no node"
                out.append(f"{self.where}: key '{pattern}': {why}; the entry decides nothing")
        return out

    def lookup(self, node: str) -> tuple[bool, str | None, str]:
        """(found, profile-or-None, the key that matched)."""
        if node in self.exact:
            return True, self.exact[node], node
        for pattern, value in self.globs:
            if fnmatch.fnmatchcase(node, pattern):
                return True, value, pattern
        return False, None, ""
