"""Linux's inotify through ctypes, for tests that must act at an exact moment of
another process (a dnf that has just opened repomd.xml, a publish that has just
made its staging folder): the event names the file, the test stops the
process (SIGSTOP), acts, and lets it go on."""

from __future__ import annotations

import ctypes
import os
import select
import struct
from pathlib import Path

IN_ACCESS = 0x1
IN_OPEN = 0x20
IN_CLOSE_NOWRITE = 0x10
IN_CREATE = 0x100
IN_MOVED_TO = 0x80
IN_NONBLOCK = 0o4000

_libc = ctypes.CDLL(None, use_errno=True)
_EVENT = struct.Struct("iIII")


class Watch:
    def __init__(self) -> None:
        self.fd = _libc.inotify_init1(IN_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.paths: dict[int, Path] = {}

    def add(self, path: Path, mask: int) -> None:
        wd = _libc.inotify_add_watch(self.fd, os.fsencode(path), mask)
        if wd < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")
        self.paths[wd] = path

    def events(self, timeout: float) -> list[tuple[Path, int, str]]:
        """(watched directory, mask, name) of the events that came within ``timeout`` seconds."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        data = os.read(self.fd, 65536)
        out, i = [], 0
        while i < len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, i)
            name = data[i + _EVENT.size : i + _EVENT.size + length].rstrip(b"\0").decode()
            out.append((self.paths.get(wd, Path("?")), mask, name))
            i += _EVENT.size + length
        return out

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
