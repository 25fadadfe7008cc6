"""The memo's key: every file's path and stat, the repodata/ files, the options."""

import os

from errata_tpl.mirror import memo

OPTIONS = {"os": "el9-x86_64", "check_all": False}


def stats(n=3):
    mtime, ctime = 1_790_000_000_000_000_000, 1_790_000_000_500_000_000
    return {f"p/f{i}.rpm": (100 + i, mtime + i, 4000 + i, ctime + i) for i in range(n)}


def key(tmp_path, s, options=OPTIONS):
    return memo.fingerprint(tmp_path, s, options)


def test_the_same_files_give_the_same_key(tmp_path):
    assert key(tmp_path, stats()) == key(tmp_path, dict(stats()))


def test_any_change_of_a_file_changes_the_key(tmp_path):
    base = key(tmp_path, stats())
    for field in range(4):  # size, mtime, inode, ctime
        s = stats()
        s["p/f1.rpm"] = tuple(v + (i == field) for i, v in enumerate(s["p/f1.rpm"]))
        assert key(tmp_path, s) != base, field
    gone = {**stats(), "p/f1.rpm": None}
    renamed = {k.replace("f2", "g2"): v for k, v in stats().items()}
    swapped = stats()
    swapped["p/f0.rpm"], swapped["p/f1.rpm"] = swapped["p/f1.rpm"], swapped["p/f0.rpm"]
    more = stats(4)
    keys = {key(tmp_path, s) for s in (gone, renamed, swapped, more)}
    assert len(keys) == 4 and base not in keys
    assert key(tmp_path, stats(), {**OPTIONS, "check_all": True}) != base


def test_numbers_past_64_bits_and_files_gone_are_keys_too(tmp_path):
    """Such stats are written as text, not packed: still one key per state."""
    huge = {**stats(), "p/f1.rpm": (1, 2, 2**64 - 1, 3)}  # an inode number past a signed 64 bits
    assert key(tmp_path, huge) == key(tmp_path, dict(huge)) != key(tmp_path, stats())
    assert key(tmp_path, {**huge, "p/f1.rpm": (1, 2, 2**64 - 2, 3)}) != key(tmp_path, huge)
    gone = {**stats(), "p/f2.rpm": None}
    assert key(tmp_path, gone) == key(tmp_path, dict(gone)) != key(tmp_path, {**gone, "p/f1.rpm": None})


def test_a_changed_repodata_file_changes_the_key(tmp_path):
    (tmp_path / "repodata").mkdir()
    (tmp_path / "repodata" / "repomd.xml").write_text("<repomd/>")
    before = key(tmp_path, stats())
    os.utime(tmp_path / "repodata" / "repomd.xml", ns=(1, 1))
    assert key(tmp_path, stats()) != before
