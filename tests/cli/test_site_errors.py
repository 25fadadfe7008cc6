"""A wrong site is one line naming the file and the key, exit 1: what the commands say about each
file of os/, site/ and errata/ they cannot use."""

import os
from pathlib import Path

import jsonschema
import pytest
from sitebuilder import SiteBuilder

from errata_tpl.site import schema_json


def run(cli, root, *args):
    r = cli(*args, root=root)
    return r.exit_code, r.stderr


@pytest.mark.parametrize(
    "rel, text, message",
    [
        ("os/el9-x86_64/os.yaml", "arch: x86_64\n", "os/el9-x86_64/os.yaml: key 'version' is required"),
        (
            "os/el9-x86_64/os.yaml",
            "version: el9\narch: x86_64\nkernel: [1]\n",
            "os/el9-x86_64/os.yaml: key 'kernel': expected a mapping",
        ),
        (
            "os/el9-x86_64/os.yaml",
            "version: el9\narch: x86_64\nkernel: {packages: kernel}\n",
            "os/el9-x86_64/os.yaml: kernel: key 'packages': expected a list of package names",
        ),
        ("site/site.yaml", "installonly_limit: 0\n", "key 'installonly_limit': expected a whole number"),
        # a YAML date quoted as the file writes it, not as Python shows it
        (
            "site/site.yaml",
            "deploy_errata: 2026-11-21\n",
            "key 'deploy_errata': expected true or false, got date 2026-11-21",
        ),
        ("site/site.yaml", "errata_defaults: [el9]\n", "key 'errata_defaults': expected a mapping"),
        ("site/site.yaml", "- a list\n", "site/site.yaml: a site file must be a mapping"),
        ("site/nodes/wn-001.example.org.yaml", "cluster: compute\n", "key 'os' is required"),
        ("site/nodes/wn-001.example.org.yaml", "os: ../../etc\n", "key 'os': bad os-id"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\ncluster: ../x\n", "bad cluster name"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\nerrata: ../../x\n", "bad profile name"),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\npackages: ['bash-']\n", "packages[0]: bad"),
        (
            "site/nodes/wn-001.example.org.yaml",
            "os: el9-x86_64\npackages: [{version: 1-1}]\n",
            "packages[0]: package reference without 'name'",
        ),
        ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\nkeep_kernels: 5.14\n", "key 'keep_kernels'"),
        ("site/nodes/wn-001.example.org.yaml", "os: !!python/object/apply:os.system ['true']\n", "malformed YAML"),
        ("site/errata-overrides.yaml", "wn-001.example.org: ../../../etc/passwd\n", "bad profile name"),
        ("site/errata-overrides.yaml", "[1, 2]\n", "must be a mapping"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - {del: a, repl: b}\n", "exactly one of"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - ronly: bash\n", "ronly needs name, version and arch"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - del: a\n    when: 'x ++'\n", "template syntax"),
        ("errata/el9-x86_64/20261121-fix.yaml", "actions: 3\n", "key 'actions': expected a list"),
        (
            "errata/el9-x86_64/20261121.yaml",
            "profile: '20261121'\nos: el9-x86_64\npackages: [{name: a}]\n",
            "packages[0]: a profile entry needs name, version and arch",
        ),
        ("errata/el9-x86_64/20261121-init.yaml", "kernel_version: [1]\n", "key 'kernel_version'"),
    ],
)
def test_bad_configuration(example_root, cli, rel, text, message):
    (example_root / rel).write_text(text)
    rc, err = run(cli, example_root, "resolve", "wn-001.example.org")
    assert rc == 1, err
    assert err.startswith("errata-tpl: error: ") and err.count("\n") == 1 and message in err, err


NODE_NAME = "wn-001.example.org"


def test_equal_hook_suffixes_are_an_error(example_root, cli):
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text() + 'hook_suffix: {init: "-fix", fix: "-fix"}\n')
    r = cli("resolve", NODE_NAME, root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        "errata-tpl: error: site/site.yaml: key 'hook_suffix': init and fix are both '-fix'; they name two files\n"
    )


@pytest.mark.parametrize("key, value", [("profile", '"20250101"'), ("os", "el8-x86_64")])
def test_a_profile_whose_header_disagrees_with_its_file_is_an_error(example_root, cli, key, value):
    p = example_root / "errata/el9-x86_64/20261121.yaml"
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in p.read_text().split("\n")]
    p.write_text("\n".join(lines))
    r = cli("resolve", NODE_NAME, root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"errata-tpl: error: errata/el9-x86_64/20261121.yaml: key '{key}': says ")


