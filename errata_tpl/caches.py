"""Where errata-tpl keeps what it can compute again: beside the root, safe to delete."""

from __future__ import annotations

from pathlib import Path

CACHE_DIR = ".errata-tpl-cache"


def cache_dir(root: Path, kind: str) -> Path:
    return root / CACHE_DIR / kind
