"""Real RPM files for tests and examples, built by rpmbuild.

Each package is a tiny spec (no sources); with SOURCE_DATE_EPOCH set the
files are byte-for-byte reproducible. Defects (truncation, flipped bytes)
are made here too, so the test suite needs nothing outside the repo.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

EPOCH_TIME = 1790000000  # 2026-09-21: fixed build time, reproducible files
DESC_MARK = "errata-tpl-fixture-description"


@dataclass(frozen=True)
class Spec:
    name: str
    version: str
    release: str
    arch: str = "x86_64"  # x86_64, i686, noarch, ... or "src" for a source rpm
    epoch: int | None = None
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    obsoletes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # absolute paths the package owns (a line of text each)
    buildtime: int = EPOCH_TIME
    subdir: str = ""  # where in the output directory the file goes
    modularitylabel: str | None = None  # NAME:STREAM:VERSION:CONTEXT of a module build (rpm's ModularityLabel tag)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def evr(self) -> str:
        e = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{e}{self.version}-{self.release}"

    @property
    def filename(self) -> str:
        arch = "src" if self.arch == "src" else self.arch
        return f"{self.name}-{self.version}-{self.release}.{arch}.rpm"


def parse_nevra_line(line: str) -> Spec:
    """``name [epoch:]version-release arch`` (a compact form for fixture lists)."""
    name, evr, arch = line.split()
    epoch = None
    if ":" in evr:
        e, evr = evr.split(":", 1)
        epoch = int(e)
    version, release = evr.rsplit("-", 1)
    return Spec(name, version, release, arch, epoch)


# What real EL8/EL9 kernel packages provide (kernel.spec): how dnf knows, with its default
# installonlypkgs, that their versions are installed side by side rather than upgraded.
KERNEL_PROVIDES = {
    "kernel": "installonlypkg(kernel)",
    "kernel-core": "installonlypkg(kernel)",
    "kernel-devel": "installonlypkg(kernel)",
    "kernel-modules": "installonlypkg(kernel-module)",
    "kernel-modules-core": "installonlypkg(kernel-module)",
    "kernel-modules-extra": "installonlypkg(kernel-module)",
}


def kernel_provides(name: str) -> tuple[str, ...]:
    """The installonly provide a real EL kernel package of that name carries (none for others)."""
    return (KERNEL_PROVIDES[name],) if name in KERNEL_PROVIDES else ()


def _spec_text(s: Spec) -> str:
    lines = [
        f"Name: {s.name}",
        f"Version: {s.version}",
        f"Release: {s.release}",
        "Summary: errata-tpl test package",
        "License: MIT",
    ]
    if s.epoch is not None:
        lines.append(f"Epoch: {s.epoch}")
    if s.arch == "noarch":
        lines.append("BuildArch: noarch")
    if s.modularitylabel:
        lines.append(f"ModularityLabel: {s.modularitylabel}")
    for tag, values in (
        ("Requires", s.requires),
        ("Provides", s.provides),
        ("Conflicts", s.conflicts),
        ("Obsoletes", s.obsoletes),
    ):
        lines += [f"{tag}: {v}" for v in values]
    lines += ["", "%description", f"{DESC_MARK} {s.name}", ""]
    if s.files:
        lines.append("%install")
        for f in s.files:
            lines.append(f"mkdir -p %{{buildroot}}{os.path.dirname(f)}")
            lines.append(f"echo '{s.name}-{s.evr}' > %{{buildroot}}{f}")
        lines.append("")
    lines.append("%files")
    lines += list(s.files)
    return "\n".join(lines) + "\n"


def build_one(s: Spec, outdir: Path) -> Path:
    dest_dir = outdir / s.subdir if s.subdir else outdir
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rpmfactory-") as tmp:
        top = Path(tmp)
        spec = top / f"{s.name}.spec"
        spec.write_text(_spec_text(s))
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(s.buildtime), LC_ALL="C")
        defines = [
            "--define",
            f"_topdir {top}",
            "--define",
            f"_rpmdir {top}/out",
            "--define",
            f"_srcrpmdir {top}/out",
            "--define",
            "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            "--define",
            "use_source_date_epoch_as_buildtime 1",
            "--define",
            "clamp_mtime_to_source_date_epoch 1",
            "--define",
            "_buildhost errata-tpl.example",
            "--define",
            "__os_install_post %{nil}",
            "--define",
            "debug_package %{nil}",
        ]
        if s.arch == "src":
            cmd = ["rpmbuild", "-bs", *defines, str(spec)]
        else:
            target = [] if s.arch == "noarch" else ["--target", s.arch]
            cmd = ["rpmbuild", "-bb", "--nodeps", *target, *defines, str(spec)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"rpmbuild failed for {s.filename}:\n{proc.stderr[-2000:]}")
        built = next((top / "out").glob("*.rpm"))
        dest = dest_dir / s.filename
        shutil.move(str(built), dest)
        os.utime(dest, (s.buildtime, s.buildtime))
        return dest


def build(specs: list[Spec], outdir: Path, jobs: int = 2) -> list[Path]:
    """Build every spec into ``outdir`` (in parallel); the paths in spec order."""
    outdir.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda s: build_one(s, outdir), specs))


# --- defects ------------------------------------------------------------------------


def truncate_in_payload(path: Path) -> None:
    data = path.read_bytes()  # the payload is the file's tail: a complete header, a cut payload
    path.write_bytes(data[:-16])


def truncate_in_header(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: _desc_offset(data)])


def flip_payload_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))


def flip_header_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[_desc_offset(data) + 2] ^= 0x20
    path.write_bytes(bytes(data))


def _desc_offset(data: bytes | bytearray) -> int:
    i = bytes(data).find(DESC_MARK.encode())
    if i < 0:
        raise ValueError("not a fixture rpm")
    return i


# --- keys and signatures ----------------------------------------------------------------


@dataclass(frozen=True)
class GpgKey:
    home: Path
    email: str
    public: Path  # ASCII-armoured public key, as RPM-GPG-KEY-* files are


KEY_TYPES = {  # gpg's batch lines for each kind of signing key
    "rsa": "Key-Type: RSA\nKey-Length: 2048",
    "ed25519": "Key-Type: EDDSA\nKey-Curve: ed25519",
    "nistp256": "Key-Type: ECDSA\nKey-Curve: nistp256",
}


def make_key(home: Path, name: str, email: str, kind: str = "rsa") -> GpgKey:
    """A throwaway signing key (RSA, EdDSA ed25519 or ECDSA nistp256) in its own GnuPG home."""
    home.mkdir(parents=True, mode=0o700, exist_ok=True)
    batch = home / "key.batch"
    batch.write_text(
        f"%no-protection\n{KEY_TYPES[kind]}\nName-Real: {name}\nName-Email: {email}\nExpire-Date: 0\n%commit\n"
    )
    env = dict(os.environ, GNUPGHOME=str(home))
    subprocess.run(["gpg", "--batch", "--quiet", "--gen-key", str(batch)], env=env, check=True, capture_output=True)
    public = home / f"RPM-GPG-KEY-{email.split('@')[0]}"
    public.write_bytes(
        subprocess.run(["gpg", "--armor", "--export", email], env=env, check=True, capture_output=True).stdout
    )
    return GpgKey(home, email, public)


def export_binary(key: GpgKey) -> Path:
    """The public key as ``gpg --export`` writes it (binary OpenPGP packets)."""
    env = dict(os.environ, GNUPGHOME=str(key.home))
    path = key.home / f"{key.public.name}.gpg"
    path.write_bytes(subprocess.run(["gpg", "--export", key.email], env=env, check=True, capture_output=True).stdout)
    return path


def stop_agent(key: GpgKey) -> None:
    """gpg and rpmsign start a gpg-agent per home; stop it when the key is done with."""
    subprocess.run(["gpgconf", "--homedir", str(key.home), "--kill", "gpg-agent"], capture_output=True, check=False)


def sign(paths: list[Path], key: GpgKey) -> None:
    """rpmsign --addsign, as a distribution signs its packages."""
    env = dict(os.environ, GNUPGHOME=str(key.home))
    gpg = shutil.which("gpg") or "/usr/bin/gpg"
    subprocess.run(
        ["rpmsign", "--define", f"_gpg_name {key.email}", "--define", f"__gpg {gpg}", "--addsign", *map(str, paths)],
        env=env,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def sign_detached(path: Path, key: GpgKey) -> Path:
    """An armoured detached signature beside ``path`` (``path.asc``), as a repository's
    publisher signs its repomd.xml."""
    subprocess.run(
        ["gpg", "--batch", "--yes", "--armor", "--detach-sign", "-u", key.email, str(path)],
        env=dict(os.environ, GNUPGHOME=str(key.home)),
        check=True,
        capture_output=True,
    )
    return path.with_name(path.name + ".asc")


def break_signature(path: Path) -> None:
    """Flip a byte inside the header signature (tag RSAHEADER or DSAHEADER of the
    signature header): digests stay good, the signature no longer verifies."""
    data = bytearray(path.read_bytes())
    base = 96  # the lead
    if data[base : base + 3] != b"\x8e\xad\xe8":
        raise ValueError("no signature header")
    nindex = int.from_bytes(data[base + 8 : base + 12], "big")
    store = base + 16 + 16 * nindex
    for i in range(nindex):
        entry = base + 16 + 16 * i
        tag = int.from_bytes(data[entry : entry + 4], "big")
        offset = int.from_bytes(data[entry + 8 : entry + 12], "big")
        count = int.from_bytes(data[entry + 12 : entry + 16], "big")
        if tag in (267, 268):  # DSAHEADER, RSAHEADER: an OpenPGP signature packet
            data[store + offset + count - 8] ^= 0x55  # inside the signature value
            path.write_bytes(bytes(data))
            return
    raise ValueError("not signed")


# --- repository metadata ----------------------------------------------------------------


@dataclass(frozen=True)
class Advisory:
    id: str
    type: str  # security | bugfix | enhancement
    issued: str  # YYYY-MM-DD
    packages: tuple[str, ...]  # file names of the repository's rpms it ships
    severity: str | None = None
    cves: tuple[str, ...] = ()
    updated: str | None = None
    module: str | None = None  # NAME:STREAM:VERSION:CONTEXT:ARCH: a collection of that module build (EL8 style)


@dataclass(frozen=True)
class Module:
    """One module build (a modulemd v2 document), as a distribution's compose writes it."""

    name: str
    stream: str
    version: int
    context: str
    packages: tuple[str, ...]  # file names of the repository's rpms: its artifacts
    arch: str = "x86_64"
    requires: tuple[tuple[str, tuple[str, ...]], ...] = ()  # runtime module dependencies

    @property
    def label(self) -> str:
        """The ModularityLabel its rpms carry."""
        return f"{self.name}:{self.stream}:{self.version}:{self.context}"


