"""Read the headers of every RPM under a mirror directory; report bad files.

A file is good when rpm reads its header (header digests checked) and
``rpmkeys --checksig`` accepts the whole file (payload digest, size). Anything
else is a BadFile: reported, skipped, never fatal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rpm

from . import rpmcheck
from .hdrcache import HeaderCache, Stat
from .rpminfo import BadFile, RpmInfo
from .walk import find_rpms


@dataclass
class ScanResult:
    packages: list[RpmInfo] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    files: int = 0
    from_cache: int = 0
    walk_errors: list[BadFile] = field(default_factory=list)
    checks: dict[str, rpmcheck.Check] = field(default_factory=dict)  # with signatures: rpm's verdict per file


def _digest(h: rpm.hdr) -> str:
    hdr = h[rpm.RPMTAG_SHA256HEADER] or h[rpm.RPMTAG_SHA1HEADER] or ""
    payload = h[rpm.RPMTAG_PAYLOADDIGEST]
    if payload:
        return f"{hdr}/{payload[0]}"
    md5 = h[rpm.RPMTAG_SIGMD5]  # pre-4.14 packages: MD5 over header + payload
    return f"{hdr}/{md5.hex() if md5 else ''}"


def _info(path: str, h: rpm.hdr) -> RpmInfo:
    epoch = h[rpm.RPMTAG_EPOCH]
    return RpmInfo(
        path=path,
        name=h[rpm.RPMTAG_NAME],
        # "Epoch: 0" and no epoch are one version to rpm; write it one way so that a
        # rebuild which adds the tag does not show up as a change in the profile.
        epoch=str(epoch) if epoch else None,
        version=h[rpm.RPMTAG_VERSION],
        release=h[rpm.RPMTAG_RELEASE],
        arch=h[rpm.RPMTAG_ARCH] or "noarch",
        is_source=h.isSource(),
        buildtime=int(h[rpm.RPMTAG_BUILDTIME] or 0),
        digest=_digest(h),
        obsoletes=tuple(h[rpm.RPMTAG_OBSOLETENEVRS]),
    )


def read_header(ts: rpm.TransactionSet, full: str, rel: str) -> RpmInfo | BadFile:
    try:
        fd = os.open(full, os.O_RDONLY)
    except OSError as e:
        return BadFile(rel, f"cannot open: {e.strerror}")
    try:
        h = ts.hdrFromFdno(fd)
    except rpm.error as e:
        return BadFile(rel, f"not a readable rpm: {e}")
    finally:
        os.close(fd)
    return _info(rel, h)


def _signature_only(check: rpmcheck.Check) -> bool:
    """Failed only on signatures (unknown key, bad signature): a matter of trust,
    judged by the caller's policy, not a damaged file."""
    return bool(check.lines) and all(line.endswith(": OK") or "Signature" in line for line in check.lines)


def got_os_error(got: RpmInfo | BadFile) -> bool:
    return isinstance(got, BadFile) and got.reason.startswith("cannot ")


def scan(
    top: Path,
    cache: HeaderCache | None = None,
    progress: Callable[[list[str]], Iterable[str]] | None = None,
    signatures: Sequence[str] | None = None,
) -> ScanResult:
    """Read every RPM below ``top``; reuse ``cache`` entries whose stat is unchanged.

    ``signatures``: rpmkeys arguments naming a keyring (Keyring.rpmkeys_args()). Then
    every file is checked against it, cached or not, and ``result.checks`` holds
    rpm's verdict lines per file; the cache keeps only keyring-free facts.
    """
    rels, walk_errors = find_rpms(top)
    result = ScanResult(files=len(rels), walk_errors=walk_errors)
    base = os.path.join(str(top), "")  # plain strings: pathlib costs more than rpm here
    stats: dict[str, Stat] = {}
    todo: list[str] = []
    for rel in rels:
        try:
            st = os.stat(base + rel)
        except OSError as e:
            result.bad.append(BadFile(rel, f"cannot stat: {e.strerror}"))
            continue
        stats[rel] = Stat(st.st_size, st.st_mtime_ns)
        hit = cache.get(rel, stats[rel]) if cache is not None else None
        if hit is not None:
            result.from_cache += 1
            (result.packages if isinstance(hit, RpmInfo) else result.bad).append(hit)
        else:
            todo.append(rel)

    if signatures is None:
        to_check = todo
        digests = rpmcheck.Background([base + r for r in todo]) if todo else None
    else:
        to_check = [r for r in rels if r in stats]
        digests = rpmcheck.Background([base + r for r in to_check], signatures, verbose=True) if to_check else None
    rpm.setVerbosity(rpm.RPMLOG_CRIT)  # rpm's own "error:" lines: we report each file once
    ts = rpm.TransactionSet()
    # Signatures are checked by `verify` against a chosen keyring, not here: rpm's
    # default keyring is the build host's, which says nothing about this mirror.
    ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES)
    headers = [read_header(ts, base + rel, rel) for rel in (progress(todo) if progress is not None else todo)]
    checks = digests.result() if digests is not None else {}
    if signatures is not None:
        result.checks = {rel: checks[base + rel] for rel in to_check}

    for rel, got in zip(todo, headers):
        check = checks[base + rel]
        if not check.ok and not got_os_error(got) and not _signature_only(check):
            got = BadFile(rel, check.detail)  # rpm's verifier says best what is wrong
        (result.packages if isinstance(got, RpmInfo) else result.bad).append(got)
        if cache is not None:
            cache.put(rel, stats[rel], got)
    result.bad.sort(key=lambda b: b.path)
    result.packages.sort(key=lambda p: p.path)
    return result
