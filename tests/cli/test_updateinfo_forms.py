"""Real-world updateinfo forms, written by hand after distributions' files.

The forms follow public samples: SUSE's `<issued date="1593505741"/>`, lower-case
`<severity>moderate</severity>` and `status="retracted"` (Uyuni's retracted-patch
notes); Fedora/Red Hat's "YYYY-MM-DD HH:MM:SS" and " UTC" (createrepo_c's
tests/testdata/updateinfo_files/updateinfo_03.xml); `<severity>none</severity>`
(ci-dnf-stack fixtures); one advisory in several collections and one build named
once per subpackage (Fedora Core 5/6 updates).
"""

import json
import subprocess

import pytest
import yaml
from conftest import spec

from errata_tpl.mirror import advisories


def ts(day: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp())


BUILDS = [
    spec("hello 2.10-1 x86_64", buildtime=ts("2026-01-03")),  # SUSE: epoch date, lower-case severity
    spec("hello 2.10-2 x86_64", buildtime=ts("2026-05-01")),  # SUSE: retracted security advisory
    spec("curl 7-1 x86_64", buildtime=ts("2026-02-01")),  # Fedora: date with time, no <updated>
    spec("curl 7-2 x86_64", buildtime=ts("2026-03-20")),  # fractional seconds, " UTC" on updated
    spec("zlib 1-1 x86_64", buildtime=ts("2026-02-10")),  # a date nobody can read
    spec("zlib 1-2 x86_64", buildtime=ts("2026-06-01")),  # an unknown severity
    spec("openssl 3-1 x86_64", buildtime=ts("2026-01-20")),  # listed many times
    spec("openssl-libs 3-1 x86_64", buildtime=ts("2026-01-20")),
    spec("nano 7-1 x86_64", buildtime=ts("2026-01-25")),  # status testing, severity None
]


def pkg(name, version, release, arch="x86_64"):
    return (
        f'<package name="{name}" epoch="0" version="{version}" release="{release}" arch="{arch}" '
        f'src="{name}-{version}-{release}.src.rpm"><filename>{name}-{version}-{release}.{arch}.rpm</filename>'
        "</package>"
    )


def update(id_, type_, status, issued, *collections, updated=None, severity=None, cves=(), from_="errata@example.org"):
    refs = "".join(f'<reference href="https://cve.example.invalid/{c}" id="{c}" type="cve" title="{c}"/>' for c in cves)
    colls = "".join(f'<collection short="c{i}"><name>c{i}</name>{c}</collection>' for i, c in enumerate(collections))
    return (
        f'<update from="{from_}" status="{status}" type="{type_}" version="1">\n'
        f"  <id>{id_}</id>\n  <title>{id_}</title>\n"
        + (f"  <severity>{severity}</severity>\n" if severity is not None else "")
        + (f'  <issued date="{issued}"/>\n' if issued is not None else "")
        + (f'  <updated date="{updated}"/>\n' if updated is not None else "")
        + f"  <references>{refs}</references>\n  <description>{id_}</description>\n"
        + f"  <pkglist>{colls}</pkglist>\n</update>\n"
    )


