"""A published build's metadata made from its headers and the SHA256 the scan kept:
the same XML createrepo_c makes from the whole file, without reading the payload."""

import hashlib

import createrepo_c as cr
import rpmfactory
from conftest import spec

from errata_tpl.fileio.stamp import stat_of
from errata_tpl.mirror.chunks import CHANGELOG_LIMIT, ChunkCache, chunks
from errata_tpl.mirror.rpminfo import RpmInfo
from errata_tpl.mirror.scan import read_header, transaction_set

BUILDS = [
    spec("plain 1.0-1 x86_64"),
    spec("epoch 2.1-3.el9 x86_64", epoch=4, requires=("plain >= 1.0",), provides=("virtual(x) = 2",)),
    spec("owner 1-1 noarch", files=("/etc/owner.conf", "/usr/share/owner/a", "/usr/share/owner/b")),
    spec("renamed 3-1 x86_64", obsoletes=("oldname < 3",), conflicts=("rival",)),
    spec("modular 1.2-1.module_el9+1+abc x86_64", modularitylabel="mod:1.2:9010020230101:abc"),
]


def _whole_file(path, rel):
    pkg = cr.package_from_rpm(str(path), cr.SHA256, rel, None, CHANGELOG_LIMIT)
    return (pkg.pkgId, cr.xml_dump_primary(pkg), cr.xml_dump_filelists(pkg), cr.xml_dump_other(pkg))


def _ends(paths):
    """Where each file's headers end, as the scan finds it (rpm's header read)."""
    ts = transaction_set()
    return {p.name: RpmInfo.of(p.name, read_header(ts, str(p))[1]).header_end for p in paths}


def _chunks(tmp_path, paths, digests, ends=None, cache=None):
    mirror = tmp_path / "mirror"
    files = {p.name: stat_of(p.stat()) for p in paths}
    ends = ends if ends is not None else _ends(paths)
    cache = cache or ChunkCache(tmp_path / "root", mirror, lambda m: None)
    return chunks(mirror, files, cache, {rel: (digests[rel], ends[rel]) for rel in files})


def test_from_headers_and_the_kept_sha256_is_what_createrepo_c_makes_of_the_whole_file(make_rpms, tmp_path):
    paths = make_rpms(BUILDS)
    key = rpmfactory.make_key(tmp_path / "gpg", "Chunk Test", "chunk@example.org")
    try:
        rpmfactory.sign(paths[:2], key)  # a signature header moves where the header starts
    finally:
        rpmfactory.stop_agent(key)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    made = _chunks(tmp_path, paths, digests)
    assert {rel: tuple(c) for rel, c in made.items()} == {p.name: _whole_file(p, p.name) for p in paths}


def test_the_payload_is_not_read_again_when_a_sha256_is_kept(make_rpms, tmp_path):
    # a kept checksum that is not the file's (never so: the header cache is sealed and keyed by
    # stat) shows which way the chunk was made: from the headers, the checksum taken as kept
    plain, other = make_rpms(BUILDS[:2])
    made = _chunks(tmp_path, [plain, other], {plain.name: "0" * 64, other.name: None})
    assert made[plain.name].pkgid == "0" * 64
    assert made[other.name].pkgid == hashlib.sha256(other.read_bytes()).hexdigest()  # none kept: read whole
    pkgid, primary, filelists, other_xml = _whole_file(plain, plain.name)
    assert made[plain.name][1:] == (
        primary.replace(pkgid, "0" * 64),
        filelists.replace(pkgid, "0" * 64),
        other_xml.replace(pkgid, "0" * 64),
    )


def test_a_wrong_header_end_has_the_whole_file_read(make_rpms, tmp_path):
    # the scan's end of the headers is checked against where createrepo_c finds it
    paths = make_rpms(BUILDS[:3])
    ends = _ends(paths)
    assert all(0 < e < p.stat().st_size for p, e in zip(paths, ends.values()))
    wrong = {paths[0].name: ends[paths[0].name] - 1, paths[1].name: ends[paths[1].name] + 8, paths[2].name: 0}
    made = _chunks(tmp_path, paths, {p.name: "0" * 64 for p in paths}, wrong)
    assert {rel: tuple(c) for rel, c in made.items()} == {p.name: _whole_file(p, p.name) for p in paths}


def test_the_cache_gives_a_chunk_for_the_same_bytes_only(make_rpms, tmp_path):
    plain, other = make_rpms(BUILDS[:2])
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (plain, other)}
    cache = ChunkCache(tmp_path / "root", tmp_path / "mirror", lambda m: None)
    first = _chunks(tmp_path, [plain, other], digests, cache=cache)
    st = stat_of(plain.stat())
    assert cache.get(plain.name, st, digests[plain.name]) == first[plain.name]
    moved = (st[0], st[1], st[2] + 1, st[3] + 1)  # another inode and ctime: the same bytes (a copy, a link)
    assert cache.get(plain.name, moved, digests[plain.name]) == first[plain.name]
    assert cache.get(plain.name, st, "1" * 64) is None  # other bytes
    assert cache.get(plain.name, st, None) is None  # bytes not known
    assert cache.get(plain.name, (st[0], st[1] + 1, st[2], st[3]), digests[plain.name]) is None  # another mtime
    assert cache.get(other.name + ".x", st, digests[other.name]) is None  # another path
