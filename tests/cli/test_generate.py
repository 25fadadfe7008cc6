"""`errata-tpl generate` end to end, on real RPMs."""

import hashlib
import json
import os
import subprocess
import sys
import time

import pytest
import rpmfactory
import yaml
from conftest import errata_tpl, minimal_site

from errata_tpl.fileio import atomic
from errata_tpl.mirror import scan
from errata_tpl.profile import profile as profilemod

MIRROR = [
    "bash 5.1.8-6.el9_1 x86_64",
    "bash 5.1.8-9.el9 x86_64",
    "openssl-libs 1:3.0.7-24.el9 x86_64",
    "kernel 5.14.0-362.13.1.el9_3 x86_64",
    "bash 5.1.8-9.el9 src",
]


def test_writes_the_dated_profile(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    make_rpms(MIRROR)
    root = tmp_path / "root"
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    path = root / "errata/el9-x86_64/20261121.yaml"
    data = yaml.safe_load(path.read_text())
    assert data["profile"] == "20261121" and data["os"] == "el9-x86_64"
    assert data["generated"] == "2026-11-21T06:00:00Z"
    assert data["source"] == str(tmp_path / "mirror")
    assert data["packages"] == [
        {"name": "bash", "version": "5.1.8-9.el9", "arch": "x86_64"},
        {"name": "openssl-libs", "version": "1:3.0.7-24.el9", "arch": "x86_64"},
    ]
    assert data["kernels"] == [{"name": "kernel", "version": "5.14.0-362.13.1.el9_3", "arch": "x86_64"}]
    assert data["kernel_named"] == []
    # the summary line counts files read, skipped and kept
    assert "5 files (0 from cache): 5 read, 0 skipped, 1 source; kept 2 packages" in r.stderr
    # and it reads back as a profile
    assert len(profilemod.load(path).packages) == 2


def test_output_is_byte_identical_across_runs(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    make_rpms(MIRROR)
    a = cli(
        "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", "--stdout", root=tmp_path
    ).stdout
    b = cli(
        "generate",
        tmp_path / "mirror",
        "--os",
        "el9-x86_64",
        "--profile",
        "20261121",
        "--stdout",
        "--no-cache",
        root=tmp_path,
    ).stdout
    assert a == b and a.startswith('profile: "20261121"\n')


def test_refuses_to_overwrite_a_profile_without_force(make_rpms, tmp_path, cli):
    make_rpms(MIRROR)
    root = tmp_path / "root"
    target = root / "errata/el9-x86_64/20261121.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("the record\n")
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", root=root)
    assert r.exit_code == 1
    assert "exists" in r.stderr and "--force" in r.stderr and str(target) in r.stderr
    assert target.read_text() == "the record\n"
    assert sorted(os.listdir(target.parent)) == ["20261121.yaml"]  # no lock or temp files left
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", "--force", root=root)
    assert r.exit_code == 0 and "bash" in target.read_text()


def test_bad_files_are_named_and_the_run_succeeds(make_rpms, tmp_path, cli):
    paths = make_rpms([*MIRROR, "bash 5.1.8-20.el9 x86_64", "zlib 1.2-1 x86_64"])
    rpmfactory.flip_payload_byte(paths[-2])  # the newest bash is damaged: the older one is kept
    paths[-1].write_bytes(b"")
    (tmp_path / "mirror" / "notes.rpm").write_text("not an rpm")
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", root=tmp_path)
    assert r.exit_code == 0
    data = yaml.safe_load(r.stdout)
    assert {"name": "bash", "version": "5.1.8-9.el9", "arch": "x86_64"} in data["packages"]
    assert "zlib" not in r.stdout
    for name in ("bash-5.1.8-20.el9.x86_64.rpm", "zlib-1.2-1.x86_64.rpm", "notes.rpm"):
        assert any(name in line and "skipped" in line for line in r.stderr.splitlines()), name
    assert "3 skipped" in r.stderr


def test_pan_format(make_rpms, tmp_path, cli):
    make_rpms(MIRROR)
    r = cli(
        "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", "--format", "pan", root=tmp_path
    )
    assert r.exit_code == 0
    text = (tmp_path / "errata/el9-x86_64/20261121.pan").read_text()
    assert "unique template rpms/errata/20261121;" in text
    assert "'/software/packages'=pkg_ronly('bash','5.1.8-9.el9','x86_64');" in text.splitlines()
    assert "'/software/packages'=pkg_ronly('openssl-libs','1:3.0.7-24.el9','x86_64');" in text.splitlines()
    kernel = [line for line in text.splitlines() if "'kernel'" in line]
    assert kernel == ["# '/software/packages'=pkg_ronly('kernel','5.14.0-362.13.1.el9_3','x86_64');"]


def test_output_option_and_default_profile_name(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    make_rpms(MIRROR)
    out = tmp_path / "elsewhere.yaml"
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "-o", out, "-q", root=tmp_path)
    assert r.exit_code == 0 and r.stderr == ""
    assert yaml.safe_load(out.read_text())["profile"] == "20261121"


def test_no_rpms_is_an_error_and_writes_nothing(tmp_path, cli):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "broken.rpm").write_text("x")
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", root=tmp_path)
    assert r.exit_code == 1 and "no readable RPM packages" in r.stderr
    assert not (tmp_path / "errata").exists()


def test_bad_names_are_refused(make_rpms, tmp_path, cli):
    make_rpms(MIRROR)
    for args in (["--os", "../etc"], ["--os", "el9-x86_64", "--profile", "../../x"], ["--os", "el9"]):
        r = cli("generate", tmp_path / "mirror", *args, root=tmp_path)
        assert r.exit_code == 1 and "bad" in r.stderr, args
    assert not (tmp_path / "errata").exists()


def test_second_run_reuses_work(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the runs may straddle a second
    paths = make_rpms(MIRROR)
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    first = cli(*args, root=tmp_path)
    second = cli(*args, root=tmp_path)
    assert "(0 from cache)" in first.stderr and "unchanged since the last run" in second.stderr
    assert first.stdout == second.stdout
    os.utime(paths[0], ns=(1, 1))  # one file changed: the others' headers come from the cache
    third = cli(*args, root=tmp_path)
    assert "(4 from cache)" in third.stderr and third.stdout == first.stdout
    assert list((tmp_path / ".errata-tpl-cache" / "headers").glob("*.json"))
    fourth = cli(*args, "--no-cache", root=tmp_path)
    assert "(0 from cache)" in fourth.stderr and fourth.stdout == first.stdout


def test_changed_options_are_not_reused(make_rpms, tmp_path, cli):
    make_rpms(MIRROR)
    args = ("generate", tmp_path / "mirror", "--stdout")
    a = cli(*args, "--os", "el9-x86_64", root=tmp_path)
    b = cli(*args, "--os", "el8-x86_64", root=tmp_path)
    assert "unchanged" not in b.stderr and "os: el8-x86_64" in b.stdout and "os: el9-x86_64" in a.stdout


def test_user_error_has_no_traceback_as_a_process(tmp_path):
    minimal_site(tmp_path, "el9-x86_64")
    env = dict(os.environ, ERRATA_TPL_ROOT=str(tmp_path))
    p = subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "generate", str(tmp_path / "nope"), "--os", "el9-x86_64"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "Traceback" not in p.stderr
    assert "nope: not a directory" in p.stderr


def test_damaged_memo_is_a_miss(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the runs may straddle a second
    make_rpms(MIRROR)
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    first = cli(*args, root=tmp_path)
    (f,) = (tmp_path / ".errata-tpl-cache" / "profiles").glob("*.json")
    seal, _, text = f.read_text().partition("\n")
    data = json.loads(text)
    data["yaml_body"] = data["yaml_body"].replace("bash", "bosh")
    f.write_text(f"{seal}\n{json.dumps(data)}")
    again = cli(*args, root=tmp_path)
    assert again.exit_code == 0 and again.stdout == first.stdout and "unchanged" not in again.stderr
    assert f"warning: {f}: not as errata-tpl wrote this cache" in again.stderr


def test_only_the_builds_named_get_the_whole_file_check_unless_check_all(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    paths = make_rpms([*MIRROR, "bash 5.1.8-1.el9 x86_64"])
    rpmfactory.flip_payload_byte(paths[-1])  # an old build no profile would name
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "-v")
    r = cli(*args, "--no-cache", root=tmp_path)
    assert r.exit_code == 0 and "bash-5.1.8-1.el9" not in r.stderr and "0 skipped" in r.stderr
    assert "3 files passed (the builds the profile names" in r.stderr  # bash, openssl-libs, kernel
    full = cli(*args, "--check-all", root=tmp_path)
    assert full.exit_code == 0 and "1 skipped" in full.stderr
    assert any("bash-5.1.8-1.el9.x86_64.rpm: skipped: Payload" in line for line in full.stderr.splitlines())
    assert full.stdout == r.stdout  # the same profile either way


def test_pan_from_a_reused_result_is_the_same(make_rpms, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    make_rpms(MIRROR)
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", "--stdout")
    yaml_first = cli(*args, root=tmp_path)
    pan_reused = cli(*args, "--format", "pan", root=tmp_path)
    pan_fresh = cli(*args, "--format", "pan", "--no-cache", root=tmp_path)
    assert "unchanged since the last run" in pan_reused.stderr and "unchanged" not in pan_fresh.stderr
    assert pan_reused.stdout == pan_fresh.stdout and "pkg_ronly('bash','5.1.8-9.el9','x86_64')" in pan_fresh.stdout
    assert yaml_first.exit_code == 0


def test_two_generate_runs_cannot_interleave(make_rpms, tmp_path):
    """A run waits while another holds the profile directory's lock (a lock on the
    directory itself: no lock file), then writes."""
    make_rpms(["a 1-1 x86_64"])
    dest = tmp_path / "errata" / "el9-x86_64"
    dest.mkdir(parents=True)
    minimal_site(tmp_path, "el9-x86_64")
    argv = [sys.executable, "-m", "errata_tpl.cli", "--root", str(tmp_path), "generate", str(tmp_path / "mirror")]
    with atomic.locked_dir(dest):
        p = subprocess.Popen([*argv, "--os", "el9-x86_64", "--profile", "20261121"], stderr=subprocess.PIPE)
        time.sleep(3)
        assert p.poll() is None and not (dest / "20261121.yaml").exists()
    assert p.wait(timeout=60) == 0, p.stderr.read()
    assert os.listdir(dest) == ["20261121.yaml"]


def test_directory_unreadable_is_reported(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    sub = tmp_path / "mirror" / "locked"
    sub.mkdir()
    if os.geteuid() == 0:
        pytest.skip("root reads every directory")
    sub.chmod(0)
    try:
        r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", root=tmp_path)
        assert r.exit_code == 0 and "locked" in r.stderr
    finally:
        sub.chmod(0o755)


def test_mirror_that_is_a_file(tmp_path, cli):
    f = tmp_path / "file"
    f.write_text("x")
    r = cli("generate", f, "--os", "el9-x86_64", root=tmp_path)
    assert r.exit_code == 1 and "not a directory" in r.stderr


def test_generate_refuses_a_profile_name_with_a_newline(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261201\n", root=tmp_path)
    assert r.exit_code == 1
    assert not (tmp_path / "errata").exists()


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


def test_generate_leaves_only_the_profile(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    for p in ("20261121", "20261122"):
        assert cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", p, root=tmp_path).exit_code == 0
    assert sorted(os.listdir(tmp_path / "errata/el9-x86_64")) == ["20261121.yaml", "20261122.yaml"]


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


THREE_BUILDS = ["bash 5.1.8-6.el9_1 x86_64", "bash 5.1.8-9.el9 x86_64", "zsh 5.8-9.el9 x86_64"]


@pytest.mark.parametrize("cache", [True, False])
def test_a_file_name_that_is_not_utf8_is_an_ordinary_file(make_rpms, tmp_path, cache):
    paths = make_rpms(THREE_BUILDS)
    newest = paths[1]
    os.rename(newest, os.fsencode(newest.parent) + b"/\xff" + os.fsencode(newest.name))
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", *(() if cache else ("--no-cache",)))
    minimal_site(tmp_path / "root", "el9-x86_64")
    for _ in range(2):  # the second run reads the header cache (and reuses the result)
        r = errata_tpl(tmp_path / "root", *args)
        assert r.returncode == 0 and "skipped:" not in r.stderr, r.stderr
        assert "{name: bash, version: 5.1.8-9.el9, arch: x86_64}" in r.stdout


def test_header_cache_sees_a_rewrite_that_kept_size_and_mtime(make_rpms, tmp_path):
    paths = make_rpms(THREE_BUILDS)
    newest = paths[1]
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    minimal_site(tmp_path / "root", "el9-x86_64")
    assert "version: 5.1.8-9.el9" in errata_tpl(tmp_path / "root", *args).stdout
    st = newest.stat()
    rpmfactory.flip_payload_byte(newest)
    os.utime(newest, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch -r: size and mtime as before
    assert newest.stat().st_size == st.st_size and newest.stat().st_mtime_ns == st.st_mtime_ns
    r = errata_tpl(tmp_path / "root", *args)
    assert r.returncode == 0 and f"{newest.name}: skipped: " in r.stderr, r.stderr
    assert "{name: bash, version: 5.1.8-6.el9_1, arch: x86_64}" in r.stdout


def test_o_inside_errata_must_be_the_profiles_own_place(make_rpms, tmp_path, cli, example_root):
    """-o into errata/ writes a file the site reads: its os-id's folder, its profile name,
    its format's suffix; anything else is refused before writing, naming what differs."""
    make_rpms(MIRROR)
    errata = example_root / "errata"
    before = sorted(str(p.relative_to(errata)) for p in errata.rglob("*"))
    cases = [
        ("el8-x86_64/20261130.yaml", ["--profile", "20261130"], "folder el8-x86_64 is not --os el9-x86_64"),
        ("el9-x86_64/20261130.yaml", ["--profile", "20261129"], "name 20261130 is not the profile's, 20261129"),
        (
            "el9-x86_64/20261130.yaml",
            ["--profile", "20261130", "--format", "pan"],
            ".yaml is not the suffix of --format pan",
        ),
    ]
    for rel, args, why in cases:
        out = errata / rel
        r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "-o", out, *args, root=example_root)
        assert r.exit_code == 1, r.stderr
        assert r.stderr.splitlines()[-1].startswith(f"errata-tpl: error: {out}: -o inside errata/ must be ")
        assert why in r.stderr and r.stderr.rstrip().endswith("; nothing written"), r.stderr
    assert sorted(str(p.relative_to(errata)) for p in errata.rglob("*")) == before
    own = errata / "el9-x86_64/20261130.yaml"
    r = cli(
        "generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261130", "-o", own, root=example_root
    )
    assert r.exit_code == 0, r.stderr
    assert own.is_file() and cli("status", root=example_root).exit_code == 0  # the site reads it


def test_a_large_mirrors_header_cache_is_written_aside(make_rpms, tmp_path, cli, monkeypatch):
    """From ASIDE_MIN_FILES files a forked child writes the header cache while the run
    makes its output: the run waits for it, and the next run reads it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setattr(scan, "ASIDE_MIN_FILES", 1)
    paths = make_rpms(MIRROR)
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout")
    first = cli(*args, root=tmp_path)
    (cache,) = (tmp_path / ".errata-tpl-cache" / "headers").glob("*.json")
    assert first.exit_code == 0 and cache.read_text().startswith("errata-tpl-cache/1 ")
    assert [p.name for p in cache.parent.iterdir() if p.name.startswith(".") and p.name != ".seal-key"] == []
    os.utime(paths[0], ns=(1, 1))  # one file changed: the others' headers come from the cache written aside
    again = cli(*args, root=tmp_path)
    assert "(4 from cache)" in again.stderr and again.stdout == first.stdout and "warning" not in again.stderr


def test_the_cache_written_aside_holds_what_rpms_check_found(make_rpms, tmp_path, cli, monkeypatch):
    """Written aside after the check round that failed nothing: the damaged newest
    build (found in the first round) is in it as bad, the builds named as checked
    (rpm's verdicts apart from the entries, which the child made while rpm checked)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    monkeypatch.setattr(scan, "ASIDE_MIN_FILES", 1)
    paths = make_rpms([*MIRROR, "bash 5.1.8-20.el9 x86_64"])
    rpmfactory.flip_payload_byte(paths[-1])  # the newest bash: fails rpm's check, the older one is named
    args = ("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "-v")
    first = cli(*args, root=tmp_path)
    assert "bash-5.1.8-20.el9.x86_64.rpm: skipped: Payload" in first.stderr
    (cache,) = (tmp_path / ".errata-tpl-cache" / "headers").glob("*.json")
    data = json.loads(cache.read_text().partition("\n")[2])
    states = {rel: data["checked"].get(rel, entry[4]) for rel, entry in data["files"].items()}

    def checked(name: str) -> str:  # rpm's verdict kept with the file's SHA256, for publish
        return f"sha256:{hashlib.sha256((tmp_path / 'mirror' / name).read_bytes()).hexdigest()}"

    assert states == {
        "bash-5.1.8-20.el9.x86_64.rpm": "bad:"
        + first.stderr.split("bash-5.1.8-20.el9.x86_64.rpm: skipped: ")[1].split("\n")[0],
        "bash-5.1.8-9.el9.x86_64.rpm": checked("bash-5.1.8-9.el9.x86_64.rpm"),  # named after the second round
        "bash-5.1.8-6.el9_1.x86_64.rpm": "hdr",
        "bash-5.1.8-9.el9.src.rpm": "hdr",
        "kernel-5.14.0-362.13.1.el9_3.x86_64.rpm": checked("kernel-5.14.0-362.13.1.el9_3.x86_64.rpm"),
        "openssl-libs-3.0.7-24.el9.x86_64.rpm": checked("openssl-libs-3.0.7-24.el9.x86_64.rpm"),
    }
    os.utime(paths[0], ns=(1, 1))  # the memo is stale; every other file comes from the header cache
    again = cli(*args, root=tmp_path)
    assert "(5 from cache)" in again.stderr and again.stdout == first.stdout
    # the damaged build's verdict came from the cache too: counted of all files, not of those read
    assert "6 files (5 from cache): 5 read, 1 skipped" in again.stderr
    assert "bash-5.1.8-20.el9.x86_64.rpm: skipped: Payload" in again.stderr
