"""One record read by its place in the tree (a dated profile, a hotfix), with the
checks every command applies to it: what ``site.tree`` gives its commands, and
what publish reads without loading the rest of the site."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, yamlio
from errata_tpl.fileio.parsedfiles import load_copied
from errata_tpl.mirror.caches import cache_dir
from errata_tpl.profile.hotfix import Hotfix
from errata_tpl.profile.hotfix import load as load_hotfix
from errata_tpl.profile.paths import hotfix_rel, profile_rel
from errata_tpl.profile.profile import Profile, from_data


def profile(root: Path, os_id: str, name: str, warn: Callable[[str], None]) -> Profile | None:
    """``errata/<os-id>/<name>.yaml``, None when there is none; ``warn``: what reading
    its parsed copy says (a damaged cache)."""
    rel = profile_rel(os_id, name)
    if not regular.present(root / rel, rel):
        return None
    data = load_copied(root / rel, rel, cache_dir(root, "parsed"), warn)
    prof = from_data(data, rel, functools.partial(yamlio.line_of, root / rel))
    # a profile copied or edited under another name would apply, and be named, as the wrong record
    for key, said, wanted in (("profile", prof.profile, name), ("os", prof.os, os_id)):
        if said != wanted:
            raise UserError(f"{rel}: key '{key}': says {said!r} but the file is the profile {wanted!r} of {os_id}")
    return prof


def hotfix(root: Path, os_id: str, name: str) -> Hotfix | None:
    """``errata/<os-id>/hotfix-<name>.yaml``, None when there is none."""
    rel = hotfix_rel(os_id, name)
    return load_hotfix(root / rel, rel) if regular.present(root / rel, rel) else None
