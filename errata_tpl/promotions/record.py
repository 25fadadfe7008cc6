"""One record of ``site/promotions.yaml``: its keys and types, its canonical form (what
its hash and its signature cover), and the file's text.

The canonical form of a record is its mapping as JSON (RFC 8785 for these values:
keys sorted, no spaces, UTF-8, strings escaped as JSON escapes them). A record's hash
is the SHA-256 of that form; a record written before records were chained (no
``prev``) is hashed as if its ``prev`` were the hash of the record before it, so
the first chained record covers every earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from errata_tpl import clock
from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.values import names

PROMOTIONS = "site/promotions.yaml"
ZERO = "0" * 64  # the "record before" the first record of the file

# every key a record may have, in the order the file shows them
SUMMARY_KEYS = ("nodes", "packages_changed", "cves_fixed", "check")
KEYS = (
    "type",
    "profile",
    "profile_sha256",
    "os",
    "stage",
    "time",
    "clock",
    "by",
    "note",
    "forced",
    "rollback",
    *SUMMARY_KEYS,
    "approved_by",
    "prev",
    "signer",
    "key",
    "signature",
)
_PROMOTION_ONLY = {"forced", "rollback", *SUMMARY_KEYS}
_SIGNED = ("signer", "key", "signature")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_FINGERPRINT = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

HEADER = (
    "# Written by `errata-tpl promote` and `errata-tpl approve`: one record per promotion or\n"
    "# approval, each carrying the SHA-256 of the record before it (prev). Never edit it: an\n"
    "# edited, removed or reordered record is an error for every command that reads it.\n"
)


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.timezone.utc)


def show_time(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)


def later(text: str, seconds: int) -> str | None:
    """The time ``seconds`` after ``text``; None past 9999-12-31 (no later time exists)."""
    try:
        return show_time(parse_time(text) + dt.timedelta(seconds=seconds))
    except OverflowError:
        return None


def stamp(last: Record | None) -> tuple[str, bool]:
    """A new record's time and whether SOURCE_DATE_EPOCH pinned it. Refused: a time before
    the latest record's (records are in time order), and a pinned time ahead of the real
    clock (a record dated in the future would refuse every record after it until then)."""
    pinned, real = clock.pinned(), clock.real()
    when = show_time(pinned or real)
    if pinned is not None and pinned > real:
        raise UserError(
            f"SOURCE_DATE_EPOCH: {when} is ahead of the real clock ({show_time(real)}): a record dated in the "
            "future would refuse every record after it until then; refused"
        )
    if last is not None and when < last.time:
        raise UserError(
            f"{PROMOTIONS}: the clock says {when}, before the latest record's time {last.time}: records are "
            "in time order (is SOURCE_DATE_EPOCH set?)"
        )
    return when, pinned is not None


def fingerprint(value: Any) -> str | None:
    """An OpenPGP fingerprint as gpg prints it (40 or 64 hex digits, upper case), or None."""
    if not isinstance(value, str):
        return None
    text = value.replace(" ", "").upper()
    return text if _FINGERPRINT.match(text) else None


class Record(NamedTuple):
    """A record as read: its mapping as written (``raw``, what the hash covers) and
    the typed values the code uses."""

    number: int  # its place in the file, from 0
    raw: dict[str, Any]
    kind: str  # promotion | approval
    profile: str
    os: str
    stage: str
    time: str  # YYYY-MM-DDTHH:MM:SSZ (UTC)
    by: str
    note: str | None
    forced: tuple[str, ...]  # what --force overrode; empty: nothing
    rollback: bool
    approved_by: tuple[str, ...]  # on the record that brings a promotion into effect at a stage with approvers
    prev: str | None  # None: written before records were chained
    signer: str | None
    profile_sha256: str | None = None  # the profile file's bytes as promoted; None: written before records had it

    @property
    def summary(self) -> dict[str, Any]:
        return {k: self.raw[k] for k in SUMMARY_KEYS if k in self.raw}

    @property
    def pinned(self) -> bool:
        """Its time was SOURCE_DATE_EPOCH's, not the real clock's."""
        return self.raw.get("clock") == "pinned"

    def when(self) -> dt.datetime:
        return parse_time(self.time)

    def label(self) -> str:
        what = "approval of " if self.kind == "approval" else ""
        return f"record [{self.number}] ({what}{self.profile} to {self.stage} for {self.os})"


class Binding(NamedTuple):
    """What a record in effect binds its profile to: the SHA-256 of the file's bytes as
    the record promoted (or approved) them."""

    sha256: str
    record: str  # its label, for messages
    verb: str = "promoted"  # or "approved", when an approval carries the binding

    def check(self, rel: str, found: str) -> None:
        """A UserError when the file's SHA-256 (``found``) is not the one bound."""
        if found != self.sha256:
            raise UserError(self.changed(rel, found))

    def changed(self, rel: str, found: str, then: str = "restore it from version control or promote it again") -> str:
        return (
            f"{rel}: not the profile {self.record} {self.verb} (SHA-256 {found[:8]}, the record's "
            f"{self.sha256[:8]}): changed after its promotion; {then}"
        )


