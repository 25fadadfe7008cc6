"""generate's signature policy: rpm checks every file against the keyring; a bad
signature is always left out, and with ``required`` so is anything not signed by a
key of the keyring. Each is named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from errata_tpl.checks.verify import Status, Verdict, classify
from errata_tpl.mirror.keyring import Keyring
from errata_tpl.mirror.scan import ScanResult, check_whole


def check(
    mirror: Path, source: str, result: ScanResult, keys: Keyring, required: bool, warn: Callable[[str], None]
) -> dict[str, object]:
    """Check, apply the policy, warn; the profile header's fields that record it."""
    check_whole(mirror, result, [p.path for p in result.packages], keys.rpmkeys_args())
    for k in keys.keys:
        if k.expired:
            warn(f"{k.source}: key {k.fingerprint} expired on {k.expires}")
    for v in apply_policy(result, required):
        warn(
            f"{source}/{v.path}: {v.status.value}{f' (key {v.keyid})' if v.keyid else ''}"
            + ("; left out" if required or v.status is Status.BAD_SIGNATURE else "")
        )
    return {"signatures": "required" if required else "checked", "keyring": [k.fingerprint for k in keys.keys]}


def apply_policy(result: ScanResult, required: bool) -> list[Verdict]:
    """Leave out what the policy refuses: a bad signature always, and with
    ``required`` anything not signed by a key of the keyring. Returns the
    packages that were not ok, kept or not."""
    verdicts = {rel: classify(rel, c) for rel, c in result.checks.items()}
    not_ok: list[Verdict] = []
    kept = []
    for p in result.packages:
        v = verdicts.get(p.path)
        if v is None or v.status is Status.OK:
            kept.append(p)
            continue
        not_ok.append(v)
        if not (required or v.status is Status.BAD_SIGNATURE):
            kept.append(p)
    result.packages = kept
    return not_ok
