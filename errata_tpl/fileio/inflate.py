"""Streamed decompression of gzip, bzip2, xz and zstd, a bounded piece at a time.

Each piece of output is at most ``PIECE`` bytes whatever the input, so a reader
that counts what it got can stop a decompression bomb after its bound, in bounded
memory, and nothing is ever written to disk. gzip, bzip2 and xz are Python's own
modules; zstd is the system's libzstd (the library rpm itself reads zstd payloads
with), through ctypes. zchunk is refused by name: no library here reads it.
"""

from __future__ import annotations

import bz2
import ctypes
import functools
import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

PIECE = 1024 * 1024

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x00ZCK1", "zchunk"),
)


class Corrupt(Exception):
    """The compressed data cannot be decompressed (the decompressor's words)."""


def sniff(head: bytes) -> str | None:
    """The compression of data starting with ``head`` (6 bytes suffice); None: not compressed."""
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def inflate(fmt: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The decompressed data of ``chunks`` in ``fmt``, in pieces of at most PIECE
    bytes. Concatenated streams (``cat a.gz b.gz``) are read as one, as the tools
    read them, and zero bytes after a gzip member as padding. Corrupt or cut input
    raises Corrupt."""
    if fmt == "zstd":
        yield from _zstd(chunks)
        return
    if fmt not in _STDLIB:
        raise Corrupt(f"{fmt}-compressed: errata-tpl reads gzip, bzip2, xz and zstd")
    make = _STDLIB[fmt]
    d, done = make(), False
    pad = fmt == "gzip"  # zero bytes after a member: padding, as gzip and zlib (dnf) read them
    try:
        for chunk in chunks:
            data = chunk.lstrip(b"\0") if done and pad else chunk
            while data or not (done or d.needs_input):
                if done:  # a further stream after the end of one
                    d, done = make(), False
                out = d.decompress(data, PIECE)
                if out:
                    yield out
                done = d.eof
                data = d.unused_data if done else b""
                if done and pad:
                    data = data.lstrip(b"\0")
        if not done:
            raise Corrupt("compressed data ends before its end")
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as e:
        raise Corrupt(str(e) or type(e).__name__) from None


class _Gzip:
    """zlib's decompressor with the needs_input/eof interface of bz2's and lzma's."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(wbits=31)  # 16 + 15: a gzip member only (a zlib stream is not gzip)
        self.unused_data = b""

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._d.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._d.decompress(self._d.unconsumed_tail + data if data else self._d.unconsumed_tail, max_length)
        self.unused_data = self._d.unused_data
        return out


_STDLIB: dict[str, Callable[[], Any]] = {"gzip": _Gzip, "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor}


class _Buffer(ctypes.Structure):
    _fields_ = [("src", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]


@functools.lru_cache(maxsize=1)
def _libzstd() -> Any:
    try:
        lib = ctypes.CDLL("libzstd.so.1")
    except OSError as e:
        raise Corrupt(f"zstd-compressed, and libzstd.so.1 cannot be loaded here: {e}") from None
    lib.ZSTD_createDStream.restype = ctypes.c_void_p
    lib.ZSTD_freeDStream.argtypes = [ctypes.c_void_p]
    lib.ZSTD_initDStream.argtypes = [ctypes.c_void_p]
    lib.ZSTD_initDStream.restype = ctypes.c_size_t
    lib.ZSTD_decompressStream.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Buffer), ctypes.POINTER(_Buffer)]
    lib.ZSTD_decompressStream.restype = ctypes.c_size_t
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    lib.ZSTD_getErrorName.argtypes = [ctypes.c_size_t]
    lib.ZSTD_getErrorName.restype = ctypes.c_char_p
    return lib


def _zstd(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """libzstd's streaming decompression (ZSTD_decompressStream), PIECE bytes of output at a time."""
    lib = _libzstd()
    stream = lib.ZSTD_createDStream()
    if not stream:
        raise MemoryError("libzstd: no stream")
    out_mem = ctypes.create_string_buffer(PIECE)
    pending = 0  # libzstd's hint: 0 once a frame is complete
    try:
        lib.ZSTD_initDStream(stream)
        for chunk in chunks:
            if not chunk:
                continue
            in_mem = ctypes.create_string_buffer(chunk, len(chunk))
            src = _Buffer(ctypes.cast(in_mem, ctypes.c_void_p), len(chunk), 0)
            while True:
                dst = _Buffer(ctypes.cast(out_mem, ctypes.c_void_p), PIECE, 0)
                pending = lib.ZSTD_decompressStream(stream, ctypes.byref(dst), ctypes.byref(src))
                if lib.ZSTD_isError(pending):
                    raise Corrupt(f"zstd: {lib.ZSTD_getErrorName(pending).decode()}")
                if dst.pos:
                    yield out_mem.raw[: dst.pos]
                if src.pos == src.size and dst.pos < PIECE:
                    break  # input used up and nothing held back
        if pending != 0:
            raise Corrupt("compressed data ends before its end")
    finally:
        lib.ZSTD_freeDStream(stream)
