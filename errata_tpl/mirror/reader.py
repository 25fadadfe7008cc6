"""The one mirror reader of ``generate`` and ``hotfix``: the ``*.rpm`` files below a
directory, their headers (through the header cache), and the repository's metadata
(advisories, module streams) read once through its repomd.xml, checked as dnf checks
it (``repomd``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.mirror.rpminfo import BadFile
from errata_tpl.mirror.walk import find_rpms, stat_all

if TYPE_CHECKING:  # imported where the headers (rpm's bindings) and the metadata are read:
    # a run over an unchanged mirror only lists it
    from errata_tpl.mirror.advisories import Advisory, NevraKey
    from errata_tpl.mirror.hdrcache import HeaderCache
    from errata_tpl.mirror.modules import Modules
    from errata_tpl.mirror.scan import Progress, ScanResult


class Listing(NamedTuple):
    rels: list[str]  # every *.rpm below the mirror, sorted
    errors: list[BadFile]  # what the walk could not list
    stats: dict[str, Stat | None] | None  # when statted up front


class Metadata(NamedTuple):
    advisories: dict[NevraKey, tuple[Advisory, ...]] | None  # None: no updateinfo
    modules: Modules | None  # None: no module metadata


def listing(mirror: Path, stat_up_front: bool) -> Listing:
    """Every ``*.rpm`` below the mirror; statted up front only when a cache can use the
    stats (else the scan learns each file's stat from the open file, for free)."""
    rels, errors = find_rpms(mirror)
    return Listing(rels, errors, stat_all(mirror, rels) if stat_up_front else None)


def metadata(mirror: Path, warn: Callable[[str], None], root: Path | None = None) -> Metadata:
    """The mirror's advisories and module metadata, from one reading of its repomd.xml.
    ``root``: keep there each advisory as a publish cuts it (``listed``), unless kept."""
    from errata_tpl.mirror import advisories, listed, modules
    from errata_tpl.mirror.repomd import Repodata

    repodata = Repodata.read(mirror)
    updateinfo = listed.source(repodata)
    if root is None or not updateinfo or listed.holds(root, mirror, updateinfo):
        return Metadata(advisories.load(repodata, warn), modules.load(repodata))
    keeping = listed.Keeping()
    found = advisories.load(repodata, warn, keeping.add)
    listed.write(root, mirror, updateinfo, keeping.advisories)
    return Metadata(found, modules.load(repodata))


def headers(
    root: Path,
    mirror: Path,
    files: Listing,
    use_cache: bool,
    warn: Callable[[str], None],
    progress: Progress | None = None,
) -> tuple[ScanResult, HeaderCache | None]:
    """Every listed file's header, through the header cache (``use_cache``); the cache
    is returned for the caller to ``remember`` what the run learnt once it is done."""
    from errata_tpl.mirror.hdrcache import HeaderCache  # rpm's bindings
    from errata_tpl.mirror.scan import scan

    cache = HeaderCache(header_cache_path(root, mirror), warn) if use_cache else None
    return scan(mirror, files.rels, files.stats, cache, progress=progress), cache
