"""Trusted keys: read with python-gnupg (fingerprints, user ids, expiry) and
imported into a private rpm keyring, so rpm itself checks the signatures.

Nothing touches the host's rpm database or the user's GnuPG home: both live in
a temporary directory for the length of one run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gnupg

from errata_tpl.errors import UserError


@dataclass(frozen=True)
class Key:
    fingerprint: str
    keyid: str  # the short id rpm prints: the last 8 hex digits, lower case
    uids: tuple[str, ...]
    expires: str | None  # ISO date, None for never
    source: str

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires < dt.date.today().isoformat()

    def describe(self) -> str:
        when = "never expires" if self.expires is None else f"expires {self.expires}"
        return f"{self.fingerprint} {', '.join(self.uids)} ({when}; from {self.source})"


class Keyring:
    """A temporary GnuPG home and rpm database holding the given public keys."""

    def __init__(self, key_files: Sequence[Path]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="errata-tpl-keyring-"))
        try:
            self.gpg_home = self.dir / "gnupg"
            self.gpg_home.mkdir(mode=0o700)
            self.rpmdb = self.dir / "rpmdb"
            self.rpmdb.mkdir()
            self.gpg = gnupg.GPG(gnupghome=str(self.gpg_home))
            self.keys = self._import(key_files)
        except BaseException:
            self.close()
            raise

    def _import(self, key_files: Sequence[Path]) -> tuple[Key, ...]:
        keys: list[Key] = []
        for path in key_files:
            try:
                text = path.read_text(encoding="ascii", errors="strict")
            except (OSError, UnicodeDecodeError) as e:
                raise UserError(f"{path}: cannot read the key: {getattr(e, 'strerror', None) or e}") from None
            result = self.gpg.import_keys(text)
            if not result.fingerprints:
                raise UserError(f"{path}: no OpenPGP public key in this file (expected an ASCII-armoured key)")
            proc = subprocess.run(
                ["rpmkeys", "--dbpath", str(self.rpmdb), "--import", str(path)],
                capture_output=True,
                text=True,
                env={**os.environ, "LC_ALL": "C"},
                check=False,
            )
            if proc.returncode != 0:
                raise UserError(f"{path}: rpm refused the key: {proc.stderr.strip() or proc.stdout.strip()}")
            for info in self.gpg.list_keys(keys=list(result.fingerprints)):
                expires = info.get("expires") or None
                keys.append(
                    Key(
                        fingerprint=info["fingerprint"],
                        keyid=info["keyid"][-8:].lower(),
                        uids=tuple(info.get("uids") or ()),
                        expires=None if not expires else dt.date.fromtimestamp(int(expires)).isoformat(),
                        source=str(path),
                    )
                )
        return tuple(sorted(keys, key=lambda k: k.fingerprint))

    def rpmkeys_args(self) -> list[str]:
        """What rpmkeys needs to check signatures against these keys only."""
        return ["--dbpath", str(self.rpmdb)]

    def by_keyid(self, keyid: str) -> Key | None:
        return next((k for k in self.keys if k.keyid == keyid.lower()), None)

    def verify_detached(self, signature: Path, data: Path) -> tuple[bool, str]:
        """A detached signature (repomd.xml.asc) checked by gpg against these keys."""
        with open(signature, "rb") as f:
            v = self.gpg.verify_file(f, str(data))
        if v.valid:
            return True, f"good signature by {v.username} ({v.fingerprint})"
        return False, (v.status or "bad signature") + (f" (key {v.key_id})" if v.key_id else "")

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Keyring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
