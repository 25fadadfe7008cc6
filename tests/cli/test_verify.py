"""Trust: real keys made by gpg, real `rpmsign --addsign`, rpm's own checks."""

import json
import shutil
import subprocess

import pytest
import rpmfactory
import yaml


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    trusted = rpmfactory.make_key(d / "trusted", "Errata Test", "errata@example.org")
    other = rpmfactory.make_key(d / "other", "Someone Else", "other@example.org")
    yield trusted, other
    for key in (trusted, other):
        rpmfactory.stop_agent(key)


@pytest.fixture
def mirror(make_rpms, keys, tmp_path):
    """One file of each verdict."""
    trusted, other = keys
    paths = make_rpms(
        [
            "good 1-1 x86_64",
            "unsigned 1-1 x86_64",
            "stranger 1-1 x86_64",
            "forged 1-1 x86_64",
            "damaged 1-1 x86_64",
            "cut 1-1 x86_64",
            "good 1-2 noarch",
        ]
    )
    good, _unsigned, stranger, forged, damaged, cut, good2 = paths
    rpmfactory.sign([good, forged, damaged, cut, good2], trusted)
    rpmfactory.sign([stranger], other)
    rpmfactory.break_signature(forged)
    rpmfactory.flip_payload_byte(damaged)
    rpmfactory.truncate_in_header(cut)
    return tmp_path / "mirror"