@pytest.mark.parametrize("key, value", [("name", "other"), ("os", "el8-x86_64")])
def test_a_hotfix_whose_header_disagrees_with_its_file_is_an_error(example_root, cli, key, value):
    # wn-062 names openssl-urgent: a copy of another hotfix (or another OS's) under its name was applied,
    # and named, as the header said (hotfix:other)
    p = example_root / "errata/el9-x86_64/hotfix-openssl-urgent.yaml"
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in p.read_text().split("\n")]
    p.write_text("\n".join(lines))
    r = cli("resolve", "wn-062.example.org", root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
    assert r.stderr.startswith(
        f"errata-tpl: error: errata/el9-x86_64/hotfix-openssl-urgent.yaml: key '{key}': says {value!r} but the file "
    ), r.stderr


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


@pytest.mark.parametrize("command", [("status",), ("resolve", "wn-001.example.org")])
def test_a_misspelt_file_or_folder_of_site_is_named_not_skipped_silently(example_root, cli, command):
    # a tired admin's typos: the override file that holds db-01 back, a folder of nodes
    site = example_root / "site"
    (site / "errata-overrides.yaml").rename(site / "errata-override.yaml")
    (site / "node").mkdir()
    (site / "nodes/dc2").mkdir()
    (site / "nodes/dc2/wn-101.example.org.yaml").write_text("os: el9-x86_64\n")
    (site / "clusters/gpu.YAML").write_text("packages: []\n")
    (site / "README.md").write_text("kept by people\n")  # no YAML: left alone
    (site / ".site.yaml.swp").write_text("")  # an editor's: left alone
    r = cli(*command, root=example_root)
    assert [line for line in r.stderr.splitlines() if "errata-tpl does not read" in line or "site/" in line] == [
        "warning: site/errata-override.yaml: a file errata-tpl does not read (did you mean site/errata-overrides.yaml?)"
        "; not used",
        "warning: site/node/: a folder errata-tpl does not read (did you mean site/nodes/?)",
        "warning: site/nodes/dc2/: a folder; files are read directly in site/nodes/ only",
        "warning: site/clusters/gpu.YAML: not read: the files of site/clusters/ end in .yaml or .yml",
    ], r.stderr


def test_errata_defaults_and_kernel_pins_of_no_os_are_named(example_root, cli):
    # el9-x86-64 (a '-' for the '_'): every el9 node would silently keep the el9 default
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text().replace('  el8-x86_64: "20261121"', '  el8-x86-64: "20261121"'))
    site.write_text(site.read_text().replace("  el8: 4.18.0-513.11.1.el8_9", "  el8_x86_64: 4.18.0-513.11.1.el8_9"))
    node = example_root / "site/nodes/wn-001.example.org.yaml"
    node.write_text(node.read_text() + "errata_defaults: {sl7: null}\n")
    r = cli("status", root=example_root)
    assert r.exit_code == 0, r.stderr
    idle = "is no os-id or os-version of the site (el8-x86_64, el9-x86_64); the entry chooses nothing"
    assert [line for line in r.stderr.splitlines() if "chooses nothing" in line] == [
        f"warning: site/site.yaml: key 'errata_defaults': 'el8-x86-64' {idle}",
        f"warning: site/site.yaml: key 'kernel_version': 'el8_x86_64' {idle}",
        f"warning: site/nodes/wn-001.example.org.yaml: key 'errata_defaults': 'sl7' {idle}",
    ], r.stderr


def test_profile_cloning_disabled_of_no_node_is_named(example_root, cli):
    # wn-62 for wn-062: the clone it meant to free stays a clone
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text().replace("  wn-062.example.org: true", "  wn-62.example.org: true"))
    r = cli("resolve", "wn-062.example.org", root=example_root)
    assert r.exit_code == 0, r.stderr
    assert 'from: "clone:wn-001.example.org"' in r.stdout
    assert r.stderr.splitlines() == [
        "warning: site/site.yaml: key 'profile_cloning_disabled': 'wn-62.example.org': no such node"
        " (no site/nodes/wn-62.example.org.yaml); the entry decides nothing"
    ], r.stderr


