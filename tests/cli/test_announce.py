"""announce and pending (issue 23): each announcement format read by a real reader (the
e-mail by Python's email package, Atom by feedparser and RFC 4287's rules, JSON by
jsonschema against the shipped schema), on the example site promoted for real."""

import email
import email.policy
import email.utils
import json
import xml.etree.ElementTree as ET

import feedparser
import jsonschema
import pytest
import yaml
from conftest import REPO

from errata_tpl.promotions.announcement import SCHEMA

T0 = 1795500000  # 2026-11-24T06:00:00Z
DAY = 86400
EL9 = str(REPO / "examples/mirror/el9")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(example_root, monkeypatch, cli):
    """20261121 at canary (T0), then at compute (T0 + 2d) with a note."""
    monkeypatch.setenv("LOGNAME", "ops")
    for at, stage, note in ((T0, "canary", "first *two* [nodes](x)"), (T0 + 2 * DAY, "compute", "the rest")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(at))
        r = cli(
            "promote",
            "20261121",
            "--os",
            "el9-x86_64",
            "--stage",
            stage,
            "--note",
            note,
            "--repo",
            EL9,
            root=example_root,
        )
        assert r.exit_code == 0, r.output
    return example_root


def announce(cli, root, *args):
    r = cli("announce", "--os", "el9-x86_64", *args, root=root)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_text_says_what_the_promotion_brought(cli, site):
    out = announce(cli, site, "--stage", "canary").splitlines()
    assert out[0] == "el9-x86_64 canary: now at 20261121 (1 Critical, 2 Important, 2 Moderate, 2 bugfix)"
    since = "Profile 20261121 is in effect at stage canary for el9-x86_64 since 2026-11-24T06:00:00Z"
    assert out[2] == f"{since}; its nodes had 20261001."
    assert "Promoted by ops at 2026-11-24T06:00:00Z." in out and "Note: first *two* [nodes](x)" in out
    assert "Nodes: 2 (clusters: compute), 2 of them change: wn-051.example.org, wn-052.example.org." in out
    advisories = out[out.index("Advisories: 7") + 1 : out.index("Advisories: 7") + 8]
    assert [line.split()[0] for line in advisories] == [
        "Critical",
        "Important",
        "Important",
        "Moderate",
        "Moderate",
        "bugfix",
        "bugfix",
    ]
    assert advisories[0] == "  Critical EXSA-2026:1002, issued 2026-11-12: CVE-2026-10002 CVE-2026-10003"
    assert "Kernels: these nodes must reboot" in out
    assert "  5.14.0-362.8.1.el9_3 -> 5.14.0-362.13.1.el9_3: wn-051.example.org" in out
    # compute: the hotfix wn-062 names is superseded now, and the override keeps wn-001/002 as they were
    out = announce(cli, site, "--stage", "compute")
    assert "Hotfixes now superseded\n  openssl-urgent: wn-062.example.org\n" in out
    assert "Nodes: 6 (clusters: compute), 1 of them change:" in out


def test_markdown_shows_data_as_text(cli, site):
    out = announce(cli, site, "--stage", "canary", "--format", "markdown")
    assert out.startswith("# el9-x86\\_64 canary: now at 20261121")
    assert "- Note: first \\*two\\* \\[nodes\\](x)" in out
    assert "## Advisories: 7\n- Critical EXSA-2026:1002" in out


def test_email_is_an_rfc5322_message(cli, site):
    r = cli("announce", "--os", "el9-x86_64", "--stage", "compute", "--format", "email", root=site)
    assert r.exit_code == 1 and "give --from ADDR, or announce: {from, to} in site/site.yaml" in r.stderr
    path = site / "site/site.yaml"
    path.write_text(
        path.read_text() + "announce: {from: errata@example.org, to: [ops@example.org, users@example.org]}\n"
    )
    out = announce(cli, site, "--stage", "compute", "--format", "email")
    msg = email.message_from_bytes(out.encode(), policy=email.policy.default)
    assert not msg.defects and all(not part.defects for part in msg.walk())
    assert msg["From"] == "errata@example.org"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ops@example.org", "users@example.org"]
    assert msg["Subject"] == "[errata-tpl] el9-x86_64 compute: now at 20261121 (2 Important, 2 Moderate, 2 bugfix)"
    assert email.utils.parsedate_to_datetime(msg["Date"]).timestamp() == T0 + 2 * DAY
    assert msg["Message-ID"].startswith("<errata-tpl.") and msg["Message-ID"].endswith("@example.org>")
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content() == announce(cli, site, "--stage", "compute")
    # the command line wins; a header in an address is no address
    out = announce(cli, site, "--stage", "compute", "--format", "email", "--to", "Ann <ann@example.org>")
    assert email.message_from_string(out, policy=email.policy.default)["To"].addresses[0].addr_spec == "ann@example.org"
    r = cli(
        "announce",
        "--os",
        "el9-x86_64",
        "--stage",
        "compute",
        "--format",
        "email",
        "--to",
        "x@example.org\nBcc: eve@e",
        root=site,
    )
    assert r.exit_code == 1 and "announce: key 'to'" in r.stderr and r.stderr.count("\n") == 1


