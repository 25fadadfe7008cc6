"""``rpm -qa`` output: one ``N-V-R.A`` a line as rpm prints it by default, or ``N-E:V-R.A``
with ``--qf '%{NEVRA}\\n'`` (the epoch where a package has one). The running kernel is
``uname -r`` in ``<node>.uname`` beside it; the collection time is the file's mtime."""

from __future__ import annotations

import itertools
import operator

from errata_tpl.inventory.model import Interner, Key, NotAnInventory

# rpm's own key packages: no arch, no build of anything a list names
_SKIP = "gpg-pubkey-"


def parse_line(line: str, interner: Interner) -> Key:
    rest, dot, arch = line.rpartition(".")
    if not dot:
        raise NotAnInventory(f"{line[:80]!r} is not N-V-R.A")
    parts = rest.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        raise NotAnInventory(f"{line[:80]!r} is not N-V-R.A")
    name, version, release = parts
    return interner.package(name, f"{version}-{release}", arch).key


def parse(text: str, interner: Interner) -> tuple[tuple[Key, ...], bool]:
    """The packages' keys, and whether the lines carry epochs (any line with one: then a
    line without one is epoch 0, as rpm means it). Lines seen in an earlier file are
    looked up, not parsed: most of a fleet's lines are the same."""
    seen = interner.by_text
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    keys = tuple(map(seen.get, lines))
    if None in keys:  # lines not seen before: parsed once (and checked) for the whole run, in file order
        for line in itertools.compress(lines, map(operator.not_, keys)):
            if line not in seen:
                bare = line.strip()
                seen[line] = parse_line(bare, interner) if bare and not bare.startswith(_SKIP) else _NONE
        keys = tuple(map(seen.get, lines))
    if _NONE in keys:  # blank lines, rpm's key packages
        keys = tuple(filter(None, keys))
    if not keys:
        raise NotAnInventory("no package line")
    return keys, ":" in text  # type: ignore[return-value]  # (no None left); names and versions hold no ':'


_NONE = ""  # the key of a blank line and of rpm's key packages: no package
