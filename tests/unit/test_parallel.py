"""map_shares: work split over forked processes, results in order, failures redone."""

import os

import pytest

from errata_tpl.parallel import map_shares


def square(items):
    return [(i * i, os.getpid()) for i in items]


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_results_come_back_in_order(workers):
    items = list(range(25))
    got = map_shares(square, items, workers)
    assert [v for v, _ in got] == [i * i for i in items]
    assert len({pid for _, pid in got}) == min(workers, len(items))  # each share in its own process


def test_more_workers_than_items_and_no_items():
    assert [v for v, _ in map_shares(square, [3], 4)] == [9]
    assert map_shares(square, [], 4) == []


def test_a_child_that_dies_has_its_share_redone_here():
    parent = os.getpid()

    def dies_in_children(items):
        if os.getpid() != parent:
            os._exit(3)
        return square(items)

    got = map_shares(dies_in_children, list(range(10)), 3)
    assert [v for v, _ in got] == [i * i for i in range(10)]
    assert {pid for _, pid in got} == {parent}


def test_a_child_that_returns_the_wrong_count_is_not_trusted():
    parent = os.getpid()

    def short_in_children(items):
        out = square(items)
        return out[:-1] if os.getpid() != parent else out

    got = map_shares(short_in_children, list(range(10)), 2)
    assert [v for v, _ in got] == [i * i for i in range(10)]


def test_wrap_sees_this_process_share_and_the_scale():
    seen = []

    def wrap(items, scale):
        seen.append((list(items), scale))
        return items

    map_shares(square, list(range(6)), 3, wrap)
    assert seen == [([0, 3], 3)]


def test_an_error_here_leaves_no_child_behind():
    parent = os.getpid()

    def fails_here(items):
        if os.getpid() == parent:
            raise RuntimeError("boom")
        return square(items)

    with pytest.raises(RuntimeError):
        map_shares(fails_here, list(range(10)), 3)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was reaped