def short_id(key) -> str:
    out = subprocess.run(
        ["gpg", "--with-colons", "--list-keys", key.email],
        env={"GNUPGHOME": str(key.home)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
    return fpr, fpr[-8:].lower()


def test_verify_names_each_verdict(mirror, keys, cli):
    trusted, other = keys
    r = cli("verify", mirror, "--keyring", trusted.public, "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    status = {f["path"]: f["status"] for f in report["files"]}
    assert status == {
        "good-1-1.x86_64.rpm": "ok",
        "good-1-2.noarch.rpm": "ok",
        "unsigned-1-1.x86_64.rpm": "unsigned",
        "stranger-1-1.x86_64.rpm": "untrusted key",
        "forged-1-1.x86_64.rpm": "bad signature",
        "damaged-1-1.x86_64.rpm": "digest mismatch",
        "cut-1-1.x86_64.rpm": "unreadable",
    }
    keyid = {f["path"]: f["keyid"] for f in report["files"]}
    assert keyid["stranger-1-1.x86_64.rpm"] == short_id(other)[1]
    assert keyid["good-1-1.x86_64.rpm"] == short_id(trusted)[1]
    (key,) = report["keys"]
    assert key["fingerprint"] == short_id(trusted)[0]
    assert key["uids"] == ["Errata Test <errata@example.org>"] and key["expires"] is None
    assert report["summary"] == {
        "unreadable": 1,
        "digest mismatch": 1,
        "bad signature": 1,
        "untrusted key": 1,
        "unsigned": 1,
        "ok": 2,
    }


def test_verify_text_and_all_ok(make_rpms, keys, cli, tmp_path):
    trusted, _ = keys
    paths = make_rpms(["a 1-1 x86_64", "b 1-1 noarch"], dest=tmp_path / "clean")
    rpmfactory.sign(paths, trusted)
    r = cli("verify", tmp_path / "clean", "--keyring", trusted.public)
    assert r.exit_code == 0, r.stdout
    assert r.stdout.splitlines()[0].startswith("ok  a-1-1.x86_64.rpm  (key ")
    assert "2 files: " in r.stdout and "2 ok" in r.stdout


def test_two_keyrings_trust_both(mirror, keys, cli):
    trusted, other = keys
    r = cli("verify", mirror, "--keyring", trusted.public, "--keyring", other.public, "--format", "json")
    status = {f["path"]: f["status"] for f in json.loads(r.stdout)["files"]}
    assert status["stranger-1-1.x86_64.rpm"] == "ok"


def test_signed_repomd(make_rpms, keys, cli, tmp_path):
    trusted, _ = keys
    repo = tmp_path / "repo"
    rpmfactory.sign(make_rpms(["a 1-1 x86_64"], dest=repo), trusted)
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    repomd = repo / "repodata" / "repomd.xml"
    rpmfactory.sign_detached(repomd, trusted)
    report = json.loads(cli("verify", repo, "--keyring", trusted.public, "--format", "json").stdout)
    assert report["repomd"]["status"] == "ok" and report["ok"]
    repomd.write_text(repomd.read_text().replace("<revision>", "<revision>1"))
    r = cli("verify", repo, "--keyring", trusted.public, "--format", "json")
    assert json.loads(r.stdout)["repomd"]["status"] == "bad signature" and r.exit_code == 1
    summary = cli("verify", repo, "--keyring", trusted.public).stdout.splitlines()[-1]
    # the last line alone must not read as all well when only repomd.xml's signature is bad
    assert summary.startswith("1 files: 0 unreadable") and summary.endswith("; repodata/repomd.xml: bad signature")


def test_generate_require_signature(mirror, keys, cli, tmp_path):
    trusted, _ = keys
    r = cli(
        "generate",
        mirror,
        "--os",
        "el9-x86_64",
        "--stdout",
        "--keyring",
        trusted.public,
        "--require-signature",
        root=tmp_path,
    )
    assert r.exit_code == 0, r.stderr
    data = yaml.safe_load(r.stdout)
    assert [(p["name"], p["version"], p["arch"]) for p in data["packages"]] == [
        ("good", "1-2", "noarch"),
        ("good", "1-1", "x86_64"),
    ]
    assert data["keyring"] == [short_id(trusted)[0]] and data["signatures"] == "required"
    for name, what in (
        ("unsigned", "unsigned; left out"),
        ("stranger", "untrusted key"),
        ("forged", "bad signature"),
        ("damaged", "skipped"),
        ("cut", "skipped"),
    ):
        assert any(name in line and what in line for line in r.stderr.splitlines()), name


def test_generate_keyring_without_requirement_keeps_unsigned(mirror, keys, cli, tmp_path):
    trusted, _ = keys
    r = cli("generate", mirror, "--os", "el9-x86_64", "--stdout", "--keyring", trusted.public, root=tmp_path)
    names = {p["name"] for p in yaml.safe_load(r.stdout)["packages"]}
    assert names == {"good", "unsigned", "stranger"}  # a bad signature is never kept
    assert yaml.safe_load(r.stdout)["signatures"] == "checked"


def test_generate_without_keyring_still_checks_digests(mirror, cli, tmp_path):
    r = cli("generate", mirror, "--os", "el9-x86_64", "--stdout", root=tmp_path)
    names = {p["name"] for p in yaml.safe_load(r.stdout)["packages"]}
    assert names == {"good", "unsigned", "stranger", "forged"}
    assert "keyring" not in yaml.safe_load(r.stdout)


def test_keyring_errors(mirror, cli, tmp_path):
    r = cli("generate", mirror, "--os", "el9-x86_64", "--stdout", "--require-signature", root=tmp_path)
    assert r.exit_code == 2 and "--keyring" in r.stderr  # a usage error
    notakey = tmp_path / "RPM-GPG-KEY-bogus"
    notakey.write_text("hello\n")
    r = cli("verify", mirror, "--keyring", notakey)
    assert r.exit_code == 1 and "no OpenPGP public key" in r.stderr and "Traceback" not in r.stderr


def test_host_keyring_is_not_touched(mirror, keys, cli):
    before = subprocess.run(["rpm", "-qa", "gpg-pubkey*"], capture_output=True, text=True).stdout
    cli("verify", mirror, "--keyring", keys[0].public)
    assert subprocess.run(["rpm", "-qa", "gpg-pubkey*"], capture_output=True, text=True).stdout == before
    assert shutil.which("rpmkeys")


@pytest.fixture(scope="session")
def more_keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("more-keys")
    made = {
        kind: rpmfactory.make_key(d / kind, f"Test {kind}", f"{kind}@example.org", kind)
        for kind in ("ed25519", "nistp256")
    }
    yield made
    for key in made.values():
        rpmfactory.stop_agent(key)


@pytest.mark.parametrize("form", ["armoured", "binary"])
@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_key_forms_and_algorithms(make_rpms, keys, more_keys, cli, tmp_path, kind, form):
    key = keys[0] if kind == "rsa" else more_keys[kind]
    paths = make_rpms(["a 1-1 x86_64"], dest=tmp_path / "signed")
    rpmfactory.sign(paths, key)
    key_file = key.public if form == "armoured" else rpmfactory.export_binary(key)
    if form == "binary":
        assert not key_file.read_bytes().startswith(b"-----")
    r = cli("verify", tmp_path / "signed", "--keyring", key_file, "--format", "json")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert [f["status"] for f in report["files"]] == ["ok"]
    assert report["keys"][0]["fingerprint"] == short_id(key)[0]
    if form == "armoured":
        return
    r = cli(
        "generate",
        tmp_path / "signed",
        "--os",
        "el9-x86_64",
        "--stdout",
        "--keyring",
        key_file,
        "--require-signature",
        root=tmp_path,
    )
    assert r.exit_code == 0 and yaml.safe_load(r.stdout)["keyring"] == [short_id(key)[0]]


def test_a_key_rpm_cannot_use_is_named_with_rpms_reason(mirror, more_keys, cli, tmp_path):
    key = more_keys["nistp256"]
    scratch = tmp_path / "rpmdb"
    scratch.mkdir()
    rpm_says = subprocess.run(
        ["rpmkeys", "--dbpath", str(scratch), "--import", str(key.public)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    r = cli("verify", mirror, "--keyring", key.public)
    if rpm_says.returncode == 0:  # an rpm that takes ECDSA keys: nothing to refuse
        assert "cannot use key" not in r.stderr
        return
    (line,) = r.stderr.splitlines()
    fpr = short_id(key)[0]
    assert line.startswith(f"errata-tpl: error: {key.public}: rpm on this system cannot use key {fpr} (ECDSA nistp256")
    reason = rpm_says.stderr.strip().split(": ")[-1]  # "key 1 import failed." in rpm 4.18
    assert line.endswith(f"rpm says: {reason}") and r.exit_code == 1


def test_a_file_with_no_key(mirror, cli, tmp_path):
    binary = tmp_path / "RPM-GPG-KEY-junk"
    binary.write_bytes(bytes(range(256)))
    r = cli("verify", mirror, "--keyring", binary)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    (line,) = r.stderr.splitlines()
    assert "no OpenPGP public key that gpg can read (not armoured)" in line and "gpg says:" in line
    armoured = tmp_path / "RPM-GPG-KEY-cut"
    armoured.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBGV\n-----END PGP PUBLIC KEY BLOCK-----\n")
    r = cli("verify", mirror, "--keyring", armoured)
    (line,) = r.stderr.splitlines()
    assert "(ASCII-armoured)" in line and "rpm says:" in line and r.exit_code == 1


def test_repomd_signed_by_an_unknown_key_is_untrusted(make_rpms, keys, cli, tmp_path):
    trusted, other = keys
    repo = tmp_path / "repo"
    rpmfactory.sign(make_rpms(["a 1-1 x86_64"], dest=repo), trusted)
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    repomd = repo / "repodata" / "repomd.xml"
    rpmfactory.sign_detached(repomd, other)
    r = cli("verify", repo, "--keyring", trusted.public, "--format", "json")
    verdict = json.loads(r.stdout)["repomd"]
    assert verdict["status"] == "untrusted key" and short_id(other)[0][-16:] in verdict["detail"]
    assert r.exit_code == 1  # as a package by an unknown key
    r = cli("verify", repo, "--keyring", trusted.public, "--keyring", other.public, "--format", "json")
    assert json.loads(r.stdout)["repomd"]["status"] == "ok" and r.exit_code == 0
