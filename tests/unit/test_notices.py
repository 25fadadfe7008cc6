"""The one channel of warnings: plain ones said once, growing ones in their first
place, and the logs of workers that each did a share replayed into one as if one
process had done every node in order."""

from __future__ import annotations

import pickle
from collections.abc import Iterable

from errata_tpl.notices import Grew, Notices, Said
from errata_tpl.resolve import kernelonly


def names_text(where: str, profile: str, names: Iterable[str]) -> str:
    return f"{where} {profile}: {', '.join(sorted(names))}"


def test_plain_warnings_are_said_once_in_the_order_first_met():
    n = Notices()
    for w in ("b", "a", "b", "c", "a"):
        n.warn(w)
    assert n.lines == ["b", "a", "c"]
    assert n.log == [Said("b"), Said("a"), Said("c")]


def test_a_growing_warning_keeps_its_first_place_and_every_name():
    n = Notices()
    n.warn("first")
    n.grow(("os.yaml", "p1"), ["x"], names_text)
    n.warn("second")
    n.grow(("os.yaml", "p1"), ["y", "x"], names_text)
    n.grow(("os.yaml", "p1"), ["y"], names_text)  # nothing new: nothing logged
    assert n.lines == ["first", "os.yaml p1: x, y", "second"]
    assert n.log[-1] == Grew(("os.yaml", "p1"), ("y",), names_text)


def test_workers_replayed_in_node_order_say_what_one_process_says():
    nodes = [("w", ["a"]), ("", ["b"]), ("w", ["a", "c"]), ("v", []), ("", ["b", "d"])]

    def run(channel: Notices, share: list[tuple[str, list[str]]]) -> None:
        for warning, names in share:
            if warning:
                channel.warn(warning)
            channel.grow(("os.yaml", "p"), names, kernelonly.warning)

    one = Notices()
    run(one, nodes)
    workers = [Notices(), Notices()]
    run(workers[0], nodes[:2])
    run(workers[1], nodes[2:])
    together = Notices()
    for w in workers:
        together.replay(pickle.loads(pickle.dumps(w.log)))  # as a forked worker sends it
    assert together.lines == one.lines
    assert "a, b, c, d" in one.lines[1]
