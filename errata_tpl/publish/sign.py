"""repomd.xml's detached, armoured signature (``repomd.xml.asc``), made by gpg
through python-gnupg with a key of the user's GnuPG home ($GNUPGHOME or
~/.gnupg), and checked before the folder is put in place against the public
key the nodes use (``--keyring FILE``, else the signing key's own), which is
published beside it as ``repomd.xml.key``.
"""

from __future__ import annotations

from pathlib import Path

from errata_tpl.errors import UserError

ASC = "repomd.xml.asc"
KEY = "repomd.xml.key"


def sign(repodata: Path, key_id: str, keyring: Path | None) -> str:
    """Sign ``repodata/repomd.xml``; write the signature and the public key beside
    it. Returns the signature's checked verdict (gpg's words)."""
    import gnupg  # python-gnupg: only when signing

    repomd = repodata / "repomd.xml"
    gpg = gnupg.GPG()
    with open(repomd, "rb") as f:
        made = gpg.sign_file(f, keyid=key_id, detach=True, output=str(repodata / ASC))
    if not made or not (repodata / ASC).is_file():
        said = " ".join(line for line in (made.stderr or "").splitlines() if line.startswith("gpg:"))
        raise UserError(f"--sign-key {key_id}: gpg cannot sign with it: {said or made.status or 'no signature made'}")
    if keyring is not None:
        try:
            public = keyring.read_bytes()
        except OSError as e:
            raise UserError(f"{keyring}: cannot read the key: {(e.strerror or str(e)).lower()}") from None
    else:
        public = gpg.export_keys(key_id).encode("ascii")
    (repodata / KEY).write_bytes(public)
    status, detail = _check(repodata, keyring)
    if status != "ok":
        against = str(keyring) if keyring is not None else f"the public key of {key_id}"
        raise UserError(f"--sign-key {key_id}: the signature does not verify against {against}: {status}, {detail}")
    return detail


def _check(repodata: Path, keyring: Path | None) -> tuple[str, str]:
    """repomd.xml.asc checked against the nodes' key (``keyring``, else repomd.xml.key)."""
    from errata_tpl.mirror.keyring import Keyring

    with Keyring([keyring if keyring is not None else repodata / KEY]) as keys:
        return keys.verify_detached(repodata / ASC, repodata / "repomd.xml")


def verified(repodata: Path, key_id: str, keyring: Path | None) -> bool:
    """Does the published signature verify against the nodes' key, made by ``key_id``'s
    key (the public key published beside it is that one)?"""
    import gnupg

    if not (repodata / ASC).is_file() or not (repodata / KEY).is_file():
        return False
    try:
        if keyring is None and (repodata / KEY).read_bytes() != gnupg.GPG().export_keys(key_id).encode("ascii"):
            return False
        return _check(repodata, keyring)[0] == "ok"
    except (OSError, UserError):
        return False
