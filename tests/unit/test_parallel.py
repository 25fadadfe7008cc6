"""map_shares and map_claimed: work split over forked processes, results in order, failures redone."""

import os
import time
from pathlib import Path

import pytest

from errata_tpl.parallel import map_claimed, map_shares


def square(items):
    return [(i * i, os.getpid()) for i in items]


def dying_in_children():
    """``square``, but a forked child running it dies (its share must be done here again)."""
    parent = os.getpid()

    def fn(items):
        if os.getpid() != parent:
            os._exit(3)
        return square(items)

    return fn


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
    got = map_shares(dying_in_children(), list(range(10)), 3)
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


@pytest.mark.parametrize(
    "mapper", [lambda fn, items: map_shares(fn, items, 3), lambda fn, items: map_claimed(fn, items, 3, 1)]
)
def test_an_error_here_leaves_no_child_behind(mapper):
    parent = os.getpid()

    def fails_here(items):
        if os.getpid() == parent:
            raise RuntimeError("boom")
        return square(items)

    with pytest.raises(RuntimeError):
        mapper(fails_here, list(range(10)))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was reaped


# --- map_claimed: shares taken chunk by chunk as the work goes ------------------------


def wait_for(path):
    """Until another process makes ``path`` (at most 30 s)."""
    for _ in range(3000):
        if path.exists():
            return
        time.sleep(0.01)


@pytest.mark.parametrize(("workers", "chunk"), [(1, 4), (2, 1), (2, 4), (3, 7), (4, 100)])
def test_claimed_results_come_back_in_order(workers, chunk):
    items = list(range(25))
    got = map_claimed(square, items, workers, chunk)
    assert [v for v, _ in got] == [i * i for i in items]
    assert map_claimed(square, [], workers, chunk) == []


def test_a_worker_held_up_does_less_and_the_others_take_the_rest(tmp_path):
    """This process is held up after its first item until the child is done: the
    child has claimed every other chunk meanwhile. (The child starts once this process
    has its first chunk: a child faster off the mark could claim them all.)"""
    parent, started, done = os.getpid(), tmp_path / "parent-started", tmp_path / "child-done"

    def held_up_here(items):
        out = []
        for i in items:
            if not out and os.getpid() == parent:
                started.touch()
                wait_for(done)
            elif not out:
                wait_for(started)
            out.append((i * i, os.getpid()))
        if os.getpid() != parent:
            done.touch()
        return out

    got = map_claimed(held_up_here, list(range(40)), 2, 4)
    assert [v for v, _ in got] == [i * i for i in range(40)]
    assert sum(pid == parent for _, pid in got) == 4  # one chunk


def test_a_claiming_child_that_dies_or_miscounts_has_its_chunks_redone_here():
    parent = os.getpid()

    def short_in_children(items):
        out = square(items)
        return out[:-1] if os.getpid() != parent else out

    for fn in (dying_in_children(), short_in_children):
        got = map_claimed(fn, list(range(30)), 3, 2)
        assert [v for v, _ in got] == [i * i for i in range(30)]


def test_claimed_wrap_and_then_see_each_share():
    seen, finished = [], []

    def wrap(items, scale):
        seen.append((len(items), scale))
        return items

    def then(share, got):
        finished.append(list(share))
        return [v for v, _ in got]

    assert map_claimed(square, list(range(12)), 3, 2, wrap, then) == [i * i for i in range(12)]
    assert seen == [(4, 3)]  # sized as an even share
    assert sorted(x for share in finished for x in share) == list(range(12))


def test_a_claiming_child_that_dies_midway_keeps_the_chunks_it_sent(tmp_path):
    """A child sends each chunk as it is done: the two it sent before dying are kept,
    the one it was reading and the rest are read here."""
    parent, dying = os.getpid(), tmp_path / "child-dying"

    def dies_in_its_third_chunk(items):
        for n, i in enumerate(items):
            if os.getpid() == parent and n == 0:
                wait_for(dying)  # held up until the child is gone
            elif os.getpid() != parent and n == 8:
                dying.touch()
                os._exit(3)
            yield (i * i, os.getpid())

    got = map_claimed(dies_in_its_third_chunk, list(range(40)), 2, 4)
    assert [v for v, _ in got] == [i * i for i in range(40)]
    assert sum(pid != parent for _, pid in got) == 8  # two chunks of 4


def test_claimed_results_are_taken_in_as_each_chunk_comes(tmp_path):
    """``then`` runs on each chunk, this process's and those the child sends, while
    this process still reads: the child's first chunk is taken in before this
    process's last one."""
    parent, sent, taken = os.getpid(), tmp_path / "sent", tmp_path / "taken"
    order = []

    def child_first(items):
        for n, _ in enumerate(items):
            if os.getpid() == parent and n == 4:  # this process's second chunk waits for the child's first
                wait_for(sent)
            elif os.getpid() != parent and n == 4:
                sent.touch()  # its first chunk was sent before it asked for its second
                wait_for(taken)
            yield os.getpid()

    def then(chunk, pids):
        order.append(pids[0] == parent)
        if pids[0] != parent:
            taken.touch()
        return pids

    got = map_claimed(child_first, list(range(24)), 2, 4, then=then)
    assert len(got) == 24 and len(order) == 6
    # the child's first chunk taken in before this process's last one (after its first or its
    # second: the child may send it before this process ends its first chunk)
    last_own = len(order) - 1 - order[::-1].index(True)
    assert order.index(False) < last_own


