"""A wrong site is one line naming the file and the key, exit 1: what the commands say about each
file of os/, site/ and errata/ they cannot use."""

import pytest


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
