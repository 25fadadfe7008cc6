"""One large XML document as several small ones: the root's children, a few hundred
at a time, each under a copy of the root's start (its prolog and start tag) and
closed by the root's end tag. expat finds where the children start; the bytes are
passed on as they are, so a parser of the small documents reads what it would
have read in the large one. Streamed: memory holds one piece, never the document.

Bounded whatever the input (``Bounds``): a piece holds at most ``per`` children and,
past its first, ``piece_bytes``; one child is at most ``child_bytes`` (what
precedes the first, twice that); in one child, an element named in ``counted`` appears at most so
many times. A list element (``split``) with more than ``n`` items is handed on as
several, each with a copy of its start (what precedes its first item): a parser
that appends items one at a time to a linked list (createrepo_c: quadratic) gets
short lists.
"""

from __future__ import annotations

import bisect
import collections
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from xml.parsers import expat

from errata_tpl.errors import UserError


@dataclass(frozen=True)
class Bounds:
    per: int  # children of the root per piece
    piece_bytes: int  # a piece's bytes past its first child
    child_bytes: int  # one child's bytes, and the prolog's
    counted: Mapping[str, int] = field(default_factory=dict)  # element name: most in one child
    split: tuple[str, str, int] | None = None  # (list element, item element, items per copy)
    label: str = ""  # the child's element whose text names it in a message (updateinfo: "id")


def documents(pieces: Iterable[bytes], where: str, bounds: Bounds) -> Iterator[bytes]:
    """Documents of at most ``bounds.per`` children of the root each, in order (none when
    the root has no child). Malformed XML, or a bound passed, is a UserError naming ``where``."""
    return _Splitter(where, bounds).run(pieces)


