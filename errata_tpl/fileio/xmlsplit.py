"""One large XML document as several small ones: the root's children, a few hundred
at a time, each under a copy of the root's start (its prolog and start tag) and
closed by the root's end tag. expat finds where the children start; the bytes are
passed on as they are, so a parser of the small documents reads what it would
have read in the large one. Streamed: memory holds one piece, never the document.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from errata_tpl.errors import UserError


def documents(pieces: Iterable[bytes], where: str, per: int) -> Iterator[bytes]:
    """Documents of at most ``per`` children of the root each, in order (none when the
    root has no child). Malformed XML is a UserError naming ``where``."""
    parser = expat.ParserCreate()
    depth = 0
    root = ""
    starts: list[int] = []  # stream offsets of the root's children not handed out yet
    end: list[int] = []  # the stream offset of the root's end tag, once seen

    def on_start(name: str, _attrs: object) -> None:
        nonlocal depth, root
        if depth == 0:
            root = name
        elif depth == 1:
            starts.append(parser.CurrentByteIndex)
        depth += 1

    def on_end(_name: str) -> None:
        nonlocal depth
        depth -= 1
        if depth == 0:
            end.append(parser.CurrentByteIndex)

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    buf = bytearray()
    base = 0  # the stream offset of buf[0]
    head: bytes | None = None  # the stream up to the first child: prolog, root start tag

    def cut(a: int, b: int) -> bytes:
        assert head is not None
        return b"".join((head, buf[a - base : b - base], f"</{root}>".encode()))

    for piece in itertools.chain(pieces, (b"",)):  # the empty piece: the end
        buf += piece
        try:
            parser.Parse(piece, not piece)
        except expat.ExpatError as e:
            raise UserError(
                f"{where}: not well-formed XML (line {e.lineno}, column {e.offset + 1}): {_why(e)}"
            ) from None
        if head is None and starts:
            head = bytes(buf[: starts[0] - base])
        while len(starts) > per:
            yield cut(starts[0], starts[per])
            del starts[:per]
        if head is not None:  # what is handed out is not kept
            keep = starts[0] if starts else end[0] if end else base + len(buf)
            del buf[: keep - base]
            base = keep
    if starts:
        yield cut(starts[0], end[0])


def _why(e: expat.ExpatError) -> str:
    return expat.ErrorString(e.code) if e.code is not None else str(e)