def test_a_name_and_arch_listed_twice_in_one_file_is_named(example_root, cli):
    # two pins of one package in one node file: the later is used, the earlier does nothing (in silence)
    node = example_root / "site/nodes/wn-001.example.org.yaml"
    node.write_text(
        node.read_text() + "packages:\n  - {name: zsh, version: 5.8-9.el9, arch: x86_64}\n"
        "  - zsh-5.8-5.el9.x86_64\n  - zsh-5.8-5.el9.i686\n"
    )
    r = cli("resolve", "wn-001.example.org", "--format", "dnf", root=example_root)
    assert r.exit_code == 0, r.stderr
    assert "zsh-5.8-5.el9.x86_64" in r.stdout and "zsh-5.8-9.el9.x86_64" not in r.stdout
    rel = "site/nodes/wn-001.example.org.yaml"
    assert r.stderr.splitlines() == [  # another arch is another package
        f"warning: {rel}: packages[1]: zsh.x86_64 again ({rel}: packages[0] names it): the later entry is used"
    ], r.stderr
    os_yaml = example_root / "os/el9-x86_64/os.yaml"  # the OS's own list alike
    os_yaml.write_text(os_yaml.read_text().replace("packages:\n", "packages:\n  - bash-5.1.8-6.el9_1.x86_64\n", 1))
    r = cli("resolve", "wn-001.example.org", "--format", "dnf", root=example_root)
    assert r.exit_code == 0 and "warning: os/el9-x86_64/os.yaml: packages[" in r.stderr, r.stderr
    assert "bash.x86_64 again (os/el9-x86_64/os.yaml: packages[0] names it)" in r.stderr, r.stderr


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_an_os_yaml_that_is_no_file_is_named_as_what_it_is(example_root, cli, kind):
    """Not "unknown os" (it is there), and not skipped: its OS's nodes would vanish from --all."""
    os_yaml = example_root / "os/el9-x86_64/os.yaml"
    os_yaml.unlink()
    if kind == "fifo":
        os.mkfifo(os_yaml)
    else:
        os_yaml.mkdir()
    for args in (("resolve", "--all"), ("generate", example_root / "examples", "--os", "el9-x86_64", "--stdout")):
        rc, err = run(cli, example_root, *args)
        assert rc == 1 and err.count("\n") == 1, err
        assert "os/el9-x86_64/os.yaml: not a regular file (a " in err and "unknown os" not in err, err


NODE = "site/nodes/wn-001.example.org.yaml"


