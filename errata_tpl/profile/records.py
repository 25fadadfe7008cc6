"""One record read by its place in the tree (a dated profile, a hotfix), with the
checks every command applies to it: what ``site.tree`` gives its commands, and
what publish reads without loading the rest of the site."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, yamlio
from errata_tpl.fileio.parsedfiles import load_copied_hashed
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
    data, sha = load_copied_hashed(root / rel, rel, cache_dir(root, "parsed"), warn)
    prof = from_data(data, rel, functools.partial(yamlio.line_of, root / rel), sha)
    _is_its_file(rel, f"the profile {name!r} of {os_id}", (("profile", prof.profile, name), ("os", prof.os, os_id)))
    return prof


def profile_sha256(root: Path, os_id: str, name: str) -> str:
    """The SHA-256 of ``errata/<os-id>/<name>.yaml``'s bytes, read now (no cache): what
    approve and ``stages --verify`` compare with a record's ``profile_sha256``."""
    rel = profile_rel(os_id, name)
    return hashlib.sha256(regular.read_bytes(root / rel, yamlio.MAX_BYTES, rel)).hexdigest()


def hotfix(root: Path, os_id: str, name: str) -> Hotfix | None:
    """``errata/<os-id>/hotfix-<name>.yaml``, None when there is none."""
    rel = hotfix_rel(os_id, name)
    if not regular.present(root / rel, rel):
        return None
    fix = load_hotfix(root / rel, rel)
    _is_its_file(rel, f"the hotfix {name!r} of {os_id}", (("name", fix.name, name), ("os", fix.os, os_id)))
    return fix


def _is_its_file(rel: str, record: str, keys: tuple[tuple[str, str, str], ...]) -> None:
    """A record copied or edited under another name (or into another OS's folder) would
    apply, and be named, as the wrong record: its header must say its file's name."""
    for key, said, wanted in keys:
        if said != wanted:
            raise UserError(f"{rel}: key '{key}': says {said!r} but the file is {record}")
