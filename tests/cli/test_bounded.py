"""Bounded time and memory: YAML aliases, Jinja2 values and templates, FIFOs in the mirror."""

import os
import signal
import subprocess
import sys
import time

import pytest
import rpmfactory
from conftest import errata_tpl, minimal_site

from errata_tpl.site import templating

NODE = "site/nodes/wn-001.example.org.yaml"
NODE_NAME = "wn-001.example.org"
LAUGHS = "\n".join(
    [
        'v: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")),
        "os: el9-x86_64",
    ]
)


def test_billion_laughs_is_refused_quickly(example_root):
    (example_root / NODE).write_text(LAUGHS + "\n")
    r = errata_tpl(example_root, "resolve", "wn-001.example.org", timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(
        f"errata-tpl: error: {NODE}: aliases (*name) expand 92 values into 490,329,056, "
        "more than 1,000,000 added; refused\n"
    )


def test_a_list_inside_itself_is_refused(example_root, cli):
    (example_root / NODE).write_text("os: el9-x86_64\nvariables: {X: &x [1, *x]}\n")
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1 and f"{NODE}: a list or mapping contains itself" in r.stderr


def test_ordinary_aliases_and_merge_keys_still_work(example_root, cli):
    (example_root / NODE).write_text(
        "os: el9-x86_64\ncluster: compute\nvariables:\n  base: &b {A: 1, B: 2}\n  mine: {<<: *b, B: 3}\n"
        "packages: [{name: extra, version: '{{ mine.A }}.{{ mine.B }}-1', arch: x86_64}]\n"
    )
    r = cli("resolve", "wn-001.example.org", "--format", "dnf", root=example_root)
    assert r.exit_code == 0, r.stderr
    assert "extra-1.3-1.x86_64\n" in r.stdout


@pytest.mark.parametrize(
    "rel, text, key, lines",
    [
        ("site/site.yaml", "deploy_errata: false\nvariables: {}\ndeploy_errata: true\n", "deploy_errata", "1 and 3"),
        (
            "site/errata-overrides.yaml",
            'db-01.example.org: null\ndb-01.example.org: "20261121"\n',
            "db-01.example.org",
            "1 and 2",
        ),
        (NODE, "os: el9-x86_64\nvariables: {A: 1, A: 2}\n", "A", "2 and 2"),
        (NODE, "os: el9-x86_64\ncluster: compute\nos: el8-x86_64\n", "os", "1 and 3"),
    ],
)
def test_a_key_twice_in_one_mapping_is_an_error(example_root, cli, rel, text, key, lines):
    (example_root / rel).write_text(text)
    r = cli("resolve", "--all", root=example_root)
    assert r.exit_code == 1
    assert (
        r.stderr
        == f"errata-tpl: error: {rel}: key '{key}': appears twice in one mapping (lines {lines}); which one is meant?\n"
    )


@pytest.mark.parametrize(
    "value, says",
    [
        ("{{ 'a' * 10**9 }}", "a value longer than 16,777,216 characters"),
        ("{{ 9**(9**9) }}", "an integer wider than 16,384 bits"),
        ("{{ 'a'.ljust(10**9) }}", "an argument of 1e+09"),
        ("{{ 'a'|center(10**9) }}", "an argument of 1e+09"),
        ("{{ '{:>999999999}'.format(1) }}", "a format field wider than 8 digits"),
        ("{% set s = 'ab' %}" + "{% set s = s ~ s %}" * 30 + "{{ s }}", "a value longer than"),
        (
            "{% set ns = namespace(x=3) %}{% for i in range(64) %}{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}",
            "an integer wider",
        ),
    ],
)
def test_values_cannot_build_huge_things(example_root, cli, value, says):
    (example_root / NODE).write_text(f"os: el9-x86_64\npackages:\n  - {{name: x, version: {value!r}, arch: x86_64}}\n")
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1
    assert r.stderr.startswith(f"errata-tpl: error: {NODE}: packages[0]: refused by the template sandbox: ")
    assert says in r.stderr and r.stderr.count("\n") == 1


def test_a_template_that_loops_forever_is_stopped(example_root, cli, tmp_path, monkeypatch):
    monkeypatch.setattr(templating, "MAX_SECONDS", 1.0)
    t = tmp_path / "loop.txt.j2"
    t.write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n")
    out = tmp_path / "out"
    started = time.monotonic()
    r = cli("resolve", "--all", "--template", t, "--out-dir", out, root=example_root)
    assert r.exit_code == 1 and time.monotonic() - started < 30
    assert r.stderr == f"errata-tpl: error: {t}: refused by the template sandbox: rendering took longer than 1 s\n"
    assert not out.exists()  # no staging folder left, nothing written, no folder made for nothing


def test_a_template_output_is_bounded(example_root, cli, tmp_path):
    t = tmp_path / "big.txt.j2"
    t.write_text("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}\n")
    r = cli("resolve", "wn-001.example.org", "--template", t, "-o", tmp_path / "o.txt", root=example_root)
    assert r.exit_code == 1 and "output longer than 16,777,216 characters" in r.stderr
    assert not (tmp_path / "o.txt").exists()


def test_sigkill_during_a_long_template_leaves_staging_that_the_next_run_removes(example_root, tmp_path):
    t = tmp_path / "slow.txt.j2"
    t.write_text("{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{{ node }}\n")
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "errata_tpl.cli",
        "--root",
        str(example_root),
        "resolve",
        "--all",
        "--out-dir",
        str(out),
    ]
    p = subprocess.Popen([*argv, "--template", str(t)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any(n.startswith(".errata-tpl-staging-") for n in os.listdir(out))):
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert [n for n in os.listdir(out) if n.startswith(".errata-tpl-staging-")]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    names = os.listdir(out)
    assert not [n for n in names if n.startswith(".errata-tpl-staging-")] and len(names) == 13


def test_a_fifo_named_rpm_is_skipped_unopened(make_rpms, tmp_path):
    make_rpms(["a 1-1 x86_64"])
    os.mkfifo(tmp_path / "mirror" / "b-1-1.x86_64.rpm")
    os.symlink(tmp_path / "mirror" / "b-1-1.x86_64.rpm", tmp_path / "mirror" / "c-1-1.x86_64.rpm")
    minimal_site(tmp_path / "root", "el9-x86_64")
    for cache in ([], ["--no-cache"]):
        r = errata_tpl(tmp_path / "root", "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", *cache)
        assert r.returncode == 0, r.stderr
        assert "b-1-1.x86_64.rpm: skipped: a FIFO, not a package file; skipped without opening it" in r.stderr
        assert "c-1-1.x86_64.rpm: skipped: a FIFO" in r.stderr
        assert "name: a," in r.stdout
    key = rpmfactory.make_key(tmp_path / "gpg", "Errata Test", "errata@example.org")
    try:
        r = errata_tpl(tmp_path / "root", "verify", tmp_path / "mirror", "--keyring", key.public)
    finally:
        rpmfactory.stop_agent(key)
    assert r.returncode == 1 and "b-1-1.x86_64.rpm" in r.stdout and "a FIFO" in r.stdout, r.stdout + r.stderr


def test_a_fifo_or_a_device_given_as_a_file_is_refused_unread(example_root, tmp_path):
    fifo = tmp_path / "t.txt.j2"
    os.mkfifo(fifo)
    r = errata_tpl(example_root, "resolve", "--all", "--template", fifo, timeout=60)
    assert r.returncode == 1 and r.stderr == f"errata-tpl: error: {fifo}: not a regular file\n"
    r = errata_tpl(example_root, "diff", fifo, "/dev/zero", timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr  # no hang, one line


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
    r = cli("resolve", NODE_NAME, "--template", t, root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr == (
        f"errata-tpl: error: {t}: refused by the template sandbox: a value longer than 16,777,216 characters as text\n"
    )


def test_json_text_with_dates_is_no_format_field(example_root, cli, tmp_path):
    """A JSON text holds '{', ':' and eight-digit profile names: no format width."""
    t = tmp_path / "t.j2"
    t.write_text("{{ (packages|tojson)[:1] }} {{ errata }} {{ '%5s'|format('x') }}\n")
    r = cli("resolve", NODE_NAME, "--template", t, root=example_root)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "[ 20261121     x\n"


def test_a_wide_format_field_is_still_refused(example_root, cli, tmp_path):
    t = tmp_path / "t.j2"
    t.write_text("{{ '%999999999s'|format('x') }}\n")
    r = cli("resolve", NODE_NAME, "--template", t, root=example_root)
    assert r.exit_code == 1 and "a format field wider than 8 digits" in r.stderr


@pytest.mark.parametrize(
    "rel",
    [
        "site/site.yaml",
        "site/errata-overrides.yaml",
        "site/stages.yaml",
        "errata/el9-x86_64/20261121-fix.yaml",
        "errata/el9-x86_64/20261121-init.yaml",
        "errata/el9-x86_64/20261121.yaml",
        "errata/el9-x86_64/hotfix-openssl-urgent.yaml",
    ],
)
@pytest.mark.parametrize("what", ["a FIFO", "a directory", "a symbolic link to nothing"])
def test_an_optional_site_file_that_is_not_a_regular_file_is_refused_never_read_as_absent(example_root, rel, what):
    """Read as absent, a site.yaml, a hook or a profile that is a FIFO would change
    every list with exit 0 (the Ansible recipe then removes packages)."""
    path = example_root / rel
    path.unlink(missing_ok=True)
    {"a FIFO": os.mkfifo, "a directory": os.mkdir, "a symbolic link to nothing": lambda p: os.symlink("gone", p)}[what](
        path
    )
    r = errata_tpl(example_root, "resolve", "--all", timeout=60)
    why = (
        "not a regular file (a symbolic link to nothing)"
        if what.startswith("a symbolic")
        else f"not a regular file ({what})"
    )
    assert r.returncode == 1 and r.stderr == f"errata-tpl: error: {rel}: {why}\n", r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("rel", ["site/site.yaml", "site/nodes/wn-001.example.org.yaml", "site/stages.yaml"])
def test_an_integer_python_cannot_read_is_one_line(example_root, rel):
    """int() refuses more than 4,300 digits: a ValueError deep in the YAML loader."""
    path = example_root / rel
    path.write_text(path.read_text() + f"x-big: {'7' * 4400}\n")
    r = errata_tpl(example_root, "resolve", "--all", timeout=60)
    line = path.read_text().count("\n")
    assert r.returncode == 1, r.stderr
    assert r.stderr == f"errata-tpl: error: {rel}: line {line}: an integer of 4,400 characters; refused\n"
