"""inflate: streamed decompression in bounded pieces, several streams read as one,
zero padding after a gzip member read as gzip and zlib (dnf) read it."""

import bz2
import gzip
import lzma
import zlib

import pytest

from errata_tpl.fileio.inflate import PIECE, Corrupt, inflate, sniff

TEXT = b"<metadata>" + b"<package/>" * 50_000 + b"</metadata>\n"


def pieces(data: bytes, size: int = 4096) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(("fmt", "compress"), [("gzip", gzip.compress), ("bzip2", bz2.compress), ("xz", lzma.compress)])
def test_one_and_two_streams_give_the_text_in_bounded_pieces(fmt, compress):
    data = compress(TEXT)
    assert sniff(data[:6]) == fmt
    out = list(inflate(fmt, pieces(data)))
    assert b"".join(out) == TEXT and all(len(p) <= PIECE for p in out)
    assert b"".join(inflate(fmt, pieces(data + compress(b"more\n")))) == TEXT + b"more\n"


@pytest.mark.parametrize("size", [1, 7, 4096, 1 << 20])
def test_zero_padding_after_a_gzip_member_is_read_as_gzip_reads_it(size):
    padded = gzip.compress(TEXT) + b"\0" * 5000
    assert gzip.decompress(padded) == TEXT  # Python's gzip: padding
    assert b"".join(inflate("gzip", pieces(padded, size))) == TEXT
    both = padded + gzip.compress(b"more\n") + b"\0" * 3
    assert b"".join(inflate("gzip", pieces(both, size))) == gzip.decompress(both)


def test_other_bytes_after_a_member_and_cut_data_are_refused():
    data = gzip.compress(TEXT)
    with pytest.raises(Corrupt):
        b"".join(inflate("gzip", pieces(data + b"\0\0garbage")))
    with pytest.raises(Corrupt):
        b"".join(inflate("gzip", pieces(data[:-10])))
    with pytest.raises(Corrupt):  # a zlib stream after a member: Python's gzip and dnf refuse it too
        b"".join(inflate("gzip", pieces(data + zlib.compress(b"more\n"))))
