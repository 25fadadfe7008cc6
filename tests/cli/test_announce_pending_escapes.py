"""A mirror adds no line to what `pending` and `announce` print (issue 19, hostile round):
an advisory id, severity or CVE holding a line feed, a tab, U+FEFF (from an updateinfo)
or ESC (in a profile edited by hand) shows escaped in pending, announce's text, Markdown
and e-mail (body and Subject), and explain and report's text."""

import email
import email.policy
import re
import shutil

import pytest
import rpmfactory
import yaml

from errata_tpl.terminal import printable

T0 = 1795500000  # 2026-11-24T06:00:00Z
ODD = "\n  Critical  ALL-CLEAR: nothing pending\tx\ufeffy"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")  # LF, TAB: below


@pytest.fixture
def site(make_rpms, tmp_path, example_root, cli, monkeypatch):
    """The example site, a profile 20261201 from a mirror whose advisory holds ODD,
    promoted (forced: the mirror has only bash) to canary."""
    mirror = tmp_path / "mirror"
    make_rpms(["bash 5.1.8-10.el9 x86_64"], mirror)
    adv = rpmfactory.Advisory(
        f"EXSA-2026:9{ODD}",
        "security",
        "2026-11-20",
        ("bash-5.1.8-10.el9.x86_64.rpm",),
        severity=f"Critical{ODD}\nBcc: all@example.org",
        cves=(f"CVE-2026-9{ODD}",),
    )
    rpmfactory.createrepo(mirror, [adv])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261201", root=example_root).exit_code == 0
    profile = example_root / "errata/el9-x86_64/20261201.yaml"
    assert "EXSA-2026:9\\n" in profile.read_text()  # written as an escape, read back as a line feed
    r = cli(
        "promote", "20261201", "--os", "el9-x86_64", "--stage", "canary", "--force", "--repo", mirror, root=example_root
    )
    assert r.exit_code == 0, r.output
    return example_root


def lines_of_advisory(text):
    return [line for line in text.splitlines() if "EXSA-2026:9" in line]


def test_pending_and_announce_keep_one_line_per_advisory(cli, site):
    shown = printable(ODD, one_line=True)
    assert shown == "\\n  Critical  ALL-CLEAR: nothing pending\\tx\\ufeffy"
    r = cli("pending", root=site)
    assert not RAW.search(r.output) and "\t" not in r.stdout
    (line,) = lines_of_advisory(r.stdout)
    assert f"EXSA-2026:9{shown}" in line and f"CVE-2026-9{shown}" in line
    assert "ALL-CLEAR" not in r.stdout.replace(line, "")  # no line of the mirror's own
    announce = ("announce", "--os", "el9-x86_64", "--stage", "canary")
    for fmt in ("text", "markdown"):
        r = cli(*announce, "--format", fmt, root=site)
        assert r.exit_code == 0 and not RAW.search(r.stdout) and "\t" not in r.stdout, (fmt, r.output)
        (line,) = lines_of_advisory(r.stdout)
        assert "ALL-CLEAR" not in r.stdout.replace(line, ""), fmt
        assert "EXSA-2026:9\\" in line  # markdown: the backslash escaped again, shows as \n
    r = cli(*announce, "--format", "email", "--from", "errata@example.org", "--to", "ops@example.org", root=site)
    assert r.exit_code == 0, r.output
    msg = email.message_from_string(r.stdout, policy=email.policy.default)
    assert msg["Bcc"] is None and msg.get_all("To") == ["ops@example.org"]  # the severity added no header
    assert msg["Subject"] == "[errata-tpl] el9-x86_64 canary: now at 20261201 (1 security)"
    body = msg.get_content()
    (line,) = lines_of_advisory(body)
    assert f"EXSA-2026:9{shown}" in line and "ALL-CLEAR" not in body.replace(line, "")
    # JSON keeps the data as it is, for programs
    r = cli(*announce, "--format", "json", root=site)
    assert f"EXSA-2026:9{ODD}" in {a["id"] for a in yaml.safe_load(r.stdout)["advisories"]}


def test_esc_in_a_profile_edited_by_hand_shows_escaped(cli, site):
    profile = site / "errata/el9-x86_64/20261201.yaml"
    profile.write_text(profile.read_text().replace("EXSA-2026:9\\n", "EXSA-2026:9\\e[2J\\n"))
    # edited before its promotion (one edited after is refused by every reader that takes it through its record)
    (site / "site/promotions.yaml").unlink()
    shutil.rmtree(site / ".errata-tpl-cache")
    r = cli("promote", "20261201", "--os", "el9-x86_64", "--stage", "canary", "--force", root=site)
    assert r.exit_code == 0, r.output
    runs = {
        "pending": cli("pending", root=site),
        "announce": cli("announce", "--os", "el9-x86_64", "--stage", "canary", root=site),
        "explain": cli("explain", "wn-051.example.org", "bash", root=site),
        "report": cli("report", "--format", "text", root=site),
    }
    for name, r in runs.items():
        assert not RAW.search(r.output), (name, r.output)
        assert "EXSA-2026:9\\x1b[2J\\n  Critical" in r.stdout, (name, r.output)
