"""Ansible's ``jsonfile`` fact cache of one host, after ``ansible.builtin.package_facts``
(manager rpm) and fact gathering: packages from the ``packages`` fact, the running kernel
from ``ansible_kernel``, the collection time from ``ansible_date_time``.

ansible-core 2.19 names the file ``s1_<host>`` and wraps the facts in
``{"__payload__": "<the facts as JSON>"}``; earlier versions write ``<host>`` and the facts
themselves. Both are read."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from errata_tpl.inventory.model import Installed, Interner, NotAnInventory

PAYLOAD = "__payload__"
# the schema prefix ansible-core 2.19 puts before the host's name (its cache key)
SCHEMA_PREFIX = re.compile(r"^s\d+_")


def facts(doc: Any) -> Mapping[str, Any] | None:
    """The facts of a fact-cache document, or None when it is not one."""
    if isinstance(doc, dict) and isinstance(doc.get(PAYLOAD), str) and len(doc) == 1:
        try:
            doc = json.loads(doc[PAYLOAD])
        except (ValueError, RecursionError):
            raise NotAnInventory(f"'{PAYLOAD}' is not JSON") from None
    if isinstance(doc, dict) and ("packages" in doc or "ansible_date_time" in doc or "ansible_kernel" in doc):
        return doc
    return None


def plain(value: Any) -> Any:
    """A value as set_fact wrote it into a 2.19 cache: ``{"__ansible_type": "_AnsibleTaggedStr",
    "value": ..., "tags": [...]}`` is its ``value`` (gathered facts are plain already)."""
    while isinstance(value, dict) and "__ansible_type" in value and "value" in value:
        value = value["value"]
    return value


def _epoch(value: Any) -> str | None:
    # package_facts writes the epoch as a number, null, or (2.19) the text "None" or "2"
    if value is None or value == "None" or value == "":
        return None
    text = str(value)
    if not text.isdigit():
        raise NotAnInventory(f"epoch {value!r} is not a number")
    return text


def packages(f: Mapping[str, Any], interner: Interner) -> tuple[Installed, ...]:
    pkgs = plain(f.get("packages"))
    if pkgs is None:
        raise NotAnInventory("an Ansible fact cache without 'packages': run ansible.builtin.package_facts")
    if not isinstance(pkgs, dict):
        raise NotAnInventory("'packages' is not a mapping of names")
    out = []
    for name, builds in pkgs.items():
        builds = plain(builds)
        if not isinstance(builds, list):
            raise NotAnInventory(f"packages[{name!r}] is not a list")
        for b in builds:
            b = plain(b)
            if not isinstance(b, dict):
                raise NotAnInventory(f"packages[{name!r}] holds {type(b).__name__}, not a package")
            if plain(b.get("source", "rpm")) != "rpm":
                raise NotAnInventory(f"packages of {b.get('source')!r}, not rpm: package_facts needs manager rpm")
            try:
                version, release, arch = str(plain(b["version"])), str(plain(b["release"])), plain(b["arch"])
            except KeyError as e:
                raise NotAnInventory(f"packages[{name!r}] without {e}") from None
            epoch = _epoch(plain(b.get("epoch")))
            evr = f"{epoch}:{version}-{release}" if epoch else f"{version}-{release}"
            out.append(interner.package(str(plain(b.get("name", name))), evr, None if arch is None else str(arch)))
    return tuple(out)


def kernel(f: Mapping[str, Any]) -> str | None:
    k = plain(f.get("ansible_kernel"))
    return k if isinstance(k, str) and k else None


def collected(f: Mapping[str, Any]) -> dt.datetime | None:
    """When the facts were gathered (``ansible_date_time.epoch``, UTC); None without it."""
    when = plain(f.get("ansible_date_time"))
    epoch = plain(when.get("epoch")) if isinstance(when, dict) else None
    if epoch is None:
        return None
    try:
        return dt.datetime.fromtimestamp(int(str(epoch)), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise NotAnInventory(f"ansible_date_time.epoch {epoch!r} is not a time") from None
