"""The promotion record cannot be lost or silently bent: any YAML list in, the canonical
form out, parsed back before it replaces the old file; no link, directory, FIFO, socket
or device there; refusals decided under the lock (two real processes); records naming
what the site lacks, soaks out of range and SOURCE_DATE_EPOCH as one-line errors; the
hash chain (edited, removed, reordered, inserted records) and its unchained start."""

import os
import socket
import subprocess
import sys
import time

import pytest
import yaml
from conftest import REPO

from errata_tpl.fileio import atomic
from errata_tpl.promotions import record as rec
from errata_tpl.promotions import store

DAY = 86400
T0 = 1795500000  # 2026-11-24T06:00:00Z
EL9 = str(REPO / "examples/mirror/el9")
CANARY = ("20261121", "--os", "el9-x86_64", "--stage", "canary")
RECORD = "site/promotions.yaml"


@pytest.fixture
def site(example_root, monkeypatch):
    monkeypatch.setenv("LOGNAME", "carol")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return example_root


def promote(cli, root, monkeypatch, at, *args):
    if at is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(at))
    return cli("promote", *args, "--repo", EL9, root=root)


def one_line_error(r, words):
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("errata-tpl: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr, r.stderr


UNCHAINED = """# two records as the tool wrote them before records were chained, in flow style
[{profile: '20261001', os: el9-x86_64, stage: canary, time: '2026-10-02T06:00:00Z', by: ann,
  note: null, forced: false, nodes: [wn-051.example.org], packages_changed: 0, cves_fixed: [], check: ok},
 {profile: '20261001', os: el9-x86_64, stage: compute, time: '2026-10-05T06:00:00Z', by: ann}]
"""


def test_any_yaml_list_in_canonical_out_and_the_unchained_start(cli, site, monkeypatch):
    path = site / RECORD
    path.write_text(UNCHAINED)
    old = yaml.safe_load(UNCHAINED)
    r = promote(cli, site, monkeypatch, T0, *CANARY)
    assert r.exit_code == 0, r.output
    assert "the 2 records before this one were written before records were chained" in r.stderr
    data = yaml.safe_load(path.read_text())
    assert data[:2] == old  # the records as they were, every key and value
    assert data[2]["prev"] == rec.record_hash(old[1], rec.record_hash(old[0], rec.ZERO))
    text = path.read_text()
    assert text.startswith(rec.HEADER) and '- profile: "20261001"\n  os: el9-x86_64\n' in text
    assert text == rec.text(data)  # the canonical form: written again, the same bytes
    # said once: the next promotion chains on a chained record
    r = promote(cli, site, monkeypatch, T0 + 3 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute")
    assert r.exit_code == 0 and "before records were chained" not in r.stderr, r.output
    # the chain covers the unchained start: an edit there is found
    path.write_text(path.read_text().replace("by: ann", "by: eve", 1))
    r = cli("resolve", "wn-051.example.org", root=site)
    one_line_error(r, "record [2] (20261121 to canary for el9-x86_64): prev ")
    assert "a record at or before this one was edited, removed or reordered" in r.stderr


def chained_file(cli, site, monkeypatch):
    """canary at T0, compute at T0+2d, all at T0+5d: three chained records."""
    for at, stage in ((T0, "canary"), (T0 + 2 * DAY, "compute"), (T0 + 5 * DAY, "all")):
        r = promote(cli, site, monkeypatch, at, "20261121", "--os", "el9-x86_64", "--stage", stage)
        assert r.exit_code == 0, r.output
    return (site / RECORD).read_text()


def _records(text):
    head, *items = text.split("\n- ")
    return head, ["- " + i.rstrip("\n") + "\n" for i in items]


@pytest.mark.parametrize(
    "bend, words",
    [
        ("edit", "record [2] (20261121 to all for el9-x86_64): prev "),
        ("remove", "record [1] (20261121 to all for el9-x86_64): prev "),
        ("reorder", "record [1] (20261121 to all for el9-x86_64): prev "),
        ("insert", "record [1] (20261001 to compute for el9-x86_64): no prev"),
    ],
)
def test_a_bent_chain_is_an_error_for_every_reader(cli, site, monkeypatch, bend, words):
    text = chained_file(cli, site, monkeypatch)
    head, items = _records(text)
    if bend == "edit":  # the compute record's by, as if someone else had promoted
        items[1] = items[1].replace("by: carol", "by: dave")
    elif bend == "remove":
        del items[1]
    elif bend == "reorder":
        items[1], items[2] = items[2], items[1]
    else:  # a record in the old form slipped in
        old = "- {profile: '20261001', os: el9-x86_64, stage: compute, time: '2026-11-24T07:00:00Z', by: x}\n"
        items.insert(1, old)
    (site / RECORD).write_text(head + "\n" + "".join(items))
    for args in (("resolve", "wn-001.example.org"), ("stages",), ("status",), ("report", "--format", "json")):
        one_line_error(cli(*args, root=site), words)
    r = promote(cli, site, monkeypatch, T0 + 9 * DAY, *CANARY)
    one_line_error(r, words)


def test_records_naming_what_the_site_lacks(cli, site, monkeypatch):
    chained_file(cli, site, monkeypatch)
    stages = site / "site/stages.yaml"
    stages.write_text(stages.read_text().replace("name: compute", "name: workers"))
    one_line_error(
        cli("resolve", "wn-001.example.org", root=site),
        "site/promotions.yaml: record [1] (20261121 to compute for el9-x86_64): no stage 'compute' in "
        "site/stages.yaml (stages: canary, workers, all)",
    )
    stages.write_text(stages.read_text().replace("name: workers", "name: compute"))
    (site / "errata/el9-x86_64/20261121.yaml").rename(site / "x.yaml")
    one_line_error(
        cli("stages", root=site),
        "record [0] (20261121 to canary for el9-x86_64): no profile errata/el9-x86_64/20261121.yaml",
    )
    (site / "x.yaml").rename(site / "errata/el9-x86_64/20261121.yaml")
    (site / "os/el9-x86_64").rename(site / "os/el9-gone")
    one_line_error(cli("stages", root=site), "record [0] (20261121 to canary for el9-x86_64): no OS el9-x86_64")


def _device_or_socket(path):
    if os.geteuid() == 0:
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 5))  # /dev/zero's numbers: a read never ends
        return "a character device"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    return "a socket"