def resolve_error(cli, root, node="wn-001.example.org") -> str:
    r = cli("resolve", node, root=root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.stderr
    return r.stderr.removeprefix("errata-tpl: error: ").rstrip("\n")


def test_a_clone_of_another_os_node_is_an_error(example_root, cli):
    (example_root / NODE).write_text("os: el9-x86_64\nclone: st-01.example.org\n")
    assert resolve_error(cli, example_root) == (
        f"{NODE}: key 'clone': st-01.example.org is a node of el8-x86_64 (site/nodes/st-01.example.org.yaml), "
        "this node of el9-x86_64; a clone copies a node of its own os"
    )


@pytest.mark.parametrize("key, value", [("version", "el8"), ("arch", "aarch64")])
def test_an_os_yaml_that_disagrees_with_its_directory_is_an_error(example_root, cli, key, value):
    p = example_root / "os/el9-x86_64/os.yaml"
    text = p.read_text()
    p.write_text(
        text.replace("version: el9\n", f"version: {value}\n")
        if key == "version"
        else text.replace("arch: x86_64\nkernel", f"arch: {value}\nkernel")
    )
    assert resolve_error(cli, example_root) == (
        f"{NODE}: key 'os': os/el9-x86_64/os.yaml: key '{key}': '{value}' disagrees with the os-id of its "
        "directory, el9-x86_64"
    )


@pytest.mark.parametrize(
    "rel, text, key",
    [
        (NODE, "os: el9-x86_64\nkeep_kernels: [5.14.0-362.8.1.el9_3, abc]\n", "keep_kernels"),
        (NODE, "os: el9-x86_64\nrunning_kernel: 7\n", "running_kernel"),
        (NODE, "os: el9-x86_64\nkernel_version: abc\n", "kernel_version"),
        ("site/clusters/compute.yaml", "kernel_version: {el9: '5.14'}\n", "kernel_version"),
        ("errata/el9-x86_64/20261121-init.yaml", "kernel_version: abc\n", "kernel_version"),
    ],
)
def test_a_kernel_version_that_is_not_v_r_is_an_error(example_root, cli, rel, text, key):
    if rel != NODE:
        (example_root / NODE).write_text("os: el9-x86_64\ncluster: compute\n")
    (example_root / rel).write_text(text)
    err = resolve_error(cli, example_root)
    assert f"{rel}: key '{key}': expected a " in err and "kernel version" in err, err
    r = cli("resolve", "wn-001.example.org", "--format", "dnf", root=example_root)
    assert "kernel-abc" not in r.stdout and "kernel-7." not in r.stdout


@pytest.mark.parametrize(
    "text, message",
    [
        ("os: el7-x86_64\n", f"{NODE}: key 'os': unknown os 'el7-x86_64': no os/el7-x86_64/os.yaml"),
        ("os: el9-x86_64\ncluster: gpu\n", f"{NODE}: key 'cluster': site/clusters/gpu.yaml: no such file"),
        (
            "os: el9-x86_64\nclone: wn-999.example.org\n",
            f"{NODE}: key 'clone': unknown node 'wn-999.example.org': no site/nodes/wn-999.example.org.yaml",
        ),
    ],
)
def test_a_missing_os_cluster_or_clone_names_the_node_file_and_key(example_root, cli, text, message):
    (example_root / NODE).write_text(text)
    assert resolve_error(cli, example_root) == message


@pytest.mark.parametrize("where", ["site/errata-overrides.yaml", "site/site.yaml"])
def test_a_profile_choice_that_is_a_hook_name_is_refused(example_root, cli, where):
    if where == "site/site.yaml":
        p = example_root / where
        p.write_text(p.read_text().replace('el9: "20261001"', 'el9: "20261001-init"'))
        assert "20261001-init" in p.read_text()
        node = "wn-051.example.org"
    else:
        (example_root / where).write_text('wn-001.example.org: "20261001-init"\n')
        node = "wn-001.example.org"
    r = cli("resolve", node, root=example_root)
    assert r.exit_code == 1 and "bad profile name '20261001-init'" in r.stderr, r.stderr


def test_an_empty_hook_suffix_is_refused(example_root, cli):
    site = example_root / "site/site.yaml"
    site.write_text(site.read_text() + 'hook_suffix: {init: "", fix: "-fix"}\n')
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1 and "key 'hook_suffix': bad hook suffix ''" in r.stderr


def _site(tmp_path: Path, fix: dict) -> Path:
    prof = {"profile": "20261121", "os": "el9-x86_64", "generated": "x", "source": "m", "packages": []}
    return (
        SiteBuilder(tmp_path / "root")
        .os("el9-x86_64", packages=["bash-1-1.el9.x86_64"])
        .errata("el9-x86_64", "20261121", prof)
        .errata("el9-x86_64", "20261121-fix", fix)
        .site(deploy_errata=True, errata_defaults={"el9": "20261121"})
        .node("n1", os="el9-x86_64")
        .root
    )


def test_add_with_multi_inside_the_reference_as_the_spec_writes_it(tmp_path, cli):
    add = {"add": {"name": "bash", "version": "2-1.el9", "arch": "x86_64", "multi": True}}
    root = _site(tmp_path, {"actions": [add]})
    jsonschema.validate({"actions": [add]}, schema_json.json_schema("fix-hook"))
    r = cli("resolve", "n1", "--format", "dnf", root=root)
    assert r.exit_code == 0, r.stderr
    assert "bash-1-1.el9.x86_64" in r.stdout and "bash-2-1.el9.x86_64" in r.stdout


def test_an_actions_error_names_the_file_and_key(tmp_path, cli):
    root = _site(tmp_path, {"actions": [{"add": {"name": "bash", "version": "2-1.el9", "arch": "x86_64"}}]})
    r = cli("resolve", "n1", root=root)
    assert r.exit_code == 1
    assert "errata/el9-x86_64/20261121-fix.yaml: actions[0]: key 'add': conflicting add" in r.stderr


def test_a_value_of_megabytes_is_quoted_cut_in_its_middle(example_root, cli):
    """An error quotes what it names: a 9 MB package reference was a 9 MB error line."""
    node = example_root / "site/nodes/wn-001.example.org.yaml"
    node.write_text(node.read_text() + "packages: ['bash 1-1 " + "x" * 9_000_000 + "']\n")
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output[:500]
    assert len(r.stderr) < 5000
    line = r.stderr
    assert line.startswith("errata-tpl: error: site/nodes/wn-001.example.org.yaml: packages[0]: bad package name 'bash")
    assert "characters left out]..." in line and line.endswith("x'\n")
