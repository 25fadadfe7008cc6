"""The resolver's step caches: a node resolved among others equals the node resolved
alone, and a key that forgets an input fails in check mode (which the whole suite
runs in: tests/conftest.py) instead of sharing a wrong list."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitebuilder import SiteBuilder

from errata_tpl.errors import UserError
from errata_tpl.resolve import cache
from errata_tpl.resolve.model import Resolved
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.site.tree import Tree

KERNELS = ["5.14.0-1.el9", "5.14.0-2.el9", "5.14.0-3.el9"]


def os_file(templated: bool, kernel: bool) -> dict:
    """An OS whose base list has templates or not, and a kernel or not: without them,
    nodes of different variables or kernels reach the later steps with one set, so
    those steps' keys alone must tell them apart."""
    jdk = "{{ JDK | default('1.0') }}-fcs" if templated else "1.0-fcs"
    return {
        "version": "el9",
        "arch": "x86_64",
        "kernel": {
            **({"version": KERNELS[0]} if kernel else {}),
            "packages": ["kernel", "kernel-core"],
            "modules": [{"name": "kmod-x-{{ kernel_version }}", "version": "{{ KMOD }}"}],
        },
        "installonly": ["kernel", "kernel-core"],
        "variables": {"KMOD": "1.0-1"},
        "packages": [
            "bash-5.1-1.el9.x86_64",
            {"name": "nss", "version": "3.90-1.el9", "arch": "x86_64"},
            "tzdata",
            {"name": "jdk", "version": jdk, "arch": "x86_64"},
            "kernel-tools",
            "nodejs",
        ],
    }


def _profile(name: str, *entries: tuple[str, str, str], **more: object) -> dict:
    return {
        "profile": name,
        "os": "el9-x86_64",
        "generated": "x",
        "source": "m",
        **more,
        "packages": [{"name": n, "version": v, "arch": a} for n, v, a in entries],
        "kernel_named": [],
    }


def _hotfix(name: str, package: str, version: str) -> dict:
    return {
        "name": name,
        "os": "el9-x86_64",
        "generated": "x",
        "source": "m",
        "selection": {"packages": [package]},
        "packages": [{"name": package, "version": version, "arch": "x86_64"}],
        "kernels": [],
    }


FILES = {
    "errata/el9-x86_64/20261001.yaml": _profile(
        "20261001", ("bash", "5.1-2.el9", "x86_64"), modules={"nodejs": {"default": "18"}}, kernels=[]
    ),
    "errata/el9-x86_64/20261121.yaml": _profile(
        "20261121",
        ("bash", "5.1-3.el9", "x86_64"),
        ("nodejs", "10.0-1.el9", "x86_64"),
        ("nss", "3.101-1.el9", "x86_64"),
        ("sudo", "1.9-2.el9", "x86_64"),
        ("tzdata", "2024a-1.el9", "noarch"),
        modules={"nodejs": {"default": "18", "streams": {"18": ["nodejs"], "20": ["nodejs"]}}},
        kernels=[{"name": "kernel-tools", "version": KERNELS[2], "arch": "x86_64"}],
        modular=[
            {"name": "nodejs", "version": "18.2-1.m", "arch": "x86_64", "module": "nodejs:18"},
            {"name": "nodejs", "version": "20.3-1.m", "arch": "x86_64", "module": "nodejs:20"},
        ],
    ),
    "errata/el9-x86_64/20261121-init.yaml": {"variables": {"JDK": "1.5"}},
    "errata/el9-x86_64/20261121-fix.yaml": {
        "actions": [
            {"del": "tzdata", "when": "DROP_TZ is defined"},
            {"ronly": {"name": "jdk", "version": "{{ JDK }}-fcs", "arch": "x86_64"}, "when": "JDK is defined"},
            {"repl": {"name": "nss", "version": "3.95-1.el9", "arch": "x86_64"}, "if_present": "sudo"},
        ]
    },
    "errata/el9-x86_64/hotfix-ssl.yaml": _hotfix("ssl", "bash", "5.1-4.el9"),
    "errata/el9-x86_64/hotfix-tz.yaml": _hotfix("tz", "tzdata", "2025a-1.el9"),
}


