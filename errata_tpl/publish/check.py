"""``verify`` of a published folder: does it hold exactly what its record names?

A folder publish made (its repomd.xml's revision says so) is ``DIR/<os-id>/<name>``,
the record ``errata/<os-id>/<name>.yaml`` (a profile, or ``hotfix-<name>``); a stage's
symlink is followed to its folder. Checked against the record as publish reads it:
each of its builds there once and nothing else (rpm reads every header), repomd.xml's
checksums, primary listing exactly those files with their SHA256, updateinfo by
README's rule, the module builds and defaults the record gives.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, yamlio
from errata_tpl.messages import counted
from errata_tpl.mirror import advisories as advmod
from errata_tpl.mirror import modules as modmod
from errata_tpl.mirror.advisories import NevraKey, nevra_key
from errata_tpl.mirror.repomd import Repodata, quiet_stderr
from errata_tpl.mirror.walk import find_rpms
from errata_tpl.profile import paths
from errata_tpl.publish import content as ct
from errata_tpl.publish.memo import file_sha256
from errata_tpl.publish.repodata import revision_of
from errata_tpl.values import names

MAX_NAMED = 20  # problems listed; the rest counted


def _record(folder: Path) -> tuple[str, str, str | None, str | None]:
    """(os-id, record path, hotfix, profile) of a published folder, by its place."""
    os_id, name = names.os_id(folder.parent.name), folder.name
    if name.startswith(paths.HOTFIX_PREFIX):
        hotfix = names.hotfix(name[len(paths.HOTFIX_PREFIX) :])
        return os_id, paths.hotfix_rel(os_id, hotfix), hotfix, None
    return os_id, paths.profile_rel(os_id, name), None, names.profile(name)


def _nevra(key: NevraKey) -> str:
    name, epoch, version, release, arch = key
    return f"{name}-{'' if epoch in ('0', '') else epoch + ':'}{version}-{release}.{arch}"


def _files(folder: Path) -> tuple[dict[str, NevraKey], list[str]]:
    """Each package file's NEVRA, read by rpm (repodata/ aside); the problems reading them."""
    from errata_tpl.mirror.scan import scan  # rpm's bindings

    rels, errors = find_rpms(folder)
    result = scan(folder, rels)
    got = {
        p.path: nevra_key(p.name, p.epoch, p.version, p.release, "src" if p.is_source else p.arch)
        for p in result.packages
    }
    return got, [f"{b.path}: {b.reason}" for b in (*errors, *result.bad)]


def _primary(repodata: Repodata) -> list[tuple[str, str, NevraKey]]:
    """(href, pkgid, NEVRA) of every package primary lists (its file checked against repomd.xml)."""
    import createrepo_c as cr

    out: list[tuple[str, str, NevraKey]] = []

    def take(pkg: Any) -> bool:
        out.append((pkg.location_href, pkg.pkgId, nevra_key(pkg.name, pkg.epoch, pkg.version, pkg.release, pkg.arch)))
        return True

    rec = repodata.record("primary")
    if rec is None:
        raise UserError(f"{repodata.repomd}: no primary record")
    fd = repodata.in_memory_file(rec)
    try:
        with quiet_stderr():
            cr.xml_parse_primary(f"/proc/self/fd/{fd}", pkgcb=take, do_files=False)
    finally:
        os.close(fd)
    return out


def _updateinfo(folder: Path) -> dict[str, set[NevraKey]]:
    found = advmod.read(folder)
    out: dict[str, set[NevraKey]] = {}
    for u in found[1] if found is not None else ():
        keys = out.setdefault(u.id, set())
        for coll in u.collections:
            keys |= {nevra_key(p.name, p.epoch, p.version, p.release, p.arch) for p in coll.packages}
    return out


