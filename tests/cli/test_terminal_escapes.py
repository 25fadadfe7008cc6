"""No escape sequence reaches a terminal from data: advisory fields a mirror carries
(C1's CSI, DEL, a bidirectional override), file names, notes and keys are shown
escaped by status, explain, stages, diff, check, report --format text and every
message on stderr."""

import json
import re

import pytest
import rpmfactory
from conftest import REPO

from errata_tpl.terminal import printable

# what a terminal acts on or reorders; a line end and a tab are the text's own layout
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
CSI = "\x9b2J\x9b31m"  # C1's CSI: XML (and so an updateinfo) may carry it
ODD = f"{CSI}\x7f\u202eevil\u2066"


@pytest.fixture
def odd_site(make_rpms, tmp_path, example_root, cli):
    """The example site with a profile generated from a mirror whose advisory carries
    CSI, DEL and a bidi override, and a damaged RPM whose file name holds ESC."""
    mirror = tmp_path / "mirror"
    make_rpms(["bash 5.1.8-10.el9 x86_64"], mirror)
    adv = rpmfactory.Advisory(
        f"EXSA-2026:{ODD}",
        "security",
        "2026-11-20",
        ("bash-5.1.8-10.el9.x86_64.rpm",),
        severity=f"Critical{ODD}",
        cves=(f"CVE-2026-{ODD}",),
    )
    rpmfactory.createrepo(mirror, [adv])
    (mirror / "bad\x1b[2J.rpm").write_bytes(b"not an rpm")
    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261201", root=example_root)
    assert r.exit_code == 0, r.output
    assert "bad\\x1b[2J.rpm: skipped" in r.output and not RAW.search(r.output)
    return example_root, mirror


def test_reading_commands_show_data_escaped(cli, odd_site):
    root, mirror = odd_site
    shown = printable(ODD, one_line=True)
    runs = {
        "explain": cli("explain", "wn-001.example.org", "bash", root=root),
        "status": cli("status", root=root),
        "diff": cli("diff", "20261121", "20261201", "--os", "el9-x86_64", root=root),
        "report": cli("report", "--format", "text", root=root),
        "check": cli("check", "wn-001.example.org", "--repo", mirror, root=root),
    }
    for name, r in runs.items():
        assert not RAW.search(r.output), (name, r.output)
    assert f"EXSA-2026:{shown}" in runs["explain"].output
    assert f"EXSA-2026:{shown}" in runs["diff"].output
    assert f"EXSA-2026:{shown}" in runs["report"].output
    # JSON for programs: its own escapes, the same data
    for args in (("status", "--format", "json"), ("report", "--format", "json"), ("resolve", "--all", "-o", "-")):
        r = cli(*args, "--format", "json", root=root) if args[0] == "resolve" else cli(*args, root=root)
        assert r.exit_code == 0 and not RAW.search(r.output), args
    data = json.loads(cli("report", "--format", "json", root=root).output)
    assert f"EXSA-2026:{ODD}" in {a["id"] for a in data["advisories"]}
    # a table stays a table: one line per node, the escape in its cell
    lines = runs["status"].output.splitlines()
    assert len(lines) == 1 + len(list((REPO / "site/nodes").glob("*.yaml")))


def test_report_text_written_to_a_file_is_escaped_too(cli, odd_site, tmp_path):
    root, _ = odd_site
    r = cli("report", "--format", "text", "-o", tmp_path / "r.txt", root=root)
    text = (tmp_path / "r.txt").read_text()
    assert r.exit_code == 0 and f"EXSA-2026:{printable(ODD, one_line=True)}" in text and not RAW.search(text)


def test_promote_by_and_note_are_shown_escaped(cli, example_root, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795500000")
    r = cli(
        *("promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--force"),
        *("--by", f"carol{CSI}\x1b[8m", "--note", f"go\x1b]0;owned\x07\n{ODD}"),
        *("--repo", REPO / "examples/mirror/el9"),
        root=example_root,
    )
    assert r.exit_code == 0, r.output
    assert not RAW.search(r.output) and "by carol\\x9b2J\\x9b31m\\x1b[8m:" in r.output
    r = cli("stages", root=example_root)
    assert r.exit_code == 0 and not RAW.search(r.output) and "carol\\x9b2J\\x9b31m\\x1b[8m" in r.output


def test_errors_and_usage_errors_quote_data_escaped(cli, example_root):
    # a key twice in a node file, the key holding ESC (a YAML escape): the one-line error shows it escaped
    (example_root / "site/nodes/wn-001.example.org.yaml").write_text('os: el9-x86_64\n"\\e[2Jk": 1\n"\\e[2Jk": 2\n')
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1 and "key '\\x1b[2Jk': appears twice" in r.output and not RAW.search(r.output)
    assert len(r.output.splitlines()) == 1
    r = cli("\x1b[2Jresolve", root=example_root)
    assert r.exit_code == 2 and "\\x1b[2Jresolve" in r.output and not RAW.search(r.output)