@st.composite
def few(draw: st.DrawFn, options: dict[str, st.SearchStrategy], most: int) -> dict:
    """A file setting at most ``most`` of the keys: nodes that differ in little share much."""
    keys = draw(st.lists(st.sampled_from(sorted(options)), max_size=most, unique=True))
    return {k: draw(options[k]) for k in keys}


# what a layer (cluster or node) may say
LAYER = {
    "variables": st.fixed_dictionaries({}, optional={"JDK": st.sampled_from(["1.0", "2.0"]), "DROP_TZ": st.just(True)}),
    "packages": st.lists(
        st.sampled_from(["sudo", "bash-5.1-0.el9.x86_64", {"name": "jdk", "version": "0.5-fcs", "arch": "x86_64"}]),
        max_size=2,
        unique_by=str,
    ),
    "kernel_version": st.sampled_from([{"el9": KERNELS[1]}, {"el9-x86_64": KERNELS[2]}]),
    "hotfixes": st.sampled_from([["ssl"], ["tz"]]),
    "installonly_limit": st.sampled_from([2, 3]),
    "modules": st.sampled_from([{"nodejs": "20"}, {"nodejs": None}]),
}
NODE = {
    "cluster": st.sampled_from(["c0", "c1"]),
    "errata": st.sampled_from([None, "20261001", "20261121"]),
    "variables": st.fixed_dictionaries({}, optional={"JDK": st.sampled_from(["1.0", "3.0"]), "KMOD": st.just("2.0-1")}),
    "packages": st.lists(st.sampled_from(["sudo", "nss-3.80-1.el9.x86_64", "zsh"]), max_size=2, unique=True),
    "kernel_version": st.sampled_from(KERNELS),
    "running_kernel": st.sampled_from(KERNELS),
    "keep_kernels": st.lists(st.sampled_from(KERNELS), max_size=2),
    "hotfixes": st.sampled_from([["ssl"], ["tz"], ["tz", "ssl"]]),
    "clone": st.sampled_from(["n0", "n1"]),
    "deploy_errata": st.booleans(),
    "modules": st.sampled_from([{"nodejs": "18"}, {"nodejs": None}]),
    "installonly_limit": st.sampled_from([2, 3]),
}


@st.composite
def alike(draw: st.DrawFn) -> list[dict]:
    """Nodes that each differ from the first in one key: where a step's key forgets
    that input, two of them would share a result."""
    first = draw(few(NODE, 2))
    changed = draw(st.lists(st.sampled_from(sorted(NODE)), min_size=1, max_size=7))
    return [first, *({**first, key: draw(NODE[key])} for key in changed)]


sites = st.fixed_dictionaries(
    {
        "os": st.builds(os_file, templated=st.booleans(), kernel=st.booleans()),
        "site": st.fixed_dictionaries(
            {"deploy_errata": st.just(True), "errata_defaults": st.sampled_from([{"el9": "20261121"}, {}])},
            optional={"variables": st.just({"DROP_TZ": True}), "packages": st.just(["kernel-tools"])},
        ),
        "clusters": st.tuples(few(LAYER, 2), few(LAYER, 2)),
        "nodes": alike(),
        "overrides": st.sampled_from([{}, {"n[13]": "20261001"}, {"n2": None}]),
    }
)


def write_site(root: Path, site: dict) -> list[str]:
    files = {
        **FILES,
        "os/el9-x86_64/os.yaml": site.get("os") or os_file(templated=True, kernel=True),
        "site/site.yaml": site["site"],
        "site/errata-overrides.yaml": site["overrides"],
        **{f"site/clusters/c{i}.yaml": c for i, c in enumerate(site["clusters"])},
        **{f"site/nodes/n{i}.yaml": {"os": "el9-x86_64", **n} for i, n in enumerate(site["nodes"])},
    }
    builder = SiteBuilder(root)
    for rel, data in files.items():
        builder.write(rel, data)
    return [f"n{i}" for i in range(len(site["nodes"]))]


