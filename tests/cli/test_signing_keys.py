"""Signing keys over time and --keyring (issue 19, hostile round): a signature made while
its key was valid stays good once the key expires (real gpg keys, made at test time with
gpg's faked clock), and promote/approve's --keyring is a regular file, taken relative to
the current directory, never to $GNUPGHOME."""

import base64
import os
import shutil
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


def _revoke_subkey(home, subkey):
    """gpg --edit-key: revoke ``subkey`` (reason 1, compromised), as its owner does."""
    env = dict(os.environ, GNUPGHOME=str(home))
    script = "key 1\nrevkey\ny\n1\n\ny\nsave\n"
    subprocess.run(
        ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", "--command-fd", "0",
         "--status-fd", "2", "--edit-key", subkey],
        input=script, text=True, env=env, capture_output=True, check=True,
    )  # fmt: skip


def test_a_subkey_revoked_in_an_earlier_record_signs_nothing_after_it(cli, example_root, monkeypatch, tmp_path):
    # an approver rotates her signing subkey and revokes the old one; her next promotion carries the
    # revocation. A stale copy of her GnuPG home still signs with the old subkey: that record was checked
    # alone (good, and cached), so every reader took it and only `stages --verify` refused it
    home = tmp_path / "gnupg-a"
    home.mkdir(mode=0o700)
    gpg(home, "--passphrase", "", "--quick-gen-key", "A <a@x>", "ed25519", "cert", "1y")
    fpr = next(line.split(":")[9] for line in gpg(home, "--with-colons", "--fingerprint").decode().splitlines()
               if line.startswith("fpr:"))  # fmt: skip
    gpg(home, "--passphrase", "", "--quick-add-key", fpr, "ed25519", "sign", "1y")
    listed(example_root, fpr)
    monkeypatch.setenv("GNUPGHOME", str(home))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert cli("promote", *CANARY, "--repo", EL9, "--sign", "a@x", root=example_root).exit_code == 0
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)
    stale = tmp_path / "gnupg-stale"
    shutil.copytree(home, stale)
    subkeys = [line.split(":")[9] for line in gpg(home, "--with-colons", "--fingerprint").decode().splitlines()
               if line.startswith("fpr:")][1:]  # fmt: skip
    gpg(home, "--passphrase", "", "--quick-add-key", fpr, "ed25519", "sign", "1y")
    _revoke_subkey(home, subkeys[0])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 60))
    r = cli("promote", "20261001", *CANARY[1:], "--repo", EL9, "--sign", "a@x", root=example_root)
    assert r.exit_code == 0, r.output
    # the stale home: refused by promote's own check of the record it made
    monkeypatch.setenv("GNUPGHOME", str(stale))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 120))
    r = cli("promote", *CANARY, "--repo", EL9, "--sign", "a@x", root=example_root)
    one_line_error(r, f"record [2] (20261121 to canary for el9-x86_64): signed by {fpr}, whose key is revoked")
    # the same record added by hand: the readers, with the first two records' verdicts cached, refuse it too
    data = yaml.safe_load((example_root / RECORD).read_text())
    head = rec.record_hash(data[1], rec.record_hash(data[0], rec.ZERO))
    raw = {**{k: v for k, v in data[0].items() if k != "signature"}, "time": "2026-11-24T06:02:00Z", "prev": head}
    raw["signature"] = base64.b64encode(gpg(stale, "--detach-sign", "-u", fpr, input=rec.signed_part(raw))).decode()
    (example_root / RECORD).write_text(rec.text([*data, raw]))
    for args in (("stages",), ("status",), ("stages", "--verify")):
        one_line_error(
            cli(*args, root=example_root),
            f"record [2] (20261121 to canary for el9-x86_64): signed by {fpr}, whose key is revoked",
        )
    for h in (home, stale):
        subprocess.run(["gpgconf", "--homedir", str(h), "--kill", "gpg-agent"], capture_output=True, check=False)
