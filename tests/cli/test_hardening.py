"""Bad input everywhere: one clear line, rc 1, nothing lost."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import minimal_site

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic, yamlio


def run(cli, root, *args):
    r = cli(*args, root=root)
    return r.exit_code, r.stderr


@pytest.mark.parametrize(
    "rel, text, message",
    [
        ("os/el9-x86_64/os.yaml", "arch: x86_64\n", "os/el9-x86_64/os.yaml: key 'version' is required"),
        (
            "os/el9-x86_64/os.yaml",
            "version: el9\narch: x86_64\nkernel: [1]\n",
            "os/el9-x86_64/os.yaml: key 'kernel': expected a mapping",
        ),
        (
            "os/el9-x86_64/os.yaml",
            "version: el9\narch: x86_64\nkernel: {packages: kernel}\n",
            "os/el9-x86_64/os.yaml: kernel: key 'packages': expected a list of package names",
        ),
        ("site/site.yaml", "installonly_limit: 0\n", "key 'installonly_limit': expected a whole number"),
        ("site/site.yaml", "errata_defaults: [el9]\n", "key 'errata_defaults': expected a mapping"),
        ("site/site.yaml", "- a list\n", "site/site.yaml: a site file must be a mapping"),
        ("site/nodes/wn-001.example.org.yaml", "cluster: compute\n", "key 'os' is required"),
        ("site/nodes/wn-001.example.org.yaml", "os: ../../etc\n", "key 'os': bad os-id"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\ncluster: ../x\n", "bad cluster name"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\nerrata: ../../x\n", "bad profile name"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\npackages: ['bash-']\n", "packages[0]: bad"),
        (
            "site/nodes/wn-001.example.org.yaml",
            "os: el9-x86_64\npackages: [{version: 1-1}]\n",
            "packages[0]: package reference without 'name'",
        ),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\nkeep_kernels: 5.14\n", "key 'keep_kernels'"),
        ("site/nodes/wn-001.example.org.yaml", "os: !!python/object/apply:os.system ['true']\n", "malformed YAML"),
        ("site/errata-overrides.yaml", "wn-001.example.org: ../../../etc/passwd\n", "bad profile name"),
        ("site/errata-overrides.yaml", "[1, 2]\n", "must be a mapping"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - {del: a, repl: b}\n", "exactly one of"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - ronly: bash\n", "ronly needs name, version and arch"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - del: a\n    when: 'x ++'\n", "template syntax"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions: 3\n", "key 'actions': expected a list"),
        (
            "errata/el9-x86_64/20261121.yaml",
            "profile: '20261121'\nos: el9-x86_64\npackages: [{name: a}]\n",
            "packages[0]: a profile entry needs name, version and arch",
        ),
        ("errata/el9-x86_64/20261121-init.yaml", "kernel_version: [1]\n", "key 'kernel_version'"),
    ],
)
def test_bad_configuration(example_root, cli, rel, text, message):
    (example_root / rel).write_text(text)
    rc, err = run(cli, example_root, "resolve", "wn-001.example.org")
    assert rc == 1, err
    assert err.startswith("errata-tpl: error: ") and err.count("\n") == 1 and message in err, err


def test_huge_and_deep_yaml_refused(tmp_path):
    with pytest.raises(UserError, match="nesting deeper"):
        yamlio.load_text("a: " + "[" * 200 + "]" * 200, "deep.yaml")
    big = tmp_path / "big.yaml"
    with open(big, "w") as f:
        f.truncate(yamlio.MAX_BYTES + 1)
    with pytest.raises(UserError, match="larger than"):
        yamlio.load_file(big)


def test_not_utf8(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(UserError, match="not UTF-8"):
        yamlio.load_file(p)


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "profile.yaml"
    target.write_text("old\n")

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(target, "new\n" * 1000)
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["profile.yaml"]


SLOW_WRITER = r"""
import os, sys, time
from pathlib import Path
from errata_tpl.fileio import atomic
from errata_tpl import cli
cli._terminate_cleanly()
def slow(fd):
    Path(sys.argv[2]).write_text("writing")
    time.sleep(30)
os.fsync = slow
atomic.write_text(Path(sys.argv[1]), "new\n")
"""


def test_sigterm_mid_write_leaves_the_old_file(tmp_path):
    target, marker = tmp_path / "out" / "20261121.yaml", tmp_path / "marker"
    target.parent.mkdir()
    target.write_text("old\n")
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target), str(marker)])
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    assert len(os.listdir(target.parent)) == 2  # the temp file is there, mid-write
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM
    assert target.read_text() == "old\n"
    assert os.listdir(target.parent) == ["20261121.yaml"]


def test_two_generate_runs_cannot_interleave(make_rpms, tmp_path):
    """A run waits while another holds the profile directory's lock (a lock on the
    directory itself: no lock file), then writes."""
    make_rpms(["a 1-1 x86_64"])
    dest = tmp_path / "errata" / "el9-x86_64"
    dest.mkdir(parents=True)
    minimal_site(tmp_path, "el9-x86_64")
    argv = [sys.executable, "-m", "errata_tpl.cli", "--root", str(tmp_path), "generate", str(tmp_path / "mirror")]
    with atomic.locked_dir(dest):
        p = subprocess.Popen([*argv, "--os", "el9-x86_64", "--profile", "20261121"], stderr=subprocess.PIPE)
        time.sleep(3)
        assert p.poll() is None and not (dest / "20261121.yaml").exists()
    assert p.wait(timeout=60) == 0, p.stderr.read()
    assert os.listdir(dest) == ["20261121.yaml"]


def test_out_dir_failure_leaves_earlier_files(example_root, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    before = {p.name: p.read_text() for p in out.iterdir()}
    (example_root / "site/nodes/zz-broken.yaml").write_text("os: el9-x86_64\npackages: [{name: a, version: 1.5}]\n")
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 1
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_directory_unreadable_is_reported(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    sub = tmp_path / "mirror" / "locked"
    sub.mkdir()
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    sub.chmod(0)
    try:
        r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", root=tmp_path)
        assert r.exit_code == 0 and "locked" in r.stderr
    finally:
        sub.chmod(0o755)


def test_mirror_that_is_a_file(tmp_path, cli):
    f = tmp_path / "file"
    f.write_text("x")
    r = cli("generate", f, "--os", "el9-x86_64", root=tmp_path)
    assert r.exit_code == 1 and "not a directory" in r.stderr


def test_root_without_nodes(tmp_path, cli):
    r = cli("resolve", "--all", root=minimal_site(tmp_path))
    assert r.exit_code == 1 and "no node files" in r.stderr
    assert Path(tmp_path).is_dir()


def test_output_to_a_pipe_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    atomic.write_text(fifo, "through the pipe\n")
    assert reader.communicate(timeout=10)[0] == "through the pipe\n"
    assert not fifo.is_file() and fifo.exists()  # still a pipe
    with pytest.raises(UserError, match="is a directory"):
        atomic.write_text(tmp_path, "x")
