"""A promoted profile is what its records bound: ``generate --force`` over one that a
record in force binds is refused (every reader would refuse the new file until it was
promoted again, at every stage that has it, approvals and soaks included; the file the
approvers approved would be lost where errata/ is not in version control)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from errata_tpl.errors import UserError
from errata_tpl.fileio.sitepaths import site_folder_of
from errata_tpl.messages import Reporter
from errata_tpl.promotions import store
from errata_tpl.values import names


def before_replacing(root: Path, path: Path, text: str, rep: Reporter) -> None:
    """Before ``path`` (a profile of the site, existing) is replaced by ``text``: refused
    when a record in force binds the file to other bytes; said when only records no
    longer in force do (their announcements no longer show what they brought)."""
    rel = site_folder_of(root, path)
    if rel is None or len(rel.parts) != 3 or rel.parts[0] != "errata" or rel.suffix != ".yaml":
        return
    os_id, profile = rel.parts[1], rel.stem
    if not names.is_profile(profile):
        return
    history = store.load_rollout(root, rep.warn).history
    new = hashlib.sha256(text.encode()).hexdigest()
    force = history.in_force()
    mine = [r for r in history.records if (r.os, r.profile) == (os_id, profile) and r.profile_sha256 not in (None, new)]
    binding = [r for r in mine if r.number in force]
    held = [r.label() for r in ([r for r in binding if r.kind == "promotion"] or binding)]  # approvals: the same
    if held:
        raise UserError(
            f"{rel}: promoted by {', '.join(held)}, in force: replacing it would make every reader refuse it until "
            "it is promoted again at each of those stages; generate the new one under another name "
            "(--profile YYYYMMDD) and promote that; nothing written"
        )
    for r in mine:
        rep.warn(
            f"{rel}: {r.label()} promoted other content (SHA-256 {str(r.profile_sha256)[:8]}); no stage has it in "
            "effect through that record now, but stages --verify will name it"
        )
