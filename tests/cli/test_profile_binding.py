"""A promotion record binds its profile's content (profile_sha256): the profile file
edited, or replaced by `generate --force`, after its promotion is refused by every reader
that puts it in effect through the record, by approve and by `stages --verify`, with the
cache of parsed copies and without it; records written before the key are accepted as
they are. Signed records with real gpg keys made at test time."""

import hashlib
import json
import os
import shutil

import pytest
import yaml

from cli.test_approvals import approve, keys, records  # noqa: F401 - keys: the fixture
from cli.test_approvals import promote as promote_signed
from cli.test_approvals import site as approvers_site  # noqa: F401 - the fixture
from cli.test_stages import T0, promote
from errata_tpl.promotions import record as rec

DAY = 86400
CANARY = ("20261121", "--os", "el9-x86_64", "--stage", "canary")
COMPUTE = ("20261121", "--os", "el9-x86_64", "--stage", "compute")
PROFILE = "errata/el9-x86_64/20261121.yaml"
CACHE = ".errata-tpl-cache"


def sha(root, rel=PROFILE):
    return hashlib.sha256((root / rel).read_bytes()).hexdigest()


def pad(root, rel=PROFILE):
    """The profile made larger than the size from which it is read through its parsed
    copy (64 KB): a comment, so its content is the same."""
    with (root / rel).open("a") as f:
        f.write("# " + "x" * 70000 + "\n")


def edit(root, rel=PROFILE):
    """A version changed in place (what every node of the stage would install)."""
    path = root / rel
    text = path.read_text()
    assert "version: 1.9.5p2-10.el9_3" in text
    path.write_text(text.replace("version: 1.9.5p2-10.el9_3", "version: 1.9.5p2-99.evil"))


def remade(root, rel=PROFILE):
    """Other bytes, the same builds (so that promote's check passes: made again)."""
    with (root / rel).open("a") as f:
        f.write("# made again\n")


def words(text):
    return " ".join(text.split())


def changed_line(root, record, was):
    return (
        f"errata-tpl: error: {PROFILE}: not the profile {record} promoted (SHA-256 {sha(root)[:8]}, the record's "
        f"{was[:8]}): changed after its promotion; restore it from version control or promote it again\n"
    )


@pytest.mark.parametrize("cached", [True, False], ids=["cache kept", "cache removed"])
def test_a_promoted_profile_edited_is_refused_by_every_reader(cli, example_root, monkeypatch, cached):
    root = example_root
    pad(root)
    bound = sha(root)
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    assert records(root)[0]["profile_sha256"] == bound
    good = {args: cli(*args, root=root) for args in (("resolve", "wn-051.example.org"), ("status",))}
    assert all(r.exit_code == 0 for r in good.values())
    assert (root / CACHE / "parsed").is_dir()  # its parsed copy, with the hash of the bytes parsed
    original = (root / PROFILE).read_bytes()
    edit(root)
    if not cached:
        shutil.rmtree(root / CACHE)
    line = changed_line(root, "record [0] (20261121 to canary for el9-x86_64)", bound)
    for args in (
        ("resolve", "wn-051.example.org"),
        ("explain", "wn-051.example.org", "sudo"),
        ("status",),
        ("report", "--format", "text"),
        ("announce", "--os", "el9-x86_64", "--stage", "canary"),
        ("stages", "--verify"),
    ):
        r = cli(*args, root=root)
        assert r.exit_code == 1 and "Traceback" not in r.output, (args, r.output)
        if args[0] in ("status", "report"):  # the node's failure, in its row
            assert words(line.removeprefix("errata-tpl: error: ")) in words(r.output), (args, r.output)
        else:
            assert r.stderr.endswith(line), (args, r.output)
    # a node its stage does not decide (the override file keeps wn-001 on 20261121) is not bound by the record
    assert cli("resolve", "wn-001.example.org", root=root).exit_code == 0
    # restored from version control: every reader as before, the same answers with or without the cache
    (root / PROFILE).write_bytes(original)
    for args, before in good.items():
        r = cli(*args, root=root)
        assert r.exit_code == 0 and r.stdout == before.stdout, (args, r.output)
    r = cli("stages", "--verify", root=root)
    assert r.exit_code == 0 and "1 promoted profiles hashed" in r.stdout, r.output


