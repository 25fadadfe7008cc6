"""repomd's helper for large parses: Python's cycle collector paused for the block."""

import gc

from errata_tpl.mirror.repomd import gc_paused


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_what_a_paused_block_made_joins_the_oldest_generation_and_is_still_collected():
    gc.collect()
    with gc_paused():
        assert not gc.isenabled()
        made = [Node() for _ in range(1000)]
        with gc_paused():  # nested: the outer block restores the collector
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_count()[0] < 100  # no young pass left to go over all of it at once
    assert any(o is made[-1] for o in gc.get_objects(generation=2))
    del made
    assert gc.collect() >= 1000  # the cycles made in the block are still found by a full pass
