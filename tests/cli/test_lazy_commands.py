"""A command's module is imported only when that command is named; `errata-tpl --help`
lists every command without importing one; no command's --help loads the heavy
libraries (rpm, jinja2, ...), which their modules import only where they are used."""

import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import minimal_site

from errata_tpl import cli

NODE = "wn-001.example.org"
HEAVY = {"rpm", "jinja2", "yaml", "solv", "gnupg", "createrepo_c"}
# what each command's module imports of the others by design (the rest: itself only)
BUILDS_ON: dict[str, set[str]] = {}

LOADED = """
import atexit, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write("\\n".join(sorted(sys.modules))))
sys.argv[0] = "errata-tpl"
runpy.run_module("errata_tpl.cli", run_name="__main__")
"""


def loaded(tmp_path: Path, *args: str) -> set[str]:
    """The modules a real run of `python -m errata_tpl.cli ARGS` had imported by its end."""
    out = tmp_path / "modules"
    r = subprocess.run([sys.executable, "-c", LOADED, str(out), *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return set(out.read_text().split("\n"))


def commands_in(modules: set[str]) -> set[str]:
    prefix = "errata_tpl.commands."
    return {m[len(prefix) :] for m in modules if m.startswith(prefix) and m != prefix + "_click"}


def test_help_lists_every_command_and_imports_none(tmp_path):
    modules = loaded(tmp_path, "--help")
    assert commands_in(modules) == set() and not HEAVY & modules
    assert "errata_tpl.cli" not in modules  # run as __main__: no second copy of the group


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_the_listed_short_helps_are_the_commands_own(width):
    """The list --help shows from cli.SHORT_HELP is the one click makes from the commands."""
    ctx = click.Context(cli.main)
    ours, clicks = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
    cli.main.format_commands(ctx, ours)
    click.Group.format_commands(cli.main, ctx, clicks)  # gets each command, importing its module
    assert ours.getvalue() == clicks.getvalue() and ours.getvalue().count("\n") == len(cli.COMMANDS) + 1


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_a_commands_help_imports_its_module_and_no_heavy_library(tmp_path, name):
    modules = loaded(tmp_path, name, "--help")
    assert commands_in(modules) == {name} | BUILDS_ON.get(name, set())
    assert not HEAVY & modules, HEAVY & modules


def test_resolve_imports_the_resolve_command_only(tmp_path, example_root):
    modules = loaded(tmp_path, "--root", str(example_root), "resolve", NODE)
    assert commands_in(modules) == {"resolve"} and "errata_tpl.cli" not in modules


def test_the_entry_point_and_python_m_agree(example_root):
    args = ["--root", example_root, "resolve", NODE]
    by_entry = subprocess.run([Path(sys.executable).parent / "errata-tpl", *args], capture_output=True, timeout=60)
    by_m = subprocess.run([sys.executable, "-m", "errata_tpl.cli", *args], capture_output=True, timeout=60)
    assert by_entry.returncode == by_m.returncode == 0 and by_entry.stdout == by_m.stdout and by_m.stdout


def test_generate_over_an_unchanged_mirror_loads_nothing_that_reads_or_builds(tmp_path, make_rpms):
    """The second run reuses the last result: it lists and stats the mirror, and loads
    neither rpm, pyyaml, createrepo_c nor the modules that read headers and metadata,
    choose builds or write files (a tenth of that run went to importing them)."""
    make_rpms(["bash 5.1.8-9.el9 x86_64", "zlib 1.2.11-40.el9 x86_64"])
    root = minimal_site(tmp_path / "root", "el9-x86_64")
    args = ("--root", str(root), "generate", str(tmp_path / "mirror"), "--os", "el9-x86_64", "--stdout")
    first = loaded(tmp_path, *args)
    assert {"rpm", "errata_tpl.profile.generate", "errata_tpl.mirror.repomd"} <= first  # read and built
    again = loaded(tmp_path, *args)
    builders = {"errata_tpl.profile.generate", "errata_tpl.profile.profile", "errata_tpl.mirror.scan"}
    readers = {"errata_tpl.mirror.repomd", "errata_tpl.mirror.advisories", "errata_tpl.mirror.modules"}
    writers = {"errata_tpl.fileio.atomic", "errata_tpl.fileio.yamlio", "tempfile"}
    assert not (HEAVY | builders | readers | writers) & again, (HEAVY | builders | readers | writers) & again
    assert "errata_tpl.mirror.memo" in again