def test_a_rewrite_that_keeps_size_and_mtime_is_found_through_the_cache(cli, example_root, monkeypatch):
    root = example_root
    pad(root)
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    bound = sha(root)
    assert cli("resolve", "wn-051.example.org", root=root).exit_code == 0  # its copy made
    path = root / PROFILE
    st = path.stat()
    path.write_text(path.read_text().replace("1.9.5p2-10.el9_3", "1.9.5p2-99.el9_3"))  # the same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    r = cli("resolve", "wn-051.example.org", root=root)
    assert r.stderr == changed_line(root, "record [0] (20261121 to canary for el9-x86_64)", bound)


def test_generate_force_over_a_promoted_profile_is_refused_and_loses_nothing(cli, example_root, monkeypatch):
    root = example_root
    mirror = str(root / "examples/mirror/el9")
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    before = (root / PROFILE).read_bytes()
    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261121", "--force", root=root)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr.endswith(
        f"errata-tpl: error: {PROFILE}: promoted by record [0] (20261121 to canary for el9-x86_64), in force: "
        "replacing it would make every reader refuse it until it is promoted again at each of those stages; "
        "generate the new one under another name (--profile YYYYMMDD) and promote that; nothing written\n"
    ), r.stderr
    assert (root / PROFILE).read_bytes() == before
    assert cli("resolve", "wn-051.example.org", root=root).exit_code == 0
    # a profile no record in force binds: replaced, said when an older record promoted it
    assert promote(cli, root, monkeypatch, T0 + DAY, "20261001", *CANARY[1:]).exit_code == 0  # a rollback
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 2 * DAY))
    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261121", "--force", root=root)
    assert r.exit_code == 0, r.output
    assert (root / PROFILE).read_bytes() != before
    assert (
        f"warning: {PROFILE}: record [0] (20261121 to canary for el9-x86_64) promoted other content (SHA-256 "
        f"{hashlib.sha256(before).hexdigest()[:8]}); no stage has it in effect through that record now"
    ) in r.stderr
    r = cli("stages", "--verify", root=root)
    assert r.exit_code == 0 and "no stage has it in effect through this record now" in r.stderr, r.output
    # promoting it again binds the new content
    assert promote(cli, root, monkeypatch, T0 + 2 * DAY, *CANARY).exit_code == 0
    assert records(root)[-1]["profile_sha256"] == sha(root)
    assert cli("resolve", "wn-051.example.org", root=root).exit_code == 0


def test_promoting_a_changed_profile_again(cli, example_root, monkeypatch):
    root = example_root
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    bound = sha(root)
    remade(root)
    # not soaked at canary as it is now: refused at compute, however long ago canary had it
    r = promote(cli, root, monkeypatch, T0 + 3 * DAY, *COMPUTE)
    assert (
        r.exit_code == 1
        and (
            f"20261121 at canary is not the file's content: record [0] (20261121 to canary for el9-x86_64) promoted "
            f"SHA-256 {bound[:8]}, the file's is {sha(root)[:8]} (changed since): promote it to canary again first"
        )
        in r.stderr
    ), r.output
    # promoted again at canary: not "already the current profile", said, and bound to the new bytes
    r = promote(cli, root, monkeypatch, T0 + 3 * DAY, *CANARY)
    assert r.exit_code == 0, r.output
    assert f"{PROFILE}: not the profile record [0] (20261121 to canary for el9-x86_64) promoted (SHA-256 " in r.stderr
    assert "changed after its promotion; this promotion replaces it" in r.stderr
    assert records(root)[-1]["profile_sha256"] == sha(root) != bound
    assert cli("resolve", "wn-051.example.org", root=root).exit_code == 0
    # its announcement: the nodes before it can only be shown with the file as it is now, and it says so;
    # the first promotion's content is gone, so its own announcement is refused
    announce = ("announce", "--os", "el9-x86_64", "--stage", "canary")
    r = cli(*announce, root=root)
    assert r.exit_code == 0 and "its nodes before this promotion are shown with the file as it is now" in r.stderr
    r = cli(*announce, "--record", "0", root=root)
    assert r.exit_code == 1 and r.stderr.endswith(
        changed_line(root, "record [0] (20261121 to canary for el9-x86_64)", bound)
    )
    # and its soak counts from then
    r = promote(cli, root, monkeypatch, T0 + 4 * DAY, *COMPUTE)
    assert r.exit_code == 1 and "has been at canary for 1d of the 2d soak" in r.stderr, r.output
    assert promote(cli, root, monkeypatch, T0 + 5 * DAY, *COMPUTE).exit_code == 0


