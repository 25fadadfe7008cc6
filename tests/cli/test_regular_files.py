"""Every file errata-tpl reads is opened without blocking and read only if it is a
regular file, up to a bound (fileio.regular), through the commands: FIFOs, devices and
/dev/zero-like files given as a key, a cache or a manifest are refused unread, never a hang."""

import functools
import os
from pathlib import Path

import conftest
import pytest
from conftest import minimal_site

from errata_tpl.mirror.caches import header_cache_path, memo_path

errata_tpl = functools.partial(conftest.errata_tpl, timeout=60)  # a FIFO read would hang: fail fast


def undated(profile: str) -> list[str]:
    return [line for line in profile.splitlines() if not line.startswith("generated:")]


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_keyring_that_is_a_fifo_or_dev_zero_is_one_line(make_rpms, tmp_path, kind):
    make_rpms(["a 1-1 x86_64"], tmp_path / "mirror")
    key = tmp_path / "KEY"
    if kind == "fifo":
        os.mkfifo(key)
    else:
        key = Path("/dev/zero")
    minimal_site(tmp_path / "root", "el9-x86_64")
    for args in (["verify", tmp_path / "mirror"], ["generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout"]):
        r = errata_tpl(tmp_path / "root", *args, "--keyring", key)
        assert r.returncode == 1 and r.stderr == f"errata-tpl: error: {key}: not a regular file\n", r.stderr


def test_caches_that_are_fifos_are_misses_not_hangs(make_rpms, tmp_path):
    mirror, root = tmp_path / "mirror", tmp_path / "root"
    make_rpms(["a 1-1 x86_64", "a 2-1 x86_64"], mirror)
    minimal_site(root, "el9-x86_64")
    first = errata_tpl(root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    assert first.returncode == 0, first.stderr
    for cache in (header_cache_path(root, mirror), memo_path(root, mirror)):
        assert cache.is_file()
        cache.unlink()
        os.mkfifo(cache)
    r = errata_tpl(root, "generate", mirror, "--os", "el9-x86_64", "--stdout")
    assert r.returncode == 0, r.stderr
    assert undated(r.stdout) == undated(first.stdout)  # the same profile


def test_a_parsed_copy_or_node_cache_that_is_a_fifo_is_a_miss(example_root):
    r = errata_tpl(example_root, "resolve", "--all", "--format", "dnf")
    assert r.returncode == 0, r.stderr
    parsed = example_root / ".errata-tpl-cache" / "parsed"
    copies = sorted(p for p in parsed.rglob("*") if p.is_file())
    assert copies
    for p in copies:
        p.unlink()
        os.mkfifo(p)
    again = errata_tpl(example_root, "resolve", "--all", "--format", "dnf")
    assert again.returncode == 0 and again.stdout == r.stdout, again.stderr


def test_a_manifest_that_is_a_fifo_or_a_symlink_fails_the_run_first(example_root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = out / ".errata-tpl-manifest"
    os.mkfifo(manifest)
    r = errata_tpl(example_root, "resolve", "--all", "--out-dir", out)
    assert r.returncode == 1 and f"{manifest}: not a regular file (the list of files" in r.stderr, r.stderr
    manifest.unlink()
    (tmp_path / "elsewhere").write_text("wn-001.example.org.yaml\n")
    manifest.symlink_to(tmp_path / "elsewhere")
    r = errata_tpl(example_root, "resolve", "--all", "--out-dir", out)
    assert r.returncode == 1 and "a symbolic link, not followed" in r.stderr, r.stderr
    assert sorted(os.listdir(out)) == [".errata-tpl-manifest"]


def test_a_temporary_file_name_on_a_fifo_is_left_alone(make_rpms, tmp_path):
    """The sweep of a killed writer's temporary files opens only regular files."""
    root = tmp_path / "root"
    make_rpms(["a 1-1 x86_64"], tmp_path / "mirror")
    (root / "errata" / "el9-x86_64").mkdir(parents=True)
    fifo = root / "errata" / "el9-x86_64" / ".20260101.yaml.errata-tpl-abcdefgh.tmp"
    os.mkfifo(fifo)
    minimal_site(root, "el9-x86_64")
    r = errata_tpl(root, "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20260101")
    assert r.returncode == 0, r.stderr
    assert fifo.exists() and (root / "errata" / "el9-x86_64" / "20260101.yaml").is_file()
