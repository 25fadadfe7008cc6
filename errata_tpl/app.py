"""The commands' work: read inputs, call the pure core, write outputs.

The CLI parses arguments and prints; everything between is here.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import click

from . import atomic, names, render, rpmcheck, yamlio
from . import diff as diffmod
from . import evr as evrmod
from .advisories import Advisory, cves
from .advisories import load as load_advisories
from .check import Outcome
from .errors import UserError
from .generate import Selection, build_profile
from .hdrcache import HeaderCache, cache_path
from .keyring import Keyring
from .pkgset import Pkg
from .profile import Entry, Profile
from .profile import from_data as profile_from_data
from .render import Renderer
from .report import Reporter
from .resolve import Resolved, Resolver
from .scan import ScanResult, find_rpms, scan
from .tree import Tree
from .verify import Status, Verdict, classify, summary

PROGRESS_MIN_FILES = 2000


def now_utc() -> dt.datetime:
    """The run's clock; SOURCE_DATE_EPOCH pins it for reproducible output."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde and sde.isdigit():
        return dt.datetime.fromtimestamp(int(sde), tz=dt.timezone.utc)
    return dt.datetime.now(tz=dt.timezone.utc)


def _progress_bar(rep: Reporter) -> Callable[[list[str]], Iterator[str]]:
    """A bar on stderr for a long scan at a terminal; otherwise the items as they are."""

    def wrap(items: list[str]) -> Iterator[str]:
        if len(items) < PROGRESS_MIN_FILES or not rep.is_terminal():
            yield from items
            return
        with click.progressbar(items, label="reading headers", file=click.get_text_stream("stderr")) as bar:
            yield from bar

    return wrap


@dataclass(frozen=True)
class GenerateRequest:
    mirror: Path
    source: str  # the mirror as given on the command line
    os_id: str
    profile: str | None = None
    fmt: str = "yaml"
    use_cache: bool = True
    keyring: tuple[Path, ...] = ()
    require_signature: bool = False
    selection: Selection = field(default_factory=Selection)


@dataclass(frozen=True)
class Generated:
    text: str
    default_path: Path
    kept: int


def generate(root: Path, req: GenerateRequest, rep: Reporter) -> Generated:
    os_id = names.os_id(req.os_id)
    clock = now_utc()
    profile = names.profile(req.profile or clock.strftime("%Y%m%d"))
    if not req.mirror.is_dir():
        raise UserError(f"{req.source}: not a directory")

    cache = HeaderCache(cache_path(root, req.mirror)) if req.use_cache else None

    if req.require_signature and not req.keyring:
        raise UserError("--require-signature needs at least one --keyring KEY")
    extra: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        keys = stack.enter_context(Keyring(req.keyring)) if req.keyring else None
        result = scan(req.mirror, cache, progress=_progress_bar(rep),
                      signatures=keys.rpmkeys_args() if keys is not None else None)
        if keys is not None:
            for k in keys.keys:
                if k.expired:
                    rep.warn(f"{k.source}: key {k.fingerprint} expired on {k.expires}")
            untrusted = _apply_signature_policy(result, keys, req.require_signature)
            for v in untrusted:
                rep.warn(f"{req.source}/{v.path}: {v.status.value}{f' (key {v.keyid})' if v.keyid else ''}"
                         + ("; left out" if req.require_signature or v.status is Status.BAD_SIGNATURE else ""))
            extra = {"signatures": "required" if req.require_signature else "checked",
                     "keyring": [k.fingerprint for k in keys.keys]}
    if cache is not None:
        cache.prune({p.path for p in result.packages} | {b.path for b in result.bad})
        cache.save()

    for bad in result.walk_errors + result.bad:
        rep.warn(f"{req.source}/{bad.path}: skipped: {bad.reason}")
    if not result.packages:
        raise UserError(
            f"{req.source}: no readable RPM packages found ({result.files} *.rpm files); no profile written"
        )

    advisories = load_advisories(req.mirror)
    sel = req.selection
    if sel.security_only and advisories is None:
        raise UserError(f"{req.source}: --security-only needs the mirror's updateinfo (repodata/repomd.xml): none")
    if sel.until is not None and advisories is None and sel.date_field != "buildtime":
        rep.warn(f"{req.source}: no updateinfo: --until {sel.until} uses each RPM's build time")
    built = build_profile(
        result.packages, os_id=os_id, profile=profile, source=req.source,
        generated=clock.strftime("%Y-%m-%dT%H:%M:%SZ"), extra=extra, advisories=advisories, selection=sel,
    )
    for w in built.warnings:
        rep.warn(w)
    p = built.profile
    rep.info(
        f"{result.files} files: {result.files - len(result.bad)} read ({result.from_cache} from cache), "
        f"{len(result.bad)} skipped, {built.sources_skipped} source; kept {len(p.packages)} packages, "
        f"{len(p.kernels)} kernel builds, {len(p.kernel_named)} kernel-named"
        + (f"; {built.left_out} builds left out by the selection" if sel.active() else "")
    )
    ext = "pan" if req.fmt == "pan" else "yaml"
    return Generated(render.profile_text(p, req.fmt), root / "errata" / os_id / f"{profile}.{ext}", len(p.packages))


