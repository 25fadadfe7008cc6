"""`diff`: profiles, resolved lists, nodes, and a node's preview of another profile."""

import json

import pytest


def test_two_profiles_by_name_with_advisories(example_root, cli):
    r = cli("diff", "20261001", "20261121", "--os", "el9-x86_64", "--format", "json", root=example_root)
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    bash = next(c for c in d["upgraded"] if c["name"] == "bash")
    assert (bash["from"], bash["to"]) == ("5.1.8-6.el9_1", "5.1.8-9.el9")
    assert bash["advisories"][0]["id"] == "EXSA-2026:1001" and bash["cves"] == ["CVE-2026-10001"]
    assert d["summary"]["downgraded"] == 0 and d["summary"]["upgraded"] >= 8


def test_two_profile_files_and_two_resolved_files(example_root, cli, tmp_path):
    e = example_root / "errata/el9-x86_64"
    r = cli("diff", e / "20261001.yaml", e / "20261121.yaml", root=example_root)
    assert r.exit_code == 0 and "upgraded    openssl-libs.x86_64  1:3.0.7-18.el9_2 -> 1:3.0.7-24.el9" in r.stdout
    out = tmp_path / "out"
    cli("resolve", "--all", "--format", "json", "--out-dir", out, root=example_root)
    r = cli("diff", out / "wn-051.example.org.json", out / "wn-001.example.org.json", root=example_root)
    assert "upgraded    bash.x86_64  5.1.8-6.el9_1 -> 5.1.8-9.el9  [EXSA-2026:1001" in r.stdout
    assert "downgraded" not in r.stdout.splitlines()[-1] or "0 downgraded" in r.stdout.splitlines()[-1]


def test_two_nodes(example_root, cli):
    r = cli(
        "diff", "--node", "wn-001.example.org", "--node", "wn-012.example.org", "--format", "json", root=example_root
    )
    d = json.loads(r.stdout)
    assert {(c["name"], c["to"]) for c in d["added"]} == {
        ("kernel", "5.14.0-362.8.1.el9_3"),
        ("kernel-core", "5.14.0-362.8.1.el9_3"),
        ("kernel-modules", "5.14.0-362.8.1.el9_3"),
        ("kmod-xfs-5.14.0-362.8.1.el9_3", "1.0-1.el9"),
    }
    assert d["removed"] == [] and d["upgraded"] == []


def test_preview_a_profile(example_root, cli):
    r = cli("diff", "wn-051.example.org", "--profile", "20261121", root=example_root)
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "--- wn-051.example.org (20261001)"
    assert "upgraded    kernel.x86_64  5.14.0-362.8.1.el9_3 -> 5.14.0-362.13.1.el9_3  [EXSA-2026:1005" in r.stdout
    # nothing was written, and the node still resolves to its own profile
    assert 'errata: "20261001"' in cli("resolve", "wn-051.example.org", root=example_root).stdout


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "diff needs A and B (files, or profile names with --os), --node N1 --node N2, or NODE --profile P"),
        (
            ("wn-001.example.org",),
            "diff needs A and B (files, or profile names with --os), --node N1 --node N2, or NODE --profile P",
        ),
        (("--node", "wn-001.example.org"), "diff --node takes exactly two nodes: --node N1 --node N2"),
        (("--profile", "20261121"), "diff NODE --profile P: name one node"),
        (("a", "b", "--hotfix", "h"), "diff NODE --hotfix NAME: name one node"),
    ],
)
def test_usage_errors(example_root, cli, args, message):
    """Exit 2 and click's usage message, as click's own usage errors."""
    r = cli("diff", *args, root=example_root)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Usage: ") and r.stderr.endswith(f"\nError: {message}\n"), r.stderr


def test_what_is_not_there_is_an_error(example_root, cli):
    r = cli("diff", "20261001", "20261121", root=example_root)  # no such file (the same for a FIFO)
    assert r.exit_code == 1 and "--os" in r.stderr
    r = cli("diff", "20261001", "20991231", "--os", "el9-x86_64", root=example_root)
    assert r.exit_code == 1 and "no profile 20991231" in r.stderr


def test_explain_and_status_show_advisories(example_root, cli):
    text = cli("explain", "wn-001.example.org", "openssl-libs", root=example_root).stdout
    assert "advisories: EXSA-2026:1002 security Critical 2026-11-12; CVE-2026-10002 CVE-2026-10003" in text
    text = cli("explain", "wn-051.example.org", "bash", root=example_root).stdout
    assert "missing: profile 20261121 has bash-5.1.8-9.el9.x86_64 (EXSA-2026:1001" in text
    lines = cli("status", root=example_root).stdout.splitlines()
    assert lines[0].rstrip().endswith("missing CVEs")
    rows = {line.split()[0]: line.split()[-1] for line in lines[1:]}
    assert rows["wn-001.example.org"] == "0" and int(rows["wn-051.example.org"]) > 0


def test_two_profiles_compare_their_kernels(example_root, cli):
    """kernels: are versions side by side: added, removed and kept, with advisories."""
    new, old = "5.14.0-362.13.1.el9_3", "5.14.0-362.8.1.el9_3"
    r = cli("diff", "20261001", "20261121", "--os", "el9-x86_64", root=example_root)
    assert r.exit_code == 0, r.stderr
    assert (
        f"kernel      kernel.x86_64  added {new}  [EXSA-2026:1005 (security, Important)] CVE-2026-10005; kept {old}"
        in r.stdout.splitlines()
    )
    assert r.stdout.splitlines()[-1].endswith("; kernel versions: 5 added, 0 removed, 3 kept")
    d = json.loads(
        cli("diff", "20261001", "20261121", "--os", "el9-x86_64", "--format", "json", root=example_root).stdout
    )
    kernels = {k["name"]: k for k in d["kernels"]}
    assert sorted(kernels) == ["kernel", "kernel-core", "kernel-devel", "kernel-modules", "kernel-tools"]
    assert kernels["kernel-core"]["added"][0]["version"] == new
    assert kernels["kernel-core"]["added"][0]["cves"] == ["CVE-2026-10005"]
    assert kernels["kernel-core"]["kept"] == [old] and kernels["kernel-devel"]["kept"] == []
    assert d["summary"]["kernels"] == {"added": 5, "removed": 0, "kept": 3}
    # the other way round, and as files: the newer kernel goes
    e = example_root / "errata/el9-x86_64"
    back = json.loads(
        cli("diff", e / "20261121.yaml", e / "20261001.yaml", "--format", "json", root=example_root).stdout
    )
    assert {k["name"]: k["removed"] for k in back["kernels"]}["kernel"] == [new]
    assert back["summary"]["kernels"] == {"added": 0, "removed": 5, "kept": 3}
