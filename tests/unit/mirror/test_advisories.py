"""advisories.load and advisories.read over updateinfo files made at test time (createrepo_c
and modifyrepo_c): the bounds that keep createrepo_c's parser linear (issue 19); the dates an
updateinfo may carry (parse_day)."""

import dataclasses

import pytest
from cli.test_updateinfo_forms import pkg, update, write_updateinfo

from errata_tpl.errors import UserError
from errata_tpl.mirror import advisories


def made(tmp_path, updates):
    """A repository (createrepo_c, no package) whose updateinfo is ``updates``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    write_updateinfo(repo, updates)
    return repo


def long_collection(n: int, module: str = "") -> str:
    """One collection of ``n`` packages (createrepo_c alone takes time quadratic in ``n``)."""
    pkgs = "".join(pkg(f"p{i}", "1", "1") for i in range(n))
    return f'<collection short="big">{module}<name>Big</name>{pkgs}</collection>'


def test_a_long_collection_is_read_whole_in_pieces(tmp_path):
    n = 2 * advisories.PACKAGES_PER_COLLECTION + 7
    module = '<module name="perl" stream="5.32" version="1" context="c" arch="x86_64"/>'
    big = update("EX-2026:9000", "security", "final", "2026-01-02", severity="Low")
    big = big.replace("<pkglist></pkglist>", f"<pkglist>{long_collection(n, module)}</pkglist>")
    after = update("EX-2026:9001", "bugfix", "final", "2026-01-03", pkg("tail", "1", "1"))
    repo = made(tmp_path, [big, after])
    found = advisories.load(repo)
    assert found is not None and len(found) == n + 1
    assert {a.id for i in range(n) for a in found[("p" + str(i), "0", "1", "1", "x86_64")]} == {"EX-2026:9000"}
    assert [a.id for a in found[("tail", "0", "1", "1", "x86_64")]] == ["EX-2026:9001"]
    _, records = advisories.read(repo)
    (rec,) = [r for r in records if r.id == "EX-2026:9000"]
    # createrepo_c was handed three collections of at most PACKAGES_PER_COLLECTION packages,
    # each with the collection's own start: its name and module
    assert [len(c.packages) for c in rec.collections] == [1000, 1000, 7]
    assert {(c.shortname, c.name, c.module.name if c.module else None) for c in rec.collections} == {
        ("big", "Big", "perl")
    }
    assert [p.name for c in rec.collections for p in c.packages] == [f"p{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("what", "limit"), [("collection", advisories.MAX_COLLECTIONS), ("reference", advisories.MAX_REFERENCES)]
)
def test_an_advisory_with_more_lists_than_any_real_one_is_refused_by_name(tmp_path, what, limit):
    ok = update("EX-2026:0001", "bugfix", "final", "2026-01-02", pkg("a", "1", "1"))
    if what == "collection":
        many = update("EX-2026:0002", "security", "final", "2026-01-02", *[pkg("b", "1", "1")] * (limit + 1))
    else:
        cves = [f"CVE-2026-{i:05d}" for i in range(limit + 1)]
        many = update("EX-2026:0002", "security", "final", "2026-01-02", pkg("b", "1", "1"), cves=cves)
    repo = made(tmp_path, [ok, many])
    with pytest.raises(UserError) as e:
        advisories.load(repo)
    assert str(e.value).endswith(f": <update> EX-2026:0002 holds more than {limit:,} <{what}> elements; refused")
    assert "-updateinfo.xml" in str(e.value) and ": line " in str(e.value)


def test_one_advisory_larger_than_the_bound_is_refused(tmp_path, monkeypatch):
    # the bound made small for the test: the same code path as 16 MB, without writing 16 MB
    bounds = advisories.BOUNDS
    monkeypatch.setattr(advisories, "BOUNDS", dataclasses.replace(bounds, child_bytes=64 * 1024))
    big = update("EX-2026:0003", "security", "final", "2026-01-02", pkg("c", "1", "1"))
    big = big.replace("<title>EX-2026:0003</title>", "<title>" + "x" * (200 * 1024) + "</title>")
    repo = made(tmp_path, [big])
    with pytest.raises(UserError, match=r"<update> EX-2026:0003 holds more than 65,536 bytes; refused"):
        advisories.load(repo)


def test_many_small_advisories_are_cut_by_bytes_too(tmp_path, monkeypatch):
    # pieces of at most piece_bytes past their first advisory: every advisory is still read once
    bounds = advisories.BOUNDS
    monkeypatch.setattr(advisories, "BOUNDS", dataclasses.replace(bounds, piece_bytes=2048))
    ups = [update(f"EX-2026:{i:04d}", "bugfix", "final", "2026-01-02", pkg(f"q{i}", "1", "1")) for i in range(300)]
    repo = made(tmp_path, ups)
    found = advisories.load(repo)
    assert found is not None
    assert sorted(a.id for v in found.values() for a in v) == [f"EX-2026:{i:04d}" for i in range(300)]


@pytest.mark.parametrize(
    "value, day",
    [
        ("2026-03-05", "2026-03-05"),
        ("2026-03-05 23:59:59", "2026-03-05"),
        ("2026-03-05 23:59:59.987654", "2026-03-05"),
        ("2026-03-05 04:10:31 UTC", "2026-03-05"),
        ("2026-03-05T04:10:31Z", "2026-03-05"),
        ("1593505741", "2020-06-30"),  # SUSE's epoch seconds, as text
        (1593505741, "2020-06-30"),  # ... as createrepo_c gives them
        (0, None),  # createrepo_c's value for date=""
        ("", None),
        (None, None),
    ],
)
def test_parse_day(value, day):
    assert advisories.parse_day(value) == day


@pytest.mark.parametrize("value", ["the 10th of February", "2026/03/05", "2026-13-45", 10**20, 1.5])
def test_parse_day_refuses(value):
    with pytest.raises(ValueError):
        advisories.parse_day(value)
