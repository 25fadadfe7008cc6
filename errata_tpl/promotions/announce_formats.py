"""An announcement as text, Markdown, an RFC 5322 message, an Atom feed or JSON.

Each takes the data of ``announcement.of`` (one promotion, or the stage's promotions
newest first for Atom) and returns the text; none reads anything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import default as email_policy
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree as ET

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.promotions import record as rec
from errata_tpl.promotions.announcement import counts
from errata_tpl.terminal import printable

FORMATS = ("text", "markdown", "email", "atom", "json")
ATOM = "http://www.w3.org/2005/Atom"


def title(a: dict[str, Any]) -> str:
    what = "rolled back to" if a["rollback"] else "now at"
    sec = ", ".join(f"{n} {k}" for k, n in counts(a["advisories"]))
    # one line whatever the mirror's severities hold: it is the e-mail's Subject too
    return printable(f"{a['os']} {a['stage']}: {what} {a['profile']}" + (f" ({sec})" if sec else ""), one_line=True)


def _lines(a: dict[str, Any], md: bool) -> list[str]:
    """(prefix, text) pairs: Markdown escapes the text, never the prefix."""
    item, head, sub = ("- ", "## ", "- ") if md else ("", "", "  ")
    if a["replaced"]:
        replaced = f", replacing {a['replaced']}"
    else:
        replaced = f"; its nodes had {', '.join(a['before']) or 'no profile'}" if a["before"] else ""
    rollback = " (a rollback: the profile it replaces is newer)" if a["rollback"] else ""
    p = a["promoted"]
    n = a["nodes"]
    clusters = f" (clusters: {', '.join(n['clusters'])})" if n["clusters"] else ""
    since = f"Profile {a['profile']} is in effect at stage {a['stage']} for {a['os']} since {a['in_effect']}"
    out = [("# " if md else "", title(a)), ("", ""), (item, f"{since}{replaced}{rollback}.")]
    out.append(
        (item, f"Promoted by {p['by']} at {p['time']}" + (f", signed by {p['signer']}." if p["signer"] else "."))
    )
    if a["approved_by"]:
        out.append((item, f"Approved by {', '.join(a['approved_by'])}."))
    if a["forced"]:
        out.append((item, f"Forced past: {'; '.join(a['forced'])}."))
    if a["note"]:
        out.append((item, f"Note: {a['note']}"))
    names = ", ".join(n["names"]) or "none"
    out += [(item, f"Nodes: {n['count']}{clusters}, {n['changed']} of them change: {names}."), ("", "")]
    out.append((head, f"Advisories: {len(a['advisories'])}"))
    for adv in a["advisories"]:
        what = adv["severity"] or adv["type"] if adv["type"] == "security" else adv["type"]
        issued = f", issued {adv['issued']}" if adv["issued"] else ""
        found = f": {' '.join(adv['cves'])}" if adv["cves"] else ""
        out.append((sub, f"{what} {adv['id']}{issued}{found}"))
    out.append(("", ""))
    if a["kernels"]:
        out.append((head, "Kernels: these nodes must reboot"))
        out += [
            (sub, f"{k['from'] or '(none)'} -> {k['to'] or '(none)'}: {', '.join(k['nodes'])}") for k in a["kernels"]
        ]
        out.append(("", ""))
    if a["hotfixes_superseded"]:
        out.append((head, "Hotfixes now superseded"))
        out += [(sub, f"{h['hotfix']}: {', '.join(h['nodes'])}") for h in a["hotfixes_superseded"]]
        out.append(("", ""))
    out.append(("", f"{a['packages_changed']} packages change. Record [{a['record']}], {a['hash']}."))
    # each line one line: a line feed or tab in data (an advisory id, a note) shows escaped,
    # so data never adds a line of its own to an announcement
    return [prefix + (_md(printable(t, one_line=True)) if md else printable(t, one_line=True)) for prefix, t in out]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")  # what makes markup inside a line (links need [)


def _md(text: str) -> str:
    """Text from data shown as itself in Markdown, never as markup or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def text(a: dict[str, Any]) -> str:
    """For people: what data holds (ESC, bidi controls) shows escaped (terminal.printable)."""
    return printable("\n".join(_lines(a, md=False)) + "\n")


def markdown(a: dict[str, Any]) -> str:
    return printable("\n".join(_lines(a, md=True)) + "\n")


def email(a: dict[str, Any], sender: str, to: Sequence[str]) -> str:
    """An RFC 5322 message (text/plain, UTF-8) that ``sendmail -t`` sends as it is."""
    msg = EmailMessage(policy=email_policy)
    for header, value, key in (("From", sender, "from"), ("To", ", ".join(to), "to")):
        try:
            msg[header] = value
        except (ValueError, TypeError) as e:
            raise UserError(f"announce: key '{key}': {value!r:.60} is not an address ({e})") from None
        if not msg[header].addresses or any("@" not in x.addr_spec for x in msg[header].addresses):
            raise UserError(f"announce: key '{key}': {value!r:.60} is not an address such as ops@example.org")
    domain = msg["From"].addresses[0].domain
    msg["Subject"] = f"[errata-tpl] {title(a)}"
    msg["Date"] = format_datetime(rec.parse_time(a["in_effect"]))
    msg["Message-ID"] = f"<errata-tpl.{a['hash'][:32]}@{domain}>"  # one promotion, one message
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text(a))
    return msg.as_string()


def _uuid(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'errata-tpl:' + name)}"


def atom(entries: Sequence[dict[str, Any]], os_id: str, stage: str, site: str) -> str:
    """An Atom 1.0 feed (RFC 4287): one entry per promotion of the stage, newest first.
    ``site`` tells sites apart in the feed's id (the chain's first record's hash)."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, content: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if content is not None:
            el.text = printable(content)  # XML 1.0 holds no C0 control: data shows them escaped
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", _uuid(f"{site}/{os_id}/{stage}"))
    sub(feed, "title", f"errata-tpl: {stage} ({os_id})")
    sub(feed, "updated", entries[0]["in_effect"] if entries else "1970-01-01T00:00:00Z")
    sub(sub(feed, "author"), "name", "errata-tpl")
    sub(feed, "generator", "errata-tpl", version=__version__)
    for a in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", _uuid(a["hash"]))
        sub(entry, "title", title(a))
        sub(entry, "updated", a["in_effect"])
        sub(entry, "published", a["in_effect"])
        sub(sub(entry, "author"), "name", a["promoted"]["by"])
        for severity in sorted({x["severity"] for x in a["advisories"] if x["type"] == "security" and x["severity"]}):
            sub(entry, "category", term=severity)
        sub(entry, "content", text(a), type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def json(a: dict[str, Any]) -> str:
    return yamlio.json_text(a) + "\n"
