"""Which profile entries a node is offered, by its module streams (as dnf offers them)."""

from errata_tpl.profile import profile as profmod
from errata_tpl.resolve import streams

PROFILE = profmod.from_data(
    {
        "profile": "20261121",
        "os": "el8-x86_64",
        "modules": {
            "nodejs": {"default": "18", "streams": {"18": ["nodejs", "npm"], "20": ["nodejs", "npm"]}},
            "perl": {"default": None, "streams": {"5.30": ["perl"]}},
        },
        "packages": [
            {"name": "bash", "version": "5.1-1.el8", "arch": "x86_64"},
            {"name": "nodejs", "version": "10.0-1.el8", "arch": "x86_64"},
            {"name": "perl", "version": "5.26-1.el8", "arch": "x86_64"},
        ],
        "modular": [
            {"name": "nodejs", "version": "18.2-1.m", "arch": "x86_64", "module": "nodejs:18"},
            {"name": "nodejs", "version": "20.3-1.m", "arch": "x86_64", "module": "nodejs:20"},
            {"name": "npm", "version": "10.2-1.m", "arch": "x86_64", "module": "nodejs:20"},
            {"name": "perl", "version": "5.30-1.m", "arch": "x86_64", "module": "perl:5.30"},
        ],
    },
    "p",
)


def versions(offered):
    return {n: sorted(str(e.evr) for e in es) for n, es in offered.items()}


def test_default_streams_and_the_os_builds_they_hide():
    active = streams.active({}, PROFILE)
    assert {m: str(s) for m, s in active.items()} == {"nodejs": "18"}
    assert versions(streams.offered(PROFILE, active)) == {
        "bash": ["5.1-1.el8"],
        "nodejs": ["18.2-1.m"],  # not 10.0 (hidden by the stream), not 20.3 (another stream)
        "perl": ["5.26-1.el8"],  # perl has no default stream: the OS's build
    }


def test_enabled_and_disabled_streams():
    active = streams.active({"nodejs": ("20", "node"), "perl": ("5.30", "site")}, PROFILE)
    assert versions(streams.offered(PROFILE, active)) == {
        "bash": ["5.1-1.el8"],
        "nodejs": ["20.3-1.m"],
        "npm": ["10.2-1.m"],
        "perl": ["5.30-1.m"],
    }
    active = streams.active({"nodejs": (None, "node")}, PROFILE)
    assert active == {}
    assert versions(streams.offered(PROFILE, active))["nodejs"] == ["10.0-1.el8"]


def test_why_the_other_builds_do_not_apply():
    active = streams.active({"nodejs": ("20", "cluster")}, PROFILE)
    why = streams.not_offered(PROFILE, active, "nodejs")
    assert why == [
        "nodejs-18.2-1.m.x86_64 of module stream nodejs:18: stream nodejs:20 is active (set by cluster); "
        "builds of another stream are never applied",
        "nodejs-10.0-1.el8.x86_64 (not modular): module stream nodejs:20 is active and ships nodejs; "
        "dnf hides other builds of it",
    ]
    assert streams.describe(active) == "nodejs:20 (set by cluster)"
    assert "module perl has no active stream here" in streams.not_offered(PROFILE, active, "perl")[0]
