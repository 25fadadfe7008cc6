"""`generate` makes what a `publish` of its profile needs of the builds it names (each
build's repository metadata, right after rpm's check read the file): the publish that
follows reads no build again, and writes what a publish without it writes."""

from __future__ import annotations

import filecmp
import shutil

import createrepo_c as cr

from cli.test_publish import OS, ex, publish, published_files
from errata_tpl.fileio.stamp import stat_of
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.mirror.chunks import CHANGELOG_LIMIT, ChunkCache
from errata_tpl.mirror.hdrcache import HeaderCache

__all__ = ["ex"]  # the fixture, used by name


def test_generate_makes_the_named_builds_metadata_and_publish_takes_it(cli, ex):
    root, mirror, to = ex
    shutil.rmtree(root / ".errata-tpl-cache", ignore_errors=True)
    r = cli("generate", mirror, "--os", OS, "--profile", "20261205", root=root)
    assert r.exit_code == 0, r.stderr
    warnings: list[str] = []
    headers, made = (
        HeaderCache(header_cache_path(root, mirror), warnings.append),
        ChunkCache(root, mirror, warnings.append),
    )
    named = set()
    for p in sorted(mirror.rglob("*.rpm")):
        rel = str(p.relative_to(mirror))
        st = stat_of(p.stat())
        got = headers.get(rel, st)
        chunk = made.get(rel, st, got[2] if got else None)
        if chunk is None:
            continue
        named.add(rel)
        # the XML createrepo_c makes reading the whole file
        pkg = cr.package_from_rpm(str(p), cr.SHA256, rel, None, CHANGELOG_LIMIT)
        assert (chunk.pkgid, chunk.primary, chunk.filelists, chunk.other) == (
            pkg.pkgId,
            cr.xml_dump_primary(pkg),
            cr.xml_dump_filelists(pkg),
            cr.xml_dump_other(pkg),
        ), rel

    assert publish(cli, ex, "--profile", "20261205").exit_code == 0
    folder = to / OS / "20261205"
    assert named == published_files(folder)  # exactly the builds the profile names, every one of them
    assert "Packages/b/bash-5.1.8-6.el9_1.x86_64.rpm" not in named  # an older build: not named, not made
    assert not warnings

    # the same metadata from a publish that makes every build's itself (no cache of it)
    shutil.rmtree(root / ".errata-tpl-cache/publish")
    again = to.parent / "again"
    assert cli("publish", mirror, "--os", OS, "--to", again, "--profile", "20261205", root=root).exit_code == 0
    first, second = folder / "repodata", again / OS / "20261205" / "repodata"
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert all(filecmp.cmp(first / n, second / n, shallow=False) for n in names)
