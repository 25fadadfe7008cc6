"""The scanner on real RPM files, good and damaged: headers read by the bindings,
whole files checked by rpm's verifier where asked."""

import hashlib
import os
from pathlib import Path

import pytest
import rpmfactory

from errata_tpl.mirror import scan as scanmod
from errata_tpl.mirror.hdrcache import HeaderCache
from errata_tpl.mirror.scan import check_whole, scan
from errata_tpl.mirror.walk import find_rpms, stat_all


def scan_dir(mirror: Path, cache: HeaderCache | None = None, **kw):
    rels, _ = find_rpms(mirror)
    stats = stat_all(mirror, rels) if cache is not None else None
    return scan(mirror, rels, stats, cache, **kw)


def scan_and_check(mirror: Path, cache: HeaderCache | None = None):
    """Headers of every file, then rpm's whole-file check of every readable one."""
    result = scan_dir(mirror, cache)
    check_whole(mirror, result, [p.path for p in result.packages])
    if cache is not None:
        result.remember(cache)
    return result


def bad_reasons(result) -> dict[str, str]:
    return {b.path: b.reason for b in result.bad}


def test_reads_headers_recursively_and_skips_repodata(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    make_rpms(["bash 5.1.8-9.el9 x86_64", "tzdata 2024a-1.el9 noarch"])
    make_rpms(["glibc 2.34-83.el9 i686"], dest=mirror / "deep" / "er")
    make_rpms(["ignored 1-1 x86_64"], dest=mirror / "repodata")
    result = scan_dir(mirror)
    got = sorted((p.path, p.nevra) for p in result.packages)
    assert got == [
        ("bash-5.1.8-9.el9.x86_64.rpm", "bash-5.1.8-9.el9.x86_64"),
        ("deep/er/glibc-2.34-83.el9.i686.rpm", "glibc-2.34-83.el9.i686"),
        ("tzdata-2024a-1.el9.noarch.rpm", "tzdata-2024a-1.el9.noarch"),
    ]
    assert result.bad == [] and result.files == 3
    # the stat of every file, as read, in path order (the memo's key is made of them)
    assert list(result.stats) == sorted(result.stats)
    st = (mirror / "bash-5.1.8-9.el9.x86_64.rpm").stat()
    assert result.stats["bash-5.1.8-9.el9.x86_64.rpm"] == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def test_epoch_and_source_flag(make_rpms, tmp_path):
    make_rpms(["openssl-libs 1:3.0.7-24.el9 x86_64", "bash 5.1.8-9.el9 src", "zero 0:1-1 x86_64"])
    by_name = {(p.name, p.is_source): p for p in scan_dir(tmp_path / "mirror").packages}
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
# what a header read alone cannot see: only rpm's whole-file check finds these
WHOLE_FILE_ONLY = {"truncated-payload", "payload-flipped", "header-flipped"}


@pytest.mark.parametrize("kind", sorted(DEFECTS))
def test_each_kind_of_bad_file_is_reported_and_skipped(kind, make_rpms, tmp_path):
    _good, bad = make_rpms(["good 1-1 x86_64", "victim 2-1 x86_64"])
    DEFECTS[kind](bad)
    headers_only = scan_dir(tmp_path / "mirror")
    assert ("victim-2-1.x86_64.rpm" in bad_reasons(headers_only)) == (kind not in WHOLE_FILE_ONLY)
    result = scan_and_check(tmp_path / "mirror")
    assert [p.name for p in result.packages] == ["good"]
    reasons = bad_reasons(result)
    assert list(reasons) == ["victim-2-1.x86_64.rpm"]
    assert reasons["victim-2-1.x86_64.rpm"]
    assert set(result.checked) == {"good-1-1.x86_64.rpm"}


def test_damage_is_named_in_rpms_words(make_rpms, tmp_path):
    payload, header, empty = make_rpms(["victim 2-1 x86_64", "other 1-1 x86_64", "empty 1-1 x86_64"])
    rpmfactory.flip_payload_byte(payload)
    rpmfactory.flip_header_byte(header)
    empty.write_bytes(b"")
    reasons = bad_reasons(scan_and_check(tmp_path / "mirror"))
    assert "Payload" in reasons["victim-2-1.x86_64.rpm"]
    assert "Header" in reasons["other-1-1.x86_64.rpm"]
    assert reasons["empty-1-1.x86_64.rpm"]  # rpm's own words for a file it cannot read at all


def test_check_whole_checks_only_what_is_asked_and_not_yet_checked(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    old, new = make_rpms(["pkg 1-1 x86_64", "pkg 2-1 x86_64"])
    rpmfactory.flip_payload_byte(old)
    result = scan_dir(mirror)
    assert check_whole(mirror, result, [new.name]) == set()
    assert set(result.checked) == {new.name} and len(result.packages) == 2  # the damaged old build is not read
    assert result.checked[new.name] == hashlib.sha256(new.read_bytes()).hexdigest()  # made while rpm read it
    rpmfactory.flip_payload_byte(new)  # checked once: not checked again
    assert check_whole(mirror, result, [new.name]) == set()
    assert check_whole(mirror, result, [old.name]) == {old.name}
    assert [p.path for p in result.packages] == [new.name] and list(bad_reasons(result)) == [old.name]


def test_headers_are_read_in_worker_processes(make_rpms, tmp_path, monkeypatch):
    make_rpms([f"p{i} {i}-1 x86_64" for i in range(12)] + ["bad 1-1 x86_64"])
    (tmp_path / "mirror" / "bad-1-1.x86_64.rpm").write_bytes(b"")
    monkeypatch.setattr(scanmod, "PARALLEL_MIN_FILES", 0)
    one = scan_dir(tmp_path / "mirror", workers=1)
    three = scan_dir(tmp_path / "mirror", workers=3)
    assert three.packages == one.packages and three.bad == one.bad and three.stats == one.stats
    assert len(one.packages) == 12 and len(one.bad) == 1


def test_dangling_symlink_and_symlink_loop(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    make_rpms(["good 1-1 x86_64"])
    (mirror / "gone.rpm").symlink_to(mirror / "nowhere.rpm")
    (mirror / "loop").symlink_to(mirror, target_is_directory=True)
    result = scan_dir(mirror)
    assert [p.name for p in result.packages] == ["good"]
    assert "gone.rpm" in bad_reasons(result)


def test_vanished_file_is_reported(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    _good, victim = make_rpms(["good 1-1 x86_64", "victim 1-1 x86_64"])
    rels, _ = find_rpms(mirror)
    victim.unlink()  # gone between the walk and the read
    result = scan(mirror, rels)
    assert [p.name for p in result.packages] == ["good"]
    assert "cannot" in bad_reasons(result)["victim-1-1.x86_64.rpm"]
    assert result.stats["victim-1-1.x86_64.rpm"] is None


def _no_warning(message: str) -> None:
    raise AssertionError(message)


def test_cache_is_used_and_invalidated(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    _a, b = make_rpms(["a 1-1 x86_64", "b 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    cache = HeaderCache(cache_file, _no_warning)
    first = scan_and_check(mirror, cache)
    assert first.from_cache == 0
    second = scan_dir(mirror, HeaderCache(cache_file, _no_warning))
    assert second.from_cache == 2 and second.packages == first.packages
    assert second.checked == first.checked  # the whole-file verdicts are kept too, with each file's SHA256
    assert second.checked["b-1-1.x86_64.rpm"] == hashlib.sha256(b.read_bytes()).hexdigest()
    rpmfactory.flip_payload_byte(b)  # same size, new mtime: read again, checked again, now bad
    os.utime(b, ns=(1, 1))
    third = scan_and_check(mirror, HeaderCache(cache_file, _no_warning))
    assert third.from_cache == 1 and [x.name for x in third.packages] == ["a"]


def test_a_bad_file_is_remembered_as_bad(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    (victim,) = make_rpms(["victim 1-1 x86_64"])
    rpmfactory.flip_payload_byte(victim)
    cache = HeaderCache(tmp_path / "cache.json", _no_warning)
    first = scan_and_check(mirror, cache)
    again = scan_dir(mirror, HeaderCache(tmp_path / "cache.json", _no_warning))
    assert again.from_cache == 1 and again.packages == [] and again.bad == first.bad


def test_damaged_cache_is_ignored(make_rpms, tmp_path):
    make_rpms(["a 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    cache_file.write_text("{not json")
    said: list[str] = []
    assert [p.name for p in scan_dir(tmp_path / "mirror", HeaderCache(cache_file, said.append)).packages] == ["a"]
    assert said == [
        f"{cache_file}: not as errata-tpl wrote this cache (edited, cut short or copied); ignored, made again"
    ]


def test_a_cache_started_at_the_scans_end_holds_rpms_verdicts_sent_later(make_rpms, tmp_path, monkeypatch):
    """A large mirror's header cache: a forked child makes the entries when the scan
    ends and writes the file once rpm's verdicts follow; read back, it gives what the
    scan and the check found."""
    monkeypatch.setattr(scanmod, "ASIDE_MIN_FILES", 1)
    mirror = tmp_path / "mirror"
    good, damaged, empty = make_rpms(["good 1-1 x86_64", "damaged 1-1 x86_64", "empty 1-1 x86_64"])
    rpmfactory.flip_payload_byte(damaged)
    empty.write_bytes(b"")
    cache_file = tmp_path / "cache.json"
    result = scan_dir(mirror, HeaderCache(cache_file, _no_warning))
    writer = scanmod.CacheWriter(result, HeaderCache(cache_file, _no_warning))
    assert check_whole(mirror, result, [good.name, damaged.name]) == {damaged.name}  # while the child makes entries
    writer.finish(result)
    assert writer.wait() and cache_file.is_file()
    again = scan_dir(mirror, HeaderCache(cache_file, _no_warning))
    assert again.from_cache == 3 and again.packages == result.packages and again.bad == result.bad
    assert again.checked == {good.name: hashlib.sha256(good.read_bytes()).hexdigest()}
    assert "Payload" in bad_reasons(again)[damaged.name]


def test_a_cache_writer_never_finished_writes_nothing(make_rpms, tmp_path, monkeypatch):
    monkeypatch.setattr(scanmod, "ASIDE_MIN_FILES", 1)
    make_rpms(["a 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    result = scan_dir(tmp_path / "mirror", HeaderCache(cache_file, _no_warning))
    writer = scanmod.CacheWriter(result, HeaderCache(cache_file, _no_warning))
    assert writer.wait() and not cache_file.exists()  # the run ended without a result (an error)
    writer.finish(result)  # too late: nothing written, no child left waiting
    assert writer.wait() and not cache_file.exists()


def test_empty_directory(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    result = scan_dir(tmp_path / "empty")
    assert result.files == 0 and result.packages == []


def test_a_run_that_learns_nothing_does_not_rewrite_the_cache(make_rpms, tmp_path):
    mirror = tmp_path / "mirror"
    make_rpms(["a 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    scan_and_check(mirror, HeaderCache(cache_file, _no_warning))
    before = cache_file.stat().st_mtime_ns
    os.utime(cache_file, ns=(1, 1))
    again = scan_and_check(mirror, HeaderCache(cache_file, _no_warning))
    assert again.from_cache == 1 and not again.changed and before
    assert cache_file.stat().st_mtime_ns == 1  # not written again


def test_builds_of_rpm_4_14_and_later_are_checked_by_their_sha256_digests(make_rpms, tmp_path):
    """rpm checks SHA1 and MD5 only for builds without SHA256 header and payload
    digests; damage is found either way."""
    mirror = tmp_path / "mirror"
    strong, legacy = make_rpms(["strong 1-1 x86_64", "legacy 1-1 x86_64"])
    rpmfactory.flip_payload_byte(strong)
    rpmfactory.flip_payload_byte(legacy)
    result = scan_dir(mirror)
    assert all(p.sha256 for p in result.packages)  # rpmbuild 4.14+ writes both
    # as if the second had been built by an older rpm: rpm's full set of checks runs on it
    result.packages = [p._replace(sha256=False) if p.name == "legacy" else p for p in result.packages]
    assert check_whole(mirror, result, [strong.name, legacy.name]) == {strong.name, legacy.name}
    reasons = bad_reasons(result)
    assert "Payload SHA256" in reasons[strong.name] and "Payload SHA256" in reasons[legacy.name]
    # the same by the builds themselves (generate's check: their headers say which digests)
    result = scan_dir(mirror)
    builds = [p._replace(sha256=False) if p.name == "legacy" else p for p in result.packages]
    assert scanmod.check_builds(mirror, result, builds) == {strong.name, legacy.name}
    assert bad_reasons(result) == reasons


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["files"].update({k: 7 for k in d["files"]}),
        lambda d: d["files"].update({k: [1] for k in d["files"]}),
        lambda d: d["files"].update({k: [*v[:2], "ok", 3] for k, v in d["files"].items()}),
        lambda d: d.update(files=["not", "a", "mapping"]),
    ],
)
def test_a_hand_edited_cache_entry_is_read_again(make_rpms, tmp_path, damage):
    import json

    mirror = tmp_path / "mirror"
    make_rpms(["a 1-1 x86_64"])
    cache_file = tmp_path / "cache.json"
    first = scan_and_check(mirror, HeaderCache(cache_file, _no_warning))
    seal, _, text = cache_file.read_text().partition("\n")
    data = json.loads(text)
    damage(data)
    cache_file.write_text(f"{seal}\n{json.dumps(data)}")
    said: list[str] = []
    again = scan_dir(mirror, HeaderCache(cache_file, said.append))
    assert again.packages == first.packages and again.from_cache == 0
    assert len(said) == 1 and said[0].startswith(f"{cache_file}: not as errata-tpl wrote this cache")