UPDATES = [
    # SUSE writes epoch seconds and lower-case severities
    update(
        "openSUSE-SU-2026:0001-1",
        "security",
        "stable",
        str(ts("2026-01-05")),
        pkg("hello", "2.10", "1"),
        severity="moderate",
        cves=("CVE-2026-0101",),
        from_="maint-coord@suse.de",
    ),
    # ... and marks a withdrawn update `retracted`
    update(
        "openSUSE-SU-2026:0002-1",
        "security",
        "retracted",
        str(ts("2026-05-02")),
        pkg("hello", "2.10", "2"),
        severity="critical",
        cves=("CVE-2026-0202",),
        from_="maint-coord@suse.de",
    ),
    # Fedora: "YYYY-MM-DD HH:MM:SS", no <updated>, a capitalised type
    update(
        "FEDORA-2026-aaaa",
        "Security",
        "stable",
        "2026-02-03 04:10:31",
        pkg("curl", "7", "1"),
        severity="Moderate",
        cves=("CVE-2026-0303",),
    ),
    # fractional seconds on issued, " UTC" on updated, an upper-case severity
    update(
        "FEDORA-2026-bbbb",
        "security",
        "stable",
        "2026-03-22 10:00:00.123456",
        pkg("curl", "7", "2"),
        updated="2026-07-01 06:00:01 UTC",
        severity="IMPORTANT",
        cves=("CVE-2026-0404",),
    ),
    update("EX-2026:0005", "bugfix", "final", "the 10th of February", pkg("zlib", "1", "1")),
    update(
        "EX-2026:0006",
        "security",
        "final",
        "2026-06-02",
        pkg("zlib", "1", "2"),
        severity="Urgent",
        cves=("CVE-2026-6",),
    ),
    # one build named in two collections, and once per subpackage in each (Fedora Core)
    update(
        "FEDORA-2006-0007",
        "security",
        "final",
        "2026-01-22 00:00:00",
        pkg("openssl", "3", "1") + pkg("openssl-libs", "3", "1") + pkg("openssl", "3", "1"),
        pkg("openssl", "3", "1") + pkg("openssl-libs", "3", "1"),
        severity="Important",
        cves=("CVE-2026-0707",),
    ),
    update("FEDORA-2026-cccc", "enhancement", "testing", "2026-01-26", pkg("nano", "7", "1"), severity="none"),
    update("", "security", "final", "2026-01-27", pkg("nano", "7", "1")),  # no id: left out, said
]


def write_updateinfo(repo, updates):
    """A repository by createrepo_c with the updateinfo given as text, added by modifyrepo_c."""
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    path = repo / "updateinfo.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n' + "".join(updates) + "</updates>\n")
    subprocess.run(
        ["modifyrepo_c", "--mdtype", "updateinfo", str(path), str(repo / "repodata")], check=True, capture_output=True
    )
    path.unlink()


@pytest.fixture
def repo(make_rpms, tmp_path):
    make_rpms(BUILDS)
    write_updateinfo(tmp_path / "mirror", UPDATES)
    return tmp_path / "mirror"


def gen(cli, repo, root, *args):
    r = cli("generate", repo, "--os", "el9-x86_64", "--stdout", *args, root=root)
    assert r.exit_code == 0, r.stderr
    assert "Traceback" not in r.stderr
    return yaml.safe_load(r.stdout), r.stderr


def versions(p):
    return {p["name"]: p["version"] for p in p["packages"]}


def entry(p, name):
    return next(e for e in p["packages"] if e["name"] == name)


def test_load_reads_each_form(repo):
    warnings = []
    by = advisories.load(repo, warnings.append)
    (hello1,) = by[("hello", "0", "2.10", "1", "x86_64")]
    assert (hello1.issued, hello1.updated, hello1.severity, hello1.status) == (
        "2026-01-05",
        "2026-01-05",  # no <updated>: the issued day
        "Moderate",
        "stable",
    )
    (curl1,) = by[("curl", "0", "7", "1", "x86_64")]
    assert (curl1.type, curl1.issued, curl1.updated) == ("security", "2026-02-03", "2026-02-03")
    (curl2,) = by[("curl", "0", "7", "2", "x86_64")]
    assert (curl2.issued, curl2.updated, curl2.severity) == ("2026-03-22", "2026-07-01", "Important")
    (zlib1,) = by[("zlib", "0", "1", "1", "x86_64")]
    assert zlib1.issued is None and zlib1.updated is None
    (zlib2,) = by[("zlib", "0", "1", "2", "x86_64")]
    assert zlib2.severity == "Urgent" and zlib2.severity_rank() == -1
    (nano,) = by[("nano", "0", "7", "1", "x86_64")]
    assert nano.severity is None and nano.status == "testing"
    (hello2,) = by[("hello", "0", "2.10", "2", "x86_64")]
    assert hello2.retracted and advisories.cves([hello2]) == []
    # listed five times over two collections: once per build
    assert [a.id for a in by[("openssl", "0", "3", "1", "x86_64")]] == ["FEDORA-2006-0007"]
    assert [a.id for a in by[("openssl-libs", "0", "3", "1", "x86_64")]] == ["FEDORA-2006-0007"]
    w, no_id = warnings
    assert "EX-2026:0005" in w and "unreadable date" in w and "undated" in w and "\n" not in w
    assert "an advisory without an <id>" in no_id


