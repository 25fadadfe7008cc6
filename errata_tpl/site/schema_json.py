"""The JSON Schemas (draft 2020-12) of the files a site writes or reads, for editors
(``errata-tpl schema``, ``schemas/`` in the repo): the rules ``site.schema`` checks,
each kind's keys with their types' JSON Schemas, the kinds they refer to defined once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from errata_tpl.site.keytypes import JSON, NODE_NAME, NODE_OR_GLOB_PATTERN, OPT_STR, OS_ID, PROFILE, PROFILE_CHOICE, STR
from errata_tpl.site.schema import REQUIRED, kinds

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
            "additionalProperties": PROFILE_CHOICE.json,
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
