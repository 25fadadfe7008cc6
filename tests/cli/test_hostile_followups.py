"""What a hostile tester found after the first hardening round: each case once more, from the real CLI."""

import os
import subprocess
import sys

import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import names

NODE = "wn-001.example.org"


@pytest.mark.parametrize(
    "expr",
    [
        "(['a'*2**24]*(2**24))|tojson|length",  # each item within bounds, the text 2**48 characters
        "(['a'*2**23]*(2**24))|string|length",
        "(['a'*2**23]*(2**24))",  # {{ v }} makes text of v before the output bound sees it
        "({'k': 'a'*2**23, 'l': ['b'*2**23]*4})|tojson",
    ],
)
def test_text_of_a_huge_structure_is_refused_before_it_is_built(example_root, cli, tmp_path, expr):
    t = tmp_path / "t.j2"
    t.write_text("{{ " + expr + " }}\n")
    r = cli("resolve", NODE, "--template", t, root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr == (
        f"errata-tpl: error: {t}: refused by the template sandbox: a value longer than 16,777,216 characters as text\n"
    )


def test_json_text_with_dates_is_no_format_field(example_root, cli, tmp_path):
    """A JSON text holds '{', ':' and eight-digit profile names: no format width."""
    t = tmp_path / "t.j2"
    t.write_text("{{ (packages|tojson)[:1] }} {{ errata }} {{ '%5s'|format('x') }}\n")
    r = cli("resolve", NODE, "--template", t, root=example_root)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "[ 20261121     x\n"


def test_a_wide_format_field_is_still_refused(example_root, cli, tmp_path):
    t = tmp_path / "t.j2"
    t.write_text("{{ '%999999999s'|format('x') }}\n")
    r = cli("resolve", NODE, "--template", t, root=example_root)
    assert r.exit_code == 1 and "a format field wider than 8 digits" in r.stderr


@pytest.mark.parametrize(
    "check, value",
    [
        (names.profile, "20261201\n"),
        (names.hotfix, "urgent\n"),
        (names.hook_suffix, "-i\n"),
        (names.node, "wn-001\n"),
        (names.os_id, "el9-x86_64\n"),
    ],
)
def test_a_trailing_newline_is_no_name(check, value):
    with pytest.raises(UserError):
        check(value)


def test_generate_refuses_a_profile_name_with_a_newline(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261201\n", root=tmp_path)
    assert r.exit_code == 1
    assert not (tmp_path / "errata").exists()


def test_equal_hook_suffixes_are_an_error(example_root, cli):
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text() + 'hook_suffix: {init: "-fix", fix: "-fix"}\n')
    r = cli("resolve", NODE, root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        "errata-tpl: error: site/site.yaml: key 'hook_suffix': init and fix are both '-fix'; they name two files\n"
    )


@pytest.mark.parametrize("key, value", [("profile", '"20250101"'), ("os", "el8-x86_64")])
def test_a_profile_whose_header_disagrees_with_its_file_is_an_error(example_root, cli, key, value):
    p = example_root / "errata/el9-x86_64/20261121.yaml"
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in p.read_text().split("\n")]
    p.write_text("\n".join(lines))
    r = cli("resolve", NODE, root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"errata-tpl: error: errata/el9-x86_64/20261121.yaml: key '{key}': says ")


def run_real(root, *args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), *args], capture_output=True, **kw
    )


def test_closed_stdout_is_no_traceback(example_root):
    p = subprocess.run(
        f"{sys.executable} -m errata_tpl.cli --root {example_root} resolve {NODE} --format dnf >&-",
        shell=True,
        stderr=subprocess.PIPE,
    )
    assert b"Traceback" not in p.stderr, p.stderr


def test_text_that_is_not_utf8_is_one_line(example_root):
    # a --note with a byte that is not UTF-8: refused in one line, the record untouched
    r = run_real(example_root, "promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--note", b"x\xff")
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    assert r.stderr.count(b"\n") == 1
    assert not (example_root / "site/promotions.yaml").exists()


def test_a_node_file_that_is_no_file_is_said_not_skipped_silently(example_root, cli, tmp_path):
    nodes = example_root / "site/nodes"
    (nodes / "dir.example.org.yaml").mkdir()
    os.mkfifo(nodes / "fifo.example.org.yaml")
    (nodes / "gone.example.org.yaml").symlink_to(nodes / "nowhere.yaml")
    r = cli("resolve", "--all", "--out-dir", tmp_path / "out", root=example_root)
    assert r.exit_code == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "not a regular file" in line]
    assert said == [
        f"warning: site/nodes/{n}.example.org.yaml: not a regular file; not read as a node"
        for n in ("dir", "fifo", "gone")
    ]
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert written == sorted(f"{p.stem}.yaml" for p in nodes.iterdir() if p.is_file())