def test_atom_feed_read_by_feedparser_and_held_to_rfc4287(cli, site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 3 * DAY))
    r = cli("promote", "20261001", "--os", "el9-x86_64", "--stage", "canary", "--repo", EL9, root=site)
    assert r.exit_code == 0 and r.stdout.startswith("rollback: 20261001"), r.output
    out = announce(cli, site, "--stage", "canary", "--format", "atom")
    feed = feedparser.parse(out)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == [
        "el9-x86_64 canary: rolled back to 20261001",
        "el9-x86_64 canary: now at 20261121 (1 Critical, 2 Important, 2 Moderate, 2 bugfix)",
    ]
    assert len({e.id for e in feed.entries}) == 2 and feed.feed.id.startswith("urn:uuid:")
    assert feed.entries[1].updated == "2026-11-24T06:00:00Z" and feed.entries[1].author == "ops"
    assert "CVE-2026-10002" in feed.entries[1].content[0].value
    # RFC 4287's MUSTs: the feed and each entry have exactly one id, title and updated; an author
    root = ET.fromstring(out)
    assert root.tag == f"{ATOM}feed"
    for el in (root, *root.findall(f"{ATOM}entry")):
        for tag in ("id", "title", "updated"):
            assert len(el.findall(f"{ATOM}{tag}")) == 1, (el.tag, tag)
        assert el.find(f"{ATOM}author/{ATOM}name") is not None or root.find(f"{ATOM}author") is not None
    assert root.find(f"{ATOM}updated").text == "2026-11-27T06:00:00Z"  # the newest entry's
    # --entries bounds it
    assert (
        len(feedparser.parse(announce(cli, site, "--stage", "canary", "--format", "atom", "--entries", "1")).entries)
        == 1
    )


def test_json_follows_the_shipped_schema(cli, site):
    shipped = json.loads((REPO / "schemas/announcement.schema.json").read_text())
    assert shipped == SCHEMA
    jsonschema.Draft202012Validator.check_schema(shipped)
    for stage in ("canary", "compute"):
        data = json.loads(announce(cli, site, "--stage", stage, "--format", "json"))
        jsonschema.validate(data, shipped, cls=jsonschema.Draft202012Validator)
        records = yaml.safe_load((site / "site/promotions.yaml").read_text())
        assert data["record"] == {"canary": 0, "compute": 1}[stage]
        assert data["note"] == records[data["record"]]["note"]
        assert data["cves"] == records[data["record"]]["cves_fixed"]


def test_choosing_the_record_and_its_errors(cli, site, tmp_path):
    assert "Record [0]" in announce(cli, site, "--stage", "canary", "--record", "0")
    for args, words in (
        (("--stage", "canary", "--record", "1"), "--record 1: record [1] (20261121 to compute for el9-x86_64) is not"),
        (("--stage", "canary", "--record", "7"), "--record 7: site/promotions.yaml has records 0 to 1"),
        (("--stage", "all"), "site/promotions.yaml: no promotion in effect at all for el9-x86_64 yet"),
        (("--stage", "nope"), "no stage 'nope'"),
        (("--stage", "canary", "-o", str(site / "site/x.txt")), "lands in the site's own folder site/"),
    ):
        r = cli("announce", "--os", "el9-x86_64", *args, root=site)
        assert r.exit_code == 1 and words in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
    out = tmp_path / "canary.json"
    assert (
        cli("announce", "--os", "el9-x86_64", "--stage", "canary", "--format", "json", "-o", out, root=site).exit_code
        == 0
    )
    assert json.loads(out.read_text())["profile"] == "20261121"


# --- pending ------------------------------------------------------------------------------------


def test_pending_worst_first_and_its_exit_code(cli, site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 2 * DAY))  # 2026-11-26
    r = cli("pending", root=site)
    assert r.exit_code == 1, r.output  # a Critical issued 2026-11-12 has waited 14 days
    lines = r.stdout.splitlines()
    assert lines[0] == (
        "el8-x86_64: 0 security advisories of 20261121 (made 2026-11-21) are not at stage all (it has no profile yet)"
    )
    assert lines[1].startswith("el9-x86_64: 5 security advisories of 20261121")
    assert lines[2].split()[:2] == ["Critical", "EXSA-2026:1002"] and lines[2].endswith("OVERDUE")
    assert "issued 2026-11-12 (14d ago), in a profile 5d" in lines[2]
    assert [line.split()[0] for line in lines[2:7]] == ["Critical", "Important", "Important", "Moderate", "Moderate"]
    assert lines[-1] == "3 Critical or Important advisories have waited longer than 7d"
    r = cli("pending", "--max-wait", "3w", "--format", "json", root=site)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["overdue"] == 0 and data["max_wait"] == "21d" and data["today"] == "2026-11-26"
    el9 = data["os"][1]
    assert (el9["newest"], el9["stage"], el9["stage_profile"]) == ("20261121", "all", None)
    assert el9["advisories"][0] == {
        "id": "EXSA-2026:1002",
        "severity": "Critical",
        "issued": "2026-11-12",
        "cves": ["CVE-2026-10002", "CVE-2026-10003"],
        "days_since_issued": 14,
        "days_since_profile": 5,
        "overdue": False,
    }
    # the last stage has it now: nothing waits
    r = cli("promote", "20261121", "--os", "el9-x86_64", "--stage", "all", "--force", "--repo", EL9, root=site)
    assert r.exit_code == 0, r.output
    r = cli("pending", root=site)
    assert r.exit_code == 0 and "el9-x86_64: 0 security advisories" in r.stdout
    r = cli("pending", "--max-wait", "soon", root=site)
    assert r.exit_code == 1 and "--max-wait: expected a duration such as 2d" in r.stderr
