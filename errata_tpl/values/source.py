"""Provenance as a value: where a version on a node's list came from, how its profile
was chosen, which layer chose its kernel.

A ``Source`` is a kind and, for the kinds that name something, that thing (the
profile, the hotfix, the node cloned, the stage). Its text is ``kind`` or
``kind:ref``, the words the outputs (``from:``, ``errata_from``), ``explain`` and
``status`` have always shown, and it is that text to everything that reads text:
it compares, hashes, prints and serialises as it. Code asks ``kind`` and ``ref``,
never the text: nothing is parsed back from a string but a file read in
(``parse``, for ``diff`` of a resolved list written earlier).
"""

from __future__ import annotations

import functools
from typing import Literal, cast, get_args

from errata_tpl.values.readonly import ReadOnly

Kind = Literal[
    # a version on a node's list
    "os",  # the base list's layers, lowest first
    "site",
    "cluster",
    "node",
    "installed",  # base: installed: the node's inventory in the os list's place
    "kernel",  # the chosen kernel version (step 6)
    "keep-kernel",  # a kernel kept beside it (step 9)
    "errata",  # ref: the profile (step 7b)
    "hotfix",  # ref: the hotfix (step 7c)
    "fix",  # ref: the profile whose fix hook set it (step 8)
    "clone",  # ref: the node whose list this one takes (step 2)
    # how the profile was chosen (step 3)
    "preview",  # diff --profile
    "deploy-off",
    "override",
    "stage",  # ref: the stage
    "os-id",
    "os-version",
    "none",
    # which layer chose the kernel (node, cluster, site, os, none: as above)
    "errata-init",
]
KINDS: frozenset[str] = frozenset(get_args(Kind))
WITH_REF = frozenset({"errata", "hotfix", "fix", "clone", "stage"})
BASE_LIST = frozenset({"os", "site", "cluster", "node"})  # the layers of step 5


class Source(ReadOnly, str):
    kind: Kind
    ref: str | None

    def __new__(cls, kind: Kind, ref: str | None = None) -> Source:
        if (ref is not None) != (kind in WITH_REF):
            raise ValueError(f"a source of kind {kind!r} {'needs' if kind in WITH_REF else 'takes no'} ref")
        new = str.__new__(cls, kind if ref is None else f"{kind}:{ref}")
        object.__setattr__(new, "kind", kind)
        object.__setattr__(new, "ref", ref)
        return new

    def __reduce__(self) -> tuple[object, ...]:
        return (source, (self.kind, self.ref))

    def profile(self, errata: str | None) -> str | None:
        """The profile whose entries name the version this source set: its own
        (``errata:P``, ``fix:P``), the node's for a kernel (its ``kernels`` list)."""
        if self.kind in ("errata", "fix"):
            return self.ref
        return errata if self.kind in ("kernel", "keep-kernel") else None


@functools.lru_cache(maxsize=4096)  # a run's sources are few; each made once
def source(kind: Kind, ref: str | None = None) -> Source:
    return Source(kind, ref)


def parse(text: str) -> Source | None:
    """The source a file written earlier says (``from: errata:20261121``); None for
    text that is none."""
    kind, colon, ref = text.partition(":")
    if kind not in KINDS or bool(colon) != (kind in WITH_REF) or (colon and not ref):
        return None
    return source(cast(Kind, kind), ref if colon else None)
