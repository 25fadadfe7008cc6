"""repomd.xml's detached signature (``repodata/repomd.xml.asc``), checked as dnf checks it
with ``repo_gpgcheck=1``: over the very bytes of repomd.xml that are then parsed, so a
signed repomd.xml protects every file it names (their checksums are in it).

A command that reads a mirror's metadata with a keyring runs inside ``checked``: every
repomd.xml read then (``Repodata.read``) is checked. A bad signature is always refused;
a signature by a key not in the keyring is a warning, and with ``required`` (the
``--require-repomd-signature`` option) refused, as is no signature at all: with it,
deleting repomd.xml.asc no longer lets a changed repomd.xml through.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular

if TYPE_CHECKING:
    from errata_tpl.mirror.keyring import Keyring  # python-gnupg comes with it

ASC = "repodata/repomd.xml.asc"
MAX_ASC_BYTES = 1024 * 1024  # an armoured signature is under a kilobyte
OPTION = "--require-repomd-signature"


@dataclass(frozen=True)
class Policy:
    keys: Keyring
    required: bool
    warn: Callable[[str], None]


_POLICY: contextvars.ContextVar[Policy | None] = contextvars.ContextVar("repomd_signatures", default=None)


@contextlib.contextmanager
def checked(keys: Keyring | None, required: bool, warn: Callable[[str], None]) -> Iterator[None]:
    """Every repomd.xml read in the block is checked against ``keys`` (none: not checked)."""
    token = _POLICY.set(None if keys is None else Policy(keys, required, warn))
    try:
        yield
    finally:
        _POLICY.reset(token)


@contextlib.contextmanager
def checking(key_files: Sequence[Path], required: bool, warn: Callable[[str], None]) -> Iterator[None]:
    """``checked`` with a keyring read from ``key_files`` (none: nothing checked)."""
    if not key_files:
        with checked(None, required, warn):
            yield
        return
    from errata_tpl.mirror.keyring import Keyring  # python-gnupg: only when keys are given

    with Keyring(tuple(key_files)) as keys, checked(keys, required, warn):
        yield


def verdict(repo: Path, data: bytes, keys: Keyring) -> tuple[str, str]:
    """(``ok`` | ``unsigned`` | ``untrusted key`` | ``bad signature``, why) of repomd.xml's
    bytes ``data`` in the repository ``repo``."""
    try:
        asc = regular.read_bytes(repo / ASC, MAX_ASC_BYTES)
    except regular.Unreadable as e:
        if not e.missing:
            raise
        return "unsigned", "no repomd.xml.asc"
    return keys.verify_detached(asc, data)


def enforce(repo: Path, data: bytes) -> None:
    """The policy of the enclosing ``checked`` block, on repomd.xml's bytes ``data``."""
    policy = _POLICY.get()
    if policy is None:
        return
    status, why = verdict(repo, data, policy.keys)
    if status == "ok":
        return
    where = f"{repo / 'repodata/repomd.xml'}: {status} ({why})"
    if status == "bad signature":  # a revoked key's signature too: refused whatever the policy
        changed = why.startswith("signature bad")
        raise UserError(
            f"{where}: repomd.xml is not the file that was signed; refused" if changed else f"{where}; refused"
        )
    if policy.required:
        raise UserError(f"{where}; {OPTION} (dnf's repo_gpgcheck) refuses it")
    if status != "unsigned":
        policy.warn(f"{where}; its files are read unchecked by a signature ({OPTION} refuses it)")
