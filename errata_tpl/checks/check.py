"""Pre-flight: does a node's list install cleanly? Solved by libsolv, the solver of
dnf and zypper, over the repositories' own metadata (``repodata/``).

The job is to install exactly the listed NEVRAs. Versions of one name are allowed
side by side exactly where dnf allows them: packages that provide one of dnf's
default ``installonlypkgs`` (by name, or by the ``installonlypkg(kernel)``-style
provides real kernels carry) or a name of the OS's ``installonly`` list (which the
node's dnf.conf ``installonlypkgs`` adds to dnf's defaults). Every problem libsolv
finds is reported in its own words, with the fix-hook action that would remove it.
On modular repositories the pool first hides what dnf hides for the node's module
streams (``checks.modular``).
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errata_tpl.checks import modular
from errata_tpl.checks.modular import streams_text
from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic
from errata_tpl.mirror import modules
from errata_tpl.mirror.modules import Modules
from errata_tpl.mirror.repomd import Record, Repodata
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values import evr as evrmod
from errata_tpl.values.package import Package, nevra

if TYPE_CHECKING:  # jinja2 comes with these
    from errata_tpl.messages import Reporter
    from errata_tpl.resolve.model import Resolved
    from errata_tpl.site.tree import Tree

# dnf's default installonlypkgs (dnf/const.py INSTALLONLYPKGS, the same in dnf 4 and dnf5):
# provides, and a package provides its own name.
DNF_INSTALLONLY = (
    "kernel",
    "kernel-PAE",
    "installonlypkg(kernel)",
    "installonlypkg(kernel-module)",
    "installonlypkg(vm)",
    "multiversion(kernel)",
)


@dataclass(frozen=True)
class Problem:
    text: str  # libsolv's words
    suggestion: dict[str, Any] | None  # a fix-hook action, e.g. {"repl": {...}} or {"del": "name"}
    hint: str | None = None  # what no fix-hook action says


@dataclass(frozen=True)
class Outcome:
    ok: bool
    problems: tuple[Problem, ...] = ()
    pulled_in: tuple[str, ...] = field(default=())  # dependencies the list lacks; dnf would add them
    streams: dict[str, str] | None = None  # the active module streams (None: no module metadata)


def _primary(repo_dir: Path) -> tuple[Repodata, Record]:
    repodata = Repodata.read(repo_dir)
    if repodata is None:
        raise UserError(f"{repo_dir}: no repodata/repomd.xml (run createrepo_c on it)")
    primary = repodata.record("primary")
    if primary is None:
        raise UserError(f"{repodata.repomd}: no primary metadata")
    repodata.path(primary)  # a location leading out of the repository: refused before any work
    return repodata, primary


Given = tuple["str | None", Path]  # from the command line: (the os-id of OS_ID=DIR, or None for a plain DIR; DIR)


def repositories_by_os(
    given: Sequence[Given],
    configured: Mapping[str, Sequence[str]],
    root: Path,
    nodes_by_os: Mapping[str, Sequence[str]],
    site_os_ids: Sequence[str],
) -> dict[str, list[Path]]:
    """The folders each OS's nodes are solved against, and only they: the command line's
    ``OS_ID=DIR`` (they replace the site's ``repos:`` for that os-id), else the site's
    (relative to the root). A plain DIR is for the site's one OS; where the site has
    several, which one is not said, and guessing would solve el8 lists with el9 builds."""
    cli: dict[str, list[Path]] = {}
    for os_id, d in given:
        if os_id is None:
            if len(site_os_ids) != 1:
                example = next(iter(nodes_by_os), site_os_ids[0] if site_os_ids else "el9-x86_64")
                raise UserError(
                    f"--repo {d}: which OS are its packages for? this site has {', '.join(site_os_ids)}: "
                    f"write --repo OS_ID={d} (e.g. --repo {example}={d})"
                )
            os_id = site_os_ids[0]
        cli.setdefault(os_id, []).append(d)
    out = {os_id: [root / d for d in dirs] for os_id, dirs in configured.items()} | cli
    for os_id, nodes in nodes_by_os.items():
        if not out.get(os_id):
            shown = ", ".join(nodes[:3]) + (f" and {len(nodes) - 3} more" if len(nodes) > 3 else "")
            raise UserError(
                f"no repository for {os_id} (nodes {shown}): give --repo {os_id}=DIR, "
                f"or repos: {{{os_id}: [DIR, ...]}} in site/site.yaml"
            )
    return out


class Repositories:
    """The repositories, loaded once per architecture into a libsolv pool."""

    def __init__(self, dirs: Sequence[Path]) -> None:
        if not dirs:
            raise UserError("check needs at least one --repo DIR")
        self.dirs = list(dirs)
        self._primaries = [_primary(d) for d in self.dirs]
        self._pools: dict[str, Any] = {}
        self._index: dict[str, dict[Package, Any]] = {}
        self._hidden: dict[tuple[str, frozenset[tuple[str, str]]], dict[int, str]] = {}

    @functools.cached_property
    def modules(self) -> Modules | None:
        """The repositories' module metadata, merged as dnf merges it; None without any."""
        found = [m for repodata, _ in self._primaries if (m := modules.load(repodata)) is not None]
        return modules.merge(found) if found else None

    def hide_for(self, arch: str, active: Mapping[str, str]) -> dict[int, str]:
        """Make the pool of ``arch`` offer what dnf offers with these module streams
        active; returns what it hides (solvable id -> why)."""
        pool = self.pool(arch)
        key = (arch, frozenset(active.items()))
        hidden = self._hidden.get(key)
        if hidden is None:
            assert self.modules is not None
            hidden = self._hidden[key] = modular.hidden(pool, self.modules, active)
        pool.set_considered_list([s.id for s in pool.solvables_iter() if s.id not in hidden])
        return hidden

    def by_package(self, arch: str) -> dict[Package, Any]:
        """Package -> solvable (rpm's equality of versions), for exact lookups without
        parsing a selection."""
        index = self._index.get(arch)
        if index is None:
            index = {}
            for s in self.pool(arch).solvables_iter():
                try:
                    index.setdefault(Package(s.name, evrmod.parse(s.evr), s.arch), s)
                except UserError:
                    continue  # a version errata-tpl cannot read: found by a selection, if listed
            self._index[arch] = index
        return index

    def pool(self, arch: str) -> Any:
        import solv  # libsolv's bindings: loaded when a check runs

        pool = self._pools.get(arch)
        if pool is None:
            pool = solv.Pool()
            pool.setarch(arch)
            # as libdnf sets it: one name's arches of other colours (x86_64 and i686) coexist
            pool.set_flag(solv.Pool.POOL_FLAG_IMPLICITOBSOLETEUSESCOLORS, 1)
            for d, (repodata, primary) in zip(self.dirs, self._primaries):
                repo = pool.add_repo(str(d))
                fd = repodata.in_memory_file(primary)  # checked against repomd.xml, decompressed with bounds
                try:
                    f = solv.xfopen_fd("primary.xml", fd)  # libsolv reads its own copy of the descriptor
                    with atomic.signals_immediate():  # a large repository takes a while in libsolv
                        loaded = f is not None and repo.add_rpmmd(f, None)
                    if not loaded:
                        raise UserError(f"{repodata.path(primary)}: libsolv cannot read it")
                    f.close()
                finally:
                    os.close(fd)
            pool.addfileprovides()
            pool.createwhatprovides()
            self._pools[arch] = pool
        return pool


def _newest(pool: Any, solvables: Iterable[Any]) -> Any | None:
    best = None
    for s in solvables:
        if best is None or s.evrcmp(best) > 0:
            best = s
    return best


def _repl(s: Any) -> dict[str, Any]:
    return {"repl": {"name": s.name, "version": s.evr, "arch": s.arch}}


def _suggest(pool: Any, info: Any) -> dict[str, Any] | None:
    """The fix-hook action that would remove one problem rule."""
    import solv  # libsolv's bindings: loaded when a check runs

    t = info.type
    s, other, dep = info.solvable, info.othersolvable, info.dep
    if t == solv.Solver.SOLVER_RULE_PKG_REQUIRES and dep is not None:
        # the list holds a provider of the wrong version: take the newest that provides it
        best = _newest(pool, pool.whatprovides(dep))
        return _repl(best) if best is not None else ({"del": s.name} if s is not None else None)
    if t == solv.Solver.SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP and s is not None:
        return {"del": s.name}
    if t in (
        solv.Solver.SOLVER_RULE_PKG_CONFLICTS,
        solv.Solver.SOLVER_RULE_PKG_OBSOLETES,
        solv.Solver.SOLVER_RULE_PKG_IMPLICIT_OBSOLETES,
        solv.Solver.SOLVER_RULE_PKG_INSTALLED_OBSOLETES,
    ):
        victim = other if other is not None else s
        return {"del": victim.name} if victim is not None else None
    if t == solv.Solver.SOLVER_RULE_PKG_SAME_NAME and s is not None and other is not None:
        # two versions of one name: keep the newer one
        return _repl(s if s.evrcmp(other) >= 0 else other)
    return None


def installonly_jobs(pool: Any, installonly: Iterable[str] = ()) -> list[Any]:
    """What libdnf asks of libsolv for installonly packages: SOLVER_MULTIVERSION for
    every package providing one of the installonly names."""
    import solv  # libsolv's bindings: loaded when a check runs

    flags = solv.Job.SOLVER_MULTIVERSION | solv.Job.SOLVER_SOLVABLE_PROVIDES
    return [pool.Job(flags, pool.str2id(dep)) for dep in dict.fromkeys((*DNF_INSTALLONLY, *installonly))]


def _package_jobs(
    pool: Any, exact: Mapping[Package, Any], p: Pkg, hidden: dict[int, str], active: Mapping[str, str] | None
) -> list[Any] | Problem:
    """libsolv's install jobs for one listed package, or why dnf would not install it."""
    import solv

    hit = exact.get(p.package) if p.evr is not None and p.arch is not None else None
    if hit is not None and hit.id in hidden:
        # dnf: "All matches were filtered out by modular filtering for argument"
        assert active is not None
        return _filtered(pool, hit, hidden, active)
    if hit is not None:  # the common case: a concrete NEVRA
        return [pool.Job(solv.Job.SOLVER_SOLVABLE | solv.Job.SOLVER_INSTALL, hit.id)]
    if p.evr is not None:
        sel = pool.select(nevra(p), solv.Selection.SELECTION_CANON)
    elif p.arch is not None:
        sel = pool.select(f"{p.name}.{p.arch}", solv.Selection.SELECTION_NAME | solv.Selection.SELECTION_DOTARCH)
    else:
        sel = pool.select(p.name, solv.Selection.SELECTION_NAME)
    if active is not None and not sel.isempty() and all(s.id in hidden for s in sel.solvables()):
        return _filtered(pool, sel.solvables()[0], hidden, active)
    if sel.isempty():
        others = pool.select(p.name, solv.Selection.SELECTION_NAME).solvables()
        best = _newest(pool, [s for s in others if p.arch is None or s.arch == p.arch])
        return Problem(f"{nevra(p)} is in no repository", _repl(best) if best is not None else {"del": p.name})
    return list(sel.jobs(solv.Job.SOLVER_INSTALL))


def _solver_problems(pool: Any, found: Iterable[Any], multi: set[str]) -> list[Problem]:
    """libsolv's problems, each rule's text once, with what to change in the list."""
    problems = []
    for problem in found:
        seen = set()
        for rule in problem.findallproblemrules():
            info = rule.info()
            text = info.problemstr()
            if text in seen:
                continue
            seen.add(text)
            problems.append(_same_name_hint(Problem(text, _suggest(pool, info)), info, multi))
    return problems


def solve(
    repos: Repositories,
    arch: str,
    packages: Sequence[Pkg],
    modules: Mapping[str, str | None] | None = None,
    installonly: Iterable[str] = (),
) -> Outcome:
    """Install exactly ``packages``; ``modules`` are the node's module choices
    (NAME: STREAM enabled, NAME: None disabled; others at their default stream);
    ``installonly`` is the OS's list, added to dnf's defaults."""
    pool = repos.pool(arch)
    exact = repos.by_package(arch)
    jobs = installonly_jobs(pool, installonly)
    problems: list[Problem] = []
    listed: set[str] = set()
    active = repos.modules.active(modules or {}) if repos.modules is not None else None
    hidden = repos.hide_for(arch, active) if active is not None else {}
    if repos.modules is not None:  # the first thing the outputs' recipes run: dnf module enable
        problems += [Problem(text, None) for text in modular.missing_streams(repos.modules, modules or {})]
    for p in packages:
        got = _package_jobs(pool, exact, p, hidden, active)
        if isinstance(got, Problem):
            problems.append(got)
        else:
            listed.add(p.name)
            jobs += got
    multi = {name for name, n in Counter(p.name for p in packages).items() if n > 1}
    solver = pool.Solver()
    problems += _solver_problems(pool, solver.solve(jobs), multi)
    pulled: tuple[str, ...] = ()
    if not problems:
        trans = solver.transaction()
        pulled = tuple(sorted(str(s) for s in trans.newsolvables() if s.name not in listed))
    return Outcome(not problems, tuple(problems), pulled, active)


def check_nodes(tree: Tree, nodes: Sequence[str], given: Sequence[Given], rep: Reporter) -> dict[str, Outcome]:
    """Resolve the nodes (their warnings said) and solve each one's list against its own
    OS's repositories (``repositories_by_os``); OSes given the same folders share them."""
    from errata_tpl.resolve import batch  # jinja2 comes with the resolver: only when nodes are checked

    by_os: dict[str, list[str]] = {}
    for n in nodes:
        by_os.setdefault(tree.node(n).os, []).append(n)
    dirs = repositories_by_os(given, tree.site.repos, tree.root, by_os, tree.os_ids())
    _, results = batch.resolve_all(tree, list(nodes), rep)
    groups: dict[tuple[Path, ...], list[Resolved]] = {}
    for r in results:
        groups.setdefault(tuple(dirs[r.os]), []).append(r)
    out: dict[str, Outcome] = {}
    for paths, members in groups.items():
        out.update(solve_lists(tree, members, paths))
    return {r.node: out[r.node] for r in results}


def solve_lists(tree: Tree, results: Sequence[Resolved], repo_dirs: Sequence[Path]) -> dict[str, Outcome]:
    """Each node's list solved with its OS's arch, installonly names and its module
    streams; nodes sharing a list and streams are solved once."""
    repos = Repositories(repo_dirs)
    solved: dict[tuple[int, tuple[tuple[str, str | None], ...]], tuple[tuple[Pkg, ...], Outcome]] = {}
    out: dict[str, Outcome] = {}
    for r in results:
        key = (id(r.packages), tuple(r.modules.items()))
        hit = solved.get(key)
        if hit is None or hit[0] is not r.packages:
            osc = tree.os(r.os)
            hit = (r.packages, solve(repos, osc.arch, r.packages, r.modules, installonly=osc.installonly))
            solved[key] = hit
        out[r.node] = hit[1]
    return out


def _same_name_hint(problem: Problem, info: Any, multi: set[str]) -> Problem:
    """Two listed versions of a name dnf does not install side by side (a kernel package built
    without installonlypkg(...)): dropping one is a fix, and so is telling dnf it is installonly."""
    import solv  # libsolv's bindings: loaded when a check runs

    s = info.solvable
    if info.type != solv.Solver.SOLVER_RULE_PKG_SAME_NAME or s is None or s.name not in multi:
        return problem
    hint = (
        f"dnf installs one version of {s.name}: it provides no installonlypkg(...); to keep both, add "
        f"{s.name} to the OS's installonly list and to the nodes' dnf.conf installonlypkgs"
    )
    return Problem(problem.text, problem.suggestion, hint)


def _filtered(pool: Any, s: Any, hidden: dict[int, str], active: Mapping[str, str]) -> Problem:
    """A listed build dnf would not offer: the newest it offers in its place."""
    import solv  # libsolv's bindings: loaded when a check runs

    offered = [
        o
        for o in pool.select(s.name, solv.Selection.SELECTION_NAME).solvables()
        if o.arch == s.arch and o.id not in hidden
    ]
    best = _newest(pool, offered)
    return Problem(
        f"{s} is filtered out by modular filtering: {hidden[s.id]} (active streams: {streams_text(active)})",
        _repl(best) if best is not None else {"del": s.name},
    )
