"""Strict by default: an unknown key is an error (file:line, the near key) in every
command and in the JSON Schemas; every key a file may have reaches the typed values;
entries that decide nothing are named."""

import dataclasses
from pathlib import Path

import jsonschema
import pytest
import yaml

from errata_tpl.site import config, schema, schema_json
from errata_tpl.site.tree import Tree

REPO = Path(__file__).resolve().parents[2]
NODE = "wn-001.example.org"
NODE_FILE = f"site/nodes/{NODE}.yaml"

# a command of each kind that reads the node files
COMMANDS = [
    ["resolve", NODE],
    ["resolve", "--all"],
    ["explain", NODE, "nss"],
    ["status"],
    ["report", "--format", "text"],
    ["diff", "--node", NODE, "--node", "wn-002.example.org"],
    ["check", "--all", "--repo", REPO / "examples/mirror/el9"],
]


def _append(path: Path, text: str) -> int:
    """Append lines to a file; the line number of the first one."""
    old = path.read_text()
    path.write_text(old + ("" if old.endswith("\n") else "\n") + text)
    return old.count("\n") + 1 + (0 if old.endswith("\n") else 1)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_misspelt_key_in_a_node_file_is_an_error_in_every_command(cli, example_root, args):
    line = _append(example_root / NODE_FILE, "clustr: compute\n")
    r = cli(*args, root=example_root)
    message = f"{NODE_FILE}:{line}: unknown key 'clustr' (did you mean 'cluster'?)"
    assert r.exit_code == 1
    if args[0] in ("status", "report"):  # the fleet is shown, the node failing in it with its error
        assert message in " ".join(r.stdout.split())  # text wraps long lines
    else:
        assert r.stdout == "" and r.stderr == f"errata-tpl: error: {message}\n"


@pytest.mark.parametrize(
    "rel, text, message",
    [
        (
            "site/site.yaml",
            "installonly_limt: 4\n",
            "unknown key 'installonly_limt' (did you mean 'installonly_limit'?)",
        ),
        ("site/clusters/compute.yaml", "pakages: []\n", "unknown key 'pakages' (did you mean 'packages'?)"),
        ("site/site.yaml", "hook_suffix: {fxi: -fix}\n", "hook_suffix: unknown key 'fxi' (did you mean 'fix'?)"),
        (
            "site/site.yaml",
            "packages:\n  - {name: bash, verison: 5.1-1}\n",
            "packages[1]: unknown key 'verison' (did you mean 'version'?)",
        ),
        (
            "errata/el9-x86_64/20261121-init.yaml",
            "variable: {}\n",
            "unknown key 'variable' (did you mean 'variables'?)",
        ),
    ],
)
def test_unknown_keys_name_the_file_the_line_and_the_near_key(cli, example_root, rel, text, message):
    path = example_root / rel
    line = _append(path, text)
    if "packages:" in text:  # appended to the site's existing list instead
        data = yaml.safe_load(path.read_text().replace(text, ""))
        data["packages"].append({"name": "bash", "verison": "5.1-1"})
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        line = path.read_text().splitlines().index("  verison: 5.1-1") + 1
    r = cli("resolve", "--all", root=example_root)
    assert r.exit_code == 1
    assert r.stderr == f"errata-tpl: error: {rel}:{line}: {message}\n"


def test_an_unknown_fix_hook_action_is_an_error_naming_its_line(cli, example_root):
    hook = example_root / "errata/el9-x86_64/20261121-fix.yaml"
    text = hook.read_text()
    assert "  - del: seamonkey-nss\n" in text
    hook.write_text(text.replace("  - del: seamonkey-nss\n", "  - delete: seamonkey-nss\n"))
    line = hook.read_text().splitlines().index("  - delete: seamonkey-nss") + 1
    r = cli("resolve", "--all", root=example_root)
    assert r.exit_code == 1
    assert r.stderr.startswith(
        f"errata-tpl: error: errata/el9-x86_64/20261121-fix.yaml:{line}: actions[0]: "
        "unknown key 'delete' (did you mean 'del'?)"
    ), r.stderr


def test_an_unknown_key_in_the_os_kernel_mapping(cli, example_root):
    path = example_root / "os/el9-x86_64/os.yaml"
    text = path.read_text()
    path.write_text(text.replace("kernel:\n", "kernel:\n  verison: 5.14.0-1.el9\n", 1))
    line = path.read_text().splitlines().index("  verison: 5.14.0-1.el9") + 1
    r = cli("resolve", NODE, root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        f"errata-tpl: error: os/el9-x86_64/os.yaml:{line}: kernel: unknown key 'verison' (did you mean 'version'?)\n"
    )


def test_a_key_nothing_is_near_lists_the_known_ones(cli, example_root):
    line = _append(example_root / NODE_FILE, "zzz: 1\n")
    r = cli("resolve", NODE, root=example_root)
    assert r.stderr.startswith(f"errata-tpl: error: {NODE_FILE}:{line}: unknown key 'zzz' (known: deploy_errata, ")