def canonical(raw: Mapping[str, Any]) -> bytes:
    return json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(raw: Mapping[str, Any], before: str) -> str:
    """The record's hash; ``before`` is the hash of the record before it (ZERO for the first)."""
    return hashlib.sha256(canonical(raw if "prev" in raw else {**raw, "prev": before})).hexdigest()


def digest(raw: Mapping[str, Any]) -> str:
    """The SHA-256 of everything a signature check reads: the record with its key and
    signature (what the cache of good signatures is keyed by). The prefix names the
    rules the check applies: a check that became stricter (/2: a signature is no older
    than its record) trusts no verdict of the one before."""
    return hashlib.sha256(b"errata-tpl signed record/2\0" + canonical(raw)).hexdigest()


def signed_part(raw: Mapping[str, Any]) -> bytes:
    """What a record's signature covers: its canonical form without ``signature``."""
    return canonical({k: v for k, v in raw.items() if k != "signature"})


# --- reading --------------------------------------------------------------------------------


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


_TYPES: dict[str, tuple[Any, str]] = {
    "type": (lambda v: v in ("promotion", "approval"), "promotion or approval"),
    "clock": (lambda v: v == "pinned", "pinned (the time is SOURCE_DATE_EPOCH's), or no key"),
    "by": (lambda v: isinstance(v, str), "a string"),
    "note": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "forced": (lambda v: isinstance(v, bool) or _strings(v), "a list of what --force overrode, or false"),
    "rollback": (lambda v: isinstance(v, bool), "true or false"),
    "nodes": (_strings, "a list of node names"),
    "packages_changed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a count"),
    "cves_fixed": (_strings, "a list of CVE ids"),
    "check": (lambda v: isinstance(v, str), "a string"),
    "approved_by": (lambda v: _strings(v) and all(fingerprint(x) == x for x in v), "a list of fingerprints"),
    "prev": (lambda v: isinstance(v, str) and bool(_HASH.match(v)), "the SHA-256 of the record before (64 hex)"),
    "profile_sha256": (
        lambda v: isinstance(v, str) and bool(_HASH.match(v)),
        "the SHA-256 of the profile file's bytes (64 hex)",
    ),
    "signer": (lambda v: fingerprint(v) == v, "an OpenPGP fingerprint (40 hex digits, upper case)"),
    "key": (lambda v: isinstance(v, str) and bool(_BASE64.match(v)), "a public key in base64"),
    "signature": (lambda v: isinstance(v, str) and bool(_BASE64.match(v)), "a signature in base64"),
}


