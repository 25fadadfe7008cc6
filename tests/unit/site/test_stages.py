"""site.stages: soak durations, the stages file, the stage a node is in."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.site import stages as st

DAY = 86400


@pytest.mark.parametrize(
    "text, seconds", [("2d", 2 * DAY), ("12h", 43200), ("1d12h", DAY + 43200), ("1w", 7 * DAY), ("30m", 1800), ("0", 0)]
)
def test_durations(text, seconds):
    assert st.duration(text, "x") == seconds


@pytest.mark.parametrize(
    "data, words",
    [
        ({"stages": [{"name": "a", "nodes": ["*"], "soak": "2 days"}]}, "key 'soak': expected a duration"),
        ({"stages": [{"name": "a", "nodes": []}]}, "key 'nodes': expected a list"),
        ({"stages": [{"name": "a", "nodes": ["x"]}, {"name": "a", "nodes": ["*"]}]}, "named twice"),
        ({"stages": [{"name": "../a", "nodes": ["x"]}]}, "key 'name': bad"),
        ({"stage": []}, "unknown key 'stage'"),
    ],
)
def test_stages_file_errors(data, words):
    with pytest.raises(UserError, match=words.replace("(", r"\(")):
        st.stages_from_data(data)


def test_first_matching_stage_wins():
    s = st.stages_from_data(
        {"stages": [{"name": "a", "nodes": ["wn-00[1-2]*"]}, {"name": "b", "nodes": ["wn-*", "x"]}]}
    )
    assert [getattr(s.of_node(n), "name", None) for n in ("wn-001", "wn-003", "x", "db")] == ["a", "b", "b", None]
