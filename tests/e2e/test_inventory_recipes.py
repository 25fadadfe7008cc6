"""The recipes of docs/inventories.md that collect inventories, run as written.

A node is a `dnf --installroot` holding the example site's wn-001.example.org as its list says
(examples/mirror/el9); a ~/.rpmmacros `%_dbpath` makes rpm and ansible's package_facts read its
database, as they would on the node. The cron line and the play (with the page's ansible.cfg)
then write what the report reads: each says `applied`, with this machine's running kernel.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from consumers import body, dnf, run, tool

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "inventories.md"
NODE = "wn-001.example.org"


def block(lang: str, start: str) -> str:
    """The page's block of this language that starts with ``start``."""
    blocks = re.findall(rf"^```{lang}\n(.*?)^```$", PAGE.read_text(), flags=re.S | re.M)
    (text,) = [b for b in blocks if b.startswith(start)]
    return text


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The installroot, and the environment in which rpm reads its database."""
    from click.testing import CliRunner

    from errata_tpl.cli import main

    base = tmp_path_factory.mktemp("recipes")
    r = CliRunner().invoke(main, ["--root", str(REPO), "-q", "resolve", NODE, "--format", "dnf"])
    assert r.exit_code == 0, r.output
    root, home = base / "installroot", base / "home"
    home.mkdir()
    dnf(root, [REPO / "examples/mirror/el9"], base / "dnf-cache", "install", *body(r.stdout))
    dbpath = run(["rpm", "--root", str(root), "--eval", "%_dbpath"]).stdout.strip()
    (home / ".rpmmacros").write_text(f"%_dbpath {root}{dbpath}\n")
    return base, dict(os.environ, HOME=str(home))


def observed(example_root: Path, directory: Path) -> dict:
    from click.testing import CliRunner

    from errata_tpl.cli import main

    today = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    args = ["--root", str(example_root), "report", "--format", "json", "--today", today, "--installed", str(directory)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0 and r.stderr == "", r.output
    return {n["node"]: n["observed"] for n in json.loads(r.stdout)["nodes"]}[NODE]


def test_the_cron_line(node, example_root):
    base, env = node
    (line,) = [
        x for x in block("crontab", "# /etc/cron.d/errata-tpl-inventory").splitlines() if x and not x.startswith("#")
    ]
    *_when, user, command = line.split(maxsplit=6)
    assert (user, "%" in command.replace("\\%", "")) == ("root", False)  # cron: an unescaped % ends the command
    share = base / "cron-share"
    share.mkdir()
    command = command.replace("\\%", "%").replace("/srv/inventories", str(share))
    subprocess.run(["/bin/sh", "-c", command], env=env, check=True)
    host = run(["hostname", "-f"]).stdout.strip()
    assert sorted(p.name for p in share.iterdir()) == [host, f"{host}.uname"]  # the dot files renamed
    for p in share.iterdir():
        p.rename(share / p.name.replace(host, NODE, 1))
    seen = observed(example_root, share)
    assert (seen["source"], seen["state"]) == ("rpm", "applied"), seen
    assert seen["running_kernel"] == os.uname().release


def test_the_ansible_play(node, example_root):
    base, env = node
    work, cache = base / "ansible", base / "ansible-cache"
    work.mkdir()
    (work / "ansible.cfg").write_text(block("ini", "# ansible.cfg").replace("/srv/inventories", str(cache)))
    (work / "inventory.yml").write_text(block("yaml", "# inventory.yml"))
    (work / "hosts").write_text(f"{NODE} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
    assert yaml.safe_load(block("yaml", "# inventory.yml"))[0]["gather_subset"] == ["min"]
    env = dict(
        env,
        ANSIBLE_CONFIG=str(work / "ansible.cfg"),
        ANSIBLE_HOME=str(work / "home"),
        ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    run([tool("ansible-playbook"), "-i", str(work / "hosts"), str(work / "inventory.yml")], env=env, cwd=work)
    seen = observed(example_root, cache)
    assert (seen["source"], seen["state"], seen["file"]) == ("ansible", "applied", f"{cache}/s1_{NODE}"), seen
    assert seen["running_kernel"] == os.uname().release
    assert seen["age_days"] == 0


def test_the_readme_shows_the_same_recipes():
    readme = (REPO / "README.md").read_text()
    for lang, start in (
        ("crontab", "# /etc/cron.d/errata-tpl-inventory"),
        ("ini", "# ansible.cfg"),
        ("yaml", "# inventory.yml"),
        ("sh", "salt "),
    ):
        assert f"```{lang}\n{block(lang, start)}```" in readme, start
