"""The scanner on real RPM files, good and damaged."""

import os
from pathlib import Path

import pytest
import rpmfactory

from errata_tpl.hdrcache import HeaderCache
from errata_tpl.scan import find_rpms, scan


def bad_reasons(result) -> dict[str, str]:
    return {b.path: b.reason for b in result.bad}


def test_reads_headers_recursively_and_skips_repodata(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    make_rpms(["bash 5.1.8-9.el9 x86_64", "tzdata 2024a-1.el9 noarch"])
    make_rpms(["glibc 2.34-83.el9 i686"], dest=mirror / "deep" / "er")
    make_rpms(["ignored 1-1 x86_64"], dest=mirror / "repodata")
    result = scan(mirror)
    got = sorted((p.path, p.nevra) for p in result.packages)
    assert got == [
        ("bash-5.1.8-9.el9.x86_64.rpm", "bash-5.1.8-9.el9.x86_64"),
        ("deep/er/glibc-2.34-83.el9.i686.rpm", "glibc-2.34-83.el9.i686"),
        ("tzdata-2024a-1.el9.noarch.rpm", "tzdata-2024a-1.el9.noarch"),
    ]
    assert result.bad == [] and result.files == 3


def test_epoch_and_source_flag(make_rpms, tmp_path):
    make_rpms(["openssl-libs 1:3.0.7-24.el9 x86_64", "bash 5.1.8-9.el9 src", "zero 0:1-1 x86_64"])
    by_name = {(p.name, p.is_source): p for p in scan(tmp_path / "mirror").packages}
    assert by_name["openssl-libs", False].epoch == "1"
    assert by_name["bash", True].is_source
    assert by_name["zero", False].epoch is None  # Epoch: 0 is written as no epoch


DEFECTS = {
    "truncated-header": rpmfactory.truncate_in_header,
    "truncated-payload": rpmfactory.truncate_in_payload,
    "payload-flipped": rpmfactory.flip_payload_byte,
    "header-flipped": rpmfactory.flip_header_byte,
    "zero-byte": lambda p: p.write_bytes(b""),
    "not-an-rpm": lambda p: p.write_text("<html>404 Not Found</html>\n"),
}


@pytest.mark.parametrize("kind", sorted(DEFECTS))
def test_each_kind_of_bad_file_is_reported_and_skipped(kind, make_rpms, tmp_path):
    _good, bad = make_rpms(["good 1-1 x86_64", "victim 2-1 x86_64"])
    DEFECTS[kind](bad)
    result = scan(tmp_path / "mirror")
    assert [p.name for p in result.packages] == ["good"]
    reasons = bad_reasons(result)
    assert list(reasons) == ["victim-2-1.x86_64.rpm"]
    assert reasons["victim-2-1.x86_64.rpm"]


def test_payload_damage_is_named_by_rpm(make_rpms, tmp_path):
    (p,) = make_rpms(["victim 2-1 x86_64"])
    rpmfactory.flip_payload_byte(p)
    assert "Payload" in bad_reasons(scan(tmp_path / "mirror"))["victim-2-1.x86_64.rpm"]


def test_dangling_symlink_and_symlink_loop(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    make_rpms(["good 1-1 x86_64"])
    (mirror / "gone.rpm").symlink_to(mirror / "nowhere.rpm")
    (mirror / "loop").symlink_to(mirror, target_is_directory=True)
    result = scan(mirror)
    assert [p.name for p in result.packages] == ["good"]
    assert "gone.rpm" in bad_reasons(result)


def test_vanished_file_is_reported(make_rpms, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    _good, victim = make_rpms(["good 1-1 x86_64", "victim 1-1 x86_64"])
    real = find_rpms

    def walk_then_delete(top):
        found = real(top)
        victim.unlink()  # gone between the walk and the read
        return found

    monkeypatch.setattr("errata_tpl.scan.find_rpms", walk_then_delete)
    result = scan(mirror)
    assert [p.name for p in result.packages] == ["good"]
    assert "cannot" in bad_reasons(result)["victim-1-1.x86_64.rpm"]


def test_cache_is_used_and_invalidated(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    _a, b = make_rpms(["a 1-1 x86_64", "b 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    cache = HeaderCache(cache_file)
    first = scan(mirror, cache)
    assert first.from_cache == 0
    cache.save()
    second = scan(mirror, HeaderCache(cache_file))
    assert second.from_cache == 2 and second.packages == first.packages
    rpmfactory.flip_payload_byte(b)  # same size, new mtime: read again, now bad
    os.utime(b, ns=(1, 1))
    third = scan(mirror, HeaderCache(cache_file))
    assert third.from_cache == 1 and [x.name for x in third.packages] == ["a"]


def test_damaged_cache_is_ignored(make_rpms, tmp_path):
    make_rpms(["a 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    cache_file.write_text("{not json")
    assert [p.name for p in scan(tmp_path / "mirror", HeaderCache(cache_file)).packages] == ["a"]


def test_empty_directory(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    result = scan(tmp_path / "empty")
    assert result.files == 0 and result.packages == []