def _apply_signature_policy(result: ScanResult, keys: Keyring, required: bool) -> list[Verdict]:
    """Leave out what the policy refuses: a bad signature always, and with
    ``required`` anything not signed by a key of the keyring. Returns the
    packages that were not ok, kept or not."""
    verdicts = {rel: classify(rel, c) for rel, c in result.checks.items()}
    not_ok: list[Verdict] = []
    kept = []
    for p in result.packages:
        v = verdicts.get(p.path)
        if v is None or v.status is Status.OK:
            kept.append(p)
            continue
        not_ok.append(v)
        if not (required or v.status is Status.BAD_SIGNATURE):
            kept.append(p)
    result.packages = kept
    return not_ok


def verify(mirror: Path, key_files: tuple[Path, ...]) -> dict[str, object]:
    """Every package file's trust verdict, the keys, and repomd.xml's signature."""
    if not mirror.is_dir():
        raise UserError(f"{mirror}: not a directory")
    if not key_files:
        raise UserError("verify needs at least one --keyring KEY")
    with Keyring(key_files) as keys:
        rels, walk_errors = find_rpms(mirror)
        base = os.path.join(str(mirror), "")
        checks = rpmcheck.Background([base + r for r in rels], keys.rpmkeys_args(), verbose=True).result()
        verdicts = [classify(r, checks[base + r]) for r in rels]
        verdicts += [Verdict(b.path, Status.UNREADABLE, None, b.reason) for b in walk_errors]
        repomd = mirror / "repodata" / "repomd.xml"
        asc = mirror / "repodata" / "repomd.xml.asc"
        if asc.is_file() and repomd.is_file():
            good, detail = keys.verify_detached(asc, repomd)
            repo = {"path": "repodata/repomd.xml", "status": "ok" if good else "bad signature", "detail": detail}
        elif repomd.is_file():
            repo = {"path": "repodata/repomd.xml", "status": "unsigned", "detail": "no repomd.xml.asc"}
        else:
            repo = None
        key_list = [
            {"fingerprint": k.fingerprint, "keyid": k.keyid, "uids": list(k.uids), "expires": k.expires,
             "expired": k.expired, "source": k.source} for k in keys.keys
        ]
    files = [{"path": v.path, "status": v.status.value, "keyid": v.keyid, "detail": v.detail}
             for v in sorted(verdicts, key=lambda v: v.path)]
    counts = summary(verdicts)
    ok = counts["ok"] == len(verdicts) and len(verdicts) > 0 and (repo is None or repo["status"] != "bad signature")
    return {"keys": key_list, "files": files, "summary": counts, "repomd": repo, "ok": ok}


