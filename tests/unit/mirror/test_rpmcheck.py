"""How the files rpm checks are dealt into rpmkeys runs (the runs themselves: test_scan)."""

import os

from errata_tpl.mirror import rpmcheck


def test_batches_one_per_worker_within_the_bounds_every_path_once_in_order(monkeypatch):
    paths = [f"/m/p{i:05d}.rpm" for i in range(3000)]
    got = rpmcheck._batches(paths, 2)
    assert [len(b) for b in got] == [1500, 1500] and [p for b in got for p in b] == paths
    assert len(rpmcheck._batches(paths[:300], 2)) == 1  # two would each be under MIN_BATCH
    monkeypatch.setattr(rpmcheck, "BATCH", 1000)
    assert [len(b) for b in rpmcheck._batches(paths, 2)] == [1000, 1000, 1000]


def test_batches_never_pass_the_argument_bytes_whatever_the_names(monkeypatch):
    monkeypatch.setattr(rpmcheck, "ARG_BYTES", 4096)
    paths = [f"/m/{'é' * (i % 90)}-{i}.rpm" for i in range(500)]  # two bytes a letter in UTF-8
    got = rpmcheck._batches(paths, 1)
    assert [p for b in got for p in b] == paths and len(got) > 1
    assert all(sum(len(os.fsencode(p)) + 1 for p in b) <= 4096 for b in got)
