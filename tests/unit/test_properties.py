"""Property and fuzz tests (hypothesis): invariants hold on generated input, and no
input to the loaders or parsers raises anything but the project's UserError."""

import contextlib
import functools

import rpm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errata_tpl.errors import UserError
from errata_tpl.fileio import yamlio
from errata_tpl.resolve.pkgset import PackageSet, Pkg
from errata_tpl.site import schema
from errata_tpl.site.tree import Tree
from errata_tpl.values import evr, ref
from errata_tpl.values.package import Package
from errata_tpl.values.source import source

# version parts as rpm sees them: digits, letters, '.', '_', '+', '~' (pre-release), '^' (post-release)
segment = st.one_of(st.integers(0, 300).map(str), st.text("abcxyzAZ", min_size=1, max_size=3))
part = (
    st.lists(st.tuples(segment, st.sampled_from(["", ".", "_", "+", "~", "^"])), min_size=1, max_size=4)
    .map(lambda xs: "".join(s + sep for s, sep in xs))
    .filter(lambda s: s[-1] not in ".+_" and s[0] not in ".+_")
)
epoch = st.one_of(st.none(), st.integers(0, 5).map(str))
evrs = st.builds(evr.EVR, epoch, part, part)


@given(evrs)
def test_parse_format_round_trip(v):
    assert evr.parse(str(v)) == v


@given(evrs, evrs)
def test_compare_is_rpm_label_compare(a, b):
    assert evr.compare(a, b) == rpm.labelCompare(a.label(), b.label())
    assert evr.compare(a, b) == -evr.compare(b, a)


@settings(suppress_health_check=[HealthCheck.too_slow])  # a busy machine draws slowly
@given(st.lists(evrs, min_size=2, max_size=8))
def test_sorting_agrees_with_rpm(vs):
    ordered = sorted(vs)
    for x, y in zip(ordered, ordered[1:]):
        assert rpm.labelCompare(x.label(), y.label()) <= 0


names = st.sampled_from(["bash", "glibc", "nss", "zsh", "kernel"])
arches = st.sampled_from(["x86_64", "i686", "noarch", None])
pkgs = st.builds(lambda n, v, a: Pkg(n, v, a, source("os")), names, st.one_of(st.none(), evrs), arches)


def make(entries):
    s = PackageSet(native_arches=("x86_64", "noarch"))
    for p in entries:
        s.put(p)
    return s


@given(st.lists(pkgs, max_size=8), names, evrs, st.sampled_from(["x86_64", "i686", "noarch"]))
def test_ronly_never_adds_a_name_and_never_lowers(entries, name, v, arch):
    s = make(entries)
    before = {p.name for p in s.freeze()}
    old = [p for p in s.get(name) if p.arch == arch and p.evr is not None]
    s.ronly(name, v, arch, source("errata", "p"))
    after = s.freeze()
    assert {p.name for p in after} == before
    for o in old:  # every version that was there at that arch: it stays, or something not older replaced it
        now = [p for p in after if p.name == name and p.arch == arch and p.evr is not None]
        assert now and max(evr.compare(n.evr, o.evr) for n in now) >= 0


@given(st.lists(pkgs, max_size=8), names, evrs, st.sampled_from(["x86_64", "i686"]))
def test_del_then_add_leaves_one_version(entries, name, v, arch):
    s = make(entries)
    s.delete(name, None, None, "fix")
    s.add(name, v, arch, "fix")
    assert [(p.evr, p.arch) for p in s.freeze() if p.name == name] == [(v, arch)]


@given(st.lists(pkgs, max_size=8), names, evrs, st.sampled_from(["x86_64", "i686", None]))
def test_repl_leaves_exactly_that_version_at_that_arch(entries, name, v, arch):
    s = make(entries)
    s.repl(name, v, arch, "fix")
    mine = [p for p in s.freeze() if p.name == name and (arch is None or p.arch in (arch, None))]
    assert [(p.evr, p.arch) for p in mine] == [(v, arch)]


# --- fuzz: only UserError gets out --------------------------------------------------------

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
yaml_values = st.recursive(
    yaml_scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=10), kids, max_size=4)),
    max_leaves=12,
)


def only_user_errors(f):
    @functools.wraps(f)
    def wrapper(*a, **kw):
        with contextlib.suppress(UserError):
            f(*a, **kw)

    return wrapper


@given(st.one_of(st.text(max_size=40), yaml_values))
@only_user_errors
def test_ref_parser(value):
    ref.parse(value)


@given(st.text(max_size=200))
@only_user_errors
def test_yaml_loader_on_any_text(text):
    yamlio.load_text(text, "fuzz.yaml")


@given(st.sampled_from(sorted(schema.kinds())), yaml_values)
@only_user_errors
def test_schema_on_any_value(kind, value):
    schema.check(kind, value, "fuzz.yaml")


KEYS = [
    "os",
    "cluster",
    "errata",
    "packages",
    "variables",
    "kernel_version",
    "running_kernel",
    "keep_kernels",
    "clone",
    "deploy_errata",
    "installonly_limit",
    "hook_suffix",
    "errata_defaults",
]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    node=st.dictionaries(st.sampled_from(KEYS), yaml_values, max_size=6),
    site=st.dictionaries(st.sampled_from(KEYS), yaml_values, max_size=4),
)
def test_resolver_on_any_node_file(example_root, node, site):
    """Whatever the node and site files hold, resolve ends in a result or a UserError."""
    import yaml as pyyaml

    from errata_tpl.resolve.resolver import Resolver

    (example_root / "site/nodes/fuzz.yaml").write_text(pyyaml.safe_dump({"os": "el9-x86_64", **node}))
    (example_root / "site/site.yaml").write_text(pyyaml.safe_dump(site))
    with contextlib.suppress(UserError):
        Resolver(Tree(example_root)).resolve("fuzz")


actions = st.lists(
    st.tuples(
        st.sampled_from(["ronly", "repl", "add", "del"]), names, evrs, st.sampled_from(["x86_64", "i686", "noarch"])
    ),
    max_size=6,
)


@given(st.lists(pkgs, max_size=10), actions)
def test_freeze_of_a_changed_copy_equals_a_fresh_sort(entries, acts):
    """A copy freezes by splicing its changed names into the original's result: the
    same order as sorting every entry afresh."""
    filler = [Pkg(f"f{i:02d}", evr.EVR(None, "1", "1"), "x86_64", source("os")) for i in range(60)]
    s = make(filler + entries)  # large enough that a few changed names are spliced, not re-sorted
    s.freeze()
    c = s.copy()
    for verb, name, v, arch in acts:
        if verb == "ronly":
            c.ronly(name, v, arch, "e")
        elif verb == "repl":
            c.repl(name, v, arch, "f")
        elif verb == "add":
            c.add(name, v, arch, "f", multi=True)
        else:
            c.delete(name, None, arch, "f")
    fresh = PackageSet(native_arches=("x86_64", "noarch"))
    for p in c.freeze():
        fresh._set(p.name, [*fresh.get(p.name), p])
    assert c.freeze() == fresh.freeze()
    assert list(c.freeze()) == sorted(c.freeze(), key=Package.sort_key)
