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
from typing import Any

import gnupg

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular

MAX_KEY_BYTES = 16 * 1024 * 1024  # a distribution's key file is a few kB


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


_ALGORITHMS = {
    "1": "RSA",
    "2": "RSA",
    "3": "RSA",
    "16": "Elgamal",
    "17": "DSA",
    "18": "ECDH",
    "19": "ECDSA",
    "22": "EdDSA",
}


def _algorithm(info: dict[str, Any]) -> str:
    """As gpg lists the key: ``ECDSA nistp256``, ``RSA 4096``."""
    name = _ALGORITHMS.get(str(info.get("algo")), f"algorithm {info.get('algo')}")
    return f"{name} {info.get('curve') or info.get('length') or ''}".rstrip()


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
        """Each file's keys, armoured (RPM-GPG-KEY-*) or binary (``gpg --export``): gpg
        reads the file, and hands rpm each key armoured (rpm imports only that form).
        A key rpm cannot use on this system is an error with rpm's own reason."""
        keys: list[Key] = []
        for path in key_files:
            data = regular.read_bytes(path, MAX_KEY_BYTES)
            result = self.gpg.import_keys(data)
            if not result.fingerprints:
                raise UserError(f"{path}: {self._unreadable(data, result.stderr or '')}")
            for info in self.gpg.list_keys(keys=sorted(set(result.fingerprints))):
                key = Key(
                    fingerprint=info["fingerprint"],
                    keyid=info["keyid"][-8:].lower(),
                    uids=tuple(info.get("uids") or ()),
                    expires=None
                    if not info.get("expires")
                    else dt.date.fromtimestamp(int(info["expires"])).isoformat(),
                    source=str(path),
                )
                refused = self._rpm_import(self.gpg.export_keys(key.fingerprint), key.fingerprint)
                if refused is not None:
                    raise UserError(
                        f"{path}: rpm on this system cannot use key {key.fingerprint} "
                        f"({_algorithm(info)}{', ' + key.uids[0] if key.uids else ''}): rpm says: {refused}"
                    )
                keys.append(key)
        return tuple(sorted(keys, key=lambda k: k.fingerprint))

    def _rpm_import(self, armoured: str, name: str) -> str | None:
        """Import one armoured key into the private rpm database; None, or rpm's words."""
        path = self.dir / f"{name}.asc"
        path.write_text(armoured, encoding="ascii")
        proc = subprocess.run(
            ["rpmkeys", "--dbpath", str(self.rpmdb), "--import", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
        if proc.returncode == 0:
            return None
        words = proc.stderr.strip() or proc.stdout.strip() or f"rpmkeys exited {proc.returncode}"
        # "error: /tmp/.../F00.asc: key 1 import failed.": the file is ours, not the user's
        return " ".join(words.replace(f"error: {path}: ", "").replace(f"{path}: ", "").split())

    def _unreadable(self, data: bytes, gpg_stderr: str) -> str:
        """Why a file gave no key: gpg's words, and rpm's for an armoured file (a key
        newer than this gpg, such as a v6 key, may still be one rpm reads or refuses)."""
        if not data.strip():
            return "empty file: no OpenPGP public key"
        armoured = data.lstrip().startswith(b"-----BEGIN PGP")
        said = [
            line[len("gpg: ") :]
            for line in gpg_stderr.splitlines()
            if line.startswith("gpg: ") and not any(w in line for w in ("Total number processed", "keybox", "trustdb"))
        ]
        why = f"no OpenPGP public key that gpg can read ({'ASCII-armoured' if armoured else 'not armoured'})"
        if said:
            why += f"; gpg says: {'; '.join(said)}"
        if armoured:
            try:
                refused = self._rpm_import(data.decode("ascii"), "unread")
            except UnicodeDecodeError:
                refused = "not ASCII"
            why += "; rpm says: " + (refused or "it reads the key, but errata-tpl needs gpg to read it too")
        return why

    def rpmkeys_args(self) -> list[str]:
        """What rpmkeys needs to check signatures against these keys only."""
        return ["--dbpath", str(self.rpmdb)]

    def by_keyid(self, keyid: str) -> Key | None:
        return next((k for k in self.keys if k.keyid == keyid.lower()), None)

    def verify_detached(self, signature: bytes, data: bytes) -> tuple[str, str]:
        """A detached signature (repomd.xml.asc) of ``data``, checked by gpg against these keys:
        ``ok``, ``untrusted key`` (made by a key not given, as for packages) or ``bad signature``.
        Both are given as read: the bytes checked are the bytes then used."""
        sig = self.dir / "detached.asc"
        sig.write_bytes(signature)
        v = self.gpg.verify_data(str(sig), data)
        if v.valid:
            return "ok", f"good signature by {v.username} ({v.fingerprint})"
        key = f" (key {v.key_id})" if v.key_id else ""
        if v.status == "no public key":
            return "untrusted key", f"signed by a key not in the keyring{key}"
        # the bytes are the ones signed, by a key whose time is over: a matter of trust, not a changed file
        if v.key_status == "signing key has expired" or v.status == "signature expired":
            return "untrusted key", f"{v.key_status or v.status}{key}"
        return "bad signature", (v.key_status or v.status or "bad signature") + key

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Keyring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