class _Splitter:
    def __init__(self, where: str, bounds: Bounds) -> None:
        self.where, self.b = where, bounds
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        # text is only wanted inside a child's label (set there): expat calls no handler for the rest
        self.parser.buffer_text = True
        self.stack: list[str] = []
        self.starts: list[int] = []  # stream offsets of the root's children not handed out yet
        self.end: list[int] = []  # the stream offset of the root's end tag, once seen
        self.root = ""
        # (stream offset, bytes handed on before it)
        self.inserts: collections.deque[tuple[int, bytes]] = collections.deque()
        self.counts: dict[str, int] = {}  # in the current child
        self.inserted = 0  # bytes inserted in the current child
        self.label: list[str] = []  # the current child's label text
        self.in_label = False
        self.lists: list[tuple[int, int, int]] = []  # open list elements: (depth, start, first item or -1)
        self.items: list[int] = []  # items seen in each open list element

    def _at(self) -> int:
        return self.parser.CurrentByteIndex

    def _start(self, name: str, _attrs: object) -> None:
        depth = len(self.stack)
        self.stack.append(name)
        if depth == 0:
            self.root = name
        elif depth == 1:
            self.starts.append(self._at())
            self.counts, self.inserted, self.label = {}, 0, []
        if depth == 2 and name == self.b.label:
            self.in_label = True
            self.parser.CharacterDataHandler = self._text
        limit = self.b.counted.get(name)
        if limit is not None and depth >= 2:
            n = self.counts[name] = self.counts.get(name, 0) + 1
            if n > limit:
                raise self._refuse(f"more than {limit:,} <{name}> elements")
        split = self.b.split
        if split is None:
            return
        if name == split[0]:
            self.lists.append((depth, self._at(), -1))
            self.items.append(0)
        elif name == split[1] and self.lists and self.lists[-1][0] == depth - 1:
            self._item()

    def _item(self) -> None:
        assert self.b.split is not None
        ldepth, lstart, first = self.lists[-1]
        at = self._at()
        if first < 0:
            self.lists[-1] = (ldepth, lstart, at)
        elif self.items[-1] % self.b.split[2] == 0:  # close the list and start a copy of it
            head = bytes(self.buf[lstart - self.base : first - self.base])
            extra = f"</{self.stack[ldepth]}>".encode() + head
            self.inserted += len(extra)
            if self.inserted > self.b.child_bytes:
                raise self._refuse(f"more than {self.b.child_bytes:,} bytes")
            self.inserts.append((at, extra))
        self.items[-1] += 1

    def _end(self, name: str) -> None:
        # a child read whole in one piece of input
        if len(self.stack) == 2 and self._at() - self.starts[-1] > self.b.child_bytes:
            raise self._refuse(f"more than {self.b.child_bytes:,} bytes")
        self.stack.pop()
        depth = len(self.stack)
        if depth == 0:
            self.end.append(self._at())
        if depth == 2 and self.in_label:
            self.in_label = False
            self.parser.CharacterDataHandler = None
        if self.lists and self.lists[-1][0] == depth and name == (self.b.split or ("",))[0]:
            self.lists.pop()
            self.items.pop()

    def _text(self, data: str) -> None:
        if self.in_label and sum(map(len, self.label)) < 200:
            self.label.append(data)

    def _refuse(self, what: str) -> UserError:
        label = " ".join("".join(self.label).split())[:200]
        named = f" {label}" if label else ""
        line = self.parser.CurrentLineNumber
        return UserError(f"{self.where}: line {line}: <{self.stack[1]}>{named} holds {what}; refused")

    def run(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        self.buf = bytearray()
        self.base = 0  # the stream offset of buf[0]
        head: bytes | None = None  # the stream up to the first child: prolog, root start tag
        for piece in itertools.chain(pieces, (b"",)):  # the empty piece: the end
            self.buf += piece
            try:
                self.parser.Parse(piece, not piece)
            except expat.ExpatError as e:
                raise UserError(
                    f"{self.where}: not well-formed XML (line {e.lineno}, column {e.offset + 1}): {_why(e)}"
                ) from None
            if head is None and self.starts:
                head = bytes(self.buf[: self.starts[0] - self.base])
            self._check_size(head)
            while len(self.starts) > 1 and (
                len(self.starts) > self.b.per or self.starts[-1] - self.starts[0] > self.b.piece_bytes
            ):
                fit = bisect.bisect_right(self.starts, self.starts[0] + self.b.piece_bytes) - 1
                k = max(1, min(self.b.per, fit, len(self.starts) - 1))
                yield self._cut(head, self.starts[0], self.starts[k])
                del self.starts[:k]
            if head is not None:  # what is handed out is not kept
                keep = self.starts[0] if self.starts else self.end[0] if self.end else self.base + len(self.buf)
                del self.buf[: keep - self.base]
                self.base = keep
        if self.starts:
            yield self._cut(head, self.starts[0], self.end[0])

    def _check_size(self, head: bytes | None) -> None:
        """The open child (or, before the first, the prolog) within ``child_bytes``."""
        top = self.base + len(self.buf)
        if head is None and top > 2 * self.b.child_bytes:  # twice: a decompression bomb is named as one first
            raise UserError(
                f"{self.where}: more than {2 * self.b.child_bytes:,} bytes before its first element; refused"
            )
        if self.starts and len(self.stack) >= 2 and top - self.starts[-1] > self.b.child_bytes:
            raise self._refuse(f"more than {self.b.child_bytes:,} bytes")

    def _cut(self, head: bytes | None, a: int, b: int) -> bytes:
        assert head is not None
        out: list[bytes | bytearray] = [head]
        at = a
        while self.inserts and self.inserts[0][0] < b:
            off, extra = self.inserts.popleft()
            out += [self.buf[at - self.base : off - self.base], extra]
            at = off
        out += [self.buf[at - self.base : b - self.base], f"</{self.root}>".encode()]
        return b"".join(out)


def _why(e: expat.ExpatError) -> str:
    return expat.ErrorString(e.code) if e.code is not None else str(e)
