"""Step 7b shares work by redoing only the names a set changed since a set already done;
whatever the sets, that must give exactly what doing every name gives: the same
list, the same count of changes, the same trace for explain, in the same order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from errata_tpl.profile.profile import Entry
from errata_tpl.resolve import replaceonly
from errata_tpl.resolve.pkgset import PackageSet, Pkg
from errata_tpl.values.evr import parse
from errata_tpl.values.source import source

NAMES = [f"p{i}" for i in range(8)]
VERSIONS = ["1-1", "1-2", "2-1", "1:0.5-1"]
ARCHES = ["x86_64", "noarch", "i686", None]

package = st.tuples(st.sampled_from(NAMES), st.sampled_from([*VERSIONS, None]), st.sampled_from(ARCHES))
entry = st.tuples(st.sampled_from(NAMES), st.sampled_from(VERSIONS), st.sampled_from(ARCHES[:3]))
change = st.one_of(
    st.tuples(st.just("put"), package),
    st.tuples(st.just("repl"), package),
    st.tuples(st.just("del"), st.tuples(st.sampled_from(NAMES), st.none(), st.none())),
)


def build(base: list, trace: bool) -> PackageSet:
    pl = PackageSet(("x86_64", "noarch"), trace=trace)
    for name, v, arch in base:
        pl.put(Pkg(name, None if v is None else parse(v), arch, source("os")))
    return pl


def changed(pl: PackageSet, changes: list) -> PackageSet:
    out = pl.copy()
    for verb, (name, v, arch) in changes:
        evr = None if v is None else parse(v)
        if verb == "put":
            out.put(Pkg(name, evr, arch, source("node")))
        elif verb == "repl":
            out.repl(name, evr, arch, source("node"))
        else:
            out.delete(name, None, None, source("node"))
    return out


def offered(entries: list) -> dict[str, tuple[Entry, ...]]:
    by: dict[str, list[Entry]] = {}
    for name, v, arch in entries:
        by.setdefault(name, []).append(Entry(name, parse(v), arch))
    return {k: tuple(v) for k, v in by.items()}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(package, max_size=12),
    st.lists(change, max_size=6),
    st.lists(change, max_size=4),
    st.lists(entry, max_size=12),
    st.booleans(),
)
def test_redoing_the_changed_names_equals_doing_all(base, first, second, entries, trace):
    offer = offered(entries)
    a = build(base, trace)
    b = changed(a, first)  # a set derived from a: a node's own packages
    c = changed(b, second)  # and from that: its kernel
    done_a = replaceonly.apply(a, offer, "errata:p")
    for derived in (b, c):
        (_, names), *_ = [(s, n) for s, n in derived.lineage(limit=100) if s is a]
        again = replaceonly.again(done_a, names, derived, offer, "errata:p")
        whole = replaceonly.apply(derived, offer, "errata:p")
        assert again.pl.frozen() == whole.pl.frozen()
        assert again.changed == whole.changed and dict(again.changes) == dict(whole.changes)
        assert again.pl.events == whole.pl.events
