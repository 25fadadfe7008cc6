"""Signing keys over time and --keyring (issue 19, hostile round): a signature made while
its key was valid stays good once the key expires (real gpg keys, made at test time with
gpg's faked clock), and promote/approve's --keyring is a regular file, taken relative to
the current directory, never to $GNUPGHOME."""

import base64
import os
import subprocess

import pytest
import yaml

from cli.test_approvals import CANARY, EL9, RECORD, T0, one_line_error, profile_of
from errata_tpl.promotions import record as rec

SIGNED_IN_2020 = "20200601T000000"  # when the expiring key signs (gpg's faked clock)
DATED_IN_2020 = "1590969600"  # 2020-06-01T00:00:00Z: the record's time then (SOURCE_DATE_EPOCH)


def gpg(home, *args, input=None):
    env = dict(os.environ, GNUPGHOME=str(home))
    return subprocess.run(["gpg", "--batch", *args], env=env, input=input, capture_output=True, check=True).stdout


@pytest.fixture
def expiring(tmp_path):
    """A key made on 2020-01-01 that expired on 2020-12-31, whose home signs as on 2020-06-01."""
    home = tmp_path / "gnupg-expiring"
    home.mkdir(mode=0o700)
    gpg(home, "--passphrase", "", "--faked-system-time", "20200101T000000", "--quick-gen-key", "Old <old@x>",
        "ed25519", "sign", "1y")  # fmt: skip
    out = gpg(home, "--with-colons", "--fingerprint", "old@x").decode()
    fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
    yield home, fpr
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)


def listed(root, fpr):
    path = root / "site/stages.yaml"
    text = path.read_text().replace(
        '{name: canary, nodes: ["wn-05*"]}', f'{{name: canary, nodes: ["wn-05*"], approvers: [{fpr}]}}'
    )
    path.write_text(text)


def test_a_signature_made_before_its_key_expired_stays_good(cli, example_root, monkeypatch, expiring):
    home, fpr = expiring
    listed(example_root, fpr)
    monkeypatch.setenv("GNUPGHOME", str(home))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATED_IN_2020)
    (home / "gpg.conf").write_text(f"faked-system-time {SIGNED_IN_2020}\n")  # the key was valid then
    r = cli("promote", *CANARY, "--repo", EL9, "--sign", "old@x", root=example_root)
    assert r.exit_code == 0, r.output
    (home / "gpg.conf").unlink()
    # the key has expired since (2020-12-31): gpg says EXPKEYSIG, the signature stays good
    status = gpg(home, "--with-colons", "--list-keys", fpr).decode()
    assert any(line.startswith("pub:e:") for line in status.splitlines()), status  # e: expired
    assert yaml.safe_load((example_root / RECORD).read_text())[0]["signer"] == fpr
    assert profile_of(cli, example_root) == "20261121"
    for args in (("stages", "--verify"), ("status",), ("stages",)):
        r = cli(*args, root=example_root)
        assert r.exit_code == 0 and "bad signature" not in r.output, (args, r.output)
    # and the record, changed after, is still a bad signature: expiry excuses nothing else
    data = yaml.safe_load((example_root / RECORD).read_text())
    data[0]["by"] = "mallory"
    (example_root / RECORD).write_text(rec.text(data))
    one_line_error(
        cli("stages", "--verify", root=example_root),
        "record [0] (20261121 to canary for el9-x86_64): bad signature (gpg: ",
    )


def test_a_signature_backdated_past_its_keys_expiry_counts_for_nothing(cli, example_root, monkeypatch, expiring):
    # the key expired on 2020-12-31; its home's clock set back to 2020 (gpg.conf's faked-system-time)
    # makes gpg sign a record dated 2026: a signature is never older than the record it covers, so it
    # counts as made at the record's time, after the expiry
    home, fpr = expiring
    listed(example_root, fpr)
    monkeypatch.setenv("GNUPGHOME", str(home))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    (home / "gpg.conf").write_text(f"faked-system-time {SIGNED_IN_2020}\n")
    r = cli("promote", *CANARY, "--repo", EL9, "--sign", "old@x", root=example_root)
    one_line_error(r, f"signed by {fpr} for a record dated 2026-11-24T06:00:00Z (its signature says 2020-06-01T")
    assert "after its key expired (2020-12-31T" in r.stderr
    assert not (example_root / RECORD).exists()
    # the same record put there by hand: every reader refuses it
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATED_IN_2020)
    assert cli("promote", *CANARY, "--repo", EL9, "--sign", "old@x", root=example_root).exit_code == 0
    data = yaml.safe_load((example_root / RECORD).read_text())
    (home / "gpg.conf").unlink()
    data[0]["time"] = "2026-11-24T06:00:00Z"
    data[0]["signature"] = base64.b64encode(
        gpg(home, "--faked-system-time", SIGNED_IN_2020, "--detach-sign", "-u", fpr, input=rec.signed_part(data[0]))
    ).decode("ascii")
    (example_root / RECORD).write_text(rec.text(data))
    for args in (("stages", "--verify"), ("status",)):
        one_line_error(cli(*args, root=example_root), "(its signature says 2020-06-01T")


