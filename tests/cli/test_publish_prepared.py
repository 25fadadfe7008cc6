"""`generate` makes what a `publish` of its profile needs: each named build's repository
metadata (right after rpm's check read the file) and ERRATA_DIR's advisories as
createrepo_c writes them: the publish that follows reads no build and no updateinfo
again, and writes what a publish without them writes."""

from __future__ import annotations

import filecmp
import shutil

import createrepo_c as cr

from cli.test_publish import OS, ex, publish, published_files
from errata_tpl.fileio.stamp import stat_of
from errata_tpl.mirror import advisories, listed
from errata_tpl.mirror.caches import header_cache_path
from errata_tpl.mirror.chunks import CHANGELOG_LIMIT, ChunkCache
from errata_tpl.mirror.hdrcache import HeaderCache
from errata_tpl.mirror.repomd import Repodata

__all__ = ["ex"]  # the fixture, used by name


def test_generate_makes_the_named_builds_metadata_and_publish_takes_it(cli, ex):
    root, mirror, to = ex
    kept = root / ".errata-tpl-cache"
    shutil.rmtree(kept, ignore_errors=True)
    r = cli("generate", mirror, "--os", OS, "--profile", "20261204", root=root)
    assert r.exit_code == 0 and not (kept / "publish").exists()  # a site that never published: nothing made
    shutil.rmtree(kept)
    (kept / "publish").mkdir(parents=True)  # one that publishes: publish made its cache there
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

    # every advisory of ERRATA_DIR's updateinfo, as a publish cuts it
    kept = listed.read(root, mirror, listed.source(Repodata.read(mirror)), warnings.append)
    assert kept is not None and kept == listed.by_id(advisories.read(mirror)[1])
    assert len(kept) >= 8

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


def test_an_advisory_written_from_the_record_names_its_own_folder(cli, ex):
    """An advisory ERRATA_DIR's updateinfo lacks is written from the record, naming the
    folder it is published in: never kept for another folder, and said at each publish."""
    import gzip

    root, _, to = ex
    path = root / f"errata/{OS}/20261121.yaml"
    text = path.read_text().replace("EXSA-2026:1001", "EXSA-2026:9999")
    path.write_text(text)
    (root / f"errata/{OS}/20261122.yaml").write_text(text.replace('profile: "20261121"', 'profile: "20261122"'))
    for profile in ("20261121", "20261122"):
        r = publish(cli, ex, "--profile", profile)
        assert r.exit_code == 0, r.stderr
        assert "updateinfo has no advisory EXSA-2026:9999" in r.stderr and "written from the record" in r.stderr
        (found,) = (to / OS / profile / "repodata").glob("*-updateinfo.xml.gz")
        xml = gzip.decompress(found.read_bytes()).decode()
        assert xml.count("<update ") == 8 and f'<collection short="{profile}">' in xml, xml


def test_an_edited_listing_is_said_and_the_updateinfo_parsed_again(cli, ex, tmp_path):
    root, mirror, _ = ex
    (root / ".errata-tpl-cache/publish").mkdir(parents=True)  # a site that publishes
    assert cli("generate", mirror, "--os", OS, "--profile", "20261205", root=root).exit_code == 0
    (kept,) = (root / ".errata-tpl-cache/publish").glob("*-listed-*.marshal")
    data = bytearray(kept.read_bytes())
    data[-20] ^= 1
    kept.write_bytes(bytes(data))
    r = publish(cli, ex, "--profile", "20261205")
    assert r.exit_code == 0, r.stderr
    assert f"{kept}: not as errata-tpl wrote this cache (edited, cut short or copied); ignored, made again" in r.stderr
    assert not kept.exists()  # removed: said once, the next generate of a changed mirror makes it again
    assert_same_updateinfo_without_caches(cli, ex, tmp_path)


def test_an_updateinfo_too_large_to_keep_is_parsed_by_publish(cli, ex, tmp_path, monkeypatch):
    """Past the bound of XML kept, generate keeps only that it was too large (so the next
    generate does not list it again); publish parses the updateinfo, the same bytes."""
    root, mirror, _ = ex
    (root / ".errata-tpl-cache/publish").mkdir(parents=True)
    monkeypatch.setattr(listed, "KEPT_BYTES", 1000)  # the example's updateinfo has more
    assert cli("generate", mirror, "--os", OS, "--profile", "20261205", root=root).exit_code == 0
    source = listed.source(Repodata.read(mirror))
    assert listed.holds(root, mirror, source) and listed.read(root, mirror, source, print) is None
    assert publish(cli, ex, "--profile", "20261205").exit_code == 0
    assert_same_updateinfo_without_caches(cli, ex, tmp_path)


def assert_same_updateinfo_without_caches(cli, ex, tmp_path) -> None:
    """The folder's updateinfo is the one a publish without any cache writes."""
    import gzip

    root, mirror, to = ex
    shutil.rmtree(root / ".errata-tpl-cache")
    assert cli("publish", mirror, "--os", OS, "--to", tmp_path / "b", "--profile", "20261205", root=root).exit_code == 0

    def updateinfo_of(top):
        (found,) = (top / OS / "20261205" / "repodata").glob("*-updateinfo.xml.gz")
        return gzip.decompress(found.read_bytes())

    assert updateinfo_of(to) == updateinfo_of(tmp_path / "b") and updateinfo_of(to).count(b"<update ") >= 8
