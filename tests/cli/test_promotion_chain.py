"""What the hash chain of site/promotions.yaml shows and what it cannot (issue 19, hostile
round): prev lines removed from records a chaining version wrote are an error; the newest
record edited, or records removed, is a warning from the head errata-tpl last saw (kept
sealed in the cache, which changes no answer); a record added by hand that skips a soak
is named by `stages --verify`."""

import hashlib

import yaml

from cli.test_stages import T0, promote, records
from errata_tpl.promotions import record as rec

DAY = 86400
CANARY = ("20261121", "--os", "el9-x86_64", "--stage", "canary")
COMPUTE = ("20261121", "--os", "el9-x86_64", "--stage", "compute")
GONE = "site/promotions.yaml: the record errata-tpl last saw here (head "


def two_records(cli, root, monkeypatch):
    assert promote(cli, root, monkeypatch, T0, *CANARY).exit_code == 0
    assert promote(cli, root, monkeypatch, T0 + 2 * DAY, *COMPUTE).exit_code == 0
    return (root / "site/promotions.yaml").read_text()


def test_the_newest_record_edited_or_removed_is_a_warning(cli, example_root, monkeypatch):
    path = example_root / "site/promotions.yaml"
    good = two_records(cli, example_root, monkeypatch)
    assert cli("stages", "--verify", root=example_root).stderr == ""
    edited = yaml.safe_load(good)
    edited[1]["profile"] = "20261001"  # the newest record: what compute's nodes get
    path.write_text(rec.text(edited))
    r = cli("stages", "--verify", root=example_root)  # its profile_sha256 is 20261121's: the binding shows it
    assert r.exit_code == 1 and "errata/el9-x86_64/20261001.yaml: not the profile record [1]" in r.stderr, r.output
    edited[1]["profile_sha256"] = hashlib.sha256((example_root / "errata/el9-x86_64/20261001.yaml").read_bytes())
    edited[1]["profile_sha256"] = edited[1]["profile_sha256"].hexdigest()  # the hash edited too: only the head
    path.write_text(rec.text(edited))
    for args in (("stages", "--verify"), ("resolve", "wn-001.example.org"), ("status",)):
        r = cli(*args, root=example_root)
        assert r.exit_code == 0, (args, r.output)  # a warning, never another answer
        assert r.stderr.count(GONE) == 1 and "records were edited or removed since" in r.stderr, (args, r.stderr)
    # the newest record removed: the same
    path.write_text(rec.text(yaml.safe_load(good)[:1]))
    assert GONE in cli("stages", root=example_root).stderr
    # the next promotion says it, then chains on: the file as it is now is the one seen
    r = promote(cli, example_root, monkeypatch, T0 + 3 * DAY, "20261001", *CANARY[1:])
    assert r.exit_code == 0 and GONE in r.stderr, r.output
    assert cli("stages", root=example_root).stderr == ""
    # the file only grew since (a record of its own, or one pulled): no warning
    assert promote(cli, example_root, monkeypatch, T0 + 4 * DAY, *CANARY).exit_code == 0
    assert cli("stages", "--verify", root=example_root).stderr == ""


def test_prev_lines_removed_are_an_error(cli, example_root, monkeypatch):
    path = example_root / "site/promotions.yaml"
    good = two_records(cli, example_root, monkeypatch)
    path.write_text("".join(line for line in good.splitlines(keepends=True) if not line.startswith("  prev: ")))
    for args in (("stages", "--verify"), ("resolve", "wn-001.example.org")):
        r = cli(*args, root=example_root)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
        assert (
            "record [0] (20261121 to canary for el9-x86_64): no prev (the hash of the record before it), but key "
            "'type', which only versions of errata-tpl that chain records write: its prev was removed"
        ) in r.stderr
    # every key a chaining version writes removed too: it reads as written before chaining, and the
    # head last seen says the file changed
    old = [
        {k: v for k, v in raw.items() if k not in ("prev", "type", "rollback", "clock", "profile_sha256")}
        for raw in yaml.safe_load(good)
    ]
    path.write_text(rec.text(old))
    r = cli("stages", "--verify", root=example_root)
    assert r.exit_code == 0 and "written before records were chained" in r.stdout and GONE in r.stderr, r.output


def test_a_record_added_by_hand_that_skips_a_soak_is_named(cli, example_root, monkeypatch):
    assert promote(cli, example_root, monkeypatch, T0, *CANARY).exit_code == 0
    (first,) = records(example_root)
    added = {**first, "stage": "compute", "time": "2026-11-24T07:00:00Z", "prev": rec.record_hash(first, rec.ZERO)}
    (example_root / "site/promotions.yaml").write_text(rec.text([first, added]))
    r = cli("stages", "--verify", root=example_root)
    assert r.exit_code == 0, r.output  # the soak may have been raised since: said, not refused
    assert (
        "record [1] (20261121 to compute for el9-x86_64): says forced: false, but 20261121 had been at canary for "
        "1h of the 2d soak compute asks: added by hand, or the soak was raised since"
    ) in r.stderr, r.stderr
