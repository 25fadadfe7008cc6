"""`resolve`, `explain`, `status` end to end on copies of the repository's example tree."""

import json
import os

import pytest
import yaml

from errata_tpl.output.formats import EXTENSIONS, FORMATS

NODES = 12


def test_resolve_one_node_yaml(example_root, cli):
    r = cli("resolve", "wn-012.example.org", root=example_root)
    assert r.exit_code == 0, r.stderr
    d = yaml.safe_load(r.stdout)
    assert d["node"] == "wn-012.example.org" and d["errata"] == "20261121" and d["errata_from"] == "override"
    assert d["kernel"] == {"version": "5.14.0-362.13.1.el9_3", "from": "errata-init", "kept": ["5.14.0-362.8.1.el9_3"]}
    kernels = [p for p in d["packages"] if p["name"] == "kernel"]
    assert [(k["version"], k["from"], k["multi"]) for k in kernels] == [
        ("5.14.0-362.8.1.el9_3", "keep-kernel", True),
        ("5.14.0-362.13.1.el9_3", "kernel", True),
    ]
    nss = next(p for p in d["packages"] if p["name"] == "nss")
    assert (nss["version"], nss["from"]) == ("3.90.0-3.el9_2", "fix:20261121")


def test_every_example_node_in_every_format(example_root, cli, tmp_path):
    for fmt in FORMATS:
        out = tmp_path / fmt
        r = cli("resolve", "--all", "--format", fmt, "--out-dir", out, root=example_root)
        assert r.exit_code == 0, r.stderr
        files = sorted(p for p in os.listdir(out) if not p.startswith("."))
        assert len(files) == NODES and all(f.endswith("." + EXTENSIONS[fmt]) for f in files)
        assert (out / ".errata-tpl-manifest").read_text().split() == files


