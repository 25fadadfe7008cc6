"""``errata-tpl verify``: every file's trust verdict, the keys, repomd.xml's signature."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from errata_tpl.checks.verify import Status, Verdict, classify, summary
from errata_tpl.commands import _click
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.mirror import rpmcheck
from errata_tpl.mirror.repomd import MAX_REPOMD_BYTES
from errata_tpl.mirror.walk import find_rpms


@click.command("verify")
@click.argument("errata_dir", type=click.Path(path_type=Path))
@_click.keyring("An OpenPGP public key file (RPM-GPG-KEY-*, armoured or binary) to trust; repeatable.", required=True)
@_click.text_or_json
@click.pass_obj
def command(obj: _click.Context, errata_dir: Path, keyring: tuple[Path, ...], fmt: str) -> None:
    """Check every RPM's digests and signature against the keyring (rc 0 only if all are ok).

    \b
    Example:
      errata-tpl verify /mirror/el9/updates --keyring /etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release
    """
    report = verify(errata_dir, keyring)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        _click.echo(verify_text(report), nl=False)
    sys.exit(0 if report["ok"] else 1)


def verify(mirror: Path, key_files: tuple[Path, ...]) -> dict[str, object]:
    """Every package file's trust verdict, the keys, and repomd.xml's signature."""
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
        repomd = mirror / "repodata" / "repomd.xml"
        asc = mirror / "repodata" / "repomd.xml.asc"
        if asc.is_file() and repomd.is_file():
            status, detail = keys.verify_detached(
                regular.read_bytes(asc, MAX_REPOMD_BYTES), regular.read_bytes(repomd, MAX_REPOMD_BYTES)
            )
            repo = {"path": "repodata/repomd.xml", "status": status, "detail": detail}
        elif repomd.is_file():
            repo = {"path": "repodata/repomd.xml", "status": "unsigned", "detail": "no repomd.xml.asc"}
        else:
            repo = None
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
    ok = counts["ok"] == len(verdicts) and len(verdicts) > 0 and (repo is None or repo["status"] in ("ok", "unsigned"))
    return {"keys": key_list, "files": files, "summary": counts, "repomd": repo, "ok": ok}


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
    counts = report["summary"]
    out.append(f"{sum(counts.values())} files: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(out) + "\n"