def outcome(r: Resolver, node: str) -> object:
    """What resolving says of a node: all of its result (provenance, versions as
    written, notes, trace), or its error."""
    try:
        got = r.resolve(node)
    except UserError as e:
        return ("error", str(e))
    return (got, [(p.name, str(p.evr), p.arch, p.source, p.multi) for p in got.packages], got.notes, got.events)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=sites, order=st.randoms(use_true_random=False), trace=st.booleans())
def test_a_node_resolved_among_others_is_the_node_resolved_alone(site, order, trace):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        nodes = write_site(root, site)
        order.shuffle(nodes)
        shared = Resolver(Tree(root), trace=trace, check=True)
        together = {n: outcome(shared, n) for n in nodes}
        for n in nodes:
            assert together[n] == outcome(Resolver(Tree(root), trace=trace, check=False), n), n


def test_the_suite_runs_in_check_mode():
    assert cache.checking() and Resolver(Tree(Path("."))).check


# --- a key that forgets an input -----------------------------------------------------------


@pytest.fixture
def two_kernels(tmp_path: Path) -> Path:
    """Two nodes alike but for the older kernel each still runs."""
    write_site(
        tmp_path,
        {
            "site": {"deploy_errata": True, "errata_defaults": {"el9": "20261001"}},
            "clusters": ({}, {}),
            "nodes": [{"running_kernel": KERNELS[1]}, {"running_kernel": KERNELS[2]}],
            "overrides": {},
        },
    )
    return tmp_path


class Forgetting(cache.StepCache):
    """A step cache whose key loses one of its inputs (position ``lost``)."""

    def __init__(self, real: cache.StepCache, lost: int) -> None:
        super().__init__(real.name, real.check, real.same)
        self.lost = lost

    def forget(self, key: tuple) -> tuple:
        return (*key[: self.lost], None, *key[self.lost + 1 :])

    def get(self, key, make):
        return super().get(self.forget(key), make)

    def peek(self, key):
        return super().peek(self.forget(key))

    def put(self, key, value):
        super().put(self.forget(key), value)


def forgetting_kept_kernels(r: Resolver) -> Resolver:
    """Step 9's key without the kept versions: nodes running different kernels would share a set."""
    r.cache.keep = Forgetting(r.cache.keep, 2)
    return r


def kernels(r: Resolved) -> set[str]:
    return {str(p.evr) for p in r.packages if p.name == "kernel"}


def test_a_key_that_forgets_an_input_fails_in_check_mode(two_kernels):
    r = forgetting_kept_kernels(Resolver(Tree(two_kernels), check=True))
    assert kernels(r.resolve("n0")) == {KERNELS[0], KERNELS[1]}
    with pytest.raises(cache.StaleHit, match="step 9 keep kernels"):
        r.resolve("n1")


def test_without_check_mode_such_a_key_would_share_a_wrong_list(two_kernels):
    """What check mode guards against: the second node silently gets the first one's kept kernel."""
    r = forgetting_kept_kernels(Resolver(Tree(two_kernels), check=False))
    r.resolve("n0")
    second = r.resolve("n1")
    assert second.kernel.kept == (KERNELS[2],)
    assert kernels(second) == {KERNELS[0], KERNELS[1]}  # wrong, and nothing says so
    assert kernels(Resolver(Tree(two_kernels), check=False).resolve("n1")) == {KERNELS[0], KERNELS[2]}  # alone


def test_a_profile_forgotten_in_step_7b_fails_in_check_mode(two_kernels):
    """The errata step's key without the profile: two profiles' results would be one
    (nodes without a kernel to choose reach step 7b with the very same set)."""
    (
        SiteBuilder(two_kernels)
        .os("el9-x86_64", yaml.safe_dump(os_file(templated=False, kernel=False)))
        .node("n0", "os: el9-x86_64\nerrata: '20261001'\n")
        .node("n1", "os: el9-x86_64\nerrata: '20261121'\n")
    )
    r = Resolver(Tree(two_kernels), check=True)
    r.cache.errata = Forgetting(r.cache.errata, 1)
    r.resolve("n0")
    with pytest.raises(cache.StaleHit, match="step 7b errata"):
        r.resolve("n1")
