"""Where a dated profile and a hotfix live in a site, from their names alone.

Apart from the records' models: a publish that finds its folder unchanged
imports no more of ``profile/`` than this.
"""

from __future__ import annotations

from errata_tpl.values import names

HOTFIX_PREFIX = "hotfix-"  # errata/<os-id>/hotfix-<NAME>.yaml; a published folder's name too


def profile_rel(os_id: str, profile: str) -> str:
    """Where a dated profile lives, relative to the root."""
    return f"errata/{names.os_id(os_id)}/{names.profile(profile)}.yaml"


def hotfix_rel(os_id: str, name: str) -> str:
    """Where a hotfix lives, relative to the root."""
    return f"errata/{names.os_id(os_id)}/{HOTFIX_PREFIX}{names.hotfix(name)}.yaml"
