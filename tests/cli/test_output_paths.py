"""Where the commands write, through the real CLI: `-o -` is stdout (`-o ./-` a file
named -); an empty path is a usage error (exit 2, as click's own), never the current
directory."""

import subprocess
import sys

import pytest

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