@pytest.mark.parametrize("kind", ["symlink", "directory", "fifo", "device"])
def test_anything_but_a_regular_file_is_refused_unread(cli, site, monkeypatch, kind):
    path = site / RECORD
    words = {"symlink": "a symbolic link", "directory": "a directory", "fifo": "a FIFO"}.get(kind)
    if kind == "symlink":
        (site / "elsewhere.yaml").write_text(UNCHAINED)
        path.symlink_to(site / "elsewhere.yaml")
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        words = _device_or_socket(path)
    for args in (("resolve", "wn-051.example.org"), ("stages",)):
        one_line_error(cli(*args, root=site), f"site/promotions.yaml: {words}")
    r = promote(cli, site, monkeypatch, T0, *CANARY)
    one_line_error(r, f"site/promotions.yaml: {words}; the promotion record is a regular file, refused")
    assert os.path.islink(path) == (kind == "symlink") and os.path.isdir(path) == (kind == "directory")
    if kind == "symlink":
        assert (site / "elsewhere.yaml").read_text() == UNCHAINED


def test_a_text_that_does_not_read_back_is_never_written(cli, site, monkeypatch):
    assert promote(cli, site, monkeypatch, T0, *CANARY).exit_code == 0
    before = (site / RECORD).read_bytes()
    real = rec.text
    monkeypatch.setattr(rec, "text", lambda raws: real(raws).replace("by: carol", "by: mallory"))
    r = promote(cli, site, monkeypatch, T0 + 2 * DAY, "20261121", "--os", "el9-x86_64", "--stage", "compute")
    one_line_error(r, "site/promotions.yaml (as it would be written): key '[0].by' reads back as other data")
    assert r.stderr.endswith("; nothing written\n")
    assert (site / RECORD).read_bytes() == before


def _waiting_on_lock(proc, directory):
    """True once the process holds an open descriptor on ``directory`` (locked_dir opens
    it, then waits for the flock)."""
    fds = f"/proc/{proc.pid}/fd"
    try:
        return any(os.readlink(f"{fds}/{fd}") == str(directory) for fd in os.listdir(fds))
    except OSError:
        return False


