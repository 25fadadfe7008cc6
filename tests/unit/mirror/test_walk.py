"""Listing a mirror and statting its files: what every cache keys on."""

import os

import pytest

from errata_tpl.mirror import walk
from errata_tpl.mirror.walk import find_rpms, stat_all


@pytest.fixture
def tree(tmp_path):
    top = tmp_path / "mirror"
    for rel in ("a.rpm", "sub/b.rpm", "sub/deeper/c.rpm", "repodata/skip.rpm", "notes.txt"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_bytes(rel.encode())
    (top / "gone.rpm").symlink_to(top / "nowhere.rpm")
    (top / "loop").symlink_to(top, target_is_directory=True)
    return top


def test_find_rpms_lists_sorted_skipping_repodata_and_directory_links(tree):
    rels, errors = find_rpms(tree)
    assert rels == ["a.rpm", "gone.rpm", "sub/b.rpm", "sub/deeper/c.rpm"] and errors == []


@pytest.mark.parametrize("parallel", [False, True])
def test_stat_all_gives_size_and_mtime_or_none(tree, monkeypatch, parallel):
    if parallel:  # one process per core, as for a large mirror
        monkeypatch.setattr(walk, "PARALLEL_MIN_FILES", 0)
    os.utime(tree / "sub/b.rpm", ns=(5, 7))
    rels, _ = find_rpms(tree)
    got = stat_all(tree, rels)
    assert list(got) == rels
    st = (tree / "sub/b.rpm").stat()
    assert got["sub/b.rpm"] == (len(b"sub/b.rpm"), 7, st.st_ino, st.st_ctime_ns)
    assert got["gone.rpm"] is None  # a dangling link: read (and reported) later