def test_profile_writes_one_spelling(repo, cli, tmp_path):
    p, err = gen(cli, repo, tmp_path)
    assert err.count("EX-2026:0005") == 1  # one warning for the unreadable date
    hello = entry(p, "hello")
    assert hello["version"] == "2.10-2"  # the newest build, though its advisory is retracted
    assert hello["advisories"] == [
        {
            "id": "openSUSE-SU-2026:0002-1",
            "type": "security",
            "severity": "Critical",
            "issued": "2026-05-02",
            "status": "retracted",
        }
    ]
    assert "cves" not in hello  # a retracted advisory fixes nothing
    assert "hello-2.10-2.x86_64: advisory openSUSE-SU-2026:0002-1 is retracted" in err
    assert entry(p, "curl")["advisories"][0]["severity"] == "Important"
    assert entry(p, "nano")["advisories"][0] == {
        "id": "FEDORA-2026-cccc",
        "type": "enhancement",
        "severity": None,
        "issued": "2026-01-26",
        "status": "testing",
    }
    assert entry(p, "zlib")["advisories"][0]["severity"] == "Urgent"
    assert entry(p, "zlib")["cves"] == ["CVE-2026-6"]
    openssl = entry(p, "openssl")
    assert [a["id"] for a in openssl["advisories"]] == ["FEDORA-2006-0007"]
    assert openssl["cves"] == ["CVE-2026-0707"]


def test_until_by_each_date_form(repo, cli, tmp_path):
    # hello-1 by its epoch date 01-05 (built 01-03); hello-2 retracted: dated by its build (05-01);
    # curl-1 on 02-03; zlib-1 undated (unreadable): by its build on 02-10
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-02-09")
    assert versions(p) == {"hello": "2.10-1", "curl": "7-1", "openssl": "3-1", "openssl-libs": "3-1", "nano": "7-1"}
    rule = p["selection"]
    assert rule == {
        "until": "2026-02-09",
        "date": "issued",
        "undated": "buildtime",
        "undated_advisories": ["EX-2026:0005"],
    }
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-02-10")
    assert versions(p)["zlib"] == "1-1"
    # fractional seconds on 03-22: curl-2 (built 03-20) waits for its advisory
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-03-21")
    assert versions(p)["curl"] == "7-1"
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-03-22")
    assert versions(p)["curl"] == "7-2"
    # the retracted advisory does not date hello-2: its build time does
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-05-01")
    assert versions(p)["hello"] == "2.10-2"
    # " UTC" on <updated>: curl-2 on 07-01 by that field
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-06-30", "--date-field", "updated")
    assert versions(p)["curl"] == "7-1"
    p, _ = gen(cli, repo, tmp_path, "--until", "2026-07-01", "--date-field", "updated")
    assert versions(p)["curl"] == "7-2"


def test_security_only_and_severities(repo, cli, tmp_path):
    p, _ = gen(cli, repo, tmp_path, "--security-only")
    # hello-2's advisory is retracted: hello-1 is the newest security fix; zlib-2's unknown severity counts here
    assert versions(p) == {"hello": "2.10-1", "curl": "7-2", "zlib": "1-2", "openssl": "3-1", "openssl-libs": "3-1"}
    p, _ = gen(cli, repo, tmp_path, "--security-only", "--min-severity", "low")  # any case on the command line
    assert p["selection"]["min_severity"] == "Low"
    # SUSE's `moderate` is Moderate; an unknown severity ("Urgent") meets no minimum
    assert versions(p) == {"hello": "2.10-1", "curl": "7-2", "openssl": "3-1", "openssl-libs": "3-1"}
    p, _ = gen(cli, repo, tmp_path, "--security-only", "--min-severity", "Important")
    assert versions(p) == {"curl": "7-2", "openssl": "3-1", "openssl-libs": "3-1"}


