"""The last profile built from a mirror, reused while nothing it was built from changed.

The key is every ``*.rpm`` file's path, size and mtime, the repository metadata's,
the options and this tool's version; the value is the profile's lists and the
messages the run printed. A second run over an unchanged mirror reads neither
the headers nor the header cache. Safe to delete; ``--no-cache`` ignores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.fileio.atomic import write_text
from errata_tpl.fileio.stamp import Stat
from errata_tpl.fileio.yamlio import COPY_MAX_BYTES
from errata_tpl.mirror.caches import memo_path

FORMAT = 3


@dataclass(frozen=True)
class Memo:
    messages: list[tuple[str, str]]  # (level, text), in the order they were printed
    yaml_body: str = ""  # the yaml output after its name and date lines
    count: int = 0  # entries in packages
    yaml_mirror: tuple[str, str] = ("", "")  # the os and source lines of the yaml header

    def body_intact(self, digest: str) -> bool:
        return hashlib.sha256(self.yaml_body.encode()).hexdigest() == digest


def path(root: Path, mirror: Path) -> Path:
    return memo_path(root, mirror)


def fingerprint(mirror: Path, stats: Mapping[str, Stat | None], options: dict[str, Any]) -> str:
    """The key of a run: every file's path and Stat (``walk.stat_all``, or as
    ``scan`` read them; in path order), repomd.xml's, the options and this tool's version."""
    h = hashlib.sha256(json.dumps([FORMAT, __version__, options], sort_keys=True).encode())
    h.update(
        "".join(
            f"{rel}\0{st[0]}\0{st[1]}\0{st[2]}\0{st[3]}\n" if st is not None else f"{rel}\0gone\n"
            for rel, st in stats.items()
        ).encode("utf-8", "surrogateescape")  # a file name need not be UTF-8
    )
    with contextlib.suppress(OSError):
        st = os.stat(mirror / "repodata" / "repomd.xml")
        h.update(f"repodata/repomd.xml\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_ctime_ns}\n".encode())
    return h.hexdigest()


def load(root: Path, mirror: Path, key: str) -> Memo | None:
    with contextlib.suppress(UserError, ValueError, KeyError, TypeError):
        data = json.loads(regular.read_bytes(path(root, mirror), COPY_MAX_BYTES))
        if data["key"] == key:
            found = Memo(
                [tuple(m) for m in data["messages"]], data["yaml_body"], data["count"], tuple(data["yaml_mirror"])
            )
            # a damaged body is a miss, not a wrong profile
            return found if found.body_intact(data["yaml_sha256"]) else None
    return None


def save(root: Path, mirror: Path, key: str, memo: Memo) -> None:
    text = json.dumps(
        {
            "key": key,
            "messages": memo.messages,
            "yaml_body": memo.yaml_body,
            "yaml_sha256": hashlib.sha256(memo.yaml_body.encode()).hexdigest(),
            "count": memo.count,
            "yaml_mirror": memo.yaml_mirror,
        },
        separators=(",", ":"),
    )
    with contextlib.suppress(OSError, UserError):  # a memo that cannot be written is only slower
        write_text(path(root, mirror), text, durable=False, into_special=False)