def test_two_promotions_at_once_never_both_pass_a_refusal(site):
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(T0), LOGNAME="carol")
    argv = [sys.executable, "-m", "errata_tpl.cli", "--root", str(site), "promote", *CANARY, "--repo", EL9]
    directory = site / "site"
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert atomic.wait_lock(fd, 1)  # held: both runs must decide after the other's write
        procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        deadline = time.monotonic() + 120
        while not all(_waiting_on_lock(p, directory) for p in procs):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
            time.sleep(0.05)
    finally:
        os.close(fd)  # released: the two go one after the other
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], outs
    refused = next(err for (_, err), p in zip(outs, procs) if p.returncode == 1).decode()
    assert "20261121 is already the current profile of canary for el9-x86_64" in refused
    assert len(yaml.safe_load((site / RECORD).read_text())) == 1


@pytest.mark.parametrize(
    "soak, words",
    [
        ("99999w", "key 'soak': 99999w is longer than 366d; refused"),
        ("9999999999d", "key 'soak': expected a duration such as 2d"),
        ("-1d", "key 'soak': expected a duration such as 2d"),
    ],
)
def test_soak_out_of_range(cli, site, monkeypatch, soak, words):
    stages = site / "site/stages.yaml"
    stages.write_text(stages.read_text().replace("soak: 2d", f"soak: {soak}"))
    for args in (("stages",), ("resolve", "wn-051.example.org")):
        one_line_error(cli(*args, root=site), f"site/stages.yaml: key 'stages[1]': {words}")


@pytest.mark.parametrize("value", ["abc", "-5", "1e9", "99999999999999", "253402300800", " 17"])
def test_source_date_epoch_out_of_range(cli, site, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    for args in (("promote", *CANARY, "--repo", EL9), ("stages",), ("report", "--format", "json")):
        one_line_error(cli(*args, root=site), "SOURCE_DATE_EPOCH: expected whole seconds since 1970-01-01 UTC")
    assert not (site / RECORD).exists()


def test_source_date_epoch_never_shortens_a_soak(cli, site, monkeypatch):
    assert promote(cli, site, monkeypatch, None, *CANARY).exit_code == 0  # now, on the real clock
    ahead = int(time.time()) + 30 * DAY
    r = promote(cli, site, monkeypatch, ahead, "20261121", "--os", "el9-x86_64", "--stage", "compute")
    # a clock ahead of the real one dates no record (tests/cli/test_promote_clock.py: and behind it)
    one_line_error(r, "is ahead of the real clock")
    # and a clock behind the latest record would put records out of time order
    r = promote(cli, site, monkeypatch, T0, "20261001", "--os", "el9-x86_64", "--stage", "canary")
    one_line_error(r, "before the latest record's time")
    assert len(yaml.safe_load((site / RECORD).read_text())) == 1


def test_the_canonical_form_is_what_the_readme_says():
    raw = {"type": "promotion", "profile": "20261121", "os": "el9-x86_64", "stage": "canary"}
    raw.update({"time": "2026-11-24T06:00:00Z", "by": "ann", "note": "ü \u0007", "forced": False, "nodes": ["b", "a"]})
    assert rec.canonical(raw) == (
        b'{"by":"ann","forced":false,"nodes":["b","a"],"note":"\xc3\xbc \\u0007","os":"el9-x86_64",'
        b'"profile":"20261121","stage":"canary","time":"2026-11-24T06:00:00Z","type":"promotion"}'
    )
    # unchained: hashed as if prev were the hash before it
    assert rec.record_hash(raw, rec.ZERO) == rec.record_hash({**raw, "prev": rec.ZERO}, "f" * 64)
    assert store.parse(rec.text([raw]))[0].raw == raw


def test_times_must_not_go_back(cli, site):
    (site / RECORD).write_text(
        "- {profile: '20261001', os: el9-x86_64, stage: canary, time: '2026-10-05T06:00:00Z', by: a}\n"
        "- {profile: '20261121', os: el9-x86_64, stage: canary, time: '2026-10-02T06:00:00Z', by: a}\n"
    )
    one_line_error(
        cli("stages", root=site),
        "record [1] (20261121 to canary for el9-x86_64): time 2026-10-02T06:00:00Z is before record [0]'s",
    )
