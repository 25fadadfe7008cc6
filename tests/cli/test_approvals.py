"""Approvals (issue 23): stages with approvers, promotions and approvals signed with real
gpg keys made at test time, several approvers, and every record a forger could write
(an edited signed record, a signature by another key, a key swapped, an unsigned or
unlisted record, an approval claiming more than it has) found by every reader."""

import json
import os
import subprocess

import pytest
import rpmfactory
import yaml
from conftest import REPO

from errata_tpl.promotions import record as rec
from errata_tpl.promotions.signing import Signer

T0 = 1795500000  # 2026-11-24T06:00:00Z
DAY = 86400
EL9 = str(REPO / "examples/mirror/el9")
RECORD = "site/promotions.yaml"
CANARY = ("20261121", "--os", "el9-x86_64", "--stage", "canary")


def fingerprint(key):
    out = subprocess.run(
        ["gpg", "--with-colons", "--fingerprint", key.email],
        env=dict(os.environ, GNUPGHOME=str(key.home)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("approvers")
    made = {
        n: rpmfactory.make_key(d / n, n.title(), f"{n}@example.org", "ed25519")
        for n in ("alice", "bob", "carol", "eve")
    }
    yield {n: (k, fingerprint(k)) for n, k in made.items()}
    for k in made.values():
        rpmfactory.stop_agent(k)


@pytest.fixture
def site(example_root, monkeypatch, keys):
    monkeypatch.setenv("LOGNAME", "ops")
    path = example_root / "site/stages.yaml"
    approvers = ", ".join(keys[n][1] for n in ("alice", "bob", "carol"))
    path.write_text(
        path.read_text().replace(
            '{name: canary, nodes: ["wn-05*"]}',
            f'{{name: canary, nodes: ["wn-05*"], approvers: [{approvers}], approvals: 2}}',
        )
    )
    return example_root


def run(cli, root, monkeypatch, keys, who, *args, at=T0):
    """A command as ``who`` (their GnuPG home), the clock pinned to ``at``."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(at))
    if who is not None:
        monkeypatch.setenv("GNUPGHOME", str(keys[who][0].home))
        args = (*args, "--sign", f"{who}@example.org")
    return cli(*args, root=root)


def promote(cli, root, monkeypatch, keys, who, *args, at=T0):
    return run(cli, root, monkeypatch, keys, who, "promote", *CANARY, "--repo", EL9, *args, at=at)


def approve(cli, root, monkeypatch, keys, who, at=T0 + 3600):
    return run(cli, root, monkeypatch, keys, who, "approve", *CANARY, at=at)


def records(root):
    return yaml.safe_load((root / RECORD).read_text())


def profile_of(cli, root, node="wn-051.example.org"):
    r = cli("resolve", node, "--format", "json", root=root)
    assert r.exit_code == 0, r.output
    return yaml.safe_load(r.stdout)["errata"]


def one_line_error(r, words):
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("errata-tpl: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr, r.stderr


def test_two_approvals_by_distinct_listed_keys(cli, site, monkeypatch, keys):
    alice, bob = keys["alice"][1], keys["bob"][1]
    r = promote(cli, site, monkeypatch, keys, "alice", "--note", "November errata")
    assert r.exit_code == 0, r.output
    assert f"signed by {alice}" in r.stdout
    assert "waits for approvals (1 of 2): errata-tpl approve 20261121 --os el9-x86_64 --stage canary" in r.stdout
    assert profile_of(cli, site) == "20261001"  # not in effect yet: errata_defaults still decide
    row = next(line for line in cli("stages", root=site).stdout.splitlines() if line.startswith("el9-x86_64  canary"))
    assert row.split()[4] == "-" and row.endswith("20261121 waits for approvals (1 of 2)")

    one_line_error(approve(cli, site, monkeypatch, keys, "alice"), f"{alice} already approved 20261121 at canary")
    one_line_error(
        approve(cli, site, monkeypatch, keys, "eve"),
        f"site/stages.yaml: key 'canary': {keys['eve'][1]} is not an approver of stage canary",
    )
    r = approve(cli, site, monkeypatch, keys, "bob")
    assert r.exit_code == 0, r.output
    assert r.stdout == f"approved: 20261121 -> canary (el9-x86_64) by {bob}: 2 of 2 approvals, in effect\n"
    promotion, approval = records(site)
    assert promotion["signer"] == alice and "approved_by" not in promotion
    assert approval["type"] == "approval" and approval["approved_by"] == sorted([alice, bob])
    assert profile_of(cli, site) == "20261121"
    text = cli("explain", "wn-051.example.org", "bash", root=site).stdout
    assert "stage:canary: site/promotions.yaml: canary for el9-x86_64 since 2026-11-24T07:00:00Z by ops" in text
    r = cli("stages", "--verify", root=site)
    assert r.exit_code == 0 and "2 signed records, every signature good" in r.stdout
    # nothing waits any more
    one_line_error(approve(cli, site, monkeypatch, keys, "carol"), "no promotion of 20261121 waits for approval")


def test_refusals_unsigned_and_unlisted(cli, site, monkeypatch, keys):
    words = "stage canary has approvers: sign the promotion (--sign KEYID), with --force too"
    one_line_error(promote(cli, site, monkeypatch, keys, None), words)
    one_line_error(promote(cli, site, monkeypatch, keys, None, "--force"), words)
    eve = keys["eve"][1]
    r = promote(cli, site, monkeypatch, keys, "eve")
    one_line_error(r, f"refused: {eve} is not an approver of stage canary (site/stages.yaml)")
    assert not (site / RECORD).exists()
    # forced: recorded, signed, in effect at once
    r = promote(cli, site, monkeypatch, keys, "eve", "--force")
    assert r.exit_code == 0, r.output
    (record,) = records(site)
    assert record["signer"] == eve and record["forced"] == [
        f"{eve} is not an approver of stage canary (site/stages.yaml)",
        "in effect with 0 of the 2 approvals canary asks",
    ]
    assert profile_of(cli, site) == "20261121"
    # any key at all puts a forced promotion in effect: the audit names each that bypassed the approvers
    r = cli("stages", "--verify", root=site)
    assert r.exit_code == 0 and r.stderr == (
        "warning: site/promotions.yaml: record [0] (20261121 to canary for el9-x86_64): forced into effect with "
        f"0 of the 2 approvals stage canary asks, signed by {eve}, not an approver of it\n"
    ), r.stderr
    # approve is for stages with approvers only, and for what waits
    r = run(cli, site, monkeypatch, keys, "bob", "approve", "20261121", "--os", "el9-x86_64", "--stage", "compute")
    one_line_error(r, "stage compute has no approvers")


def test_a_stage_that_gained_approvers_keeps_its_unsigned_past(cli, example_root, monkeypatch, keys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert cli("promote", *CANARY, "--repo", EL9, root=example_root).exit_code == 0
    path = example_root / "site/stages.yaml"
    path.write_text(
        path.read_text().replace(
            '{name: canary, nodes: ["wn-05*"]}', f'{{name: canary, nodes: ["wn-05*"], approvers: [{keys["alice"][1]}]}}'
        )
    )
    r = cli("stages", "--verify", root=example_root)
    assert r.exit_code == 0
    assert "record [0] (20261121 to canary for el9-x86_64): not signed, written before the first signed" in r.stdout
    r = promote(cli, example_root, monkeypatch, keys, "alice", "--force", at=T0 + DAY)
    assert r.exit_code == 0, r.output  # the same profile again (forced): the stage's first signed record
    # now an unsigned record slipped in is an error
    head = rec.record_hash(records(example_root)[1], rec.record_hash(records(example_root)[0], rec.ZERO))
    with (example_root / RECORD).open("a") as f:
        f.write(
            "- {type: promotion, profile: '20261001', os: el9-x86_64, stage: canary, time: '2026-11-26T06:00:00Z',\n"
            f"   by: mallory, prev: {head}}}\n"
        )
    one_line_error(
        cli("resolve", "wn-051.example.org", root=example_root),
        "record [2] (20261001 to canary for el9-x86_64): not signed, and stage canary has approvers",
    )


def as_signer(keys, who):
    """``who``'s Signer: their GnuPG home, as the command would use it."""
    old = os.environ.get("GNUPGHOME")
    os.environ["GNUPGHOME"] = str(keys[who][0].home)
    try:
        return Signer(f"{who}@example.org")
    finally:
        os.environ["GNUPGHOME"] = old or ""


def forge(site, keys, who, before=None, after=None):
    """The file with one more record: an approval chained to the last, signed by
    ``who`` (with ``before`` in what is signed), then changed (``after``)."""
    data = records(site)
    head = rec.ZERO
    for raw in data:
        head = rec.record_hash(raw, head)
    raw = rec.new(
        "approval",
        "20261121",
        "el9-x86_64",
        "canary",
        "2026-11-24T08:00:00Z",
        "mallory",
        None,
        profile_sha256=data[0]["profile_sha256"],
    )
    raw = as_signer(keys, who).sign({**raw, "prev": head, **(before or {})})
    (site / RECORD).write_text(rec.text([*data, {**raw, **(after or {})}]))


@pytest.mark.parametrize(
    "case, words",
    [
        ("edited after signing", "record [1] (approval of 20261121 to canary for el9-x86_64): bad signature"),
        ("eve signs, claims bob", "bad signature"),
        ("bob's key, claims eve", "key 'key': not the key of its signer"),
        ("eve is no approver", "which is not an approver of stage canary in site/stages.yaml"),
        ("claims a third approver", "says approved_by"),
    ],
)
def test_forged_records_are_found_by_every_reader(cli, site, monkeypatch, keys, case, words):
    assert promote(cli, site, monkeypatch, keys, "alice").exit_code == 0
    fp = {n: keys[n][1] for n in keys}
    if case == "edited after signing":
        forge(site, keys, "bob", after={"by": "bob"})
    elif case == "eve signs, claims bob":
        forge(site, keys, "eve", after={"signer": fp["bob"], "key": as_signer(keys, "bob").key})
    elif case == "bob's key, claims eve":
        forge(site, keys, "bob", after={"signer": fp["eve"]})
    elif case == "eve is no approver":
        forge(site, keys, "eve")
    else:
        forge(site, keys, "bob", before={"approved_by": sorted(fp[n] for n in ("alice", "bob", "carol"))})
    for args in (("resolve", "wn-051.example.org"), ("stages",), ("status",), ("stages", "--verify")):
        one_line_error(cli(*args, root=site), words)
    one_line_error(approve(cli, site, monkeypatch, keys, "bob"), words)


def test_dry_run_and_a_key_gpg_lacks(cli, site, monkeypatch, keys):
    r = promote(cli, site, monkeypatch, keys, "alice", "--dry-run")
    assert r.exit_code == 0 and r.stdout.splitlines()[-1] == "would wait for approvals (1 of 2)", r.output
    assert not (site / RECORD).exists()
    monkeypatch.setenv("GNUPGHOME", str(keys["alice"][0].home))
    r = cli("promote", *CANARY, "--sign", "nobody@example.org", "--repo", EL9, root=site)
    one_line_error(r, "--sign nobody@example.org: no secret key nobody@example.org in your GnuPG home")
    # a waiting promotion is replaced by the next one to the stage, said
    assert promote(cli, site, monkeypatch, keys, "alice").exit_code == 0
    r = run(cli, site, monkeypatch, keys, "bob", "promote", "20261001", *CANARY[1:], "--repo", EL9, at=T0 + 60)
    assert r.exit_code == 0, r.output
    assert (
        "record [0] (20261121 to canary for el9-x86_64) waits for approval at canary: this promotion replaces"
        in r.stderr
    )
    one_line_error(approve(cli, site, monkeypatch, keys, "carol"), "no promotion of 20261121 waits for approval")


def test_a_good_signature_is_checked_once_and_a_cache_never_makes_one_good(cli, site, monkeypatch, keys):
    from errata_tpl.promotions import signing

    assert promote(cli, site, monkeypatch, keys, "alice").exit_code == 0
    assert approve(cli, site, monkeypatch, keys, "bob").exit_code == 0
    assert profile_of(cli, site) == "20261121"  # checked by gpg, and kept in the sealed cache

    def no_gpg(records, todo=None):
        raise AssertionError(f"gpg asked again for {todo}")

    monkeypatch.setattr(signing, "verify", no_gpg)
    assert profile_of(cli, site) == "20261121"
    monkeypatch.undo()
    # stages --verify, the audit CI runs, has gpg check every signature, whatever the cache holds
    asked = []
    real = signing.verify
    monkeypatch.setattr(signing, "verify", lambda records, todo=None: asked.append(todo) or real(records, todo))
    assert cli("stages", "--verify", root=site).exit_code == 0 and asked == [{0, 1}]
    monkeypatch.undo()
    # a record forged after: gpg checks it (and only it), the cache or not
    forge(site, keys, "bob", after={"by": "bob"})
    one_line_error(cli("stages", "--verify", root=site), "record [2] (approval of 20261121 to canary")
    # a cache edited to call every signature good is not ours: said, ignored, gpg decides
    cache = site / ".errata-tpl-cache/signatures/good.json"
    head, body = cache.read_text().split("\n", 1)
    entries = yaml.safe_load(body)
    entries[rec.digest(records(site)[2])] = keys["bob"][1]
    cache.write_text(head + "\n" + json.dumps(entries))
    r = cli("stages", root=site)
    assert r.exit_code == 1 and "bad signature" in r.stderr  # the edited cache made nothing good
    # without the forged record: the edited cache said once, and made again
    (site / RECORD).write_text(rec.text(records(site)[:2]))
    cache.write_text(head + "\n" + json.dumps(entries))
    r = cli("stages", root=site)
    assert r.exit_code == 0 and r.stderr.count("good.json: not as errata-tpl wrote this cache") == 1, r.stderr
    assert cli("stages", root=site).stderr == ""