def test_unknown_keys_of_stages_and_profiles(cli, example_root):
    stages = example_root / "site/stages.yaml"
    original = stages.read_text()
    line = _append(stages, "repo: {}\n")
    r = cli("stages", root=example_root)
    assert r.exit_code == 1 and r.stderr == (
        f"errata-tpl: error: site/stages.yaml:{line}: unknown key 'repo' (did you mean 'repos'?)\n"
    )
    stages.write_text(original.replace("soak:", "soaks:", 1))
    r = cli("stages", root=example_root)
    assert r.exit_code == 1 and "unknown key 'soaks' (did you mean 'soak'?)" in r.stderr
    stages.write_text(original)
    profile = example_root / "errata/el9-x86_64/20261121.yaml"
    line = _append(profile, "kernel_namd: []\n")
    r = cli("resolve", NODE, root=example_root)
    assert r.exit_code == 1 and r.stderr == (
        f"errata-tpl: error: errata/el9-x86_64/20261121.yaml:{line}: unknown key 'kernel_namd' "
        "(did you mean 'kernel_named'?)\n"
    )


@pytest.mark.parametrize(
    "kind, data",
    [
        ("node", {"os": "el9-x86_64", "clustr": "c"}),
        ("site", {"hook_suffix": {"fxi": "-fix"}}),
        ("site", {"packages": [{"name": "a", "verison": "1-1"}]}),
        ("site", {"errata_defaults": {"el9": "2026-11-21"}}),  # not a profile name
        ("node", {"os": "el9"}),  # not an os-id
        ("node", {"os": "el9-x86_64", "hotfixes": ["../x"]}),
        ("os", {"version": "el9", "arch": "x86_64", "kernel": {"verison": "1-1"}}),
        ("fix-hook", {"actions": [{"replace": {"name": "a"}}]}),
        ("init-hook", {"variable": {}}),
        ("overrides", {"wn-001": "2026-11-21"}),
        ("stages", {"stages": [{"name": "a", "nodes": ["*"], "soaks": "2d"}]}),
        ("profile", {"profile": "20261121", "os": "el9-x86_64", "kernel_namd": []}),
        ("hotfix", {"name": "x", "os": "el9-x86_64", "packges": []}),
        (
            "promotions",
            [{"profile": "20261121", "os": "el9-x86_64", "stage": "a", "time": "x", "by": "me", "nte": "x"}],
        ),
    ],
)
def test_the_json_schemas_reject_unknown_keys_and_bad_names(kind, data):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema_json.json_schema(kind))


def _non_default(f: dataclasses.Field) -> object:
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]


EVERY_SETTING = {
    "deploy_errata": True,
    "errata_defaults": {"el9": "20261121"},
    "kernel_version": {"el9": "5.14.0-1.el9"},
    "hook_suffix": {"init": "-i", "fix": "-f"},
    "installonly_limit": 4,
    "profile_cloning_disabled": {"wn-001.example.org": True},
    "variables": {"A": 1},
    "packages": ["bash"],
    "modules": {"nodejs": "20"},
    "hotfixes": ["urgent"],
    "base": "installed",
    "manage": "listed",
    "kernel": {"follow": "profile"},
}
EVERY_SITE_KEY = {
    **EVERY_SETTING,
    "repos": {"el9-x86_64": ["examples/mirror/el9"]},
    "announce": {"from": "errata@example.org", "to": ["ops@example.org"]},
    "installed": "inventories",
}
EVERY_NODE_KEY = {
    **EVERY_SETTING,
    "kernel_version": "5.14.0-2.el9",
    "os": "el9-x86_64",
    "cluster": "compute",
    "errata": "20261121",
    "running_kernel": "5.14.0-3.el9",
    "keep_kernels": ["5.14.0-4.el9"],
    "clone": "wn-002.example.org",
}


def test_a_file_that_sets_every_key_sets_every_field(example_root):
    """The keys the schema knows are the fields the tree fills: none accepted and ignored."""
    assert set(EVERY_SETTING) == set(schema.kinds()["cluster"])
    assert set(EVERY_SITE_KEY) == set(schema.kinds()["site"])
    assert set(EVERY_NODE_KEY) == set(schema.kinds()["node"])
    (example_root / "site/site.yaml").write_text(yaml.safe_dump(EVERY_SITE_KEY))
    (example_root / "site/clusters/compute.yaml").write_text(yaml.safe_dump(EVERY_SETTING))
    (example_root / NODE_FILE).write_text(yaml.safe_dump(EVERY_NODE_KEY))
    tree = Tree(example_root)
    for got, cls in (
        (tree.site, config.SiteConfig),
        (tree.cluster("compute"), config.Settings),
        (tree.node(NODE), config.NodeConfig),
    ):
        unset = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in ("where", "name", *(("kernel_version",) if cls is config.NodeConfig else ()))
            and getattr(got, f.name) == _non_default(f)
        ]
        assert unset == [], f"{got.where}: fields no key set: {unset}"
    nd = tree.node(NODE)
    assert nd.kernel_pin == "5.14.0-2.el9" and nd.kernel_version == {}  # a node's kernel_version is its pin
    for path, kind in ((example_root / "site/site.yaml", "site"), (example_root / NODE_FILE, "node")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema_json.json_schema(kind))


