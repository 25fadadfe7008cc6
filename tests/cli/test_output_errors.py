"""Every OS error on output is one line naming the path, exit 1, old files intact,
nothing left behind: /dev/full, a full filesystem, a read-only one, a file in the way."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rpmfactory
from conftest import minimal_site

MIRROR = ["bash 5.1.8-6.el9_1 x86_64", "bash 5.1.8-9.el9 x86_64", "zsh 5.8-9.el9 x86_64"]


def errata_tpl(root, *args, stdout=subprocess.PIPE):
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def one_line(r, message: str) -> None:
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-1] == f"errata-tpl: error: {message}", r.stderr
    assert "Traceback" not in r.stderr and "CRITICAL" not in r.stderr


def snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(d.rglob("*"))}


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a fresh tmpfs of that size; remount_ro(path); unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (to fill it, or make it read-only) needs root")
    mounted = []

    def mount(size: str) -> Path:
        d = tmp_path / f"fs{len(mounted)}"
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "none", str(d)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
        mounted.append(d)
        return d

    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], check=False)


def fill(fs: Path) -> None:
    """Fill the filesystem up: every later write gets ENOSPC."""
    fd = os.open(fs / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def remount_ro(fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)


# --- /dev/full, stdout ------------------------------------------------------------------


def test_dev_full(example_root, make_rpms, tmp_path):
    make_rpms(MIRROR)
    r = errata_tpl(example_root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "-o", "/dev/full")
    one_line(r, "/dev/full: no space left on device")
    assert not [n for n in os.listdir("/dev") if n.startswith(".full")]  # no lock or temp beside it
    one_line(errata_tpl(example_root, "resolve", "--all", "-o", "/dev/full"), "/dev/full: no space left on device")
    with open("/dev/full", "w") as full:
        r = errata_tpl(example_root, "resolve", "--all", stdout=full)
    one_line(r, "<stdout>: no space left on device")
    assert r.stderr.count("\n") == 1


# --- a full filesystem ----------------------------------------------------------------------


def test_full_filesystem_for_o(example_root, tmpfs):
    fs = tmpfs("1m")
    target = fs / "all.yaml"
    target.write_text("the old list\n")
    fill(fs)
    one_line(errata_tpl(example_root, "resolve", "--all", "-o", target), f"{target}: no space left on device")
    assert target.read_text() == "the old list\n" and sorted(os.listdir(fs)) == ["all.yaml", "filler"]


def test_full_filesystem_for_out_dir(example_root, tmpfs):
    fs = tmpfs("1m")
    out = fs / "nodes"
    assert errata_tpl(example_root, "resolve", "--all", "--out-dir", out).returncode == 0
    before = snapshot(out)
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text() + "  - {name: newpkg, arch: x86_64}\n")  # every file changes
    fill(fs)
    r = errata_tpl(example_root, "resolve", "--all", "--out-dir", out)
    assert r.returncode == 1 and "no space left on device" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert snapshot(out) == before  # the old set, whole; no staging folder
    os.unlink(fs / "filler")
    assert errata_tpl(example_root, "resolve", "--all", "--out-dir", out).returncode == 0
    assert all(b"newpkg" in v for k, v in snapshot(out).items() if not k.startswith("."))


def test_full_filesystem_for_the_root(make_rpms, tmp_path, tmpfs):
    make_rpms(MIRROR)
    root = tmpfs("1m")
    (root / "errata/el9-x86_64").mkdir(parents=True)
    (root / "errata/el9-x86_64/20261001.yaml").write_text("an older record\n")
    minimal_site(root, "el9-x86_64")
    fill(root)
    r = errata_tpl(root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121")
    one_line(r, f"{root}/errata/el9-x86_64/20261121.yaml: no space left on device")
    assert os.listdir(root / "errata/el9-x86_64") == ["20261001.yaml"]  # no temp, no lock file


# --- a read-only filesystem -----------------------------------------------------------------


def test_read_only_filesystem(example_root, make_rpms, tmp_path, tmpfs):
    make_rpms(MIRROR)
    fs = tmpfs("4m")
    root = fs / "root"
    for d in ("os", "site", "errata"):
        subprocess.run(["cp", "-r", str(example_root / d), str(root / d)] if root.exists() else ["mkdir", str(root)])
    subprocess.run(["cp", "-r", *(str(example_root / d) for d in ("os", "site", "errata")), str(root)], check=True)
    assert errata_tpl(root, "resolve", "--all", "--out-dir", fs / "nodes").returncode == 0
    (fs / "all.yaml").write_text("old\n")
    before = snapshot(fs)
    remount_ro(fs)
    r = errata_tpl(root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261201")
    one_line(r, f"{root}/errata/el9-x86_64/20261201.yaml: read-only file system")
    one_line(errata_tpl(root, "resolve", "--all", "-o", fs / "all.yaml"), f"{fs}/all.yaml: read-only file system")
    r = errata_tpl(root, "resolve", "--all", "--out-dir", fs / "nodes")
    one_line(r, f"{fs}/nodes: read-only file system")
    r = errata_tpl(root, "resolve", "--all", "--out-dir", fs / "new")
    one_line(r, f"{fs}/new: read-only file system")
    assert snapshot(fs) == before


# --- a file in the way, bad inputs of the output --------------------------------------------


def test_output_below_a_regular_file(example_root, make_rpms, tmp_path):
    make_rpms(MIRROR)
    f = tmp_path / "plain"
    f.write_text("a file\n")
    r = errata_tpl(example_root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "-o", f / "sub/p.yaml")
    one_line(r, f"{f}: not a directory")
    one_line(errata_tpl(example_root, "resolve", "--all", "-o", f / "x.yaml"), f"{f}: not a directory")
    one_line(errata_tpl(example_root, "resolve", "--all", "--out-dir", f / "d"), f"{f}: not a directory")
    assert f.read_text() == "a file\n"


def test_output_into_a_fifo_waits_only_for_a_reader_that_is_there(example_root, tmp_path):
    """A FIFO nobody reads is refused at once (it would block forever); one with a
    reader (a shell's process substitution) gets the output, as a redirection does."""
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    one_line(
        errata_tpl(example_root, "resolve", "--all", "-o", fifo),
        f"{fifo}: a FIFO no process reads; refused (writing would wait forever)",
    )
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:  # the reader opens the FIFO when it is scheduled
            r = errata_tpl(example_root, "resolve", "--all", "-o", fifo)
            if r.returncode == 0 or time.monotonic() > deadline:
                break
        assert r.returncode == 0, r.stderr
        direct = errata_tpl(example_root, "resolve", "--all")
        assert reader.communicate(timeout=60)[0].decode() == direct.stdout
    finally:
        reader.kill()


def test_template_that_is_not_utf8(example_root, tmp_path):
    t = tmp_path / "t.txt.j2"
    t.write_bytes(b"{{ node }} \xff\n")
    one_line(errata_tpl(example_root, "resolve", "--all", "--template", t), f"{t}: not UTF-8 text (byte 12)")


@pytest.mark.parametrize("kind", ["directory", "not utf-8"])
def test_a_bad_manifest_fails_the_run_before_anything_is_written(example_root, tmp_path, kind):
    out = tmp_path / "out"
    out.mkdir()
    manifest = out / ".errata-tpl-manifest"
    if kind == "directory":
        manifest.mkdir()
        why = "not a regular file"
    else:
        manifest.write_bytes(b"wn-001.example.org.yaml\n\xff\n")
        why = "not UTF-8 text"
    r = errata_tpl(example_root, "resolve", "--all", "--out-dir", out)
    assert r.returncode == 1 and f"{manifest}: {why}" in r.stderr and r.stderr.count("\n") == 1
    assert os.listdir(out) == [".errata-tpl-manifest"]


# --- the mirror: names that are not UTF-8, the header cache ------------------------------------


@pytest.mark.parametrize("cache", [True, False])
def test_a_file_name_that_is_not_utf8_is_an_ordinary_file(make_rpms, tmp_path, cache):
    paths = make_rpms(MIRROR)
    newest = paths[1]
    os.rename(newest, os.fsencode(newest.parent) + b"/\xff" + os.fsencode(newest.name))
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", *(() if cache else ("--no-cache",)))
    minimal_site(tmp_path / "root", "el9-x86_64")
    for _ in range(2):  # the second run reads the header cache (and reuses the result)
        r = errata_tpl(tmp_path / "root", *args)
        assert r.returncode == 0 and "skipped:" not in r.stderr, r.stderr
        assert "{name: bash, version: 5.1.8-9.el9, arch: x86_64}" in r.stdout


def test_header_cache_sees_a_rewrite_that_kept_size_and_mtime(make_rpms, tmp_path):
    paths = make_rpms(MIRROR)
    newest = paths[1]
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    minimal_site(tmp_path / "root", "el9-x86_64")
    assert "version: 5.1.8-9.el9" in errata_tpl(tmp_path / "root", *args).stdout
    st = newest.stat()
    rpmfactory.flip_payload_byte(newest)
    os.utime(newest, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch -r: size and mtime as before
    assert newest.stat().st_size == st.st_size and newest.stat().st_mtime_ns == st.st_mtime_ns
    r = errata_tpl(tmp_path / "root", *args)
    assert r.returncode == 0 and f"{newest.name}: skipped: " in r.stderr, r.stderr
    assert "{name: bash, version: 5.1.8-6.el9_1, arch: x86_64}" in r.stdout


def test_no_createrepo_critical_line_before_our_message(example_root, make_rpms, tmp_path):
    make_rpms(MIRROR)
    (tmp_path / "mirror/repodata").mkdir()
    (tmp_path / "mirror/repodata/repomd.xml").write_text("<repomd><data type=\n")
    repomd = tmp_path / "mirror/repodata/repomd.xml"
    r = errata_tpl(example_root, "check", "wn-001.example.org", "--repo", tmp_path / "mirror")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"errata-tpl: error: {repomd}: unreadable repository metadata: Parse error")
    r = errata_tpl(example_root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and f"error: {repomd}: " in r.stderr, r.stderr
