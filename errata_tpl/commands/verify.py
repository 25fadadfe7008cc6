"""``errata-tpl verify``: every file's trust verdict, the keys, repomd.xml's signature."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from errata_tpl.checks.verify import Status, Verdict, classify, summary
from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.mirror import repomdsig, rpmcheck
from errata_tpl.mirror.repomd import REPOMD, Repodata
from errata_tpl.mirror.walk import find_rpms

if TYPE_CHECKING:
    from errata_tpl.mirror.keyring import Keyring  # python-gnupg comes with it: see commands/__init__


@click.command("verify")
@click.argument("errata_dir", type=click.Path(path_type=Path))
@_click.keyring("An OpenPGP public key file (RPM-GPG-KEY-*, armoured or binary) to trust; repeatable.", required=True)
@_click.require_repomd_signature()
@_click.text_or_json
@click.pass_obj
def command(
    obj: _click.Run, errata_dir: Path, keyring: tuple[Path, ...], require_repomd_signature: bool, fmt: str
) -> None:
    """Check every RPM's digests and signature against the keyring (rc 0 only if all are ok).

    A folder `errata-tpl publish` made is also checked to hold exactly what its
    profile or hotfix names (read from the site: --root).

    \b
    Example:
      errata-tpl verify /mirror/el9/updates --keyring /etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release
    """
    report = verify(errata_dir, keyring, require_repomd_signature)
    from errata_tpl.publish.check import check, text  # createrepo_c: see commands/__init__

    published = check(obj.site, errata_dir)  # a folder publish made: exactly what its record names?
    if published is not None:
        report["published"] = published
        report["ok"] = report["ok"] and published["ok"]
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        _click.echo(verify_text(report), nl=False)
        if published is not None:
            _click.echo("\n".join(text(published)))
    sys.exit(0 if report["ok"] else 1)


def verify(mirror: Path, key_files: tuple[Path, ...], repomd_signed: bool = False) -> dict[str, object]:
    """Every package file's trust verdict, the keys, and repomd.xml's signature (with
    ``repomd_signed``, only a good one is ok: dnf's repo_gpgcheck)."""
    from errata_tpl.mirror.keyring import Keyring  # python-gnupg comes with it: see commands/__init__

    if not mirror.is_dir():
        raise UserError(f"{mirror}: not a directory")
    if not key_files:
        raise UserError("verify needs at least one --keyring KEY")
    with Keyring(key_files) as keys:
        rels, walk_errors = find_rpms(mirror)
        base = os.path.join(str(mirror), "")
        checks = rpmcheck.Background([base + r for r in rels], keys.rpmkeys_args(), verbose=True).result()
        verdicts = [classify(r, checks[base + r]) for r in rels]
        verdicts += [Verdict(b.path, Status.UNREADABLE, None, b.reason) for b in walk_errors]
        repodata = Repodata.read(mirror)
        repo, metadata = (
            (None, []) if repodata is None else (_repomd_signature(mirror, repodata, keys), _records(repodata))
        )
        key_list = [
            {
                "fingerprint": k.fingerprint,
                "keyid": k.keyid,
                "uids": list(k.uids),
                "expires": k.expires,
                "expired": k.expired,
                "source": k.source,
            }
            for k in keys.keys
        ]
    files = [
        {"path": v.path, "status": v.status.value, "keyid": v.keyid, "detail": v.detail}
        for v in sorted(verdicts, key=lambda v: v.path)
    ]
    counts = summary(verdicts)
    good = ("ok",) if repomd_signed else ("ok", "unsigned")
    ok = counts["ok"] == len(verdicts) and len(verdicts) > 0 and (repo is None or repo["status"] in good)
    ok = ok and all(m["status"] == "ok" for m in metadata)
    return {"keys": key_list, "files": files, "summary": counts, "repomd": repo, "repodata": metadata, "ok": ok}


def _repomd_signature(mirror: Path, repodata: Repodata, keys: Keyring) -> dict[str, str]:
    """repomd.xml.asc's verdict over the very bytes of repomd.xml that name the files checked."""
    status, detail = repomdsig.verdict(mirror, repodata.data, keys)
    return {"path": REPOMD, "status": status, "detail": detail}


def _records(repodata: Repodata) -> list[dict[str, str]]:
    """Each file repomd.xml names, checked as dnf checks it: inside the repository, its
    size and checksum, decompressed (with bounds) its open-size and open-checksum."""
    out = []
    for kind, rec in sorted(repodata.records.items()):
        try:
            for _ in repodata.content(rec, zchunk_unread=True):
                pass
        except UserError as e:
            out.append({"path": rec.href, "record": kind, "status": "bad", "detail": str(e)})
            continue
        zck = " (zchunk: its stored checksum; errata-tpl decompresses no zchunk)" if rec.href.endswith(".zck") else ""
        out.append({"path": rec.href, "record": kind, "status": "ok", "detail": f"{rec.checksum[0]} checksum{zck}"})
    return out


def verify_text(report: dict[str, Any]) -> str:
    out = []
    width = max((len(f["status"]) for f in report["files"]), default=2)
    for f in report["files"]:
        line = f"{f['status']:<{width}}  {f['path']}"
        if f["status"] != "ok":
            line += f"  ({f['detail']})"
        elif f["keyid"]:
            line += f"  (key {f['keyid']})"
        out.append(line)
    for k in report["keys"]:
        state = "EXPIRED " if k["expired"] else ""
        when = "never" if k["expires"] is None else k["expires"]
        out.append(f"key: {state}{k['fingerprint']} {', '.join(k['uids'])} (expires {when}; {k['source']})")
    if report["repomd"] is not None:
        r = report["repomd"]
        out.append(f"{r['path']}: {r['status']} ({r['detail']})")
    for m in report["repodata"]:
        out.append(f"{m['path']}: {m['status']} ({m['detail']})" if m["status"] != "ok" else f"{m['path']}: ok")
    counts = report["summary"]
    line = f"{sum(counts.values())} files: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    # what is wrong besides the package files: the summary line alone must not read as all well
    if report["repomd"] is not None and report["repomd"]["status"] != "ok":
        line += f"; {report['repomd']['path']}: {report['repomd']['status']}"
    bad_metadata = sum(m["status"] != "ok" for m in report["repodata"])
    if bad_metadata:
        line += f"; {bad_metadata} repodata file{'s' if bad_metadata != 1 else ''} bad"
    out.append(line)
    return "\n".join(out) + "\n"
