"""Where the commands write, through the real CLI: `-o -` is stdout (`-o ./-` a file
named -); an empty path is a usage error (exit 2, as click's own), never the current
directory."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import errata_tpl, minimal_site, one_line

NODE = "wn-001.example.org"
EMPTY = "Error: Invalid value for '-o' / '--output': an empty path"


def run(cwd, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture
def mirror(make_rpms, tmp_path):
    make_rpms(["bash 5.1.8-9.el9 x86_64"])
    return tmp_path / "mirror"


def usage_error(r, message: str) -> None:
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.startswith("Usage: ") and r.stderr.endswith(f"\n{message}\n"), r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("resolve", NODE, "-o", ""),
        ("report", "--output", ""),
        ("generate", "MIRROR", "--os", "el9-x86_64", "-o", ""),
    ],
)
def test_an_empty_output_is_a_usage_error(example_root, mirror, tmp_path, args):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    r = run(cwd, "--root", example_root, *(mirror if a == "MIRROR" else a for a in args))
    usage_error(r, EMPTY)
    assert list(cwd.iterdir()) == []


def test_require_signature_without_a_keyring_is_a_usage_error(mirror, tmp_path):
    r = run(tmp_path, "generate", mirror, "--os", "el9-x86_64", "--require-signature")
    usage_error(r, "Error: --require-signature needs at least one --keyring KEY")
    assert not (tmp_path / "errata").exists()


@pytest.mark.parametrize("args", [("resolve", "--all", "--out-dir", ""), ("schema", "--out-dir", "")])
def test_an_empty_out_dir_is_a_usage_error_not_the_current_directory(example_root, tmp_path, args):
    r = run(tmp_path, "--root", example_root, *args)
    usage_error(r, "Error: Invalid value for '--out-dir': an empty path")
    assert list(tmp_path.iterdir()) == [example_root]


@pytest.mark.parametrize(
    "args, same_as",
    [
        (("resolve", NODE, "-o", "-"), ("resolve", NODE)),
        (("report", "--format", "text", "--output", "-"), ("report", "--format", "text")),
        (("report", "--format", "json", "-o", "-"), ("report", "--format", "json")),
        (
            ("generate", "MIRROR", "--os", "el9-x86_64", "-o", "-"),
            ("generate", "MIRROR", "--os", "el9-x86_64", "--stdout"),
        ),
    ],
)
def test_dash_is_stdout(example_root, mirror, tmp_path, monkeypatch, args, same_as):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # generate's stamp and report's day
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    profiles = sorted((example_root / "errata").rglob("*"))
    expected = run(cwd, "--root", example_root, *(mirror if a == "MIRROR" else a for a in same_as))
    r = run(cwd, "--root", example_root, *(mirror if a == "MIRROR" else a for a in args))
    assert r.returncode == expected.returncode == 0, r.stderr
    assert r.stdout == expected.stdout and r.stdout
    assert list(cwd.iterdir()) == [] and "wrote" not in r.stderr
    assert sorted((example_root / "errata").rglob("*")) == profiles  # generate wrote no profile


@pytest.mark.parametrize("command", [("resolve", NODE), ("report",), ("generate", "MIRROR", "--os", "el9-x86_64")])
def test_dot_slash_dash_is_a_file_named_dash(example_root, mirror, tmp_path, command):
    r = run(tmp_path, "--root", example_root, *(mirror if a == "MIRROR" else a for a in command), "-o", "./-")
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert (tmp_path / "-").stat().st_size > 0 and "wrote -" in r.stderr


def test_dash_and_the_other_destination_still_exclude_each_other(example_root, mirror, tmp_path):
    r = run(tmp_path, "--root", example_root, "resolve", NODE, "-o", "-", "--out-dir", tmp_path / "out")
    usage_error(r, "Error: -o and --out-dir exclude each other")
    r = run(tmp_path, "generate", mirror, "--os", "el9-x86_64", "--stdout", "-o", "-")
    usage_error(r, "Error: --stdout and -o exclude each other")


def test_closed_stdout_is_no_traceback(example_root):
    p = subprocess.run(
        f"{sys.executable} -m errata_tpl.cli --root {example_root} resolve {NODE} --format dnf >&-",
        shell=True,
        stderr=subprocess.PIPE,
    )
    assert b"Traceback" not in p.stderr, p.stderr


MIRROR = ["bash 5.1.8-6.el9_1 x86_64", "bash 5.1.8-9.el9 x86_64", "zsh 5.8-9.el9 x86_64"]


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


def test_closed_stdout_is_an_error_not_a_silent_loss(example_root, make_rpms, tmp_path):
    """Started with descriptor 1 closed (``>&-``: a daemon, a cron wrapper): what goes to
    stdout is one error line, exit 1; what goes to a file still does."""
    make_rpms(MIRROR)

    def closed(*args):
        return subprocess.run(
            [sys.executable, "-m", "errata_tpl.cli", "--root", str(example_root), *map(str, args)],
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.close(1),
        )

    lost = "<stdout>: bad file descriptor (fd 1 is not open)"
    one_line(closed("resolve", "wn-001.example.org"), lost)
    one_line(closed("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "-q"), lost)
    out = tmp_path / "out.yaml"
    r = closed("resolve", "--all", "-o", out)  # nothing for stdout: the file is written, nothing into fd 1
    assert r.returncode == 0, r.stderr
    assert out.read_text() == errata_tpl(example_root, "resolve", "--all").stdout


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
    # a folder this run made, and its parents, are not left behind empty
    r = errata_tpl(example_root, "resolve", "--all", "--out-dir", fs / "new" / "nodes")
    assert r.returncode == 1 and "no space left on device" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert sorted(os.listdir(fs)) == ["filler", "nodes"]
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
