"""check solves each node against its own OS's repositories only: repos: in
site/site.yaml (os-id -> folders), --repo OS_ID=DIR on the command line; a plain DIR
only where the site has one OS. Real repositories (the example mirrors), real libsolv."""

import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
EL9, EL8 = REPO / "examples/mirror/el9", REPO / "examples/mirror/el8"
EL9_NODE, EL8_NODE = "wn-001.example.org", "st-01.example.org"


def set_repos(root: Path, repos: dict | None) -> None:
    site = yaml.safe_load((root / "site/site.yaml").read_text())
    site.pop("repos", None)
    if repos is not None:
        site["repos"] = {k: [str(d) for d in v] for k, v in repos.items()}
    (root / "site/site.yaml").write_text(yaml.safe_dump(site, sort_keys=False))


def test_every_os_against_its_own_repositories(cli, example_root):
    set_repos(example_root, {"el9-x86_64": [EL9], "el8-x86_64": [EL8]})
    r = cli("check", "--all", root=example_root)
    assert r.exit_code == 0, r.output
    assert r.stdout.endswith("12 nodes: 12 ok, 0 with problems\n")


def test_an_el8_node_is_never_checked_against_el9_builds(cli, example_root):
    """It was: every --repo went into one pool, and an el8 list found its names among el9
    builds ("40 nodes: 40 ok")."""
    set_repos(example_root, {"el9-x86_64": [EL9]})
    r = cli("check", "--all", root=example_root)
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == (
        "errata-tpl: error: no repository for el8-x86_64 (nodes st-01.example.org, st-02.example.org): "
        "give --repo el8-x86_64=DIR, or repos: {el8-x86_64: [DIR, ...]} in site/site.yaml\n"
    )
    # told to, it is checked against them, and el8's versions are not there
    r = cli("check", EL8_NODE, "--repo", f"el8-x86_64={EL9}", root=example_root)
    assert r.exit_code == 1
    assert r.stdout.startswith(f"{EL8_NODE}: 7 problems\n  - bash-4.4.20-5.el8.x86_64 is in no repository\n")


def test_a_build_of_another_os_is_in_no_repository_of_this_one(cli, example_root):
    set_repos(example_root, {"el9-x86_64": [EL9], "el8-x86_64": [EL8]})
    node = example_root / "site/nodes/db-01.example.org.yaml"  # errata off: its pin stays
    node.write_text(node.read_text() + "packages: [bash-4.4.20-5.el8.x86_64]\n")  # an el8 build, pinned
    r = cli("check", "db-01.example.org", root=example_root)
    assert r.exit_code == 1
    assert "  - bash-4.4.20-5.el8.x86_64 is in no repository\n" in r.stdout
    assert "    fix hook: {repl: {name: bash, version: 5.1.8-9.el9, arch: x86_64}}\n" in r.stdout


def test_the_command_line_replaces_the_sites_repositories_of_an_os(cli, example_root, tmp_path):
    set_repos(example_root, {"el9-x86_64": [tmp_path / "gone"], "el8-x86_64": [EL8]})
    assert "gone" in cli("check", EL9_NODE, root=example_root).stderr  # the site's, missing
    r = cli("check", EL9_NODE, EL8_NODE, "--repo", f"el9-x86_64={EL9}", root=example_root)
    assert r.exit_code == 0, r.output
    assert r.stdout.endswith("2 nodes: 2 ok, 0 with problems\n")


def test_a_plain_dir_is_for_the_sites_only_os(cli, example_root):
    set_repos(example_root, None)
    r = cli("check", "--all", "--repo", EL9, root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        f"errata-tpl: error: --repo {EL9}: which OS are its packages for? this site has el8-x86_64, el9-x86_64: "
        f"write --repo OS_ID={EL9} (e.g. --repo el9-x86_64={EL9})\n"
    )
    shutil.rmtree(example_root / "os/el8-x86_64")
    for n in ("st-01", "st-02"):
        (example_root / f"site/nodes/{n}.example.org.yaml").unlink()
    (example_root / "site/errata-overrides.yaml").write_text('db-01.example.org: null\n"wn-0[0-4]*": "20261121"\n')
    r = cli("check", "--all", "--repo", EL9, root=example_root)
    assert r.exit_code == 0, r.output
    assert r.stdout.endswith("10 nodes: 10 ok, 0 with problems\n")


def test_repositories_of_an_os_the_site_does_not_have(cli, example_root, tmp_path):
    r = cli("check", "--all", "--repo", f"el7-x86_64={EL9}", root=example_root)
    assert r.exit_code == 1 and "unknown os 'el7-x86_64': no os/el7-x86_64/os.yaml" in r.stderr
    set_repos(example_root, {"el9": [EL9]})
    r = cli("check", "--all", root=example_root)
    assert r.exit_code == 1 and "site/site.yaml: key 'repos': bad os-id 'el9'" in r.stderr
