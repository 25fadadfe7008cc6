"""The site's own folders, and the check that keeps output out of them.

``os/``, ``site/`` and ``errata/`` hold what people write and the records errata-tpl
keeps; ``.errata-tpl-cache/`` what it can compute again. An output path given on the
command line (``-o``, ``--out-dir``) that lands in one of them would replace hand-written
files (``resolve --out-dir site/nodes``), so every command that writes where it is told
calls ``refuse_in_site`` before it writes anything. Symlinks are resolved on both
sides: a link to ``site/nodes`` is ``site/nodes``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from errata_tpl.errors import UserError

CACHE_DIR = ".errata-tpl-cache"
SITE_FOLDERS = ("os", "site", "errata", CACHE_DIR)


def site_folder_of(root: Path, path: Path) -> PurePosixPath | None:
    """``path`` relative to the root (``site/nodes/x``) when it is, or is inside, one of
    the site's folders, symlinks resolved; else None. A folder is also known by its
    device and inode: a bind mount (or an NFS double mount) of ``site/`` elsewhere is
    ``site/`` too."""
    real = Path(os.path.realpath(path))
    tops: dict[tuple[int, int], str] = {}
    for folder in SITE_FOLDERS:
        top = Path(os.path.realpath(root / folder))
        if real == top or top in real.parents:
            return PurePosixPath(folder, *real.relative_to(top).parts)
        with contextlib.suppress(OSError):
            st = os.stat(top)
            tops[(st.st_dev, st.st_ino)] = folder
    for above in (real, *real.parents) if tops else ():
        try:
            st = os.stat(above)
        except OSError:
            continue  # not made yet: its parents decide
        known = tops.get((st.st_dev, st.st_ino))
        if known is not None:
            return PurePosixPath(known, *real.relative_to(above).parts)
    return None


def refuse_in_site(root: Path, path: Path, option: str, allowed: Callable[[PurePosixPath], bool] | None = None) -> None:
    """A UserError when ``path`` (given as ``option``) lands in the site's own folders,
    unless ``allowed`` accepts its place there (``generate -o`` of a profile)."""
    inside = site_folder_of(root, path)
    if inside is None or (allowed is not None and allowed(inside)):
        return
    raise UserError(
        f"{path}: {option} lands in the site's own folder {inside.parts[0]}/ ({inside}); "
        f"write outside {', '.join(f + '/' for f in SITE_FOLDERS)}; nothing written"
    )
