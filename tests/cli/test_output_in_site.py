"""Output never lands in the site: an output path (-o, --out-dir) in os/, site/,
errata/ or the cache folder, directly or through a symlink, is refused with one line,
exit 1, and nothing is written anywhere."""

import importlib
import os
import subprocess

import pytest
from conftest import REPO

from errata_tpl import cli as cli_module
from errata_tpl.commands import _click

EL9 = str(REPO / "examples/mirror/el9")


def snapshot(root):
    """Every path below the root with its bytes (a symlink as its target)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = "-> " + os.readlink(p)
            elif os.path.isfile(p):
                with open(p, "rb") as f:
                    out[rel] = f.read()
            else:
                out[rel] = "dir"
    return out


# one invocation per command and option that writes where it is told; {} is the path
WRITERS = {
    ("announce", "--output"): ("announce", "--os", "el9-x86_64", "--stage", "canary", "-o", "{}"),
    ("resolve", "--out-dir"): ("resolve", "--all", "--out-dir", "{}"),
    ("resolve", "--output"): ("resolve", "wn-001.example.org", "-o", "{}"),
    ("report", "--output"): ("report", "-o", "{}"),
    ("generate", "--output"): ("generate", EL9, "--os", "el9-x86_64", "--profile", "20261201", "-o", "{}"),
    ("schema", "--out-dir"): ("schema", "--out-dir", "{}"),
    ("publish", "--to"): ("publish", EL9, "--os", "el9-x86_64", "--profile", "20261121", "--to", "{}"),
    ("promote", "--publish"): ("promote", "20261121", "--os", "el9-x86_64", "--stage", "canary", "--publish", "{}"),
}


def test_every_option_a_command_writes_to_is_covered():
    """A command added later with -o or --out-dir must be in WRITERS (and so call
    _click.outside_site): found by the click type its option has."""
    found = set()
    for name, target in cli_module.COMMANDS.items():
        module, attr = target.rsplit(".", 1)
        cmd = getattr(importlib.import_module(module), attr)
        for p in cmd.params:
            if isinstance(p.type, _click.WritePath):
                found.add((name, p.opts[-1]))
    assert found == set(WRITERS)


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize(
    "place",
    ["site/nodes", "site", "os/el9-x86_64", "errata/el9-x86_64", ".errata-tpl-cache/parsed", "site/new/deeper"],
)
def test_output_into_the_site_is_refused(cli, example_root, writer, place):
    args = WRITERS[writer]
    target = place if writer[1] in ("--out-dir", "--to", "--publish") else f"{place}/out.yaml"
    (example_root / ".errata-tpl-cache/parsed").mkdir(parents=True)
    before = snapshot(example_root)
    r = cli(*(a.replace("{}", str(example_root / target)) for a in args), root=example_root)
    assert r.exit_code == 1, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"errata-tpl: error: {example_root / target}: ")
    assert f"lands in the site's own folder {place.split('/')[0]}/ ({target})" in lines[0]
    assert lines[0].endswith("nothing written")
    assert snapshot(example_root) == before


def test_resolve_out_dir_site_nodes_keeps_the_hand_written_node_files(cli, example_root, monkeypatch):
    before = snapshot(example_root)
    monkeypatch.chdir(example_root)
    r = cli("resolve", "--all", "--format", "yaml", "--out-dir", "site/nodes", root=example_root)
    assert r.exit_code == 1 and "lands in the site's own folder site/ (site/nodes)" in r.output
    assert {k: v for k, v in snapshot(example_root).items() if k.startswith(("site", "os", "errata"))} == {
        k: v for k, v in before.items() if k.startswith(("site", "os", "errata"))
    }


def test_symlinks_are_resolved_on_both_sides(cli, example_root, tmp_path):
    # a link outside the site pointing into it
    (tmp_path / "hostvars").symlink_to(example_root / "site/nodes")
    before = snapshot(example_root)
    r = cli("resolve", "--all", "--out-dir", tmp_path / "hostvars", root=example_root)
    assert r.exit_code == 1 and "lands in the site's own folder site/ (site/nodes)" in r.output
    r = cli("resolve", "wn-001.example.org", "-o", tmp_path / "hostvars/wn-001.example.org.yaml", root=example_root)
    assert r.exit_code == 1 and "(site/nodes/wn-001.example.org.yaml)" in r.output
    assert snapshot(example_root) == before
    # the site's folder itself a link to a folder elsewhere: that folder is the site's
    elsewhere = tmp_path / "site-repo"
    (example_root / "site").rename(elsewhere)
    (example_root / "site").symlink_to(elsewhere)
    r = cli("resolve", "--all", "--out-dir", elsewhere / "nodes", root=example_root)
    assert r.exit_code == 1 and "lands in the site's own folder site/ (site/nodes)" in r.output
    # a link in the site leading out is not the site: writing there is fine
    (tmp_path / "out").mkdir()
    (example_root / "hostvars").symlink_to(tmp_path / "out", target_is_directory=True)
    r = cli("resolve", "--all", "--out-dir", example_root / "hostvars", root=example_root)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out/wn-001.example.org.yaml").is_file()


def test_a_bind_mount_of_a_site_folder_is_that_folder(cli, example_root, tmp_path):
    """Symlinks resolved do not see a bind mount (or an NFS double mount): the
    folder's device and inode do."""
    alias = tmp_path / "hostvars"
    alias.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(example_root / "site"), str(alias)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"no bind mount here: {mounted.stderr.decode().strip()}")
    try:
        before = snapshot(example_root)
        r = cli("resolve", "--all", "--out-dir", alias / "nodes", root=example_root)
        assert r.exit_code == 1 and "lands in the site's own folder site/ (site/nodes)" in r.output
        r = cli("resolve", "wn-001.example.org", "-o", alias / "x.yaml", root=example_root)
        assert r.exit_code == 1 and "(site/x.yaml)" in r.output
        assert snapshot(example_root) == before
    finally:
        subprocess.run(["umount", str(alias)], check=True)


def test_generate_o_may_write_a_profile_in_its_place_and_nowhere_else_in_the_site(cli, example_root):
    args = ("generate", EL9, "--os", "el9-x86_64", "--profile", "20261201", "-o")
    r = cli(*args, example_root / "errata/el9-x86_64/20261201.yaml", root=example_root)
    assert r.exit_code == 0, r.output
    assert (example_root / "errata/el9-x86_64/20261201.yaml").is_file()
    for place in ("errata/el9-x86_64/20261121-fix.yaml", "errata/el9-x86_64/hotfix-x.yaml", "errata/x.yaml"):
        r = cli(*args, example_root / place, root=example_root)
        assert r.exit_code == 1 and f"lands in the site's own folder errata/ ({place})" in r.output


def test_stdout_and_places_outside_the_site_still_work_from_inside_it(cli, example_root, tmp_path, monkeypatch):
    monkeypatch.chdir(example_root / "site/nodes")
    r = cli("resolve", "wn-001.example.org", "-o", "-", root=example_root)
    assert r.exit_code == 0 and "packages:" in r.output
    r = cli("report", "--format", "text", "-o", tmp_path / "r.txt", root=example_root)
    assert r.exit_code == 0 and (tmp_path / "r.txt").is_file()
    r = cli("report", "--format", "text", "-o", example_root / "fleet.txt", root=example_root)
    assert r.exit_code == 0, r.output  # the root itself is no site folder
