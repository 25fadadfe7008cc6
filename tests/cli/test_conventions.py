"""What every command shares: --root, -v/-q and --debug before or after the command,
an example in every --help, the refusal of a folder that is not a site, node-name
completion, and .yml files read like .yaml (or refused by name, never skipped)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import minimal_site

from errata_tpl import cli as climod

NODE = "wn-001.example.org"
NOT_A_SITE = "not an errata-tpl site"

# every command, with arguments that make it read the site (commands that read none: below)
READS_A_SITE = {
    "adopt": ["/tmp", NODE],
    "announce": ["--os", "el9-x86_64", "--stage", "canary"],
    "approve": ["20261121", "--os", "el9-x86_64", "--stage", "all", "--sign", "nobody@example.org"],
    "check": ["--all", "--repo", "/nonexistent"],
    "diff": [NODE, "--profile", "20261121"],
    "explain": [NODE, "nss"],
    "generate": ["/nonexistent", "--os", "el9-x86_64"],
    "hotfix": ["/nonexistent", "--os", "el9-x86_64", "--name", "x", "--advisory", "A"],
    "pending": [],
    "promote": ["20261121", "--os", "el9-x86_64", "--stage", "canary"],
    "publish": ["/nonexistent", "--os", "el9-x86_64", "--profile", "20261121", "--to", "/nonexistent/repos"],
    "report": ["--format", "text"],
    "resolve": ["--all"],
    "stages": [],
    "status": [],
}
READS_NO_SITE = {"schema", "verify"}


def run(*args, env=None, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_every_command_is_in_one_of_the_tables():
    """A new command says here whether it reads a site (and then is held to the refusal)."""
    assert set(READS_A_SITE) | READS_NO_SITE == set(climod.COMMANDS)


@pytest.mark.parametrize("name", sorted(climod.COMMANDS))
def test_every_help_has_an_example_and_the_shared_options(cli, name):
    r = cli(name, "--help")
    assert r.exit_code == 0
    assert "Example" in r.stdout and f"errata-tpl {name}" in r.stdout.split("Example", 1)[1]
    for opt in ("--root DIRECTORY", "-v, --verbose", "-q, --quiet", "--debug"):
        assert opt in r.stdout, (name, opt)


@pytest.mark.parametrize("name", sorted(READS_A_SITE))
def test_every_command_reading_a_site_refuses_a_folder_that_is_not_one(cli, tmp_path, name):
    (tmp_path / "site").mkdir()  # half a site is not one either
    r = cli(name, *READS_A_SITE[name], "--root", tmp_path, site=False)
    assert r.exit_code == 1
    assert r.stderr == (
        f"errata-tpl: error: {tmp_path}: not an errata-tpl site: no os/ folder "
        "(the root is --root DIR, else $ERRATA_TPL_ROOT, else the current directory)\n"
    )
    assert os.listdir(tmp_path) == ["site"]  # nothing written


def test_the_refusal_names_what_is_missing(cli, tmp_path):
    r = cli("status", root=tmp_path / "nope")
    assert "nope: not an errata-tpl site: no such directory" in r.stderr and r.exit_code == 1
    r = run("status", cwd=tmp_path, env={"ERRATA_TPL_ROOT": ""})
    assert f"{NOT_A_SITE}: no os/ and no site/ folder" in r.stderr and r.returncode == 1


def test_schema_reads_no_site(cli, tmp_path):
    r = cli("schema", "node", "--root", tmp_path / "nope")
    assert r.exit_code == 0 and '"$schema"' in r.stdout


def test_root_and_verbosity_after_the_command(cli, example_root, tmp_path):
    before = cli("--root", example_root, "resolve", NODE)
    after = cli("resolve", NODE, "--root", example_root)
    assert before.exit_code == after.exit_code == 0 and before.stdout == after.stdout
    # the one after the command wins
    assert cli("--root", tmp_path, "resolve", NODE, "--root", example_root).stdout == before.stdout
    loud = cli("resolve", "--all", "-v", root=example_root)
    quiet = cli("resolve", "--all", "-q", "-o", tmp_path / "all.yaml", root=example_root)
    assert "resolved 12 nodes" in loud.stderr and "wrote" not in quiet.stderr
    assert "wrote" in cli("resolve", "--all", "-o", tmp_path / "all.yaml", root=example_root).stderr


def test_debug_prints_the_traceback_after_the_one_line(example_root):
    plain = run("--root", example_root, "explain", "no-such-node", "nss")
    assert plain.returncode == 1 and plain.stderr.count("\n") == 1 and "Traceback" not in plain.stderr
    for args, env in (
        (["--root", example_root, "explain", "no-such-node", "nss", "--debug"], None),
        (["--debug", "--root", example_root, "explain", "no-such-node", "nss"], None),
        (["--root", example_root, "explain", "no-such-node", "nss"], {"ERRATA_TPL_DEBUG": "1"}),
    ):
        r = run(*args, env=env)
        assert r.returncode == 1 and r.stderr.startswith(plain.stderr), r.stderr
        assert "Traceback (most recent call last)" in r.stderr and "UserError" in r.stderr


def test_generate_refuses_an_os_the_site_does_not_have(cli, example_root, make_rpms, tmp_path):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el7-x86_64", root=example_root, site=False)
    assert r.exit_code == 1
    assert r.stderr == (
        "errata-tpl: error: unknown os 'el7-x86_64': no os/el7-x86_64/os.yaml (this site has: el8-x86_64, el9-x86_64)\n"
    )
    assert not (example_root / "errata/el7-x86_64").exists()
    r = cli(
        "hotfix",
        tmp_path / "mirror",
        "--os",
        "el7-x86_64",
        "--name",
        "x",
        "--package",
        "a",
        root=example_root,
        site=False,
    )
    assert r.exit_code == 1 and "unknown os 'el7-x86_64'" in r.stderr


@pytest.mark.parametrize("name", ["report", "status"])
def test_a_fleet_of_zero_nodes_says_so(cli, tmp_path, name):
    r = cli(name, root=minimal_site(tmp_path, "el9-x86_64"))
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == "errata-tpl: error: site/nodes: no node files (*.yaml): no node to report on\n"


def test_yml_node_and_cluster_files_are_read_like_yaml(cli, example_root):
    before = cli("resolve", "--all", root=example_root)
    nodes, clusters = example_root / "site/nodes", example_root / "site/clusters"
    (nodes / f"{NODE}.yaml").rename(nodes / f"{NODE}.yml")
    (clusters / "compute.yaml").rename(clusters / "compute.yml")
    after = cli("resolve", "--all", root=example_root)
    assert after.exit_code == 0 and after.stdout == before.stdout and NODE in after.stdout
    (nodes / f"{NODE}.yaml").write_text("os: el9-x86_64\n")
    r = cli("resolve", "--all", root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        f"errata-tpl: error: site/nodes/{NODE}.yaml and site/nodes/{NODE}.yml: two files for node {NODE}; keep one\n"
    )


@pytest.mark.parametrize("rel", ["site/site.yaml", "site/errata-overrides.yaml", "errata/el9-x86_64/20261121-fix.yaml"])
def test_a_yml_where_the_tool_reads_one_name_is_refused_by_name(cli, example_root, rel):
    path = example_root / rel
    yml = rel[: -len(".yaml")] + ".yml"
    path.rename(example_root / yml)
    r = cli("resolve", "--all", root=example_root)
    assert r.exit_code == 1 and r.stderr == f"errata-tpl: error: {yml}: not read: errata-tpl reads {rel}; rename it\n"


def test_a_stages_yml_is_refused_by_name(cli, example_root):
    (example_root / "site/stages.yaml").rename(example_root / "site/stages.yml")
    r = cli("stages", root=example_root)
    assert r.exit_code == 1 and "site/stages.yml: not read: errata-tpl reads site/stages.yaml" in r.stderr


def complete(words: str, root: Path | None = None) -> list[str]:
    """What bash completion offers for the last word (click's own protocol)."""
    env = {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1), "_ERRATA_TPL_COMPLETE": "bash_complete"}
    if root is not None:
        env["ERRATA_TPL_ROOT"] = str(root)
    r = subprocess.run(
        [Path(sys.executable).parent / "errata-tpl"], capture_output=True, text=True, env={**os.environ, **env}
    )
    return [line.split(",", 1)[1] for line in r.stdout.splitlines()]


def test_shell_completion_completes_node_names(example_root):
    (example_root / "site/nodes/wn-062.example.org.yaml").rename(example_root / "site/nodes/wn-062.example.org.yml")
    assert complete("errata-tpl explain wn-0", example_root) == [
        *(f"wn-0{n}.example.org" for n in ("01", "02", "11", "12", "51", "52", "61", "62"))
    ]
    assert complete(f"errata-tpl --root {example_root} resolve wn-05") == ["wn-051.example.org", "wn-052.example.org"]
    assert complete(f"errata-tpl check --root {example_root} db") == ["db-01.example.org"]
    assert complete(f"errata-tpl diff --root {example_root} --node st") == ["st-01.example.org", "st-02.example.org"]
    assert "resolve" in complete("errata-tpl res")


def test_root_without_nodes(tmp_path, cli):
    r = cli("resolve", "--all", root=minimal_site(tmp_path))
    assert r.exit_code == 1 and "no node files" in r.stderr
    assert Path(tmp_path).is_dir()
