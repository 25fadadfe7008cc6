"""Data loss: a hostile --out-dir manifest, profile names that are hook file names."""

import os

import pytest

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


@pytest.mark.parametrize(
    "name",
    ["20261121-fix", "20261001-init", "20261301", "99999999", "20260230", "", "2026112", "202611210", "2026-11-21"],
)
def test_profile_name_is_a_calendar_date_never_a_hook(make_rpms, example_root, cli, tmp_path, name):
    make_rpms(["a 1-1 x86_64"])
    d = example_root / "errata/el9-x86_64"
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", name, "--force", root=example_root)
    assert r.exit_code == 1 and f"bad profile name {name!r}: expected a calendar date YYYYMMDD" in r.stderr
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before


def test_a_real_date_is_a_profile(make_rpms, example_root, cli, tmp_path):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20280229", root=example_root)
    assert r.exit_code == 0 and (example_root / "errata/el9-x86_64/20280229.yaml").is_file()


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


def test_a_text_written_in_chunks_is_whole_or_not_at_all(tmp_path):
    """A report is written chunk by chunk (never one string); a failure while making
    the chunks leaves the old file as it was, and no temporary file."""
    from errata_tpl.errors import UserError
    from errata_tpl.fileio import atomic

    out = tmp_path / "report.json"
    out.write_text("old\n")

    def chunks():
        yield "new, part 1\n"
        raise UserError("the report could not be made")

    with pytest.raises(UserError):
        atomic.write_chunks(out, chunks())
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    atomic.write_chunks(out, (f"line {i}\n" for i in range(100_000)))
    assert out.read_text() == "".join(f"line {i}\n" for i in range(100_000))