def createrepo(
    repo: Path,
    advisories: list[Advisory] = (),
    revision: int | None = None,
    modules: list[Module] = (),
    module_defaults: dict[str, str | None] | None = None,
    compress_modules: bool = True,
) -> None:
    """createrepo_c, then (with advisories) an updateinfo.xml and (with modules or
    defaults) a modules.yaml, each added by modifyrepo_c as a compose adds them.
    With ``revision`` (a time stamp) the metadata is reproducible."""
    import re

    pinned = ["--revision", str(revision), "--set-timestamp-to-revision", "--no-database"] if revision else []
    subprocess.run(["createrepo_c", "-q", *pinned, str(repo)], check=True)
    if advisories:
        _add_updateinfo(repo, advisories)
    if modules or module_defaults:
        path = repo / "modules.yaml"
        path.write_text(modules_yaml(repo, modules, module_defaults or {}))
        compress = [] if compress_modules else ["--no-compress"]
        subprocess.run(
            ["modifyrepo_c", "--mdtype=modules", *compress, str(path), str(repo / "repodata")],
            check=True,
            capture_output=True,
        )
        path.unlink()
    if revision and (advisories or modules or module_defaults):
        repomd = repo / "repodata" / "repomd.xml"
        repomd.write_text(
            re.sub(r"<timestamp>\d+</timestamp>", f"<timestamp>{revision}</timestamp>", repomd.read_text())
        )