def test_approve_after_an_edit_is_refused(cli, approvers_site, monkeypatch, keys):  # noqa: F811
    site = approvers_site
    assert promote_signed(cli, site, monkeypatch, keys, "alice").exit_code == 0
    bound = sha(site)
    remade(site)
    r = approve(cli, site, monkeypatch, keys, "bob")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.stderr == changed_line(site, "record [0] (20261121 to canary for el9-x86_64)", bound)
    assert len(records(site)) == 1  # nothing written
    # promoted again by alice (the waiting one is replaced, its content being another), then approved
    r = promote_signed(cli, site, monkeypatch, keys, "alice", at=T0 + 1800)
    assert r.exit_code == 0, r.output
    assert approve(cli, site, monkeypatch, keys, "bob").exit_code == 0
    promotion, approval = records(site)[1:]
    assert promotion["profile_sha256"] == approval["profile_sha256"] == sha(site)
    assert cli("resolve", "wn-051.example.org", root=site).exit_code == 0
    r = cli("stages", "--verify", root=site)
    assert r.exit_code == 0 and "3 signed records, every signature good" in r.stdout, r.output


@pytest.mark.parametrize("change", ["removed", "changed"])
def test_a_signed_records_binding_cannot_be_bent(cli, approvers_site, monkeypatch, keys, change):  # noqa: F811
    site = approvers_site
    assert promote_signed(cli, site, monkeypatch, keys, "alice").exit_code == 0
    assert approve(cli, site, monkeypatch, keys, "bob").exit_code == 0
    edit(site)
    data = records(site)
    if change == "removed":
        del data[0]["profile_sha256"]
    else:
        data[0]["profile_sha256"] = sha(site)  # what a forger would write after the edit
    (site / "site/promotions.yaml").write_text(rec.text(data))
    for args in (("resolve", "wn-051.example.org"), ("stages", "--verify")):
        r = cli(*args, root=site)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
        assert "record [0] (20261121 to canary for el9-x86_64): bad signature" in r.stderr, r.stderr
    # the approval after it, re-chained by the forger, is signed too: the same
    data[1]["prev"] = rec.record_hash(data[0], rec.ZERO)
    (site / "site/promotions.yaml").write_text(rec.text(data))
    r = cli("stages", "--verify", root=site)
    assert r.exit_code == 1 and "bad signature" in r.stderr, r.output


def test_an_unsigned_records_binding_removed_breaks_the_chain(cli, example_root, monkeypatch):
    root = example_root
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    assert promote(cli, root, monkeypatch, T0 + 2 * DAY, *COMPUTE).exit_code == 0
    data = records(root)
    del data[0]["profile_sha256"]
    (root / "site/promotions.yaml").write_text(rec.text(data))
    r = cli("stages", "--verify", root=root)
    assert r.exit_code == 1 and "record [1] (20261121 to compute for el9-x86_64): prev " in r.stderr, r.output
    # the newest one's removed (the chain cannot show that): a record without it after one with it
    data = records(root)
    data[0]["profile_sha256"] = sha(root)
    del data[1]["profile_sha256"]
    (root / "site/promotions.yaml").write_text(rec.text(data))
    r = cli("resolve", "wn-051.example.org", root=root)
    assert r.stderr.endswith(
        "record [1] (20261121 to compute for el9-x86_64): no profile_sha256 (the SHA-256 of the profile it promoted), "
        "though record [0] before it has one: records are added only by errata-tpl promote and approve\n"
    ), r.output


