"""Trust verdicts per package file, from rpm's own checks (``rpmkeys -Kv``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from errata_tpl.mirror.rpmcheck import Check


class Status(str, Enum):
    OK = "ok"
    UNSIGNED = "unsigned"
    UNTRUSTED = "untrusted key"
    BAD_SIGNATURE = "bad signature"
    DIGEST = "digest mismatch"
    UNREADABLE = "unreadable"


# worst first: a file gets the first that applies
ORDER = (Status.UNREADABLE, Status.DIGEST, Status.BAD_SIGNATURE, Status.UNTRUSTED, Status.UNSIGNED, Status.OK)

_SIG = re.compile(r"Signature, key ID ([0-9a-fA-F]+): (\w+)")


@dataclass(frozen=True)
class Verdict:
    path: str
    status: Status
    keyid: str | None
    detail: str


def classify(path: str, check: Check) -> Verdict:
    """Read rpm's per-file lines: ``Header V4 RSA/SHA256 Signature, key ID ab12cd34: OK``,
    ``Payload SHA256 digest: BAD (...)``; no lines at all: rpm could not read the file."""
    if not check.lines:
        return Verdict(path, Status.UNREADABLE, None, check.detail)
    bad_digest = next((line for line in check.lines if "digest:" in line and not line.endswith(": OK")), None)
    if bad_digest:
        return Verdict(path, Status.DIGEST, None, bad_digest)
    sigs = [(m.group(1).lower(), m.group(2), line) for line in check.lines if (m := _SIG.search(line))]
    if not sigs:
        return Verdict(path, Status.UNSIGNED, None, "no signature")
    for keyid, result, line in sigs:
        if result not in ("OK", "NOKEY", "NOTTRUSTED"):
            return Verdict(path, Status.BAD_SIGNATURE, keyid, line)
    for keyid, result, line in sigs:
        if result != "OK":
            return Verdict(path, Status.UNTRUSTED, keyid, line)
    return Verdict(path, Status.OK, sigs[0][0], sigs[0][2])


def summary(verdicts: list[Verdict]) -> dict[str, int]:
    counts = {s.value: 0 for s in ORDER}
    for v in verdicts:
        counts[v.status.value] += 1
    return counts