def test_every_settings_field_is_a_key():
    """A Settings field that no key fills would never be set: each is one, or says why not."""
    derived = {"where", "name", "errata_set"}
    keyed = {f.metadata["key"] or f.name for f in dataclasses.fields(config.NodeConfig) if "type" in f.metadata}
    assert {f.name for f in dataclasses.fields(config.NodeConfig)} - derived - {"kernel_pin"} <= keyed | {
        "kernel_version"
    }


# --- what decides nothing is named --------------------------------------------------------


def test_override_entries_that_decide_nothing_are_named(cli, example_root):
    path = example_root / "site/errata-overrides.yaml"
    _append(path, '"wn-9*": "20261121"\nwn-999.example.org: null\n"wn-00*": "20261001"\n')
    r = cli("resolve", "--all", "-o", "/dev/null", root=example_root)
    assert r.exit_code == 0
    rel = "site/errata-overrides.yaml"
    assert f"warning: {rel}: key 'wn-9*': the glob matches no node; the entry decides nothing\n" in r.stderr
    assert f"warning: {rel}: key 'wn-999.example.org': no such node (no site/nodes/wn-999.example.org.yaml)" in r.stderr
    assert f"warning: {rel}: key 'wn-00*': earlier entries decide every node it matches" in r.stderr
    assert r.stderr.count("decides nothing") == 3


def test_hook_files_no_node_can_read_are_named(cli, example_root):
    d = example_root / "errata/el9-x86_64"
    (d / "20261122-fix.yaml").write_text("actions: []\n")  # no such profile
    (d / "20261121-fixes.yaml").write_text("actions: []\n")  # no such suffix
    r = cli("resolve", "--all", "-o", "/dev/null", root=example_root)
    assert r.exit_code == 0
    assert (
        "warning: errata/el9-x86_64/20261122-fix.yaml: a hook of profile 20261122, which el9-x86_64 does not have; "
        "no node reads it\n"
    ) in r.stderr
    assert (
        "warning: errata/el9-x86_64/20261121-fixes.yaml: not a profile, a hotfix, nor a hook "
        "(<profile>-fix.yaml, <profile>-init.yaml); no node reads it\n"
    ) in r.stderr


def test_fix_hook_actions_that_find_nothing_on_any_node_are_named(cli, example_root):
    _append(
        example_root / "errata/el9-x86_64/20261121-fix.yaml",
        '  - del: seamonkey-nsss\n  - repl: {name: jdk, version: 1-1, arch: x86_64}\n    when: "NOPE is defined"\n'
        "  - ronly: {name: firefox, version: 1-1, arch: x86_64}\n    if_present: no-such\n",
    )
    rel = "errata/el9-x86_64/20261121-fix.yaml"
    said = [
        f"warning: {rel}: actions[{i}]: {what} finds nothing on any node of its profile "
        "(check the name, 'when' and 'if_present'); the action changes nothing\n"
        for i, what in ((4, "del seamonkey-nsss"), (5, "repl jdk"), (6, "ronly firefox"))
    ]
    for args in (
        ("resolve", "--all", "-o", "/dev/null"),
        ("status",),
        ("report", "--format", "json", "-o", "/dev/null"),
    ):
        r = cli(*args, root=example_root)
        assert r.exit_code == 0 and all(s in r.stderr for s in said), (args, r.stderr)
        assert "del seamonkey-nss " not in r.stderr  # wn-002 has it: that action finds something
    r = cli("resolve", "wn-001.example.org", root=example_root)  # one node says nothing of the others
    assert r.exit_code == 0 and "finds nothing" not in r.stderr


def test_a_node_failing_inside_a_fix_hook_is_its_one_word_on_that_hook(cli, example_root):
    # an undefined variable stops the nodes of the profile at actions[4]: the actions after it did
    # not run on them, so "finds nothing" would point the admin at lines that are not wrong
    _append(
        example_root / "errata/el9-x86_64/20261121-fix.yaml",
        '  - del: seamonkey-nss\n    when: "NOPE == 1"\n  - del: seamonkey-nsss\n',
    )
    r = cli("status", root=example_root)
    assert r.exit_code == 1 and "actions[4]: key 'when': undefined" in r.stdout, r.output
    assert "finds nothing" not in r.stderr, r.stderr


def test_the_example_site_says_nothing_of_the_kind(cli, example_root):
    r = cli("resolve", "--all", "-o", "/dev/null", root=example_root)
    assert "decides nothing" not in r.stderr and "no node reads it" not in r.stderr
    assert "finds nothing" not in r.stderr
