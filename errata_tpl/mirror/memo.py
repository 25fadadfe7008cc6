"""The last profile built from a mirror, reused while nothing it was built from changed.

The key is every ``*.rpm`` file's path and stat, every ``repodata/`` file's,
the options and this tool's version; the value is the profile's lists and the
messages the run printed. A second run over an unchanged mirror reads neither
the headers nor the header cache. Safe to delete; ``--no-cache`` ignores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, cast

from errata_tpl import __version__
from errata_tpl.fileio import sealed
from errata_tpl.fileio.stamp import Stat
from errata_tpl.mirror.caches import memo_path

FORMAT = 5


@dataclass(frozen=True)
class Memo:
    messages: list[tuple[str, str]]  # (level, text), in the order they were printed
    yaml_body: str = ""  # the yaml output after its name and date lines
    count: int = 0  # entries in packages
    yaml_mirror: tuple[str, str] = ("", "")  # the os and source lines of the yaml header


def path(root: Path, mirror: Path) -> Path:
    return memo_path(root, mirror)


def fingerprint(mirror: Path, stats: Mapping[str, Stat | None], options: dict[str, Any]) -> str:
    """The key of a run: every file's path and Stat (``walk.stat_all``, or as
    ``scan`` read them; in path order), every repodata/ file's, the options and this tool's version."""
    h = hashlib.sha256(json.dumps([FORMAT, __version__, options], sort_keys=True).encode())
    h.update(_files(stats))
    # every file there: a changed updateinfo is read (and checked against repomd.xml) again
    with contextlib.suppress(OSError), os.scandir(mirror / "repodata") as entries:
        for e in sorted(entries, key=lambda e: e.name):
            with contextlib.suppress(OSError):
                st = e.stat()
                line = f"{e.name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_ctime_ns}\n"
                h.update(line.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _files(stats: Mapping[str, Stat | None]) -> bytes:
    """Every file's path and Stat as bytes, in path order: the paths (which hold no NUL),
    then the numbers packed by ``struct``, in C (2 ms for 20,000 files, where their text
    took 15: most of a second run over an unchanged mirror is this walk and stat); in
    text where a file is gone or a number does not fit 64 bits."""
    names = "\0".join(stats).encode("utf-8", "surrogateescape")  # a file name need not be UTF-8
    present = stats.values()
    if None not in present:
        numbers = list(chain.from_iterable(cast("Iterable[Stat]", present)))
        with contextlib.suppress(struct.error):
            return b"packed\0" + names + b"\0\0" + struct.pack(f"={len(numbers)}q", *numbers)
    return b"text\0" + "".join(
        f"{rel}\0{st[0]}\0{st[1]}\0{st[2]}\0{st[3]}\n" if st is not None else f"{rel}\0gone\n"
        for rel, st in stats.items()
    ).encode("utf-8", "surrogateescape")


def load(root: Path, mirror: Path, key: str, warn: Callable[[str], None]) -> Memo | None:
    """The memo of the last run if it was made with this key; sealed (``fileio.sealed``):
    one that is not as a run wrote it is ignored with a warning."""
    p = path(root, mirror)
    text = sealed.read(p, p.name, warn)  # named for its mirror: another mirror's does not match
    with contextlib.suppress(ValueError, KeyError, TypeError):
        data = json.loads(text) if text is not None else None
        if data is not None and data["key"] == key:
            return Memo(
                [tuple(m) for m in data["messages"]], data["yaml_body"], data["count"], tuple(data["yaml_mirror"])
            )
    return None


def save(root: Path, mirror: Path, key: str, memo: Memo) -> None:
    text = json.dumps(
        {
            "key": key,
            "messages": memo.messages,
            "yaml_body": memo.yaml_body,
            "count": memo.count,
            "yaml_mirror": memo.yaml_mirror,
        },
        separators=(",", ":"),
    )
    p = path(root, mirror)
    sealed.write(p, p.name, text)  # a memo that cannot be written is only slower
