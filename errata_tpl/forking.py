"""Forked children: the primitives ``parallel``'s maps are made of, and one child
beside this process (``background``: work whose result is a file; ``asked``: a
value for a question this process has later).

A child dies with this process (Linux's PR_SET_PDEATHSIG), never returns into its
code, and is forked with SIGTERM and SIGINT held: a signal that comes while
``os.fork`` runs Python's at-fork hooks would be lost there (the hook ignores the
SystemExit it raises); held, it is taken right after, in plain code.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from errata_tpl.errors import UserError

R = TypeVar("R")
S = TypeVar("S")
Q = TypeVar("Q")
_HELD = {signal.SIGTERM, signal.SIGINT}


def background(fn: Callable[[], object], fork: bool = True) -> Callable[[], bool]:
    """``fn()`` in a forked child while this process goes on (``fork``; else now, when
    the work is too small to be worth a child); the returned join waits for it and
    tells whether it ended well. For work whose result is a file (a cache written
    aside), not a value: the child dies with this process, as ``map_shares``'s do."""
    if not fork:
        fn()
        return lambda: True
    pid = spawn(fn)

    def join() -> bool:
        _, status = os.waitpid(pid, 0)
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0

    return join


def asked(prepare: Callable[[], S], answer: Callable[[S, Q], R]) -> Asked[Q, R]:
    """``prepare()`` in a forked child while this process goes on, then, once
    ``Asked.ask(question)`` sends it one, ``answer(prepared, question)`` there: the
    child does the work that needs no question before it comes, and sends back only
    what the question asks for."""
    r, w = os.pipe()

    def produce() -> R:  # pragma: no cover - runs in the child
        os.close(w)
        prepared = prepare()
        # the question's length first: children forked later hold the pipe's other end
        # too, so its end of file would come only with theirs
        with os.fdopen(r, "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            question = pickle.loads(f.read(size))
        return answer(prepared, question)

    try:
        pid, fd = spawn_sending(produce)
    finally:
        os.close(r)
    return Asked(pid, fd, w)


_PRCTL: list[Callable[..., int]] = []  # libc's prctl, once found


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, found by the first process that forks (ctypes: 5-15 ms), so that
    its children need not each find it; a run that forks none does not load ctypes."""
    if not _PRCTL:
        with contextlib.suppress(Exception):
            import ctypes

            _PRCTL.append(ctypes.CDLL(None, use_errno=True).prctl)
    return _PRCTL[0] if _PRCTL else None


def _die_with(parent: int, prctl: Callable[..., int] | None) -> None:
    """A child is killed when this process dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG): it must not go on writing after its run is gone."""
    with contextlib.suppress(Exception):
        if prctl is not None:
            prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def spawn(body: Callable[[], object]) -> int:
    """A forked child that runs ``body`` and exits (0 if it returned); its pid."""
    parent, prctl = os.getpid(), _prctl()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
        code = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            _die_with(parent, prctl)
            body()
            code = 0
        finally:
            # never return into the parent's code: no atexit, no finally blocks, no
            # flushing of buffers the parent also holds
            os._exit(code)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a signal that came meanwhile is taken here
    return pid


def spawn_sending(produce: Callable[[], object]) -> tuple[int, int]:
    """A child that sends back what ``produce()`` returns: (its pid, the pipe to read)."""
    r, w = os.pipe()

    def send() -> None:  # pragma: no cover - runs in the child
        os.close(r)
        try:
            value = produce()
        except UserError as e:  # said by this process, not found again by doing the work here
            value = Refused(str(e), e.where)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(w, "wb") as f:
            f.write(data)

    pid = spawn(send)
    os.close(w)
    return pid, r


def abandon(pid: int, fd: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


class Refused(NamedTuple):
    """A child's UserError, sent back to be raised here."""

    message: str
    where: str | None


def received(pid: int, fd: int) -> Any:
    """What a child sent back, or None when it failed; its UserError is raised here."""
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return None
    try:
        got = pickle.loads(data)
    except Exception:
        return None
    if isinstance(got, Refused):
        raise UserError(got.message, where=got.where)
    return got


class Asked(Generic[Q, R]):
    """``asked``'s child: ``ask`` sends the question (once), ``result`` waits for the
    answer and gives it (raises the child's UserError), None when the child failed
    otherwise (the caller then does the work itself); ``close`` ends the child unless
    its answer was taken."""

    def __init__(self, pid: int, fd: int, question: int) -> None:
        self._pid, self._fd = pid, fd
        self._question: int | None = question
        self._done: list[R | None] = []

    def ask(self, question: Q) -> None:
        fd, self._question = self._question, None
        if fd is None:
            return
        data = pickle.dumps(question, protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError), os.fdopen(fd, "wb") as f:  # a child that failed: result() says None
            f.write(len(data).to_bytes(8, "little") + data)

    def result(self) -> R | None:
        if not self._done:
            self._done.append(received(self._pid, self._fd))
        return self._done[0]

    def close(self) -> None:
        if self._question is not None:
            os.close(self._question)
            self._question = None
        if not self._done:
            self._done.append(None)
            abandon(self._pid, self._fd)