def modules_yaml(repo: Path, modules: list[Module], defaults: dict[str, str | None]) -> str:
    """modulemd v2 documents with their ``artifacts: rpms:`` (N-E:V-R.A, as composes
    write them) and modulemd-defaults v1 documents (a module with a null stream: a
    defaults document without ``stream``). Streams are written unquoted, as real
    metadata often has them (``stream: 1.10``): readers must keep them text."""
    epochs = {p.name: _epoch(p) for p in repo.rglob("*.rpm")}
    lines: list[str] = []
    for m in modules:
        split = [_split_filename(fn) for fn in sorted(m.packages)]
        lines += [
            "---",
            "document: modulemd",
            "version: 2",
            "data:",
            f"  name: {m.name}",
            f"  stream: {m.stream}",
            f"  version: {m.version}",
            f"  context: {m.context}",
            f"  arch: {m.arch}",
            f"  summary: {m.name} {m.stream}",
            "  description: >-",
            f"    The {m.name} module, stream {m.stream}.",
            "  license:",
            "    module: [MIT]",
        ]
        if m.requires:
            lines += ["  dependencies:", "  - requires:"]
            lines += [f"      {mod}: [{', '.join(streams)}]" for mod, streams in m.requires]
        lines += ["  profiles:", "    default:", "      rpms:"]
        lines += [f"      - {name}" for name in sorted({s[0] for s in split})]
        lines += ["  artifacts:", "    rpms:"]
        lines += [
            f"    - {name}-{epochs.get(fn, '0')}:{version}-{release}.{arch}"
            for fn, (name, version, release, arch) in zip(sorted(m.packages), split)
        ]
        lines.append("...")
    for name, stream in sorted(defaults.items()):
        lines += ["---", "document: modulemd-defaults", "version: 1", "data:", f"  module: {name}"]
        lines.append("  modified: 202601010000")
        if stream is not None:
            lines.append(f"  stream: {stream}")
        # a default profile for every stream, as RHEL's defaults have (dnf module install NAME:STREAM)
        streams = sorted({m.stream for m in modules if m.name == name} | ({stream} if stream else set()))
        lines += ["  profiles:", *(f"    {s}: [default]" for s in streams)]
        lines.append("...")
    return "\n".join(lines) + "\n"


