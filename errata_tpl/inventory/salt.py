"""Salt's JSON output: ``salt --out=json TARGET pkg.list_pkgs versions_as_list=True`` (one
object per minion, each its own document unless ``--static``; ``salt-call`` on the node
writes ``local`` for the minion) and ``grains.item kernelrelease`` for the running kernels.

yumpkg names a package of another arch than the node's (and not noarch) ``name.arch``;
the node's own arch and noarch go unsaid, so those packages have no arch here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from errata_tpl.inventory.model import Installed, Interner, NotAnInventory
from errata_tpl.values.ref import KNOWN_ARCHES

LOCAL = "local"  # salt-call's name for the minion it runs on
KERNEL = "kernelrelease"


def is_grains(minions: Mapping[str, Any]) -> bool:
    """``grains.item kernelrelease``: every minion a mapping with that one grain."""
    return all(isinstance(v, dict) and KERNEL in v for v in minions.values())


def is_packages(minions: Mapping[str, Any]) -> bool:
    """``pkg.list_pkgs``: every minion that answered a mapping of name -> versions (one
    that did not answer is salt's message, a string)."""
    answered = [v for v in minions.values() if not isinstance(v, str)]
    return bool(answered) and all(
        isinstance(v, dict) and all(isinstance(x, list) for x in v.values()) for v in answered
    )


def packages(listing: Mapping[str, Any], interner: Interner) -> tuple[Installed, ...]:
    out = []
    for label, versions in listing.items():
        name, dot, arch = label.rpartition(".")
        if not dot or arch not in KNOWN_ARCHES:
            name, arch = label, ""
        for v in versions:
            if not isinstance(v, str):
                raise NotAnInventory(
                    f"{label}: version {v!r} is not text (versions_as_list=True gives a list of texts)"
                )
            out.append(interner.package(name, v, arch or None))
    return tuple(out)


def kernels(minions: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for minion, grains in minions.items():
        k = grains.get(KERNEL)
        yield minion, k if isinstance(k, str) and k else None
