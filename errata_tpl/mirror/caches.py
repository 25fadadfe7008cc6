"""Where errata-tpl keeps what it can compute again: beside the root, safe to delete."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from errata_tpl.fileio.sitepaths import CACHE_DIR


def cache_dir(root: Path, kind: str) -> Path:
    return root / CACHE_DIR / kind


def mirror_key(mirror: Path) -> str:
    """The caches of one mirror directory are named by this."""
    return hashlib.sha256(os.fsencode(mirror.resolve())).hexdigest()[:16]  # a path need not be UTF-8


def header_cache_path(root: Path, mirror: Path) -> Path:
    return cache_dir(root, "headers") / f"{mirror_key(mirror)}.json"


def memo_path(root: Path, mirror: Path) -> Path:
    return cache_dir(root, "profiles") / f"{mirror_key(mirror)}.json"


def publishes(root: Path) -> bool:
    """Does the site publish repositories (``publish`` has made its cache in this root)?
    Then ``generate`` makes what a publish of its profile will need."""
    return cache_dir(root, "publish").is_dir()
