"""Repository metadata is checked like dnf checks it: every file repodata/repomd.xml
names has the checksum (and decompressed, the open-checksum) it records, lies inside
the repository, decompresses within bounds; a FIFO is refused unread. Real
createrepo_c repositories, altered after the fact; real gpg keys; compressed bombs
made here; real signals."""

import bz2
import gzip
import hashlib
import json
import lzma
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rpmfactory
from conftest import REPO, minimal_site

from errata_tpl.mirror import advisories

EL9 = REPO / "examples/mirror/el9"
T0 = 1795500000
OS = ("--os", "el9-x86_64")


def errata_tpl(root, *args, env=None, timeout=120):
    """The tool as a process: its exit status, its own stderr, and its peak memory."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


@pytest.fixture
def mirror(tmp_path):
    """A copy of the example's el9 mirror (createrepo_c metadata, an updateinfo)."""
    dest = tmp_path / "mirror"
    shutil.copytree(EL9, dest, symlinks=True)
    return dest


def record_file(repo: Path, kind: str) -> Path:
    text = (repo / "repodata/repomd.xml").read_text()
    block = re.search(rf'<data type="{kind}">.*?</data>', text, re.S).group(0)
    return repo / re.search(r'<location href="([^"]+)"', block).group(1)


def regzip(path: Path, change) -> None:
    """Decompress, change the text, compress again under the same name: a file that is
    no longer the one repomd.xml names (and whose compression alone is valid)."""
    text = gzip.decompress(path.read_bytes()).decode()
    changed = change(text)
    assert changed != text
    path.write_bytes(gzip.compress(changed.encode()))


def one_line(rc, err, *fragments):
    assert rc == 1, err
    assert err.count("\n") == 1 and err.startswith("errata-tpl: error: "), err
    for f in fragments:
        assert f in err, err


