"""What the tool writes, it can read back: every string that reaches a written YAML
file (from a mirror's updateinfo, read by createrepo_c, or from the command line)
reads back exactly, and every record (profile, hotfix, promotion record) is parsed
back before it replaces the file that was there."""

import json
import os
import subprocess
import sys

import createrepo_c as cr
import pytest
import rpmfactory
import yaml
from conftest import REPO

from errata_tpl.fileio import yamlio
from errata_tpl.profile import profile as prof

# what XML 1.0 (and so createrepo_c's parser) lets an updateinfo carry of them
IN_XML = "\x7f\x85\x9b\u2028\u2029\u202e\t\r\"'#: {}[],&*!|>%@`"


def _mirror(make_rpms, tmp_path, advisory_id, severity):
    mirror = tmp_path / "mirror"
    make_rpms(["bash 5.1.8-10.el9 x86_64", "openssl-libs 1:3.0.7-30.el9 x86_64"], mirror)
    adv = rpmfactory.Advisory(
        advisory_id,
        "security",
        "2026-11-20",
        ("bash-5.1.8-10.el9.x86_64.rpm", "openssl-libs-3.0.7-30.el9.x86_64.rpm"),
        severity=severity,
        cves=("CVE-2026-" + IN_XML,),
    )
    rpmfactory.createrepo(mirror, [adv])
    return mirror


def _mirror_records(mirror):
    """The advisories as createrepo_c itself reads the mirror's updateinfo."""
    (path,) = (mirror / "repodata").glob("*updateinfo.xml*")
    return cr.UpdateInfo(str(path)).updates


def test_a_mirror_cannot_make_the_site_unreadable(make_rpms, tmp_path, example_root, cli):
    adv_id, severity = "EXSA-2026:" + IN_XML, "Important" + IN_XML
    mirror = _mirror(make_rpms, tmp_path, adv_id, severity)
    (rec,) = _mirror_records(mirror)
    assert (rec.id, rec.severity) == (adv_id, severity)  # createrepo_c reads them as written

    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261201", root=example_root)
    assert r.exit_code == 0, r.output
    path = example_root / "errata/el9-x86_64/20261201.yaml"
    p = prof.load(path)
    (adv,) = {a for e in p.packages for a in e.advisories}
    assert (adv.id, adv.severity, adv.cves) == (adv_id, severity, ("CVE-2026-" + IN_XML,))
    assert yaml.safe_load(path.read_text())["packages"][0]["advisories"][0]["id"] == adv_id  # pure-Python pyyaml too

    # the site stays usable: a node on the new profile resolves, diff and status read it
    (example_root / "site/errata-overrides.yaml").write_text("wn-001.example.org: '20261201'\n")
    assert cli("resolve", "wn-001.example.org", root=example_root).exit_code == 0
    r = cli("diff", "20261121", "20261201", "--os", "el9-x86_64", "--format", "json", root=example_root)
    changes = json.loads(r.output)["upgraded"]
    assert r.exit_code == 0 and {a["id"] for c in changes for a in c["advisories"]} == {adv_id}
    assert cli("status", root=example_root).exit_code == 0

    # the hotfix of that advisory is a record too: written, read back, applied
    r = cli("hotfix", mirror, "--os", "el9-x86_64", "--name", "odd", "--advisory", adv_id, root=example_root)
    assert r.exit_code == 0, r.output
    h = yaml.safe_load((example_root / "errata/el9-x86_64/hotfix-odd.yaml").read_text())
    assert {a["id"] for e in h["packages"] for a in e["advisories"]} == {adv_id}


def test_control_characters_xml_forbids_are_refused_naming_the_file(make_rpms, tmp_path, example_root, cli):
    mirror = _mirror(make_rpms, tmp_path, "EXSA-2026:\x1b[2J", "Important")
    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261201", root=example_root)
    assert r.exit_code == 1
    assert "updateinfo.xml.gz: not well-formed XML (line" in r.output  # expat, reading it for createrepo_c
    assert "\x1b" not in r.output and len(r.output.strip().splitlines()) == 1
    assert not (example_root / "errata/el9-x86_64/20261201.yaml").exists()


def test_a_mirror_path_that_is_not_utf8_is_refused_and_nothing_written(make_rpms, tmp_path, example_root):
    import subprocess

    odd = os.fsencode(tmp_path) + b"/mirror-\xff"
    make_rpms(["bash 5.1.8-10.el9 x86_64"], tmp_path / "plain")
    os.rename(tmp_path / "plain", odd)
    r = subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(example_root), "generate", odd, "--os", "el9-x86_64"],
        capture_output=True,
    )
    assert r.returncode == 1 and r.stdout == b""
    assert r.stderr.startswith(b"errata-tpl: error: '") and b"mirror-\\udcff': not UTF-8 text (byte \\xff)" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert sorted(p.name for p in (example_root / "errata/el9-x86_64").iterdir()) == sorted(
        p.name for p in (REPO / "errata/el9-x86_64").iterdir()
    )


@pytest.fixture
def staged(example_root, monkeypatch):
    monkeypatch.setenv("LOGNAME", "carol")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795500000")
    return example_root


def test_note_and_by_read_back_exactly(cli, staged):
    note, by = "go \x1b[31mnow\x07\x7f\x85\x9b\u2028\u202e\ufffe\n2nd line", "car\x1bol\u0085"
    args = ("promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--force")
    r = cli(*args, "--note", note, "--by", by, "--repo", str(REPO / "examples/mirror/el9"), root=staged)
    assert r.exit_code == 0, r.output
    text = (staged / "site/promotions.yaml").read_text()
    assert "\x1b" not in text and "\x85" not in text and "\u2028" not in text
    (rec,) = yaml.safe_load(text)
    assert (rec["note"], rec["by"]) == (note, by)
    assert (rec,) == tuple(yamlio.load_text(text, "p"))
    # and a second promotion appends to a record that holds them
    r = cli(*args[:5], "compute", "--force", "--note", note, "--repo", str(REPO / "examples/mirror/el9"), root=staged)
    assert r.exit_code == 0, r.output
    assert [x["note"] for x in yaml.safe_load((staged / "site/promotions.yaml").read_text())] == [note, note]


def test_a_note_that_is_not_utf8_is_one_line_and_nothing_written(staged):
    import subprocess

    before = sorted(p.name for p in (staged / "site").iterdir())
    r = subprocess.run(
        [
            *(sys.executable, "-m", "errata_tpl.cli", "--root", str(staged)),
            *("promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--force"),
            *("--repo", str(REPO / "examples/mirror/el9"), "--note", b"caf\xe9 ok"),
        ],
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert r.returncode == 1, r.stderr
    assert len(r.stderr.splitlines()) == 1 and b"not UTF-8 text (byte \\xe9)" in r.stderr, r.stderr
    assert sorted(p.name for p in (staged / "site").iterdir()) == before


def run_real(root, *args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), *args], capture_output=True, **kw
    )


def test_text_that_is_not_utf8_is_one_line(example_root):
    # a --note with a byte that is not UTF-8: refused in one line, the record untouched
    r = run_real(example_root, "promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--note", b"x\xff")
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    assert r.stderr.count(b"\n") == 1
    assert not (example_root / "site/promotions.yaml").exists()