def verify_text(report: dict) -> str:
    out = []
    width = max((len(f["status"]) for f in report["files"]), default=2)
    for f in report["files"]:
        line = f"{f['status']:<{width}}  {f['path']}"
        if f["status"] != "ok":
            line += f"  ({f['detail']})"
        elif f["keyid"]:
            line += f"  (key {f['keyid']})"
        out.append(line)
    for k in report["keys"]:
        state = "EXPIRED " if k["expired"] else ""
        when = "never" if k["expires"] is None else k["expires"]
        out.append(f"key: {state}{k['fingerprint']} {', '.join(k['uids'])} (expires {when}; {k['source']})")
    if report["repomd"] is not None:
        r = report["repomd"]
        out.append(f"{r['path']}: {r['status']} ({r['detail']})")
    counts = report["summary"]
    out.append(f"{sum(counts.values())} files: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(out) + "\n"


def write_profile(path: Path, text: str, force: bool) -> None:
    """Write a profile; a dated profile is a record, replaced only with ``force``."""
    with atomic.locked(path.parent / f".{path.name}.lock"):
        if not force and path.exists():
            raise UserError(f"{path}: exists; a dated profile is a record (use --force to replace it)")
        atomic.write_text(path, text, overwrite=force)


# --- resolve, explain, status ------------------------------------------------------------

MANIFEST = ".errata-tpl-manifest"


def select_nodes(tree: Tree, nodes: tuple[str, ...], all_nodes: bool) -> list[str]:
    if all_nodes:
        found = tree.node_names()
        if not found:
            raise UserError(f"{tree.root / 'site/nodes'}: no node files (*.yaml)")
        return found
    return [names.node(n) for n in nodes]


def resolve_all(tree: Tree, nodes: list[str], rep: Reporter, trace: bool = False) -> tuple[Resolver, list[Resolved]]:
    """Resolve every node before anything is written: one failure, nothing written."""
    resolver = Resolver(tree, trace=trace)
    results = [resolver.resolve(n) for n in nodes]
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return resolver, results


def render_many(renderer: Renderer, results: list[Resolved]) -> str:
    texts = [renderer.render(r) for r in results]
    if len(texts) == 1:
        return texts[0]
    if renderer.user_template is None and renderer.fmt == "json":
        return "[\n" + ",\n".join(t.rstrip("\n") for t in texts) + "\n]\n"
    if renderer.user_template is None and renderer.fmt in ("yaml", "ansible"):
        return "".join(t if t.startswith("---\n") else f"---\n{t}" for t in texts)
    return "".join(texts)


def write_out_dir(out_dir: Path, renderer: Renderer, results: list[Resolved], ext: str, complete: bool) -> int:
    """One file per node. Files are written to a staging folder, then renamed into
    place; the manifest, written last, lists the set. A ``complete`` run (--all)
    removes the files of nodes that are gone: only files an earlier run listed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old_manifest = out_dir / MANIFEST
    previous: set[str] = set()
    if old_manifest.is_file():
        previous = set(old_manifest.read_text(encoding="utf-8").split())
    staging = Path(tempfile.mkdtemp(prefix=".errata-tpl-staging-", dir=out_dir))
    written = [f"{r.node}.{ext}" for r in results]
    try:
        with _Writers(staging) as writers:
            for name, r in zip(written, results):
                writers.write(name, renderer.render_parts(r))
        for name in written:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    listed = set(written) if complete else set(written) | previous
    for stale in sorted(previous - listed):
        with contextlib.suppress(FileNotFoundError):
            (out_dir / stale).unlink()
    atomic.write_text(old_manifest, "".join(f"{n}\n" for n in sorted(listed)))
    return len(written)


class _Writers:
    """Files written by two threads while the caller renders the next ones: creating
    and filling many files is kernel work that a second core halves. At most
    ``depth`` texts wait in memory."""

    def __init__(self, directory: Path, threads: int = 2, depth: int = 64) -> None:
        self.directory = directory
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)
        self._slots = threading.BoundedSemaphore(depth)
        self._futures: list[concurrent.futures.Future[None]] = []

    def _write(self, name: str, parts: list[bytes]) -> None:
        try:
            fd = os.open(self.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                total = sum(len(p) for p in parts)
                done = os.writev(fd, parts)
                if done < total:  # a short write: finish the rest plainly
                    rest = memoryview(b"".join(parts))[done:]
                    while rest:
                        rest = rest[os.write(fd, rest):]
            finally:
                os.close(fd)
        finally:
            self._slots.release()

    def write(self, name: str, parts: list[bytes]) -> None:
        self._slots.acquire()
        self._futures.append(self._pool.submit(self._write, name, parts))

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        for f in self._futures:
            f.result()  # an OSError of a writer surfaces here


# --- diff -----------------------------------------------------------------------------------

AdvisoryIndex = dict[tuple[str, Optional[str], Optional[str]], tuple[Advisory, ...]]


def _profile_items(p: Profile) -> tuple[list[diffmod.Item], AdvisoryIndex]:
    items = [diffmod.Item(e.name, e.arch, str(e.evr)) for e in p.packages]
    advs = {(e.name, e.arch, str(e.evr)): e.advisories for e in p.packages if e.advisories}
    return items, advs


def _resolved_items(tree: Tree, os_id: str, errata: str | None,
                    packages: list[dict]) -> tuple[list[diffmod.Item], AdvisoryIndex]:
    """A resolved list's items; advisories from the profile each version came from
    (kernels: the node's profile, whose kernels list names them)."""
    indexes: dict[str, AdvisoryIndex] = {}

    def index(name: str) -> AdvisoryIndex:
        if name not in indexes:
            try:
                prof = tree.profile(os_id, name)
            except UserError:
                prof = None
            entries = (*prof.packages, *prof.kernels) if prof is not None else ()
            indexes[name] = {(e.name, e.arch, str(e.evr)): e.advisories for e in entries if e.advisories}
        return indexes[name]

    items, advs = [], {}
    for p in packages:
        key = (p["name"], p["arch"], p["version"])
        items.append(diffmod.Item(*key))
        source = str(p.get("from") or "")
        origin = source.split(":", 1)[1] if source.startswith(("errata:", "fix:")) else (
            errata if source in ("kernel", "keep-kernel") else None)
        if origin is not None and key in index(origin):
            advs[key] = index(origin)[key]
    return items, advs


def _items_of_file(tree: Tree, path: Path) -> tuple[list[diffmod.Item], AdvisoryIndex]:
    data = yamlio.load_file(path)  # JSON is YAML too
    if isinstance(data, dict) and "node" in data and isinstance(data.get("packages"), list):
        for i, p in enumerate(data["packages"]):
            if not (isinstance(p, dict) and {"name", "version", "arch"} <= set(p)):
                raise UserError(f"{path}: packages[{i}]: expected name, version and arch")
        errata = data.get("errata") if isinstance(data.get("errata"), str) else None
        return _resolved_items(tree, str(data.get("os")), errata, data["packages"])
    return _profile_items(profile_from_data(data, str(path)))


def _resolved_to_items(tree: Tree, r: Resolved) -> tuple[list[diffmod.Item], AdvisoryIndex]:
    return _resolved_items(tree, r.os, r.errata, render.data(r)["packages"])


def diff(tree: Tree, a: str | None, b: str | None, nodes: tuple[str, ...], profile: str | None,
         os_id: str | None) -> diffmod.Diff:
    """Two files, two profiles of an OS, two nodes, or a node and the profile it could switch to."""
    if nodes:
        if len(nodes) != 2 or a or b or profile:
            raise UserError("diff --node takes exactly two nodes: --node N1 --node N2")
        resolver = Resolver(tree)
        ra, rb = (resolver.resolve(names.node(n)) for n in nodes)
        (ia, aa), (ib, ab) = _resolved_to_items(tree, ra), _resolved_to_items(tree, rb)
        return diffmod.compare(nodes[0], ia, nodes[1], ib, {**aa, **ab})
    if profile is not None:
        if not a or b:
            raise UserError("diff NODE --profile P: name one node")
        node = names.node(a)
        now = Resolver(tree).resolve(node)
        then = Resolver(tree, preview={node: names.profile(profile)}).resolve(node)
        (ia, aa), (ib, ab) = _resolved_to_items(tree, now), _resolved_to_items(tree, then)
        label = f"{node} ({now.errata or 'no errata'})"
        return diffmod.compare(label, ia, f"{node} with profile {profile}", ib, {**aa, **ab})
    if not a or not b:
        raise UserError("diff needs A and B (files, or profile names with --os), --node N1 --node N2, "
                        "or NODE --profile P")
    sides = []
    for arg in (a, b):
        path = Path(arg)
        if path.is_file():
            sides.append(_items_of_file(tree, path))
        elif os_id is not None:
            prof = tree.profile(names.os_id(os_id), names.profile(arg))
            if prof is None:
                raise UserError(f"no profile {arg} for {os_id} ({tree.profile_rel(os_id, arg)})")
            sides.append(_profile_items(prof))
        else:
            raise UserError(f"{arg}: no such file (for a profile name, give --os)")
    (ia, aa), (ib, ab) = sides
    return diffmod.compare(a, ia, b, ib, {**aa, **ab})


# --- check -------------------------------------------------------------------------------


def check(tree: Tree, nodes: list[str], repo_dirs: tuple[Path, ...], rep: Reporter) -> dict[str, Outcome]:
    """Solve every node's list with libsolv; nodes sharing a list are solved once."""
    from .check import Repositories, solve

    repos = Repositories(repo_dirs)
    _, results = resolve_all(tree, nodes, rep)
    solved: dict[int, tuple[tuple, Outcome]] = {}
    out: dict[str, Outcome] = {}
    for r in results:
        hit = solved.get(id(r.packages))
        if hit is None or hit[0] is not r.packages:
            hit = (r.packages, solve(repos, tree.os(r.os).arch, r.packages))
            solved[id(r.packages)] = hit
        out[r.node] = hit[1]
    return out


def check_text(outcomes: dict[str, Outcome]) -> str:
    lines = []
    for node, o in outcomes.items():
        if o.ok:
            extra = f"; would also install {', '.join(o.pulled_in)}" if o.pulled_in else ""
            lines.append(f"{node}: ok{extra}")
            continue
        lines.append(f"{node}: {len(o.problems)} problem{'s' if len(o.problems) != 1 else ''}")
        for p in o.problems:
            lines.append(f"  - {p.text}")
            if p.suggestion is not None:
                lines.append(f"    fix hook: {yamlio.value(p.suggestion)}")
    bad = sum(1 for o in outcomes.values() if not o.ok)
    lines.append(f"{len(outcomes)} nodes: {len(outcomes) - bad} ok, {bad} with problems")
    return "\n".join(lines) + "\n"


def check_json(outcomes: dict[str, Outcome]) -> dict:
    return {node: {"ok": o.ok, "problems": [{"text": p.text, "fix": p.suggestion} for p in o.problems],
                   "pulled_in": list(o.pulled_in)} for node, o in outcomes.items()}


def explain(tree: Tree, node: str, package: str) -> list[str]:
    """Every step that touched ``package`` on ``node``, then what it ends as."""
    resolver = Resolver(tree, trace=True)
    r = resolver.resolve(names.node(node))
    lines = [f"{r.node}: {package}", *(f"  {n}" for n in r.notes)]
    events = [e for e in r.events if e.name == package]
    lines += [f"  {e.text}" for e in events] or [f"  no step named {package}"]
    final = [p for p in r.packages if p.name == package]
    if final:
        lines += [f"  result: {p.nevra()} (from {p.source}{', multi' if p.multi else ''})" for p in final]
    else:
        lines.append(f"  result: {package} is not in the list of {r.node}")
    for p in final:
        entry = _profile_entry(tree, r.os, p.source, p)
        if entry is not None and entry.advisories:
            lines.append(f"  advisories: {_describe(entry.advisories)}")
    newest = _newest_profile(tree, r.os)
    for name_arch, (entry, _) in sorted(_missing(newest, r.packages).items()):
        if name_arch[0] == package:
            lines.append(f"  missing: profile {newest.profile} has {entry.name}-{entry.evr}.{entry.arch}"
                         f" ({_describe(entry.advisories)})")
    return lines


def _describe(advs: tuple[Advisory, ...]) -> str:
    parts = [f"{a.id} {a.type}{' ' + a.severity if a.severity else ''} {a.issued or ''}".rstrip() for a in advs]
    found = cves(advs)
    return "; ".join(parts) + (f"; {' '.join(found)}" if found else "")


def _profile_entry(tree: Tree, os_id: str, source: str, p: Pkg) -> Entry | None:
    if not source.startswith(("errata:", "fix:")):
        return None
    try:
        prof = tree.profile(os_id, source.split(":", 1)[1])
    except UserError:
        return None
    return next((e for e in prof.packages if (e.name, e.arch, e.evr) == (p.name, p.arch, p.evr)), None) \
        if prof is not None else None


def _newest_profile(tree: Tree, os_id: str) -> Profile | None:
    found = tree.profiles(os_id)
    return tree.profile(os_id, found[-1]) if found else None


def _missing(newest: Profile | None, packages: tuple[Pkg, ...]) -> dict[tuple[str, str], tuple[Entry, Pkg]]:
    """Entries of the newest profile that carry CVEs and are newer than the newest
    version the node has of that name and arch (kernels too: kept ones do not count)."""
    if newest is None:
        return {}
    have: dict[str, list[Pkg]] = {}
    for p in packages:
        have.setdefault(p.name, []).append(p)
    out = {}
    for e in (*newest.packages, *newest.kernels):
        if (e.name, e.arch) in out or not cves(e.advisories):
            continue  # kernels come newest first: the first entry of a name decides
        mine = [p for p in have.get(e.name, ()) if p.arch in (e.arch, None) and p.evr is not None]
        if mine:
            top = max(mine, key=lambda p: evrmod.sort_key(p.evr))
            if evrmod.compare(top.evr, e.evr) < 0:
                out[(e.name, e.arch)] = (e, top)
    return out


def missing_cves(tree: Tree, r: Resolved) -> list[str]:
    """CVEs the newest profile of the node's OS fixes and the node's list does not have."""
    return cves(a for e, _ in _missing(_newest_profile(tree, r.os), r.packages).values() for a in e.advisories)


STATUS_COLUMNS = ("node", "os", "deploy", "errata", "from", "kernel", "kernel from", "kept", "changed",
                  "missing CVEs")


def status(tree: Tree, rep: Reporter) -> tuple[list[tuple[str, ...]], bool]:
    """One row per node; a node that fails shows its error and the run fails."""
    resolver = Resolver(tree)
    rows: list[tuple[str, ...]] = []
    ok = True
    missing: dict[tuple[str, int], tuple[tuple[Pkg, ...], list[str]]] = {}  # per shared list
    for n in tree.node_names():
        try:
            r = resolver.resolve(n)
        except UserError as e:
            ok = False
            rows.append((n, "-", "-", "ERROR", str(e), "", "", "", "", ""))
            continue
        deploy = "no" if r.errata_from == "deploy-off" else "yes"
        source = f"clone:{r.clone}" if r.clone else r.errata_from
        hit = missing.get((r.os, id(r.packages)))
        if hit is None or hit[0] is not r.packages:
            hit = missing[(r.os, id(r.packages))] = (r.packages, missing_cves(tree, r))
        cve_list = hit[1]
        rows.append((
            n, r.os, deploy, r.errata or "-", source, r.kernel.version or "-", r.kernel.source,
            ",".join(r.kernel.kept) or "-", str(r.changed_by_errata), str(len(cve_list)),
        ))
    for w in tree.warnings + resolver.warnings:
        rep.warn(w)
    return rows, ok


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*row).rstrip() for row in (header, *rows)) + "\n"