def test_out_dir_replaces_only_its_own_stale_files(example_root, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    (out / "mine.txt").write_text("a user's file\n")
    (example_root / "site/nodes/wn-052.example.org.yaml").unlink()
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    assert not (out / "wn-052.example.org.yaml").exists()
    assert (out / "mine.txt").exists()
    assert len([f for f in os.listdir(out) if f.endswith(".yaml")]) == NODES - 1


def test_output_is_deterministic(example_root, cli):
    a = cli("resolve", "--all", "--format", "json", root=example_root).stdout
    b = cli("resolve", "--all", "--format", "json", root=example_root).stdout
    assert a == b
    assert [n["node"] for n in json.loads(a)] == sorted(n["node"] for n in json.loads(a))


def test_several_nodes_to_stdout_are_yaml_documents(example_root, cli):
    r = cli("resolve", "wn-001.example.org", "st-01.example.org", root=example_root)
    docs = list(yaml.safe_load_all(r.stdout))
    assert [d["node"] for d in docs] == ["wn-001.example.org", "st-01.example.org"]


def test_clone_and_cloning_disabled(example_root, cli):
    d = yaml.safe_load(cli("resolve", "wn-061.example.org", root=example_root).stdout)
    ref = yaml.safe_load(cli("resolve", "wn-001.example.org", root=example_root).stdout)
    assert d["clone"] == "wn-001.example.org"
    assert [(p["name"], p["version"]) for p in d["packages"]] == [(p["name"], p["version"]) for p in ref["packages"]]
    assert {p["from"] for p in d["packages"]} == {"clone:wn-001.example.org"}
    own = yaml.safe_load(cli("resolve", "wn-062.example.org", root=example_root).stdout)
    assert "clone" not in own and own["errata"] == "20261001"


def test_user_template(example_root, cli, tmp_path):
    t = tmp_path / "mine.csv.j2"
    t.write_text("{% for p in packages %}{{ node }},{{ p.name }},{{ p.version }}\n{% endfor %}")
    r = cli("resolve", "st-01.example.org", "--template", t, root=example_root)
    assert r.exit_code == 0 and r.stdout.startswith("st-01.example.org,bash,4.4.20-5.el8\n")
    out = tmp_path / "csv"
    assert cli("resolve", "--all", "--template", t, "--out-dir", out, root=example_root).exit_code == 0
    assert (out / "st-01.example.org.csv").is_file()


def test_status_table(example_root, cli):
    r = cli("status", "--wide", root=example_root)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:5] == ["node", "os", "deploy", "errata", "from"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert len(rows) == NODES
    assert rows["db-01.example.org"][2:5] == ["yes", "-", "override"]
    assert rows["ui-01.example.org"][2:5] == ["no", "-", "deploy-off"]
    assert rows["wn-012.example.org"][5:8] == ["5.14.0-362.13.1.el9_3", "errata-init", "5.14.0-362.8.1.el9_3"]
    assert rows["wn-061.example.org"][4] == "clone:wn-001.example.org"
    assert int(rows["wn-001.example.org"][8]) > 0  # changed by errata
    assert rows["wn-051.example.org"][-3:] == ["-", "Critical", "6"]  # reboot, worst, missing CVEs
    assert max(map(len, lines)) > 100
    assert rows["wn-051.example.org"][9:11] == ["canary", "-"]  # stage, hotfixes


def test_status_fits_100_columns_without_wide(example_root, cli):
    wide = cli("status", "--wide", root=example_root).stdout.splitlines()
    lines = cli("status", root=example_root).stdout.splitlines()
    assert max(map(len, lines)) <= 100
    assert lines[0].split() == ["node", "errata", "kernel", "reboot", "worst", "missing", "CVEs"]
    full = {line.split()[0]: line.split() for line in wide[1:]}
    for line in lines[1:]:  # the same cells, fewer columns
        node, errata, kernel, *rest = line.split()
        assert [errata, kernel] == [full[node][3], full[node][5]] and rest == full[node][-3:]
    # a node that fails: ERROR in its row, its error under the table
    node = example_root / "site/nodes/wn-002.example.org.yaml"
    node.write_text(node.read_text() + "clustr: compute\n")
    r = cli("status", root=example_root)
    assert r.exit_code == 1 and max(map(len, r.stdout.splitlines())) <= 100
    assert next(row for row in r.stdout.splitlines() if row.startswith("wn-002")).split()[1] == "ERROR"
    assert "Nodes that failed to resolve (1):\n  wn-002.example.org: site/nodes/wn-002.example.org.yaml:" in r.stdout


def test_explain_suggests_a_near_name(example_root, cli):
    text = cli("explain", "wn-001.example.org", "opensl-libs", root=example_root).stdout
    assert "result: opensl-libs is not in the list of wn-001.example.org (did you mean openssl-libs?)" in text
    text = cli("explain", "wn-001.example.org", "kernel-tool", root=example_root).stdout  # a profile's name too
    assert "(did you mean kernel-tools?)" in text
    text = cli("explain", "wn-001.example.org", "zzzz", root=example_root).stdout
    assert text.rstrip().endswith("result: zzzz is not in the list of wn-001.example.org")


def test_explain(example_root, cli):
    r = cli("explain", "wn-001.example.org", "jdk", root=example_root)
    assert r.exit_code == 0
    text = r.stdout
    assert "cluster lists jdk-11.0.20-fcs.x86_64" in text
    assert "errata:20261121: jdk-11.0.20-fcs.x86_64 -> jdk-11.0.22-fcs.x86_64 (replace-only)" in text
    assert "newer and stays" in text
    assert text.rstrip().endswith("result: jdk-11.0.22-fcs.x86_64 (from errata:20261121)")


def test_explain_a_removed_package(example_root, cli):
    text = cli("explain", "wn-002.example.org", "seamonkey-nss", root=example_root).stdout
    assert "fix:20261121: del seamonkey-nss" in text and "is not in the list" in text


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("site/errata-overrides.yaml", 'wn-001.example.org: "20300101"\n'),
            "node wn-001.example.org: errata profile '20300101' chosen by site/errata-overrides.yaml "
            "key 'wn-001.example.org' does not exist",
        ),
        (("site/site.yaml", "deploy_errata: [oops\n"), "site/site.yaml: malformed YAML (line "),
        (
            ("site/site.yaml", 'deploy_errata: "yes please"\n'),
            "site/site.yaml: key 'deploy_errata': expected true or false, got str 'yes please'",
        ),
        (
            ("site/nodes/wn-001.example.org.yaml", "os: el9-x86_64\npackages: [{name: a, version: 1.10}]\n"),
            "site/nodes/wn-001.example.org.yaml: packages[0]: version must be a quoted string",
        ),
        (
            ("errata/el9-x86_64/20261121-fix.yaml", "actions:\n  - add: {name: nss, version: 1-1, arch: x86_64}\n"),
            "errata/el9-x86_64/20261121-fix.yaml: actions[0]: key 'add': conflicting add",
        ),
    ],
)
def test_user_errors_are_one_line_rc1_and_write_nothing(example_root, cli, tmp_path, edit, message):
    rel, text = edit
    (example_root / rel).write_text(text)
    out = tmp_path / "out"
    r = cli("resolve", "--all", "--out-dir", out, root=example_root)
    assert r.exit_code == 1
    assert r.stderr.startswith("errata-tpl: error: ") and r.stderr.count("\n") == 1
    assert message in r.stderr
    assert not out.exists() or not [f for f in os.listdir(out) if not f.startswith(".")]