def _add_updateinfo(repo: Path, advisories: list[Advisory]) -> None:
    import datetime as dt

    import createrepo_c as cr

    epochs = {p.name: _epoch(p) for p in repo.rglob("*.rpm")}
    info = cr.UpdateInfo()
    for a in advisories:
        rec = cr.UpdateRecord()
        rec.id, rec.type, rec.title = a.id, a.type, f"{a.id} {a.type} update"
        rec.fromstr, rec.status, rec.version, rec.release = "errata@example.org", "final", "1", "1"
        rec.severity = a.severity or "None"
        rec.issued_date = dt.datetime.fromisoformat(a.issued)
        rec.updated_date = dt.datetime.fromisoformat(a.updated or a.issued)
        rec.summary = rec.description = rec.title
        for cve in a.cves:
            ref = cr.UpdateReference()
            ref.type, ref.id, ref.href, ref.title = "cve", cve, f"https://cve.example.invalid/{cve}", cve
            rec.append_reference(ref)
        coll = cr.UpdateCollection()
        coll.shortname, coll.name = "errata-tpl", "errata-tpl fixtures"
        if a.module:
            mod = cr.UpdateCollectionModule()
            mod.name, mod.stream, version, mod.context, mod.arch = a.module.split(":")
            mod.version = int(version)
            coll.module, coll.name = mod, f"{mod.name}:{mod.stream}"
        for fn in a.packages:
            name, version, release, arch = _split_filename(fn)
            pkg = cr.UpdateCollectionPackage()
            pkg.name, pkg.version, pkg.release, pkg.arch, pkg.filename = name, version, release, arch, fn
            pkg.epoch, pkg.src = epochs.get(fn, "0"), f"{name}-{version}-{release}.src.rpm"
            coll.append(pkg)
        rec.append_collection(coll)
        info.append(rec)
    path = repo / "updateinfo.xml"
    path.write_text(info.xml_dump())
    subprocess.run(
        ["modifyrepo_c", "--mdtype", "updateinfo", str(path), str(repo / "repodata")], check=True, capture_output=True
    )
    path.unlink()


def _epoch(path: Path) -> str:
    out = subprocess.run(
        ["rpm", "-qp", "--nosignature", "--qf", "%{EPOCH}", str(path)], capture_output=True, text=True
    ).stdout.strip()
    return out if out.isdigit() else "0"


def _split_filename(fn: str) -> tuple[str, str, str, str]:
    base = fn[: -len(".rpm")]
    rest, arch = base.rsplit(".", 1)
    nv, release = rest.rsplit("-", 1)
    name, version = nv.rsplit("-", 1)
    return name, version, release, arch
