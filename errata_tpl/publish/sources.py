"""The files in ERRATA_DIR that hold a published folder's builds: read with the
scan and header cache ``generate`` uses, each checked whole by rpm.

Per build, the first file by path that passes rpm's whole-file check (as
``generate`` chose it); the header cache's verdict for a file of unchanged
stat stands, any other file is checked now. A build with no file, or none that
passes, refuses the publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio.stamp import Stat
from errata_tpl.messages import Reporter
from errata_tpl.mirror.advisories import NevraKey, nevra_key
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.mirror.hdrcache import HeaderCache
from errata_tpl.mirror.scan import ScanResult, check_whole, scan
from errata_tpl.publish.content import Build, Content

MAX_NAMED = 10  # builds named in one refusal; the rest counted


@dataclass
class Sources:
    mirror: Path
    files: dict[NevraKey, str]  # each build's file, relative to the mirror
    result: ScanResult
    cache: HeaderCache

    def stat(self, rel: str) -> Stat:
        st = self.result.stats.get(rel)
        assert st is not None  # a file the scan read
        return st

    def restamp(self, moved: dict[str, Stat]) -> None:
        """Files whose link count (and so ctime) publishing changed, nothing else:
        the header cache keeps their verdicts under the new stat."""
        if moved:
            self.result.stats.update(moved)
            self.result.changed = True
            self.result.remember(self.cache)


def _refusal(source: str, content: Content, why: dict[NevraKey, str]) -> UserError:
    builds = [b for b in content.builds if b.key in why]
    named = "; ".join(f"{b.nevra} ({why[b.key]})" for b in builds[:MAX_NAMED])
    more = f"; and {len(builds) - MAX_NAMED} more" if len(builds) > MAX_NAMED else ""
    return UserError(
        f"{source}: {len(builds)} of the {len(content.builds)} builds {content.record} names cannot be "
        f"published: {named}{more}; nothing published"
    )


def locate(
    root: Path, mirror: Path, source: str, content: Content, rep: Reporter, stats: dict[str, Stat | None]
) -> Sources:
    """``stats``: every ``*.rpm`` below the mirror (``walk.find_rpms``) and its stat."""
    cache = HeaderCache(header_cache_path(root, mirror), rep.warn)
    result = scan(mirror, list(stats), stats, cache)
    wanted: dict[NevraKey, Build] = content.by_key()
    candidates: dict[NevraKey, list[str]] = {}
    for p in result.packages:  # in path order
        if not p.is_source:
            key = nevra_key(p.name, p.epoch, p.version, p.release, p.arch)
            if key in wanted:
                candidates.setdefault(key, []).append(p.path)
    why = {b.key: f"no file in {source}" for b in content.builds if b.key not in candidates}
    files: dict[NevraKey, str] = {}
    pending = candidates
    while pending:
        first = {k: v[0] for k, v in pending.items()}
        failed = check_whole(mirror, result, list(first.values()))
        reasons = {b.path: b.reason for b in result.bad if b.path in failed}
        later: dict[NevraKey, list[str]] = {}
        for k, rel in first.items():
            if rel not in failed:
                files[k] = rel
                continue
            rest = pending[k][1:]
            if rest:
                rep.warn(f"{source}/{rel}: {wanted[k].nevra} fails rpm's check ({reasons[rel]}); trying {rest[0]}")
                later[k] = rest
            else:
                why[k] = f"{rel} fails rpm's check: {reasons[rel]}"
        pending = later
    result.remember(cache)
    if why:
        raise _refusal(source, content, why)
    return Sources(mirror, files, result, cache)