def test_unknown_node_and_usage(example_root, cli):
    r = cli("resolve", "ghost.example.org", root=example_root)
    assert r.exit_code == 1 and "unknown node 'ghost.example.org'" in r.stderr
    assert cli("resolve", root=example_root).exit_code == 2
    assert cli("resolve", "--all", "wn-001.example.org", root=example_root).exit_code == 2
    r = cli("resolve", "../../etc/passwd", root=example_root)
    assert r.exit_code == 1 and "bad node name" in r.stderr


def test_unknown_key_is_an_error_with_the_nearest(example_root, cli):
    (example_root / "site/site.yaml").write_text("deploy_errata: true\ninstallonly_limt: 2\n")
    r = cli("resolve", "wn-001.example.org", root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        "errata-tpl: error: site/site.yaml:2: unknown key 'installonly_limt' (did you mean 'installonly_limit'?)\n"
    )


def test_root_from_environment(example_root, cli, monkeypatch):
    monkeypatch.setenv("ERRATA_TPL_ROOT", str(example_root))
    assert cli("resolve", "st-01.example.org").exit_code == 0


def test_verbose_says_how_work_was_shared(example_root, cli, tmp_path):
    out = tmp_path / "all.yaml"
    r = cli("resolve", "--all", "-v", "-o", out, root=example_root)
    assert r.exit_code == 0 and "resolved 12 nodes:" in r.stderr and "distinct package lists" in r.stderr
    assert "resolved 12 nodes" not in cli("resolve", "--all", "-o", out, root=example_root).stderr


