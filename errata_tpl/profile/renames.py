"""Renamed packages: a build whose header obsoletes another name, which a fix hook must
bring in under the new name (repl) and take out under the old (del)."""

from __future__ import annotations

from typing import Any

from errata_tpl.mirror.rpminfo import RpmInfo

_SENSE = {"<": "LESS", "<=": "LESS EQUAL", "=": "EQUAL", "==": "EQUAL", ">=": "GREATER EQUAL", ">": "GREATER"}


def _still_shipped(obsoletes: str, builds: list[RpmInfo]) -> bool:
    """Does a build of the obsoleted name lie outside the versioned range
    (``foo < 2`` while foo-3 ships)? rpm's own range check decides."""
    from errata_tpl.rpmlib import rpm  # librpm: loaded only when a build obsoletes a versioned range

    old, op, evr = obsoletes.split()
    flags = 0
    for word in _SENSE.get(op, "").split():
        flags |= getattr(rpm, f"RPMSENSE_{word}")
    if not flags:
        return True  # an operator rpm does not write: not taken for a rename
    rng = rpm.ds((old, flags, evr), rpm.RPMTAG_OBSOLETENAME)
    for b in builds:
        version = f"{b.epoch}:" if b.epoch else ""
        build = rpm.ds((old, rpm.RPMSENSE_EQUAL, f"{version}{b.version}-{b.release}"), rpm.RPMTAG_PROVIDENAME)
        if not rng.Compare(build):
            return True
    return False


def found(entries: list[RpmInfo]) -> list[dict[str, Any]]:
    """Builds whose header obsoletes another name: the package was renamed, and the
    fix hook needs the new name in (repl) and the old one out (del).

    A rename is an unversioned ``Obsoletes: old``, or a versioned one that covers
    every build of ``old`` among ``entries`` (none left, or only older ones). A
    versioned ``Obsoletes: foo < 2`` while foo-3 ships is no rename: it only
    replaces old builds of a package that lives on."""
    by_name: dict[str, list[RpmInfo]] = {}
    for p in entries:
        by_name.setdefault(p.name, []).append(p)
    found = []
    for p in entries:
        for ob in p.obsoletes:
            parts = ob.split()
            old = parts[0]
            if old == p.name:
                continue
            if len(parts) == 3 and old in by_name and _still_shipped(ob, by_name[old]):
                continue
            evr = f"{p.epoch}:" if p.epoch else ""
            found.append(
                {
                    "name": p.name,
                    "obsoletes": ob,
                    "actions": [
                        {
                            "repl": {"name": p.name, "version": f"{evr}{p.version}-{p.release}", "arch": p.arch},
                            "if_present": old,
                        },
                        {"del": old},
                    ],
                }
            )
    return found


def warning(r: dict[str, Any]) -> str:
    """What generate says of a rename ``found``: the fix hook's two actions."""
    return (
        f"{r['name']} obsoletes {r['obsoletes']}: a renamed package; the fix hook needs "
        f"repl {r['actions'][0]['repl']} and del {r['actions'][1]['del']}"
    )