def record_of(i: int, item: Any) -> Record:
    """Record ``i`` of the file; a UserError names it when it is not one."""
    where = f"{PROMOTIONS}: record [{i}]"
    if not isinstance(item, dict) or not all(isinstance(k, str) for k in item):
        raise UserError(f"{where}: expected a mapping of keys (written by errata-tpl promote)")
    known = {k: item.get(k) for k in ("profile", "os", "stage") if isinstance(item.get(k), str)}
    if len(known) == 3:
        where += f" ({'approval of ' if item.get('type') == 'approval' else ''}{known['profile']} to"
        where += f" {known['stage']} for {known['os']})"
    for key in item:
        if key not in KEYS:
            raise UserError(f"{where}: unknown key '{key}' ({', '.join(KEYS)})")
    checks = {"profile": names.profile, "os": names.os_id, "stage": names.node}
    for key, check in checks.items():
        try:
            check(item.get(key))
        except UserError as e:
            raise UserError(f"{where}: key '{key}': {e}") from None
    if not isinstance(item.get("time"), str):
        raise UserError(f"{where}: key 'time': expected a string YYYY-MM-DDTHH:MM:SSZ")
    try:
        parse_time(item["time"])
    except ValueError:
        raise UserError(
            f"{where}: key 'time': expected YYYY-MM-DDTHH:MM:SSZ, got {yamlio.shown(item['time'])}"
        ) from None
    if "by" not in item:
        raise UserError(f"{where}: key 'by' is required")
    for key, (ok, text) in _TYPES.items():
        if key in item and not ok(item[key]):
            raise UserError(f"{where}: key '{key}': expected {text}, got {yamlio.shown(item[key]):.60}")
    kind = item.get("type", "promotion")
    if kind == "approval":
        extra = sorted(_PROMOTION_ONLY & set(item))
        if extra:
            raise UserError(f"{where}: key '{extra[0]}': an approval has no {extra[0]}")
    signed = [k for k in _SIGNED if k in item]
    if signed and len(signed) < len(_SIGNED):
        missing = next(k for k in _SIGNED if k not in item)
        raise UserError(f"{where}: key '{missing}' is missing (a signed record has signer, key and signature)")
    forced = item.get("forced") or ()
    return Record(
        number=i,
        raw=item,
        kind=kind,
        profile=item["profile"],
        os=item["os"],
        stage=item["stage"],
        time=item["time"],
        by=item["by"],
        note=item.get("note"),
        forced=tuple(forced) if isinstance(forced, list) else ("forced",) if forced else (),
        rollback=bool(item.get("rollback")),
        approved_by=tuple(item.get("approved_by") or ()),
        prev=item.get("prev"),
        signer=item.get("signer"),
        profile_sha256=item.get("profile_sha256"),
    )


def records_from_data(data: yamlio.Data) -> tuple[Record, ...]:
    """The records of the file's data (None: an empty file); a UserError names the first
    record that is not one."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise UserError(f"{PROMOTIONS}: expected a list of records (written by errata-tpl promote)")
    return tuple(record_of(i, item) for i, item in enumerate(data))


# --- writing --------------------------------------------------------------------------------


def new(
    kind: str,
    profile: str,
    os_id: str,
    stage: str,
    time: str,
    by: str,
    note: str | None,
    *,
    forced: Sequence[str] = (),
    rollback: bool = False,
    summary: Mapping[str, Any] | None = None,
    approved_by: Iterable[str] = (),
    pinned: bool = False,
    profile_sha256: str | None = None,
) -> dict[str, Any]:
    """A new record's mapping, without prev and signature (added when it is written);
    ``pinned``: its time is SOURCE_DATE_EPOCH's (``clock: pinned``); ``profile_sha256``:
    the SHA-256 of the profile file's bytes, what the record binds its profile to."""
    raw: dict[str, Any] = {"type": kind, "profile": profile}
    if profile_sha256 is not None:
        raw["profile_sha256"] = profile_sha256
    raw.update({"os": os_id, "stage": stage, "time": time, "by": by})
    if pinned:
        raw["clock"] = "pinned"
    raw["note"] = note
    if kind == "promotion":
        raw["forced"] = list(forced) or False
        raw["rollback"] = rollback
        raw.update(summary or {})
    approvers = sorted(approved_by)
    if approvers:
        raw["approved_by"] = approvers
    return raw


def text(raws: Iterable[Mapping[str, Any]]) -> str:
    """The file: the header, then each record as a block mapping, its keys in one order."""
    out = [HEADER]
    for raw in raws:
        keys = sorted(raw, key=KEYS.index)
        out += [f"{'- ' if n == 0 else '  '}{k}: {yamlio.value(raw[k])}\n" for n, k in enumerate(keys)]
    return "".join(out)
