"""Run a function over shares of a list in forked processes, one per core.

The rpm bindings hold the GIL while they read a header, so threads would not
help; forked children inherit the loaded library and need no start-up. A child
sends its results back pickled. A child that fails has its share done again here:
a worker's death costs time, never a result; a UserError it raised is raised here
(``map_shares``: the same line, without doing the share again to find it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from errata_tpl.forking import abandon, received, spawn, spawn_sending

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")
T_co = TypeVar("T_co", covariant=True)


class Share(Protocol[T_co]):
    """A worker's items as ``map_claimed`` gives them: iterable once, and sized (for a bar)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]: ...


def cores() -> int:
    """The cores this process may run on (a container's or taskset's limit included)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_shares(
    fn: Callable[[Iterable[T]], list[R]],
    items: list[T],
    workers: int,
    wrap: Callable[[list[T], int], Iterable[T]] | None = None,
    then: Callable[[list[T], list[R]], list[S]] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[S]:
    """``fn`` over ``workers`` interleaved shares of ``items``; one result per item, in order.

    ``fn(share)`` must return one result per item of its share. Share 0 runs in this
    process, passed through ``wrap(share, workers)`` (a progress bar: each item
    stands for ``workers`` items of the whole). ``then(share, results)``, one
    result per item too, runs here on each share's results as they come in: on
    this process's own share while the children still work. ``meanwhile()``: other
    work of this process, done while the children work; every share then goes to
    a child (with ``workers`` above 1), this process taking their results after it
    (with one worker, it runs after the work: errors come in the same order).
    """
    workers = max(1, min(workers, len(items)))
    shares = [items[i::workers] for i in range(workers)]
    finish = then if then is not None else (lambda _share, got: got)
    children: list[tuple[int, int, int]] = []  # (pid, read end, share index)
    results: list[list[Any] | None] = [None] * workers
    try:
        first = 0 if meanwhile is not None and workers > 1 else 1  # the first share a child takes
        for i in range(first, workers):
            children.append((*spawn_sending(functools.partial(fn, shares[i])), i))
        if first == 1:
            results[0] = finish(shares[0], fn(wrap(shares[0], workers) if wrap is not None else shares[0]))
        if meanwhile is not None:
            meanwhile()
        while children:
            pid, fd, i = children[0]
            got: list[Any] | None = _collect(pid, fd, len(shares[i]))
            children.pop(0)
            # a child that failed: its share is done here
            results[i] = finish(shares[i], got if got is not None else fn(shares[i]))
    finally:
        for pid, fd, _ in children:  # only left when this process is unwinding
            abandon(pid, fd)
    out: list[S] = [None] * len(items)  # type: ignore[list-item]
    for i in range(workers):
        out[i::workers] = results[i]  # type: ignore[assignment]
    return out


def map_claimed(
    fn: Callable[[Iterable[T]], Iterable[R]],
    items: list[T],
    workers: int,
    chunk: int,
    wrap: Callable[[Share[T], int], Iterable[T]] | None = None,
    then: Callable[[list[T], list[R]], list[S]] | None = None,
) -> list[S]:
    """``map_shares`` with shares made as the work goes: ``items`` are dealt in chunks
    of ``chunk``, each worker claiming the next when done with its last, so that a
    worker slowed by other work on its core does less, and all end together.

    ``fn(share)`` takes its share lazily (a chunk is claimed when its first item is
    asked for) and yields one result per item, in order. A child sends each chunk's
    results as soon as it has them; this process takes them in between its own
    chunks, ``then(chunk's items, its results)`` on each (one result per item too), so
    that little is left to do when the last chunk is read. ``wrap`` sees this
    process's share, sized as an even one would be. A child that fails has the chunks
    it did not send done again here.
    """
    finish = then if then is not None else (lambda _items, got: got)
    chunks = -(-len(items) // chunk) if items else 0
    workers = max(1, min(workers, chunks, MAX_CLAIMS))
    if workers == 1:
        return finish(items, list(fn(wrap(items, 1) if wrap is not None else items)))
    chunk = max(chunk, -(-len(items) // MAX_CLAIMS))  # every claim fits the pipe: written before any worker starts
    chunks = -(-len(items) // chunk)
    r, w = os.pipe()
    try:
        os.write(w, b"".join(i.to_bytes(_CLAIM, "little") for i in range(chunks)))
    finally:
        os.close(w)  # read to its end: no chunk left
    children: list[_Sender] = []
    done: dict[int, list[S]] = {}  # chunk -> its results

    def take(i: int, got: list[R]) -> None:
        part = items[i * chunk : (i + 1) * chunk]
        if 0 <= i < chunks and i not in done and len(got) == len(part):  # else not trusted: done again here
            done[i] = finish(part, got)

    try:
        for _ in range(1, workers):
            children.append(_Sender.start(fn, _Claims(r, items, chunk, len(items) // workers)))
        mine = _Claims(r, items, chunk, len(items) // workers)
        for i, got in mine.chunked(fn(wrap(mine, workers) if wrap is not None else mine)):
            take(i, got)
            for child in children:
                for sent in child.received(wait=False):
                    take(*sent)
        for child in children:
            for sent in child.received(wait=True):
                take(*sent)
    finally:
        os.close(r)
        for child in children:
            child.end()
    for i in range(chunks):
        if i not in done:  # a child that failed: the chunks it did not send are done here
            part = items[i * chunk : (i + 1) * chunk]
            done[i] = finish(part, list(fn(part)))
    return [x for i in range(chunks) for x in done[i]]


MAX_CLAIMS = 4096  # chunks at most: their numbers (4 bytes each) fit a pipe's 64 kB
_CLAIM = 4
_FRAME = 4  # bytes of the length before each chunk's pickled results


class _Claims(Generic[T]):
    """A worker's share: chunks of ``items`` claimed from the pipe ``fd`` as it is
    iterated (a pipe's reads are atomic: each chunk goes to one worker); ``taken``
    lists them in order. Its length is what an even share would be (for a bar)."""

    def __init__(self, fd: int, items: list[T], chunk: int, even: int) -> None:
        self.taken: list[int] = []
        self._fd, self._items, self._chunk, self._even = fd, items, chunk, even

    def __len__(self) -> int:
        return self._even

    def __iter__(self) -> Iterator[T]:
        while claim := os.read(self._fd, _CLAIM):
            i = int.from_bytes(claim, "little")
            self.taken.append(i)
            yield from self._items[i * self._chunk : (i + 1) * self._chunk]

    def chunked(self, results: Iterable[R]) -> Iterator[tuple[int, list[R]]]:
        """``results`` (one per item of this share, in order) by chunk, each as soon as
        its last item's result comes."""
        got: list[R] = []
        at = size = 0
        for result in results:
            if not got:  # the first result of the next chunk taken: its size
                size = min(self._chunk, len(self._items) - self.taken[at] * self._chunk)
            got.append(result)
            if len(got) == size:
                yield self.taken[at], got
                got, at = [], at + 1


class _Sender:
    """A forked worker that sends each chunk's results as it has them, pickled, each
    after its length; ``received`` gives what came so far (or, with ``wait``,
    everything to the child's end)."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd
        self._buf = bytearray()
        self._ended = False  # the child closed its end: all it sent is here

    @classmethod
    def start(cls, fn: Callable[[Iterable[T]], Iterable[R]], claims: _Claims[T]) -> _Sender:
        r, w = os.pipe()

        def send() -> None:  # pragma: no cover - runs in the child
            os.close(r)
            with os.fdopen(w, "wb") as out:
                for sent in claims.chunked(fn(claims)):
                    data = pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL)
                    out.write(len(data).to_bytes(_FRAME, "little") + data)
                    out.flush()  # each chunk on its way at once (and whole: a buffered write retries a short one)

        try:
            pid = spawn(send)
        finally:
            os.close(w)
        os.set_blocking(r, False)
        return cls(pid, r)

    def received(self, wait: bool) -> Iterator[tuple[int, list[Any]]]:
        if wait:
            os.set_blocking(self.fd, True)
        while True:
            try:
                data = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                data = None
            if data:
                self._buf += data
            yield from self._frames()
            if not data:  # nothing more now (or ever: the child's end)
                self._ended = data is not None
                return

    def _frames(self) -> Iterator[tuple[int, list[Any]]]:
        while len(self._buf) >= _FRAME:
            size = int.from_bytes(self._buf[:_FRAME], "little")
            if len(self._buf) < _FRAME + size:
                return
            frame = bytes(self._buf[_FRAME : _FRAME + size])
            del self._buf[: _FRAME + size]
            try:
                i, got = pickle.loads(frame)
            except Exception:
                continue  # not trusted: that chunk is done again
            if isinstance(i, int) and isinstance(got, list):
                yield i, got

    def end(self) -> None:
        """The child reaped; killed first if this process is unwinding before its end."""
        if not self._ended:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _collect(pid: int, fd: int, expected: int) -> list[R] | None:
    """A child's results, or None when it failed (the caller redoes its share)."""
    got = received(pid, fd)
    return got if isinstance(got, list) and len(got) == expected else None


K = TypeVar("K")
V = TypeVar("V")


class InThreads(Generic[T, K, V]):
    """``fn`` over each share in a thread of its own, for work that lets other threads
    run (waiting on a child process such as rpmkeys, hashlib over large buffers);
    ``result()`` waits for every share and merges what they give."""

    def __init__(self, fn: Callable[[list[T]], dict[K, V]], shares: list[list[T]]) -> None:
        import concurrent.futures  # only where threads are used

        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(shares)))
        self._futures = [self._pool.submit(fn, s) for s in shares]

    def result(self) -> dict[K, V]:
        out: dict[K, V] = {}
        try:
            for f in self._futures:
                out.update(f.result())
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return out
