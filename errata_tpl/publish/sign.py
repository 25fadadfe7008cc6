"""repomd.xml's detached, armoured signature (``repomd.xml.asc``), made by gpg
through python-gnupg with a secret key of the user's GnuPG home ($GNUPGHOME or
~/.gnupg), and checked before the folder is put in place against the public
key the nodes use (``--keyring FILE``, else the signing key's own), which is
published beside it as ``repomd.xml.key``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular

ASC = "repomd.xml.asc"
KEY = "repomd.xml.key"


def _gpg() -> Any:
    import gnupg  # python-gnupg: only when signing

    return gnupg.GPG()


def _secret_key(gpg: Any, key_id: str) -> str:
    """The fingerprint of the one secret key ``key_id`` names (gpg would sign with
    its default key when none matches)."""
    found = gpg.list_keys(secret=True, keys=[key_id])
    if len(found) != 1:
        home = os.environ.get("GNUPGHOME") or "~/.gnupg"
        which = "no secret key" if not found else f"{len(found)} secret keys"
        raise UserError(f"--sign-key {key_id}: gpg cannot sign with it: {which} of that name in {home}")
    return str(found[0]["fingerprint"])


def _public(gpg: Any, fingerprint: str, keyring: Path | None) -> bytes:
    from errata_tpl.mirror.keyring import MAX_KEY_BYTES

    if keyring is None:
        return str(gpg.export_keys(fingerprint)).encode("ascii")
    return regular.read_bytes(keyring, MAX_KEY_BYTES)


def sign(repodata: Path, key_id: str, keyring: Path | None) -> str:
    """Sign ``repodata/repomd.xml``; write the signature and the public key beside
    it. Returns the signature's checked verdict (gpg's words)."""
    gpg = _gpg()
    fingerprint = _secret_key(gpg, key_id)
    with open(repodata / "repomd.xml", "rb") as f:
        made = gpg.sign_file(f, keyid=fingerprint, detach=True, output=str(repodata / ASC))
    if made.status != "signature created" or not (repodata / ASC).is_file():
        said = " ".join(line for line in (made.stderr or "").splitlines() if line.startswith("gpg:"))
        raise UserError(f"--sign-key {key_id}: gpg cannot sign with it: {said or made.status or 'no signature made'}")
    (repodata / KEY).write_bytes(_public(gpg, fingerprint, keyring))
    status, detail = _check(repodata, keyring)
    if status != "ok":
        against = str(keyring) if keyring is not None else f"the public key of {key_id}"
        raise UserError(f"--sign-key {key_id}: the signature does not verify against {against}: {status}, {detail}")
    return detail


def _check(repodata: Path, keyring: Path | None) -> tuple[str, str]:
    """repomd.xml.asc checked against the nodes' key (``keyring``, else repomd.xml.key)."""
    from errata_tpl.mirror.keyring import Keyring  # python-gnupg: only when signing

    with Keyring([keyring if keyring is not None else repodata / KEY]) as keys:
        signature = regular.read_bytes(repodata / ASC, regular.MB)
        return keys.verify_detached(signature, regular.read_bytes(repodata / "repomd.xml", 64 * regular.MB))


def verified(repodata: Path, key_id: str, keyring: Path | None) -> bool:
    """Is the folder signed as this request would sign it: repomd.xml.asc verifies
    against the nodes' key, which is the one published beside it?"""
    if not (repodata / ASC).is_file() or not (repodata / KEY).is_file():
        return False
    try:
        gpg = _gpg()
        if (repodata / KEY).read_bytes() != _public(gpg, _secret_key(gpg, key_id), keyring):
            return False
        return _check(repodata, keyring)[0] == "ok"
    except (OSError, UserError):
        return False