def test_out_dir_failure_leaves_earlier_files(example_root, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    before = {p.name: p.read_text() for p in out.iterdir()}
    (example_root / "site/nodes/zz-broken.yaml").write_text("os: el9-x86_64\npackages: [{name: a, version: 1.5}]\n")
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 1
    assert {p.name: p.read_text() for p in out.iterdir()} == before


MANIFEST = ".errata-tpl-manifest"


def test_manifest_cannot_make_resolve_delete_what_it_did_not_write(example_root, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious\n")
    site = example_root / "site/site.yaml"
    site_text = site.read_text()
    (out / "linked.yaml").symlink_to(victim)  # a name the tool writes, but a symlink
    (out / "adir.yaml").mkdir()  # a name the tool writes, but a directory
    (out / "gone.example.org.yaml").write_text("a file an earlier run wrote\n")
    hostile = [
        os.path.relpath(site, out),  # ../root/site/site.yaml
        str(victim),  # an absolute path
        "../victim.yaml",
        "sub/../../victim.yaml",
        ".hidden",
        "..",
        MANIFEST,
        "linked.yaml",
        "adir.yaml",
        "gone.example.org.yaml",
    ]
    (out / ".hidden").write_text("a user's dot file\n")
    (out / MANIFEST).write_text("".join(f"{h}\n" for h in hostile) + (out / MANIFEST).read_text())
    r = cli("resolve", "--all", "--out-dir", out, root=example_root)
    assert r.exit_code == 0, r.stderr
    assert "ignored 7 entries no run of errata-tpl writes" in r.stderr
    assert site.read_text() == site_text and victim.read_text() == "precious\n"
    assert (out / ".hidden").is_file() and (out / "linked.yaml").is_symlink() and (out / "adir.yaml").is_dir()
    assert not (out / "gone.example.org.yaml").exists()  # a plain file of a name it writes, listed: removed
    listed = (out / MANIFEST).read_text().split()
    assert len(listed) == 12 and all(n.endswith(".example.org.yaml") for n in listed)


def test_out_dir_file_names_from_a_template_are_checked(example_root, cli, tmp_path):
    t = tmp_path / "odd.a b.j2"  # the extension would be 'a b'
    t.write_text("{{ node }}\n")
    r = cli("resolve", "--all", "--template", t, "--out-dir", tmp_path / "out", root=example_root)
    assert r.exit_code == 1 and "bad file extension 'a b'" in r.stderr
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


def test_a_directory_where_a_node_file_goes_fails_the_run_before_anything_changes(example_root, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("resolve", "--all", "--out-dir", out, root=example_root).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "wn-001.example.org.yaml").unlink()
    (out / "wn-001.example.org.yaml").mkdir()
    r = cli("resolve", "--all", "--out-dir", out, root=example_root)
    assert r.exit_code == 1 and "wn-001.example.org.yaml: a directory where this run writes a file" in r.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == {k: v for k, v in before.items() if k != "wn-001.example.org.yaml"}
    assert not [n for n in os.listdir(out) if n.startswith(".errata-tpl-staging-")]


def test_a_file_of_a_node_no_run_wrote_is_refused_not_overwritten(example_root, cli, tmp_path):
    # host_vars/<node>.yml people keep their own variables in, before errata-tpl's first run there
    out = tmp_path / "host_vars"
    out.mkdir()
    (out / "wn-001.example.org.yml").write_text("ntp_server: ntp1.example.org\n")
    (out / "other.example.org.yml").write_text("kept: true\n")  # a name this run does not write: left alone
    r = cli("resolve", "--all", "--format", "ansible", "--out-dir", out, root=example_root)
    assert r.exit_code == 1
    assert r.stderr == (
        f"errata-tpl: error: {out}/wn-001.example.org.yml: exists, and no run of errata-tpl wrote it"
        f" (not in {out}/{MANIFEST}): move it away, or write elsewhere; nothing written\n"
    )
    assert sorted(os.listdir(out)) == ["other.example.org.yml", "wn-001.example.org.yml"]
    assert (out / "wn-001.example.org.yml").read_text() == "ntp_server: ntp1.example.org\n"
    (out / "wn-001.example.org.yml").rename(tmp_path / "moved.yml")
    assert cli("resolve", "--all", "--format", "ansible", "--out-dir", out, root=example_root).exit_code == 0
    # from then on the files are the tool's: replaced run after run, one node or all
    assert (
        cli("resolve", "wn-001.example.org", "--format", "ansible", "--out-dir", out, root=example_root).exit_code == 0
    )
    assert cli("resolve", "--all", "--format", "ansible", "--out-dir", out, root=example_root).exit_code == 0
    assert (out / "other.example.org.yml").read_text() == "kept: true\n"
