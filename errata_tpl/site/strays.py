"""What site/ holds in YAML that no command reads. A misspelt file (``errata-override.yaml``)
or folder (``site/node/``, ``site/nodes/dc1/``) would leave its settings out in silence: a
node held back by it would get its errata. Each is named in a warning (dot files, editors'
copies and other extensions are left alone)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

SITE_FILES = ("site.yaml", "errata-overrides.yaml", "stages.yaml", "promotions.yaml")
SITE_FOLDERS = ("nodes", "clusters")


def _ext(name: str) -> str:
    return name.rpartition(".")[2] if "." in name else ""


def _entries(d: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(d) as it:
            return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:  # no such folder, or not one: the readers say so where it matters
        return []


def _near(name: str, known: tuple[str, ...]) -> str:
    near = difflib.get_close_matches(name, known, n=1)
    return f"did you mean site/{near[0]}?" if near else f"site/ holds {', '.join(known)}"


def stray_site_files(root: Path) -> list[str]:
    """One warning per YAML file or folder of site/ that no command reads."""
    out = []
    for e in _entries(root / "site"):
        if e.is_dir(follow_symlinks=False):
            if e.name not in SITE_FOLDERS:
                folders = tuple(f"{f}/" for f in SITE_FOLDERS)
                out.append(f"site/{e.name}/: a folder errata-tpl does not read ({_near(e.name + '/', folders)})")
        elif _ext(e.name).lower() in ("yaml", "yml") and e.name.rpartition(".")[0] + ".yaml" not in SITE_FILES:
            out.append(f"site/{e.name}: a file errata-tpl does not read ({_near(e.name, SITE_FILES)}); not used")
    for folder in SITE_FOLDERS:
        for e in _entries(root / "site" / folder):
            ext = _ext(e.name)
            if e.is_dir(follow_symlinks=False) and ext not in ("yaml", "yml"):
                out.append(f"site/{folder}/{e.name}/: a folder; files are read directly in site/{folder}/ only")
            elif ext.lower() in ("yaml", "yml") and ext not in ("yaml", "yml"):
                out.append(f"site/{folder}/{e.name}: not read: the files of site/{folder}/ end in .yaml or .yml")
    return out