def test_a_signing_key_that_expired_cannot_sign(cli, example_root, monkeypatch, expiring):
    home, fpr = expiring
    listed(example_root, fpr)
    monkeypatch.setenv("GNUPGHOME", str(home))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    r = cli("promote", *CANARY, "--repo", EL9, "--sign", "old@x", root=example_root)
    one_line_error(r, "--sign old@x: gpg did not sign")
    assert not (example_root / RECORD).exists()


@pytest.mark.parametrize("command", ["promote", "approve"])
def test_keyring_is_a_regular_file_relative_to_here(cli, example_root, monkeypatch, tmp_path, expiring, command):
    home, fpr = expiring
    listed(example_root, fpr)
    monkeypatch.setenv("GNUPGHOME", str(home))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATED_IN_2020)
    (home / "gpg.conf").write_text(f"faked-system-time {SIGNED_IN_2020}\n")
    here = tmp_path / "here"
    here.mkdir()
    (here / "kr.gpg").write_bytes(gpg(home, "--export", fpr))
    os.mkfifo(here / "kr.fifo")
    monkeypatch.chdir(here)
    args = ("promote", *CANARY, "--repo", EL9) if command == "promote" else ("approve", *CANARY)
    # a FIFO: refused at once, never handed to gpg (which would block on it)
    r = cli(
        *args,
        "--sign",
        "old@x",
        "--keyring",
        "kr.fifo",
        "--dry-run" if command == "promote" else "--by=x",
        root=example_root,
    )
    one_line_error(r, f"--keyring {here / 'kr.fifo'}: not a regular file")
    # relative: the file here, not one gpg would make in $GNUPGHOME
    before = sorted(p.name for p in home.iterdir())
    r = cli(*args, "--sign", "old@x", "--keyring", "kr.gpg", root=example_root)
    if command == "promote":
        assert r.exit_code == 0, r.output
        assert yaml.safe_load((example_root / RECORD).read_text())[0]["signer"] == fpr
    else:  # gpg found the key: what refuses it is that nothing waits for approval
        one_line_error(r, "no promotion of 20261121 waits for approval at canary")
    assert sorted(p.name for p in home.iterdir()) == before


def test_a_repomd_signed_by_a_key_since_expired_is_untrusted_not_bad(example_root, expiring, tmp_path):
    """repomd.xml.asc made while its key was valid: the file is the one signed, the key's
    time is over. Said as such (a matter of trust: a warning, refused with
    --require-repomd-signature), never "not the file that was signed"."""
    import shutil

    from conftest import REPO, errata_tpl

    home, fpr = expiring
    mirror = tmp_path / "mirror"
    shutil.copytree(REPO / "examples/mirror/el9", mirror, symlinks=True)
    repomd = mirror / "repodata/repomd.xml"
    gpg(home, "--faked-system-time", SIGNED_IN_2020, "--armor", "--detach-sign", "-u", fpr, str(repomd))
    key = tmp_path / "old.asc"
    key.write_bytes(gpg(home, "--armor", "--export", fpr))
    args = ("generate", mirror, "--os", "el9-x86_64", "--stdout", "--keyring", key)
    r = errata_tpl(example_root, *args)
    assert r.returncode == 0, r.stderr
    assert f"{repomd}: untrusted key (signing key has expired" in r.stderr
    assert "not the file that was signed" not in r.stderr
    r = errata_tpl(example_root, *args, "--require-repomd-signature")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"{repomd}: untrusted key (signing key has expired" in r.stderr and "refuses it" in r.stderr