def test_diff_lists_each_advisory_once(repo, cli, tmp_path):
    root = tmp_path / "root"
    for name, until in (("20260101", "2026-01-01"), ("20260301", "2026-03-01")):
        r = cli("generate", repo, "--os", "el9-x86_64", "--profile", name, "--until", until, root=root)
        assert r.exit_code == 0, r.stderr
    d = root / "errata/el9-x86_64"
    r = cli("diff", d / "20260101.yaml", d / "20260301.yaml", "--format", "json", root=root)
    out = yaml.safe_load(r.stdout)
    openssl = next(c for c in out["added"] if c["name"] == "openssl")
    assert [a["id"] for a in openssl["advisories"]] == ["FEDORA-2006-0007"]
    assert openssl["cves"] == ["CVE-2026-0707"]
    r = cli("diff", d / "20260101.yaml", d / "20260301.yaml", root=root)
    line = next(x for x in r.stdout.splitlines() if "openssl.x86_64" in x)
    assert line.count("FEDORA-2006-0007") == 1
    r = cli("generate", repo, "--os", "el9-x86_64", "--profile", "20260601", root=root)
    r = cli("diff", d / "20260301.yaml", d / "20260601.yaml", root=root)
    line = next(x for x in r.stdout.splitlines() if "hello.x86_64" in x)
    assert line.endswith("[openSUSE-SU-2026:0002-1 (security, Critical, retracted)]")  # and no CVE


def test_unreadable_updateinfo_is_one_line(make_rpms, cli, tmp_path, capfd):
    make_rpms(["a 1-1 x86_64"])
    repo = tmp_path / "mirror"
    # malformed, and recorded so in repomd.xml (its checksum is right)
    write_updateinfo(repo, [update("X-1", "security", "final", "2026-01-01", pkg("a", "1", "1"))[:-12]])
    r = cli("generate", repo, "--os", "el9-x86_64", "--stdout", root=tmp_path)
    assert r.exit_code == 1
    (line,) = r.stderr.splitlines()
    assert line.startswith("errata-tpl: error: ") and "updateinfo.xml.gz: not well-formed XML (line" in line
    write_updateinfo(repo, [update("X-1", "security", "final", "2026-01-01", pkg("a", "1", "1"))])
    info = next((repo / "repodata").glob("*updateinfo.xml*"))
    info.write_bytes(info.read_bytes()[:40])  # a cut file: not the one repomd.xml names
    r = cli("generate", repo, "--os", "el9-x86_64", "--stdout", root=tmp_path)
    assert r.exit_code == 1
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"errata-tpl: error: {info} (record 'updateinfo' of repodata/repomd.xml): 40 bytes")
    assert "CRITICAL" not in capfd.readouterr().err  # glib's own lines kept off the terminal


def test_explain_and_status_list_each_advisory_once(example_root, cli):
    """A profile written with repeats (one per listing), and a retracted advisory: explain
    names each advisory once, and status counts only the CVEs a live advisory fixes."""
    path = example_root / "errata/el9-x86_64/20261121.yaml"
    once = '{id: "EXSA-2026:1002", type: security, severity: Critical, issued: "2026-11-12", status: final}'
    retracted = '{id: "EXSA-2026:1009", type: security, severity: low, issued: "2026-11-13", status: retracted}'
    text = path.read_text()
    assert once in text
    path.write_text(text.replace(once, ", ".join([once, once, once, retracted])))
    r = cli("explain", "db-01.example.org", "openssl-libs", root=example_root)
    assert r.exit_code == 0, r.stderr
    (missing,) = [line for line in r.stdout.splitlines() if "missing:" in line]
    assert missing.count("EXSA-2026:1002") == 1
    assert "EXSA-2026:1009 security Low 2026-11-13 (retracted)" in missing
    assert missing.endswith("; CVE-2026-10002 CVE-2026-10003)")
    r = cli("status", root=example_root)
    row = next(line.split() for line in r.stdout.splitlines() if line.startswith("db-01.example.org"))
    assert row[-1] == "5"  # as before: the repeats and the retracted advisory add no CVE