def test_records_written_before_the_binding_are_accepted_as_they_are(cli, example_root, monkeypatch):
    root = example_root
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    assert promote(cli, root, monkeypatch, T0 + 2 * DAY, *COMPUTE).exit_code == 0
    old, head = [], rec.ZERO
    for raw in records(root):  # as a version before profile_sha256 wrote them
        raw = {k: v for k, v in raw.items() if k != "profile_sha256"}
        raw["prev"] = head
        head = rec.record_hash(raw, head)
        old.append(raw)
    (root / "site/promotions.yaml").write_text(rec.text(old))
    shutil.rmtree(root / CACHE)  # the head last seen was the file's before
    r = cli("stages", "--verify", root=root)
    assert r.exit_code == 0, r.output
    assert (
        "records [0] to [1] carry no profile_sha256 (written before records bound their profile's content): "
        "accepted as they are"
    ) in r.stdout
    edit(root)
    assert cli("resolve", "wn-051.example.org", root=root).exit_code == 0  # nothing to check it against
    # the next promotion binds its own content
    assert promote(cli, root, monkeypatch, T0 + 3 * DAY, "20261001", *CANARY[1:]).exit_code == 0
    assert yaml.safe_load((root / "site/promotions.yaml").read_text())[2]["profile_sha256"] == sha(
        root, "errata/el9-x86_64/20261001.yaml"
    )
    r = cli("stages", "--verify", root=root)
    assert r.exit_code == 0 and "records [0] to [1] carry no profile_sha256" in r.stdout, r.output


def test_pending_reads_the_last_stages_profile_through_its_record(cli, example_root, monkeypatch):
    root = example_root
    (root / "site/stages.yaml").write_text('stages:\n  - {name: canary, nodes: ["wn-05*"]}\n')
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    bound = sha(root)
    before = cli("pending", "--format", "json", root=root)
    el9 = next(o for o in json.loads(before.stdout)["os"] if o["os"] == "el9-x86_64")
    assert before.exit_code == 0 and el9["stage_profile"] == "20261121"
    edit(root)
    r = cli("pending", root=root)
    assert r.exit_code == 1 and r.stderr == changed_line(root, "record [0] (20261121 to canary for el9-x86_64)", bound)


def test_approvals_before_the_binding_approve_one_content(cli, approvers_site, monkeypatch, keys):  # noqa: F811
    """A promotion written before profile_sha256, waiting for three approvals: its first
    approval after the upgrade binds the file as it was then; a later approval of other
    bytes is refused (it put them in effect, which the first approver never approved)."""
    from errata_tpl.promotions.signing import Signer

    site = approvers_site
    stages = site / "site/stages.yaml"
    stages.write_text(stages.read_text().replace("approvals: 2}", "approvals: 3}"))
    assert promote_signed(cli, site, monkeypatch, keys, "alice").exit_code == 0
    old = {k: v for k, v in records(site)[0].items() if k not in ("profile_sha256", "signature")}
    monkeypatch.setenv("GNUPGHOME", str(keys["alice"][0].home))
    (site / "site/promotions.yaml").write_text(rec.text([Signer("alice@example.org").sign(old)]))
    shutil.rmtree(site / CACHE)  # the head last seen was the file's before
    remade(site)
    assert approve(cli, site, monkeypatch, keys, "bob").exit_code == 0  # binds the file as it is now
    approved = sha(site)
    edit(site)
    r = approve(cli, site, monkeypatch, keys, "carol", at=T0 + 7200)
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert r.stderr == (
        f"errata-tpl: error: {PROFILE}: not the profile record [1] (approval of 20261121 to canary for el9-x86_64) "
        f"approved (SHA-256 {sha(site)[:8]}, the record's {approved[:8]}): changed after its promotion; restore it "
        "from version control or promote it again\n"
    )
    assert len(records(site)) == 2  # nothing written
    # a record of other bytes written by hand (carol signs it) is refused by every reader
    data = records(site)
    head = rec.record_hash(data[1], rec.record_hash(data[0], rec.ZERO))
    forged = rec.new("approval", "20261121", "el9-x86_64", "canary", "2026-11-24T08:00:00Z", "ops", None)
    signers = sorted(keys[n][1] for n in ("alice", "bob", "carol"))
    forged.update(profile_sha256=sha(site), prev=head, approved_by=signers)
    monkeypatch.setenv("GNUPGHOME", str(keys["carol"][0].home))
    (site / "site/promotions.yaml").write_text(rec.text([*data, Signer("carol@example.org").sign(forged)]))
    r = cli("resolve", "wn-051.example.org", root=site)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
    assert "record [2] (approval of 20261121 to canary for el9-x86_64): profile_sha256 " in r.stderr, r.stderr
    assert "is not the one record [1] (approval of 20261121 to canary for el9-x86_64) approved" in r.stderr
