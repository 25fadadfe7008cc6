"""Signing records and checking their signatures, with gpg through python-gnupg.

A signed record carries its signer's fingerprint, the signer's public key (exported
minimal, base64) and a detached signature (base64) of its canonical form without the
signature. The key travels with the record, so any reader can check it; whether the
signer may approve is site/stages.yaml's ``approvers`` (fingerprints) to say.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import gnupg

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.promotions.record import PROMOTIONS, Record, signed_part


def _gpg(**kwargs: Any) -> Any:
    try:
        return gnupg.GPG(**kwargs)
    except (OSError, ValueError) as e:  # no gpg on PATH
        raise UserError(f"gpg: cannot run it ({e}); install GnuPG to sign or check signed records") from None


def _b64(text: str, where: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UserError(f"{where}: key '{what}': not base64") from None


def verify(records: Sequence[Record], todo: Collection[int] | None = None) -> dict[int, str]:
    """The signer of each signed record of ``todo`` (numbers; None: every record), its
    signature checked; a UserError names the first record whose key is not its signer's
    or whose signature does not verify.

    Each is checked with the keys of the records up to it, itself included: what the file
    knew of its key when it was added (a revocation or a new expiry another record's key
    carries counts for the records after that one). Its prev commits to those records,
    so the verdict is one of the record alone, as the cache of good signatures keys it,
    and the same whether the records before it are checked in this run or were cached."""
    out: dict[int, str] = {}
    last = max(todo, default=-1) if todo is not None else len(records)
    with tempfile.TemporaryDirectory(prefix="errata-tpl-verify-") as home:
        gpg = _gpg(gnupghome=home)
        imported: dict[str, set[str]] = {}
        sig_path = Path(home) / "record.sig"
        for r in records:
            if r.number > last:
                break
            if r.signer is None:
                continue
            where = f"{PROMOTIONS}: {r.label()}"
            key = r.raw["key"]
            if key not in imported:
                imported[key] = set(gpg.import_keys(_b64(key, where, "key")).fingerprints or ())
            if todo is not None and r.number not in todo:
                continue
            if imported[key] != {r.signer}:
                held = ", ".join(sorted(imported[key])) or "no key gpg can read"
                raise UserError(f"{where}: key 'key': not the key of its signer {r.signer} (it holds {held})")
            sig_path.write_bytes(_b64(r.raw["signature"], where, "signature"))
            v = gpg.verify_data(str(sig_path), signed_part(r.raw))
            _judge(gpg, v, r.signer, where, int(r.when().timestamp()))
            out[r.number] = r.signer
    return out


def _expiry(gpg: Any, signer: str, signing: str) -> int | None:
    """When the key that made a signature expires (seconds since 1970): the primary key's
    expiry, or the signing subkey's if that is earlier; None when neither expires."""
    ends = []
    for k in gpg.list_keys(keys=[signer]):
        if k.get("fingerprint") != signer:
            continue
        ends.append(k.get("expires"))
        ends += [i.get("expires") for i in (k.get("subkey_info") or {}).values() if i.get("fingerprint") == signing]
    found = [int(e) for e in ends if e and str(e).isdigit()]
    return min(found) if found else None


def _judge(gpg: Any, v: Any, signer: str, where: str, dated: int) -> None:
    """A good signature by ``signer`` of a record dated ``dated`` (seconds since 1970),
    or a UserError saying why not. A key that expired since does not make a good
    signature bad: gpg says EXPKEYSIG and VALIDSIG (the signature matches), and the
    signature counts when it was made before the key's expiry. It was made no earlier
    than the record it covers: a signature that says so was made on a clock set back
    (gpg's faked-system-time), which would let an expired key sign today. A revoked
    key's signatures count for nothing: its owner said it may be someone else's now."""
    matches = v.status == "signature valid" and v.pubkey_fingerprint == signer
    expired = [p for p in v.problems if p.get("status") == "signing key has expired"]
    if matches and v.valid and not v.problems:
        return
    if matches and expired and len(expired) == len(v.problems):
        ends = _expiry(gpg, signer, v.fingerprint or signer)
        said = int(v.sig_timestamp) if str(v.sig_timestamp or "").isdigit() else None
        made = None if said is None else max(said, dated)
        if ends is not None and made is not None and made < ends:
            return
        at = f"at {_show(made)}"
        if made != said:
            at = f"for a record dated {_show(dated)} (its signature says {_show(said)})"
        raise UserError(
            f"{where}: signed by {signer} {at}, after its key expired ({_show(ends)}): "
            "a signature made after its key's expiry counts for nothing"
        )
    if v.key_status == "signing key was revoked":
        raise UserError(
            f"{where}: signed by {signer}, whose key is revoked (in the key this record or one before it "
            "carries): a revoked key's signatures count for nothing"
        )
    raise UserError(
        f"{where}: bad signature (gpg: {v.status or 'no signature gpg can read'}): the record was changed "
        f"after it was signed, or {signer} did not sign it"
    )


def _show(seconds: int | None) -> str:
    if seconds is None:
        return "an unknown time"
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Signer:
    """A key of the user's GnuPG home ($GNUPGHOME or ~/.gnupg) that signs records;
    ``keyring``: a public keyring file holding it, instead of the home's."""

    def __init__(self, keyid: str, keyring: Path | None = None) -> None:
        # the home pinned now: the key found is the key that signs
        home = os.environ.get("GNUPGHOME") or None
        if keyring is not None:
            # gpg opens it: a FIFO would block it; and it takes a relative path inside
            # its home, so the path is made absolute against ours first
            keyring = Path(os.path.abspath(keyring))
            with regular.opened(keyring, f"--keyring {keyring}"):
                pass
        self.gpg = _gpg(gnupghome=home, keyring=str(keyring) if keyring is not None else None)
        found = self.gpg.list_keys(secret=True, keys=[keyid])
        if not found:
            raise UserError(f"--sign {keyid}: no secret key {keyid} in your GnuPG home ($GNUPGHOME or ~/.gnupg)")
        fingerprints = sorted({k["fingerprint"] for k in found})
        if len(fingerprints) > 1:
            raise UserError(f"--sign {keyid}: names several keys ({', '.join(fingerprints)}); give a fingerprint")
        self.keyid = keyid
        self.fingerprint: str = fingerprints[0]
        public = self.gpg.export_keys(self.fingerprint, armor=False, minimal=True)
        if not public:
            raise UserError(f"--sign {keyid}: gpg exported no public key for {self.fingerprint}")
        self.key = base64.b64encode(public if isinstance(public, bytes) else public.encode("latin-1")).decode()

    def sign(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``raw`` with signer, key and signature."""
        out = {**raw, "signer": self.fingerprint, "key": self.key}
        # --local-user: this key or none (gpg's --default-key would fall back to another)
        result = self.gpg.sign(
            signed_part(out),
            keyid=self.fingerprint,
            detach=True,
            binary=True,
            extra_args=["--local-user", self.fingerprint],
        )
        if not result.data:
            said = result.status or next(iter((result.stderr or "").strip().splitlines()[-1:]), "no signature")
            raise UserError(f"--sign {self.keyid}: gpg did not sign: {said}")
        return {**out, "signature": base64.b64encode(result.data).decode()}
