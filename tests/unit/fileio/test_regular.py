"""Every file errata-tpl reads is opened without blocking and read only if it is a
regular file, up to a bound (fileio.regular): FIFOs, devices and /dev/zero-like files
given as a key, a cache or a manifest are refused unread, never a hang."""

import os
import time
from pathlib import Path

import pytest

from errata_tpl.fileio import regular


def test_a_fifo_without_writer_a_device_a_directory_are_refused_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    for path in (fifo, Path("/dev/zero"), Path("/dev/null"), tmp_path):
        with pytest.raises(regular.Unreadable) as e:
            regular.read_bytes(path, 1024)
        assert str(e.value) == f"{path}: not a regular file" and not e.value.missing
    assert time.monotonic() - start < 5


def test_missing_too_large_and_symlinks(tmp_path):
    with pytest.raises(regular.Unreadable) as e:
        regular.read_text(tmp_path / "none", 10, "the-name")
    assert str(e.value) == "the-name: no such file" and e.value.missing
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2048)
    assert regular.read_bytes(big, 2048) == b"x" * 2048
    with pytest.raises(regular.Unreadable, match="larger than 2,047 bytes; refused"):
        regular.read_bytes(big, 2047)
    link = tmp_path / "link"
    link.symlink_to(big)
    assert regular.read_bytes(link, 4096) == b"x" * 2048
    with pytest.raises(regular.Unreadable, match="a symbolic link, not followed"):
        regular.read_bytes(link, 4096, follow_symlinks=False)
    bad = tmp_path / "bad"
    bad.write_bytes(b"ok\xff")
    with pytest.raises(regular.Unreadable, match=r"not UTF-8 text \(byte 3\)"):
        regular.read_text(bad, 10)
