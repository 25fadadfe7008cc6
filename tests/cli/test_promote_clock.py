"""The promotion record's clock (issue 19, hostile round): SOURCE_DATE_EPOCH never shortens
a soak (a backdated record is not measured on the real clock), never dates a record in the
future (which would refuse every record after it), and a record at 9999-12-31 already in a
file is shown, never a traceback."""

import time

import yaml

from cli.test_stages import EL9, T0, promote, records
from errata_tpl.promotions import record as rec

CANARY = ("20261121", "--os", "el9-x86_64", "--stage", "canary")
COMPUTE = ("20261121", "--os", "el9-x86_64", "--stage", "compute")


def one_line_error(r, words):
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("errata-tpl: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr, r.stderr


def test_a_backdated_record_never_shortens_a_soak_on_the_real_clock(cli, example_root, monkeypatch):
    assert promote(cli, example_root, monkeypatch, 1000000000, *CANARY).exit_code == 0  # 2001-09-09
    (first,) = records(example_root)
    assert first["time"] == "2001-09-09T01:46:40Z" and first["clock"] == "pinned"
    before = (example_root / "site/promotions.yaml").read_bytes()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # the real clock: 25 years after the pinned time
    r = cli("promote", *COMPUTE, "--repo", EL9, root=example_root)
    one_line_error(
        r,
        "refused: 20261121 came to canary at 2001-09-09T01:46:40Z on a pinned clock (SOURCE_DATE_EPOCH, "
        "record [0] (20261121 to canary for el9-x86_64)): the 2d soak compute asks is never measured from "
        "a pinned time on the real clock (--force overrides)",
    )
    assert (example_root / "site/promotions.yaml").read_bytes() == before
    r = cli("stages", root=example_root)
    assert r.exit_code == 0 and "20261121 on a pinned clock only (SOURCE_DATE_EPOCH)" in r.stdout, r.output
    # forced: written, real time, no clock key, the override recorded
    r = cli("promote", *COMPUTE, "--repo", EL9, "--force", root=example_root)
    assert r.exit_code == 0, r.output
    second = records(example_root)[1]
    assert "clock" not in second and second["forced"][0].startswith("20261121 came to canary at 2001")
    assert rec.parse_time(second["time"]).timestamp() <= time.time()


def test_pinned_clock_ahead_of_the_real_one_dates_no_record(cli, example_root, monkeypatch):
    for at in (253402300799, int(time.time()) + 86400):  # the largest SOURCE_DATE_EPOCH, and tomorrow
        r = promote(cli, example_root, monkeypatch, at, *CANARY)
        one_line_error(r, "is ahead of the real clock (")
        assert "a record dated in the future would refuse every record after it until then; refused" in r.stderr
        assert not (example_root / "site/promotions.yaml").exists()
    # the rest of the tool takes the largest value
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")
    for args in (("stages",), ("status",), ("resolve", "wn-051.example.org")):
        assert cli(*args, root=example_root).exit_code == 0, args


def test_a_record_at_the_end_of_time_is_shown_and_named(cli, example_root, monkeypatch):
    """A file an earlier version wrote with SOURCE_DATE_EPOCH=253402300799: no traceback."""
    assert promote(cli, example_root, monkeypatch, T0, *CANARY).exit_code == 0
    (raw,) = records(example_root)
    raw = {**{k: v for k, v in raw.items() if k != "clock"}, "time": "9999-12-31T23:59:59Z"}  # no clock key then
    (example_root / "site/promotions.yaml").write_text(rec.text([raw]))
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    r = cli("stages", root=example_root)
    assert r.exit_code == 0 and "20261121 never (past 9999-12-31)" in r.stdout, r.output
    r = cli("promote", *COMPUTE, "--repo", EL9, "--force", root=example_root)
    one_line_error(r, "before the latest record's time 9999-12-31T23:59:59Z: records are in time order")
    assert yaml.safe_load((example_root / "site/promotions.yaml").read_text()) == [raw]
