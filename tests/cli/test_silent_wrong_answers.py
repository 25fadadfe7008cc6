"""Silent wrong answers made errors: each names the file and the key."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import kernel


def test_generate_stdout_and_o_exclude_each_other(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "-o", tmp_path / "p.yaml", root=tmp_path)
    assert r.exit_code == 2 and "--stdout and -o exclude each other" in r.stderr
    assert not (tmp_path / "p.yaml").exists() and r.stdout == ""


def test_a_mirror_of_only_source_rpms_is_an_error(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 src", "b 2-1 src"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", root=tmp_path)
    assert r.exit_code == 1
    assert r.stderr.endswith(
        f"error: {tmp_path / 'mirror'}: only source RPMs (2), no binary package; no profile written\n"
    )
    assert not (tmp_path / "errata").exists()


@pytest.mark.parametrize("good", ["5.14.0-362.8.1.el9_3", "4.18.0-513.11.1.el8_9", "1:6.1-1", "6.5.0~rc1-1.fc39"])
def test_kernel_versions_that_are(good):
    assert kernel.version(good) == good


@pytest.mark.parametrize("bad", ["abc", "7", 7, 5.14, "5.14.0", "5.14.0-", "-1", "a b-1", "1-2-3", None, True, ["1-1"]])
def test_kernel_versions_that_are_not(bad):
    with pytest.raises(UserError, match="is not a kernel version V-R"):
        kernel.version(bad)


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