def test_a_forked_child_dies_with_this_process_even_by_sigkill(tmp_path):
    """A child must not go on writing after its run is gone (Linux's PR_SET_PDEATHSIG)."""
    import signal
    import subprocess
    import sys

    started = tmp_path / "started"
    script = (
        "import os, pathlib, sys, time\n"
        "from errata_tpl.forking import background\n"
        f"background(lambda: (pathlib.Path({str(started)!r}).touch(), time.sleep(60)))\n"
        "print(os.getpid(), flush=True)\n"
        "time.sleep(60)\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    parent = int(run.stdout.readline())
    (child,) = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    wait_for(started)  # the child runs its work: past the point where it asks to die with its parent
    os.kill(parent, signal.SIGKILL)
    run.wait()
    for _ in range(500):  # at most 5 s
        if not Path(f"/proc/{child}").exists() or Path(f"/proc/{child}/stat").read_text().split()[2] == "Z":
            return
        time.sleep(0.01)
    os.kill(int(child), signal.SIGKILL)
    raise AssertionError(f"child {child} outlived its parent")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_meanwhile_runs_here_while_every_share_is_a_childs(workers):
    """``meanwhile`` runs in this process while the children work (every share in a
    child, results of any size); what it raises comes out of the call."""
    parent, ran = os.getpid(), []

    def big(items):
        return [("x" * 100_000, i, os.getpid()) for i in items]  # 2.5 MB in all: more than a pipe holds

    got = map_shares(big, list(range(25)), workers, meanwhile=lambda: ran.append(os.getpid()))
    assert [i for _, i, _ in got] == list(range(25)) and ran == [parent]
    pids = {pid for _, _, pid in got}
    assert (parent not in pids and len(pids) == workers) if workers > 1 else pids == {parent}

    def fails():
        raise ValueError("from meanwhile")

    with pytest.raises(ValueError, match="from meanwhile"):
        map_shares(big, list(range(25)), workers, meanwhile=fails)


def test_asked_gives_what_the_child_answered_or_none_and_close_ends_it(tmp_path):
    from errata_tpl.forking import asked

    parent = os.getpid()

    def answered(prepare):
        child = asked(prepare, lambda prepared, question: prepared)
        child.ask(None)
        return child.result()

    assert answered(lambda: {"pid": os.getpid(), "big": "x" * 200_000})["pid"] != parent  # more than a pipe holds
    assert answered(lambda: os._exit(3)) is None  # a child that failed: the caller does the work

    def fails():
        raise ValueError("in the child")

    assert answered(fails) is None
    done = tmp_path / "done"
    slow = asked(lambda: (time.sleep(5), done.touch()), lambda prepared, question: question)
    t0 = time.monotonic()
    slow.close()  # killed and reaped: its work never ends
    time.sleep(0.2)
    assert time.monotonic() - t0 < 4 and not done.exists() and slow.result() is None


def test_asked_prepares_before_the_question_and_answers_it(tmp_path):
    """The child does its preparing while this process goes on, then answers the
    question it is sent (also when children forked after it hold the pipe's other
    end, as map_shares' do)."""
    from errata_tpl.forking import asked

    prepared = tmp_path / "prepared"
    child = asked(lambda: (prepared.touch(), {i: i * i for i in range(1000)})[1], lambda d, q: [d[i] for i in q])
    for _ in range(100):
        if prepared.exists():
            break
        time.sleep(0.05)
    assert prepared.exists()  # before any question
    later = map_shares(square, list(range(10)), 2)  # children forked now inherit the question's pipe
    child.ask([3, 999])
    assert child.result() == [9, 998001] and [v for v, _ in later] == [i * i for i in range(10)]


def test_signals_are_held_only_while_forking(tmp_path):
    """SIGTERM and SIGINT are held while os.fork runs Python's at-fork hooks (one that
    came then would be lost there), and taken again at once by both processes."""
    import signal

    from errata_tpl.forking import background

    mask = tmp_path / "mask"

    def write_mask() -> None:
        mask.write_text(" ".join(str(int(n)) for n in signal.pthread_sigmask(signal.SIG_BLOCK, [])))

    join = background(write_mask)
    assert join()
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    held = {int(n) for n in mask.read_text().split()}  # the child's
    assert int(signal.SIGTERM) not in held and int(signal.SIGINT) not in held


def test_a_childs_user_error_is_raised_here_without_the_work_done_again(tmp_path):
    from errata_tpl.errors import UserError

    parent, here = os.getpid(), tmp_path / "done-here"

    def refuses(items):
        if os.getpid() == parent:
            here.touch()  # a share done here
            return square(items)
        raise UserError("mirror/x.rpm: refused", where="mirror/x.rpm")

    with pytest.raises(UserError, match=r"mirror/x\.rpm: refused") as e:
        map_shares(refuses, list(range(10)), 2, meanwhile=lambda: None)  # every share in a child
    assert e.value.where == "mirror/x.rpm" and not here.exists()