def test_kernel_builds_in_the_base_list_are_named(example_root, cli):
    """kernel-tools is a kernel build by the kernel-* rule: the profile lists it under
    kernels: only. In a base list outside kernel.packages, errata never reach it: resolve
    warns once (whatever the number of nodes), explain says why and what to change."""
    os_yaml = example_root / "os/el9-x86_64/os.yaml"
    text = os_yaml.read_text()
    os_yaml.write_text(
        text.replace("  - vim-minimal\n", "  - vim-minimal\n  - kernel-tools-5.14.0-362.8.1.el9_3.x86_64\n")
    )
    r = cli("resolve", "--all", "--format", "json", root=example_root)
    assert r.exit_code == 0, r.stderr
    nodes = json.loads(r.stdout)
    on_errata = [n for n in nodes if n["errata"] == "20261121" and n["os"] == "el9-x86_64"]
    assert len(on_errata) > 1
    for n in on_errata:  # the base version stays: a kernel build is no replace-only entry
        (kt,) = [p for p in n["packages"] if p["name"] == "kernel-tools"]
        assert kt["version"] == "5.14.0-362.8.1.el9_3" and kt["from"] in ("os", f"clone:{on_errata[0]['node']}")
    (warning,) = [line for line in r.stderr.splitlines() if "kernel-tools" in line]
    assert warning.startswith("warning: os/el9-x86_64/os.yaml: kernel-tools: in the base list, but profile 20261121")
    assert "key 'kernel.packages'" in warning
    node = on_errata[0]["node"]
    r = cli("explain", node, "kernel-tools", root=example_root)
    assert "profile 20261121 lists kernel-tools only under 'kernels:'" in r.stdout
    assert "errata leave this base-list entry at its version" in r.stdout
    assert "list kernel-tools in os/el9-x86_64/os.yaml key 'kernel.packages'" in r.stdout

    # listed in kernel.packages: it follows the kernel, and nothing is said
    os_yaml.write_text(
        os_yaml.read_text().replace(
            "packages: [kernel, kernel-core, kernel-modules]",
            "packages: [kernel, kernel-core, kernel-modules, kernel-tools]",
        )
    )
    r = cli("resolve", node, "--format", "json", root=example_root)
    assert "kernel-tools" not in r.stderr
    (kt,) = [p for p in json.loads(r.stdout)["packages"] if p["name"] == "kernel-tools"]
    assert kt["from"] == "kernel" and kt["version"] == json.loads(r.stdout)["kernel"]["version"]
    r = cli("explain", node, "kernel-tools", root=example_root)
    assert (
        "kernel build: kernel-tools follows kernel selection (os/el9-x86_64/os.yaml key 'kernel.packages')" in r.stdout
    )


def test_hotfix_says_an_unreadable_date_once_as_generate_does(repo, cli, tmp_path):
    r = cli("hotfix", repo, "--os", "el9-x86_64", "--name", "zlib", "--package", "zlib", "--stdout", root=tmp_path)
    assert r.exit_code == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "EX-2026:0005" in line]
    assert len(said) == 1 and "unreadable date" in said[0] and said[0].startswith("warning: "), r.stderr
    assert "an advisory without an <id>" in r.stderr
    assert yaml.safe_load(r.stdout)["packages"][0]["name"] == "zlib"


@pytest.mark.parametrize("first", ["2006-03-01", "2006-01-10"])
def test_an_advisory_repeated_with_other_dates_counts_from_its_earliest(make_rpms, cli, tmp_path, first):
    """Fedora Core's files list one id twice with different dates: the build was offered
    from the earlier record on, so --until keeps it (the later record's date once won)."""
    make_rpms(["a 1-1 x86_64", "a 2-1 x86_64"])
    repo = tmp_path / "mirror"
    later = "2006-01-10" if first == "2006-03-01" else "2006-03-01"
    write_updateinfo(
        repo,
        [
            update("FEDORA-2006-0001", "security", "final", first, pkg("a", "2", "1"), cves=("CVE-2006-0001",)),
            update("FEDORA-2006-0001", "security", "final", later, pkg("a", "2", "1"), cves=("CVE-2006-0002",)),
        ],
    )
    prof, _ = gen(cli, repo, tmp_path / "root", "--until", "2006-02-01")
    assert versions(prof)["a"] == "2-1"
    (adv,) = entry(prof, "a")["advisories"]
    assert adv["issued"] == "2006-01-10"
    assert entry(prof, "a")["cves"] == ["CVE-2006-0001", "CVE-2006-0002"]
