"""docs/ is the users' reference: the walkthrough runs as written, every key a file may
have is documented, and the README links the pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from errata_tpl.site import schema

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = ("files.md", "hooks.md", "resolution.md", "first-site.md", "inventories.md")


def shell_blocks(page: Path) -> list[str]:
    """The page's ```sh blocks, in order: what a reader types."""
    return re.findall(r"^```sh\n(.*?)^```$", page.read_text(), flags=re.S | re.M)


def test_the_first_site_walkthrough_runs_as_written(tmp_path):
    script = "\n".join(shell_blocks(DOCS / "first-site.md"))
    assert "errata-tpl generate" in script and "--out-dir host_vars/" in script
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "MIRROR": str(REPO / "examples/mirror/el9"),
    }
    env.pop("ERRATA_TPL_ROOT", None)
    r = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stdout + r.stderr
    site = tmp_path / "mysite"
    assert sorted(p.name for p in (site / "host_vars").iterdir() if not p.name.startswith(".")) == [
        "web-01.example.org.yml",
        "web-02.example.org.yml",
    ]
    web1 = yaml.safe_load((site / "host_vars/web-01.example.org.yml").read_text())
    web2 = yaml.safe_load((site / "host_vars/web-02.example.org.yml").read_text())
    # the profile moved web-01 on, its fix hook kept nss; web-02 is held back on its base list
    assert "nss-3.90.0-3.el9_2.x86_64" in web1["errata_tpl_packages"]
    assert "bash-5.1.8-9.el9.x86_64" in web1["errata_tpl_packages"]
    assert "bash-5.1.8-6.el9_1.x86_64" in web2["errata_tpl_packages"]
    for said in ("unknown key", "decides nothing", "no node reads it"):
        assert said not in r.stderr, r.stderr


# the kinds of the files people write, and the page that documents their keys
DOCUMENTED = {
    "site": "files.md",
    "cluster": "files.md",
    "node": "files.md",
    "os": "files.md",
    "kernel": "files.md",
    "stages": "files.md",
    "stage": "files.md",
    "hook suffix": "files.md",
    "kernel setting": "files.md",
    "package reference": "files.md",
    "added reference": "hooks.md",
    "announce": "files.md",
    "profile": "files.md",
    "hotfix": "files.md",
    "init hook": "hooks.md",
    "fix hook": "hooks.md",
    "action": "hooks.md",
}


@pytest.mark.parametrize("kind", sorted(DOCUMENTED))
def test_every_key_people_write_is_documented(kind):
    """A new key fails here until docs/ says what it is."""
    text = (DOCS / DOCUMENTED[kind]).read_text()
    missing = [k for k in schema.kinds()[kind] if f"`{k}`" not in text and f"`{k}:" not in text]
    assert missing == [], f"docs/{DOCUMENTED[kind]} does not document {kind} keys {missing}"


def test_the_readme_links_every_page():
    readme = (REPO / "README.md").read_text()
    for page in PAGES:
        assert f"(docs/{page})" in readme, page
