"""Removing a published folder's links, and what the caches may learn from it."""

import os

from errata_tpl.fileio.stamp import stat_of
from errata_tpl.publish.folder import release


def _linked(tmp_path, names):
    mirror, old = tmp_path / "mirror", tmp_path / "old"
    (old / "Packages").mkdir(parents=True)
    (mirror / "Packages").mkdir(parents=True)
    for n in names:
        (mirror / "Packages" / n).write_bytes(b"x" * 4096)
        os.link(mirror / "Packages" / n, old / "Packages" / n)
    return mirror, old


def test_a_file_only_unlinked_keeps_its_verdict_under_its_new_stat(tmp_path):
    mirror, old = _linked(tmp_path, ["a.rpm"])
    expected = {"Packages/a.rpm": stat_of(os.stat(mirror / "Packages/a.rpm"))}
    moved = release(old, mirror, expected)
    assert moved == {"Packages/a.rpm": stat_of(os.stat(mirror / "Packages/a.rpm"))}
    assert not (old / "Packages/a.rpm").exists()


def test_a_file_rewritten_in_place_since_its_check_is_not_restamped(tmp_path):
    """rsync --inplace: the same inode, size and mtime, other bytes; only the ctime
    tells. Carried over to the new ctime, rpm's old verdict and SHA256 would stand
    for the new bytes in every later run."""
    mirror, old = _linked(tmp_path, ["a.rpm", "b.rpm"])
    expected = {f"Packages/{n}": stat_of(os.stat(mirror / "Packages" / n)) for n in ("a.rpm", "b.rpm")}
    path = mirror / "Packages/a.rpm"
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.write(b"y")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    moved = release(old, mirror, expected)
    assert "Packages/a.rpm" not in moved and "Packages/b.rpm" in moved
    assert not any((old / "Packages").iterdir())  # every link removed all the same