def test_a_changed_updateinfo_is_refused_by_generate_and_hotfix(mirror, example_root):
    info = record_file(mirror, "updateinfo")
    regzip(info, lambda t: t.replace('date="2026-11-12', 'date="2026-01-12', 1))
    said = f"{info} (record 'updateinfo' of repodata/repomd.xml): "
    rc, _, err = errata_tpl(example_root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    one_line(rc, err, said, "bytes, repomd.xml says", "the file changed after repomd.xml was written; refused")
    rc, _, err = errata_tpl(
        example_root, "hotfix", mirror, "--os", "el9-x86_64", "--name", "x", "--advisory", "EXSA-2026:1002"
    )
    one_line(rc, err, said)
    assert not (example_root / "errata/el9-x86_64/hotfix-x.yaml").exists()


def test_the_same_size_with_other_bytes_is_found_by_the_checksum(mirror, example_root):
    info = record_file(mirror, "updateinfo")
    data = bytearray(info.read_bytes())
    data[4] ^= 0xFF  # gzip's own time stamp: still a valid file of the same size and text
    info.write_bytes(bytes(data))
    rc, _, err = errata_tpl(example_root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    one_line(rc, err, f"{info} (record 'updateinfo' of repodata/repomd.xml): its sha256 checksum is not the one")


def test_the_same_size_changed_inside_is_found_by_the_open_checksum(mirror, example_root):
    """A file compressed again with the same text: the stored checksum differs; a file whose
    decompressed text changed but stored bytes are as recorded cannot exist, so the
    open-checksum is tried on an uncompressed record whose checksum was made to match."""
    info = record_file(mirror, "updateinfo")
    repomd = mirror / "repodata/repomd.xml"
    data = gzip.decompress(info.read_bytes())
    changed = gzip.compress(data.replace(b'date="2026-11-12', b'date="2026-01-12', 1), mtime=0)
    info.write_bytes(changed)
    old = re.search(r'<data type="updateinfo">.*?</data>', repomd.read_text(), re.S).group(0)
    new = re.sub(r'(<checksum type="sha256">)[0-9a-f]+', rf"\g<1>{hashlib.sha256(changed).hexdigest()}", old)
    new = re.sub(r"<size>\d+</size>", f"<size>{len(changed)}</size>", new)
    repomd.write_text(repomd.read_text().replace(old, new))  # the stored file as recorded: only its text changed
    rc, _, err = errata_tpl(example_root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    one_line(rc, err, f"{info} (record 'updateinfo' of repodata/repomd.xml): decompressed, its sha256 open-checksum")


def test_a_changed_primary_is_refused_by_check_and_promote(mirror, example_root, monkeypatch):
    primary = record_file(mirror, "primary")
    regzip(primary, lambda t: t.replace("<summary>", "<summary>x", 1))
    said = f"{primary} (record 'primary' of repodata/repomd.xml): "
    rc, _, err = errata_tpl(example_root, "check", "--all", "--repo", f"el9-x86_64={mirror}")
    one_line(rc, err, said, "the file changed after repomd.xml was written; refused")
    rc, _, err = errata_tpl(
        example_root,
        "promote",
        "20261121",
        "--os",
        "el9-x86_64",
        "--stage",
        "canary",
        "--repo",
        mirror,
        env={"SOURCE_DATE_EPOCH": str(T0)},
    )
    one_line(rc, err, said, "the file changed after repomd.xml was written; refused")
    assert not (example_root / "site/promotions.yaml").exists()


@pytest.fixture
def keys(tmp_path):
    key = rpmfactory.make_key(tmp_path / "gpg", "Repo Signer", "signer@example.org")
    yield key
    rpmfactory.stop_agent(key)


def test_a_signed_repomd_protects_the_updateinfo_it_names(mirror, example_root, keys):
    rpmfactory.sign_detached(mirror / "repodata/repomd.xml", keys)
    rc, out, _ = errata_tpl(example_root, "verify", mirror, "--keyring", keys.public, "--format", "json")
    report = json.loads(out)
    assert report["repomd"]["status"] == "ok"
    assert {m["record"]: m["status"] for m in report["repodata"]} == {
        "filelists": "ok",
        "other": "ok",
        "primary": "ok",
        "updateinfo": "ok",
    }
    info = record_file(mirror, "updateinfo")
    regzip(info, lambda t: t.replace("Critical", "Low", 1))  # repomd.xml and its signature untouched
    rc, out, _ = errata_tpl(example_root, "verify", mirror, "--keyring", keys.public, "--format", "json")
    report = json.loads(out)
    assert rc == 1 and not report["ok"] and report["repomd"]["status"] == "ok"
    (bad,) = [m for m in report["repodata"] if m["status"] != "ok"]
    assert bad["record"] == "updateinfo" and "the file changed after repomd.xml was written" in bad["detail"]
    rc, out, _ = errata_tpl(example_root, "verify", mirror, "--keyring", keys.public)
    assert rc == 1 and f"{bad['path']}: bad ({bad['detail']})" in out.splitlines()


@pytest.mark.parametrize(
    ("href", "says"),
    [
        ("../outside/x-updateinfo.xml.gz", "leads out of the repository"),
        ("/etc/passwd", "is an absolute path"),
        ("https://example.org/x-updateinfo.xml.gz", "is a URL"),
        ("file:///etc/passwd", "is a URL"),
        ("repodata/link-updateinfo.xml.gz", "is a symbolic link leading out of the repository"),
    ],
)
def test_a_location_outside_the_repository_is_refused(mirror, example_root, tmp_path, href, says):
    outside = tmp_path / "outside"
    outside.mkdir()
    info = record_file(mirror, "updateinfo")
    shutil.copy(info, outside / "x-updateinfo.xml.gz")
    (mirror / "repodata/link-updateinfo.xml.gz").symlink_to(outside / "x-updateinfo.xml.gz")
    repomd = mirror / "repodata/repomd.xml"
    repomd.write_text(repomd.read_text().replace(str(info.relative_to(mirror)), href))
    rc, _, err = errata_tpl(example_root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    one_line(rc, err, f"{repomd}: record 'updateinfo': location href {href!r} {says}", "; refused")


def test_an_xml_base_is_refused_naming_the_record(mirror, example_root):
    repomd = mirror / "repodata/repomd.xml"
    text = repomd.read_text()
    primary = str(record_file(mirror, "primary").relative_to(mirror))
    repomd.write_text(text.replace(f'href="{primary}"', f'xml:base="https://example.org/" href="{primary}"'))
    rc, _, err = errata_tpl(example_root, "check", "--all", "--repo", f"el9-x86_64={mirror}")
    one_line(rc, err, f"{repomd}: record 'primary': xml:base 'https://example.org/'", "refused")


def _bomb(fmt: str, size: int) -> tuple[bytes, str]:
    """``size`` spaces compressed, and their sha256: 16 MB compressed once, its
    stream repeated (concatenated streams are one file to gzip, bzip2, xz and zstd)."""
    block = b" " * (16 * 1024 * 1024)  # whitespace: an XML parser reads on, as through a real file
    if fmt == "zstd":
        stream = subprocess.run(["zstd", "-q", "-c"], input=block, capture_output=True, check=True).stdout
    else:
        stream = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lambda b: lzma.compress(b, preset=0)}[fmt](block)
    opened = hashlib.sha256()
    for _ in range(size // len(block)):
        opened.update(block)
    return stream * (size // len(block)), opened.hexdigest()


def _memory_bound() -> None:
    """In the child: its data (heap, private memory) bounded to 256 MB, beyond what a
    normal run needs: holding a bomb's content would fail with MemoryError."""
    resource.setrlimit(resource.RLIMIT_DATA, (256 * 1024 * 1024, 256 * 1024 * 1024))


def put_record(repo: Path, kind: str, name: str, stored: bytes, opened_sha: str, open_size: int) -> Path:
    """The record of ``kind`` in repomd.xml made to name ``stored`` (a true record: its
    checksums and sizes are the file's)."""
    path = repo / "repodata" / name
    path.write_bytes(stored)
    repomd = repo / "repodata/repomd.xml"
    text = repomd.read_text()
    old = re.search(rf'<data type="{kind}">.*?</data>', text, re.S).group(0)
    new = (
        f'<data type="{kind}">\n'
        f'    <checksum type="sha256">{hashlib.sha256(stored).hexdigest()}</checksum>\n'
        f'    <open-checksum type="sha256">{opened_sha}</open-checksum>\n'
        f'    <location href="repodata/{name}"/>\n'
        f"    <timestamp>1795240800</timestamp>\n"
        f"    <size>{len(stored)}</size>\n"
        f"    <open-size>{open_size}</open-size>\n"
        "  </data>"
    )
    repomd.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("fmt", ["gzip", "bzip2", "xz", "zstd"])
def test_a_decompression_bomb_is_one_line_in_bounded_memory(mirror, example_root, tmp_path, fmt):
    # ./run installs the zstd tool: a bomb format left untested would hide a regression
    assert fmt != "zstd" or shutil.which("zstd"), "the zstd tool makes the zstd bomb (./run setup installs it)"
    size = 1024 * 1024 * 1024
    bomb, opened = _bomb(fmt, size)
    assert len(bomb) * 200 < size  # a bomb by the bound's measure
    path = put_record(mirror, "updateinfo", f"bomb-updateinfo.xml.{fmt}", bomb, opened, size)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    profiles = sorted(os.listdir(example_root / "errata/el9-x86_64"))
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(example_root), "generate", str(mirror), *OS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
        preexec_fn=_memory_bound,  # the heap may not grow past 256 MB: the bomb holds 1 GB
        timeout=120,
    )
    # whichever bound the spaces pass first: the bomb's ratio, or the bytes before the first
    # element (the prolog is held until the first advisory: twice an advisory's bound, 32 MB)
    bombed = f"{path} (record 'updateinfo' of repodata/repomd.xml): more than "
    before_first = f"{path}: more than {2 * advisories.MAX_ADVISORY_BYTES:,} bytes before its first element; refused"
    one_line(proc.returncode, proc.stderr)
    assert (bombed in proc.stderr and "a decompression bomb; refused" in proc.stderr) or before_first in proc.stderr
    assert time.monotonic() - start < 60
    assert os.listdir(tmp) == []  # nothing written to $TMPDIR on the way
    assert sorted(os.listdir(example_root / "errata/el9-x86_64")) == profiles  # nothing written


def test_modules_bomb_and_zchunk_are_one_line(make_rpms, tmp_path):
    make_rpms(["bash 5.1-1.el8 x86_64"])
    repo = tmp_path / "mirror"
    rpmfactory.createrepo(repo, module_defaults={"bash": "1"})
    minimal_site(tmp_path / "root", "el8-x86_64")
    size = 256 * 1024 * 1024
    bomb, opened = _bomb("xz", size)
    path = put_record(repo, "modules", "bomb-modules.yaml.xz", bomb, opened, size)
    rc, _, err = errata_tpl(tmp_path / "root", "generate", repo, "--os", "el8-x86_64", "--stdout")
    one_line(rc, err, f"{path} (record 'modules' of repodata/repomd.xml): more than", "decompression bomb")
    zck = b"\x00ZCK1" + b"\x00" * 100
    path = put_record(repo, "modules", "x-modules.yaml.zck", zck, "0" * 64, 1000)
    rc, _, err = errata_tpl(tmp_path / "root", "generate", repo, "--os", "el8-x86_64", "--stdout")
    one_line(
        rc, err, f"{path} (record 'modules' of repodata/repomd.xml): cannot decompress (zchunk): zchunk-compressed"
    )


@pytest.mark.parametrize("kind", ["updateinfo", "primary", "repomd"])
def test_a_fifo_in_repodata_is_refused_unread(mirror, example_root, kind):
    path = mirror / "repodata/repomd.xml" if kind == "repomd" else record_file(mirror, kind)
    path.unlink()
    os.mkfifo(path)
    cmd = (
        ["check", "--all", "--repo", f"el9-x86_64={mirror}"]
        if kind == "primary"
        else ["generate", mirror, "--os", "el9-x86_64"]
    )
    rc, _, err = errata_tpl(example_root, *cmd, timeout=60)
    one_line(rc, err, f"{path}: not a regular file")


def _big_repo(tmp_path: Path, packages: int) -> Path:
    """A repository whose primary lists many packages: libsolv takes seconds to load it."""
    repo = tmp_path / "big"
    (repo / "repodata").mkdir(parents=True)
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata packages="{packages}">\n']
    lines += [
        f'<package type="rpm"><name>p{i}</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/>'
        f'<checksum type="sha256" pkgid="YES">{i:064x}</checksum><location href="p{i}.rpm"/>'
        '<format><rpm:provides><rpm:entry name="p{i}-cap"/></rpm:provides></format></package>\n'.replace("{i}", str(i))
        for i in range(packages)
    ]
    data = (
        "".join(lines).replace(
            "<metadata ",
            '<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" ',
            1,
        )
        + "</metadata>\n"
    )
    stored = gzip.compress(data.encode(), compresslevel=1)
    put_record(repo, "primary", "big-primary.xml.gz", stored, hashlib.sha256(data.encode()).hexdigest(), len(data))
    return repo


def _in_libsolv(pid: int) -> bool:
    """libsolv holds its own descriptor of the checked primary (a memfd) while it loads it."""
    links = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return sum("memfd:primary" in link for link in links) == 2


def test_sigterm_ends_a_run_inside_libsolv(example_root, tmp_path):
    repo = _big_repo(tmp_path, 300_000)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "errata_tpl.cli",
            "--root",
            str(example_root),
            "check",
            "--all",
            "--repo",
            f"el9-x86_64={repo}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not _in_libsolv(proc.pid):
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read()
    time.sleep(0.5)  # well inside: libsolv takes seconds over 300,000 packages
    assert _in_libsolv(proc.pid)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert time.monotonic() - sent < 2  # at once, not when libsolv is done
    assert proc.returncode == -signal.SIGTERM
    assert os.listdir(tmp) == []


def _sign_repomd(mirror: Path, key) -> None:
    rpmfactory.sign_detached(mirror / "repodata/repomd.xml", key)


def _changed_and_rerecorded(mirror: Path) -> None:
    """What an attacker with write access does: updateinfo changed, repomd.xml rewritten to
    record the new file (every checksum true), so only a signature can tell."""
    info = record_file(mirror, "updateinfo")
    raw = gzip.decompress(info.read_bytes()).replace(b"Critical", b"Low").replace(b"Important", b"Low")
    stored = gzip.compress(raw, mtime=0)
    put_record(mirror, "updateinfo", "changed-updateinfo.xml.gz", stored, hashlib.sha256(raw).hexdigest(), len(raw))
    info.unlink()


def test_require_repomd_signature_refuses_a_stripped_signature(mirror, example_root, keys, tmp_path):
    """dnf's repo_gpgcheck: with --require-repomd-signature, a repomd.xml without a good
    repomd.xml.asc by a key of the keyring is refused by every command that reads it."""
    _sign_repomd(mirror, keys)
    need = ("--require-repomd-signature",)
    rc, out, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout", "--keyring", keys.public, *need)
    assert rc == 0, err
    assert "severity: Critical" in out
    rc, out, _ = errata_tpl(example_root, "verify", mirror, "--keyring", keys.public, *need, "--format", "json")
    assert json.loads(out)["repomd"]["status"] == "ok"
    _changed_and_rerecorded(mirror)
    (mirror / "repodata/repomd.xml.asc").unlink()  # the signature stripped
    repomd = mirror / "repodata/repomd.xml"
    refused = f"{repomd}: unsigned (no repomd.xml.asc); --require-repomd-signature (dnf's repo_gpgcheck) refuses it"
    runs = [
        ("generate", mirror, *OS, "--stdout", "--keyring", keys.public, "--require-signature"),
        ("hotfix", mirror, *OS, "--name", "x", "--package", "bash", "--stdout", "--keyring", keys.public),
        ("check", "wn-001.example.org", "--repo", f"el9-x86_64={mirror}", "--keyring", keys.public),
        ("publish", mirror, *OS, "--profile", "20261121", "--to", tmp_path / "pub", "--mirror-keyring", keys.public),
    ]
    for args in runs:
        rc, _, err = errata_tpl(example_root, *args, *need)
        one_line(rc, err, refused)
    assert not (tmp_path / "pub").exists()
    # promote checks the stage's nodes against the repositories as check does
    stage = ("promote", "20261121", *OS, "--stage", "canary", "--repo", mirror, "--repo-keyring", keys.public)
    for dry in ((), ("--dry-run",)):
        rc, _, err = errata_tpl(example_root, *stage, *dry, *need, env={"SOURCE_DATE_EPOCH": str(T0)})
        one_line(rc, err, refused)
    assert not (example_root / "site/promotions.yaml").exists()
    # and with --publish, the profile's ERRATA_DIR: checked before anything is published
    published = ("promote", "20261121", *OS, "--stage", "canary", "--repo-keyring", keys.public, *need)
    record = example_root / "errata/el9-x86_64/20261121.yaml"
    record.write_text(record.read_text().replace("source: examples/mirror/el9\n", f"source: {mirror}\n", 1))
    rc, _, err = errata_tpl(example_root, *published, "--publish", tmp_path / "pp", env={"SOURCE_DATE_EPOCH": str(T0)})
    one_line(rc, err, refused)
    assert not (tmp_path / "pp").exists() and not (example_root / "site/promotions.yaml").exists()
    rc, _, err = errata_tpl(example_root, "promote", "20261121", *OS, "--stage", "canary", *need)
    assert rc == 2 and "--require-repomd-signature needs at least one --repo-keyring KEY" in err
    # verify says so and fails; without the option an unsigned repomd.xml is what it was (RHEL's CDN signs none)
    rc, out, _ = errata_tpl(example_root, "verify", mirror, "--keyring", keys.public, *need, "--format", "json")
    report = json.loads(out)
    assert rc == 1 and not report["ok"] and report["repomd"]["status"] == "unsigned"
    rc, out, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout", "--keyring", keys.public)
    assert rc == 0 and "severity: Critical" not in out, err
    # a usage error without a keyring to check against
    rc, _, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout", *need)
    assert rc == 2 and "--require-repomd-signature needs at least one --keyring KEY" in err


def test_a_bad_repomd_signature_is_always_refused_and_an_untrusted_one_said(mirror, example_root, keys, tmp_path):
    _sign_repomd(mirror, keys)
    _changed_and_rerecorded(mirror)  # the old signature kept: it no longer matches
    rc, _, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout", "--keyring", keys.public)
    one_line(
        rc, err, f"{mirror / 'repodata/repomd.xml'}: bad signature (", "repomd.xml is not the file that was signed"
    )
    other = rpmfactory.make_key(tmp_path / "other", "Someone Else", "else@example.org")
    try:
        _sign_repomd(mirror, other)  # a good signature, by a key not in the keyring
        rc, _, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout", "--keyring", keys.public)
        assert rc == 0 and f"warning: {mirror / 'repodata/repomd.xml'}: untrusted key (signed by a key not" in err
        rc, _, err = errata_tpl(
            example_root, "generate", mirror, *OS, "--stdout", "--keyring", keys.public, "--require-repomd-signature"
        )
        one_line(rc, err, ": untrusted key (signed by a key not in the keyring", "--require-repomd-signature")
    finally:
        rpmfactory.stop_agent(other)


def test_publish_says_a_malformed_updateinfo_once_in_one_line(mirror, example_root, tmp_path):
    """The updateinfo publish reads in a forked process (a true record of a file that is
    not well-formed XML): its one line, said by the run, nothing under --to."""
    info = record_file(mirror, "updateinfo")
    raw = gzip.decompress(info.read_bytes()).replace(b"</updates>", b"<update></updates>")
    put_record(
        mirror, "updateinfo", "bad-updateinfo.xml.gz", gzip.compress(raw), hashlib.sha256(raw).hexdigest(), len(raw)
    )
    info.unlink()
    to = tmp_path / "pub"
    rc, _, err = errata_tpl(example_root, "publish", mirror, *OS, "--profile", "20261121", "--to", to)
    one_line(rc, err, "bad-updateinfo.xml.gz", "not well-formed XML")
    assert not (to / "el9-x86_64" / "20261121").exists()
