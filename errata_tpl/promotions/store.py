"""Reading and writing ``site/promotions.yaml``.

Every reader checks the whole record: each record names a known os, stage and
profile, the chain holds, signatures verify, approvals add up. A writer holds the
lock on site/ while it reads the record, decides and writes, so two promotions at
once never both pass a refusal; it writes the whole file in its canonical form,
parsed back before it replaces the old one.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, regular, sealed, yamlio
from errata_tpl.mirror.caches import cache_dir
from errata_tpl.promotions import record as rec
from errata_tpl.promotions.chain import History
from errata_tpl.site.stages import Rollout, Stages, load_stages

if TYPE_CHECKING:  # python-gnupg comes with it
    from errata_tpl.promotions.signing import Signer


def _read(root: Path) -> str | None:
    """The file's text; None when there is none. Anything but a regular file there is
    refused unread: a link (promote would replace it, or write where it points), a
    directory (its records would look lost), a FIFO or a device (a read could hang)."""
    path = root / yamlio.spelt(root, rec.PROMOTIONS)  # a promotions.yml is refused by name
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise atomic.os_error(rec.PROMOTIONS, e) from None
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else regular.kind(mode)
        raise UserError(f"{rec.PROMOTIONS}: {kind}; the promotion record is a regular file, refused")
    # no link followed: a link put there after the lstat is refused too
    return regular.read_text(path, yamlio.MAX_BYTES, rec.PROMOTIONS, follow_symlinks=False)


def parse(text: str) -> tuple[rec.Record, ...]:
    return rec.records_from_data(yamlio.load_text(text, rec.PROMOTIONS) if text.strip() else None)


def _known(root: Path, records: Sequence[rec.Record]) -> None:
    """Each record names an os and a profile the site has (a stat each, once)."""
    seen: set[tuple[str, str]] = set()
    for r in records:
        if (r.os, r.profile) in seen:
            continue
        seen.add((r.os, r.profile))
        if not (root / "os" / r.os / "os.yaml").is_file():
            raise UserError(f"{rec.PROMOTIONS}: {r.label()}: no OS {r.os} (os/{r.os}/os.yaml)")
        if not (root / "errata" / r.os / f"{r.profile}.yaml").is_file():
            raise UserError(f"{rec.PROMOTIONS}: {r.label()}: no profile errata/{r.os}/{r.profile}.yaml")


def _signers(root: Path, records: Sequence[rec.Record], warn: sealed.Warn, afresh: bool) -> dict[int, str]:
    """Each signed record's signer, its signature checked by gpg, or found in the cache
    of signatures gpg found good: keyed by the digest of all a check reads (the record,
    its key, its signature) and sealed (fileio.sealed), so only a record not yet
    checked costs a gpg run and a cache cannot make a bad signature good. ``afresh``
    (``stages --verify``, the check CI runs) has gpg check every signature: the cache
    is trusted by no one who audits."""
    path = cache_dir(root, "signatures") / "good.json"
    text = None if afresh else sealed.read(path, rec.PROMOTIONS, warn)
    try:
        known = json.loads(text) if text else {}
    except ValueError:
        known = {}
    if not isinstance(known, dict):
        known = {}
    signed = [r for r in records if r.signer]
    digests = {r.number: rec.digest(r.raw) for r in signed}
    out = {r.number: r.signer for r in signed if r.signer is not None and known.get(digests[r.number]) == r.signer}
    todo = [r for r in signed if r.number not in out]
    if todo:
        from errata_tpl.promotions import signing  # python-gnupg: only for signatures not yet checked

        out.update(signing.verify(records, {r.number for r in todo}))
        sealed.write(path, rec.PROMOTIONS, json.dumps({digests[n]: fp for n, fp in sorted(out.items())}))
    return out


def _head(root: Path) -> Path:
    return cache_dir(root, "promotions") / "head"


def _seen(root: Path, history: History, warn: sealed.Warn) -> None:
    """The head errata-tpl last saw here (kept sealed in the cache) must be one the file
    has had: a warning when it is not (a record edited or removed since, the newest
    included, which the chain cannot show), never an error (a cache changes no answer);
    the head moves on when the file only grew. Removing the cache removes the warning."""
    path = _head(root)
    seen = (sealed.read(path, rec.PROMOTIONS, warn) or "").strip()
    if seen and seen != rec.ZERO and seen not in history.chain.hashes:
        warn(
            f"{rec.PROMOTIONS}: the record errata-tpl last saw here (head {seen[:16]}...) is not in the file: "
            "records were edited or removed since (compare it with your version control); said until "
            "the next promote or approve"
        )
    elif seen != history.chain.head and history.records:  # no cache made for a site without records
        sealed.write(path, rec.PROMOTIONS, history.chain.head + "\n")


def history(
    root: Path, stages: Stages | None, records: Sequence[rec.Record], warn: sealed.Warn, afresh: bool = False
) -> History:
    _known(root, records)
    signers = _signers(root, records, warn, afresh) if any(r.signer for r in records) else {}
    out = History(records, stages, signers)
    _seen(root, out, warn)
    return out


def load_rollout(root: Path, warn: sealed.Warn = lambda _: None, *, afresh: bool = False) -> Rollout:
    """site/stages.yaml and the checked record; ``warn``: what a cache that is not ours
    says; ``afresh``: every signature checked by gpg, none taken from the cache."""
    stages = load_stages(root)
    text = _read(root)
    return Rollout(stages, history(root, stages, parse(text or ""), warn, afresh))


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """The lock every writer of the record holds from reading it to writing it: a
    flock on site/ itself (no lock file)."""
    directory = root / "site"
    atomic.make_dir(directory)
    with atomic.locked_dir(directory, "the promotion record"):
        yield


def write(root: Path, old: Sequence[rec.Record], added: Sequence[Mapping[str, Any]]) -> None:
    """The whole file: the records read (under the same lock) and the new ones, in
    canonical form, parsed back as the records meant before it replaces the old one."""
    raws = [r.raw for r in old] + [dict(r) for r in added]
    yamlio.write_record(root / rec.PROMOTIONS, rec.text(raws), lambda data, _: rec.records_from_data(data), expect=raws)


def add(root: Path, history: History, stages: Stages, raw: dict[str, Any], signer: Signer | None) -> History:
    """Add one record after those of ``history`` (read under the same lock): chained,
    signed, its signature and the history with it checked as every reader will check
    them, then written. The history with it."""
    raw = {**raw, "prev": history.chain.head}
    rec.text([raw])  # what YAML cannot hold (text that is not UTF-8) refused first, in the writer's words
    signers = dict(history.signers)
    if signer is not None:
        from errata_tpl.promotions import signing  # python-gnupg: only where records are signed

        raw = signer.sign(raw)
        added = rec.record_of(len(history.records), raw)
        signers.update(signing.verify([*history.records, added], {added.number}))
    else:
        added = rec.record_of(len(history.records), raw)
    after = History([*history.records, added], stages, signers)
    write(root, history.records, [raw])
    sealed.write(_head(root), rec.PROMOTIONS, after.chain.head + "\n")
    return after