def _sha256s(folder: Path, rels: list[str]) -> dict[str, str | None]:
    """Each file's SHA256, in threads (hashlib lets go of the GIL over large buffers)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        return dict(zip(rels, pool.map(lambda r: file_sha256(folder / r), rels)))


def _compare(what: str, want: Mapping[str, set[NevraKey]], got: Mapping[str, set[NevraKey]]) -> list[str]:
    """What differs between two mappings of a name (an advisory, a module build) to builds."""
    out = [f"{what}: {k} missing" for k in sorted(set(want) - set(got))]
    out += [f"{what}: {k} is not in the record" for k in sorted(set(got) - set(want))]
    for k in sorted(set(want) & set(got)):
        if want[k] != got[k]:
            listed, recorded = (", ".join(sorted(map(_nevra, x[k]))) for x in (got, want))
            out.append(f"{what}: {k}: {listed} (the record: {recorded})")
    return out


def _packages(content: ct.Content, files: Mapping[str, NevraKey]) -> list[str]:
    """Each build of the record once, and nothing else."""
    want = content.by_key()
    by_key: dict[NevraKey, list[str]] = {}
    for path, key in sorted(files.items()):
        by_key.setdefault(key, []).append(path)
    out = [f"{b.nevra}: no file" for b in content.builds if b.key not in by_key]
    out += [
        f"{p}: {_nevra(k)} is not a build the record names" for k, ps in by_key.items() if k not in want for p in ps
    ]
    out += [f"{_nevra(k)}: {len(ps)} files ({', '.join(ps)})" for k, ps in by_key.items() if len(ps) > 1]
    return out


def _primary_problems(repodata: Repodata, files: Mapping[str, NevraKey]) -> list[str]:
    """primary lists exactly the files, each with its NEVRA and SHA256."""
    listed = _primary(repodata)
    out = [f"primary: {f} is not listed" for f in sorted(set(files) - {h for h, _, _ in listed})]
    sums = _sha256s(repodata.repo, sorted(files))
    for h, pkgid, key in listed:
        if h not in files:
            out.append(f"primary: {h} is listed, but there is no such package file")
        elif files[h] != key:
            out.append(f"primary: {h} is listed as {_nevra(key)}, but the file is {_nevra(files[h])}")
        elif sums[h] != pkgid:
            out.append(f"primary: {h}: the SHA256 it gives is not the file's")
    return out


def check(site: Callable[[], Path], folder: Path) -> dict[str, Any] | None:
    """The published folder's check (None: ``folder`` is not one publish made);
    ``site()``: the root, checked to be a site (the record is read there). The
    metadata files' own checksums are verify's (``repodata``); what they say is
    checked here against the record."""
    real = folder.resolve()
    if revision_of(real) is None:
        return None
    root = site()
    os_id, rel, hotfix, profile = _record(real)
    notes: list[str] = []
    data = regular.read_bytes(root / rel, yamlio.MAX_BYTES, rel)
    content = ct.load(root, os_id, rel, hashlib.sha256(data).hexdigest(), hotfix, profile, notes.append)
    files, problems = _files(real)
    problems += _packages(content, files)
    if problems:  # metadata of files that are not the record's says nothing more
        return _result(rel, content, problems, notes)
    repodata = Repodata.read(real)
    assert repodata is not None  # revision_of read it
    try:
        problems += _primary_problems(repodata, files)
        advisories: dict[str, set[NevraKey]] = {}
        for b in content.builds:
            for a in b.advisories:
                advisories.setdefault(a.id, set()).add(b.key)
        problems += _compare("updateinfo", advisories, _updateinfo(real))
        problems += _modules(real, content, repodata)
    except UserError as e:  # a metadata file that is not as repomd.xml says (verify names it too)
        problems.append(str(e))
    return _result(rel, content, problems, notes)


def _modules(real: Path, content: ct.Content, repodata: Repodata) -> list[str]:
    want: dict[str, set[NevraKey]] = {}
    for b in content.builds:
        for name, stream, version, context in b.modules:
            want.setdefault(f"{name}:{stream}:{version}:{context}", set()).add(b.key)
    mods = modmod.load(repodata)
    got = {f"{m.name}:{m.stream}:{m.version}:{m.context}": set(m.artifacts) for m in (mods.builds if mods else ())}
    problems = _compare("modules", want, got)
    if content.module_defaults is not None and mods is not None:
        streams = {s.split(":")[0] for s in want}
        recorded = {m: s for m, s in content.module_defaults.items() if m in streams}
        if dict(mods.defaults) != recorded:
            problems.append(f"modules: default streams {dict(mods.defaults)} instead of {recorded}")
    return problems


def _result(rel: str, content: ct.Content, problems: list[str], notes: list[str]) -> dict[str, Any]:
    shown = problems[:MAX_NAMED] + ([f"and {len(problems) - MAX_NAMED} more"] if len(problems) > MAX_NAMED else [])
    return {
        "record": rel,
        "builds": len(content.builds),
        "advisories": len(content.advisory_ids()),
        "module_streams": len({m[:2] for b in content.builds for m in b.modules}),
        "problems": shown,
        "notes": notes,
        "ok": not problems,
    }


def text(part: Mapping[str, Any]) -> list[str]:
    counts = (
        counted(part["builds"], "build"),
        counted(part["advisories"], "advisory", "advisories"),
        counted(part["module_streams"], "module stream"),
    )
    head = f"published folder of {part['record']}: {', '.join(counts)}"
    if part["ok"]:  # of its packages, advisories and streams; repodata's own checksums are verify's line
        return [f"{head}: its packages, advisories and module streams are exactly what it names", *part["notes"]]
    problems = [f"  - {p}" for p in part["problems"]]
    return [f"{head}: {counted(len(part['problems']), 'problem')}", *problems, *part["notes"]]
