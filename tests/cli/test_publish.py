"""`publish`: a folder of exactly the record's builds, written only when it changes,
built beside and renamed in, refused with one line when it cannot be exact."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import rpmfactory
from conftest import REPO
from inotify import IN_CREATE, IN_MOVED_TO, Watch

from cli.test_output_paths import fill, tmpfs

ERRATA = str(Path(sys.executable).parent / "errata-tpl")
OS = "el9-x86_64"
__all__ = ["tmpfs"]  # the fixture, used by name


@pytest.fixture
def ex(example_root, tmp_path):
    """The example site and a private copy of its el9 mirror (tests change files in it)."""
    mirror = tmp_path / "mirror"
    shutil.copytree(REPO / "examples/mirror/el9", mirror, symlinks=True)
    return example_root, mirror, tmp_path / "repos"


def publish(cli, ex, *args):
    root, mirror, to = ex
    return cli("publish", mirror, "--os", OS, "--to", to, *args, root=root)


def snapshot(folder: Path, ctime: bool = True) -> dict[str, tuple[int, ...]]:
    """Every path below the folder (and the folder) by inode, mtime and ctime (a new
    link to a file moves its ctime; a rename over the mirror's name too)."""
    out = {}
    for p in [folder, *folder.rglob("*")]:
        st = p.lstat()
        out[str(p.relative_to(folder))] = (st.st_ino, st.st_mtime_ns, *((st.st_ctime_ns,) if ctime else ()))
    return out


def published_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*.rpm")}


def test_a_profile_folder_holds_its_builds_as_hard_links(cli, ex):
    _, mirror, to = ex
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 0, r.stderr
    folder = to / OS / "20261121"
    assert f"published {folder}: 27 builds, 8 advisories (27 linked)" in r.stderr
    files = published_files(folder)
    assert "Packages/b/bash-5.1.8-9.el9.x86_64.rpm" in files and "Packages/b/bash-5.1.8-6.el9_1.x86_64.rpm" not in files
    assert not any(f.startswith("SRPMS/") for f in files)
    for f in files:
        assert (folder / f).stat().st_ino == (mirror / f).stat().st_ino
    assert sorted(os.listdir(to / OS)) == ["20261121"]  # nothing else left beside it


def test_publishing_an_unchanged_profile_again_writes_nothing(cli, ex):
    root, _, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    folder = to / OS / "20261121"
    before = snapshot(folder)
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 0 and f"{folder}: unchanged (27 builds, 8 advisories); nothing written" in r.stderr
    assert snapshot(folder) == before
    # without the memo of what was published: the metadata is made again, found the same, not written
    shutil.rmtree(root / ".errata-tpl-cache/publish")
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 0 and "unchanged" in r.stderr, r.stderr
    assert snapshot(folder) == before
    assert sorted(os.listdir(to / OS)) == ["20261121"]


@pytest.mark.parametrize("how", ["replaced", "removed", "symlinked", "mounted over", "added"])
def test_a_package_changed_in_the_folder_is_found_and_put_back(cli, ex, tmp_path, how):
    """The memo of the last publish spares the reading, never the check that the folder
    holds the very files: the path's own stat (lstat, through a mount) must be the
    mirror's file (the same inode for a hard link)."""
    _, mirror, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    folder = to / OS / "20261121"
    rel, other = "Packages/b/bash-5.1.8-9.el9.x86_64.rpm", "Packages/b/bash-5.1.8-6.el9_1.x86_64.rpm"
    if how == "mounted over":  # another build's bytes where the path leads; the listing still names the link
        shutil.copyfile(mirror / other, tmp_path / "other.rpm")
        mounted = subprocess.run(
            ["mount", "--bind", str(tmp_path / "other.rpm"), str(folder / rel)], capture_output=True
        )
        if mounted.returncode != 0:
            pytest.skip(f"no bind mount here: {mounted.stderr.decode().strip()}")
    elif how == "added":  # one more build, the mirror's own file, hard-linked beside the others
        os.link(mirror / other, folder / other)
    else:
        (folder / rel).unlink()
    if how == "replaced":  # the same bytes, another file (a new inode, a new mtime)
        shutil.copyfile(mirror / rel, folder / rel)
    elif how == "symlinked":  # the mirror's file, but through a symbolic link: not what publish makes
        (folder / rel).symlink_to(mirror / rel)
    try:
        r = publish(cli, ex, "--profile", "20261121")
    finally:
        if how == "mounted over":  # the mount went with the old folder, wherever publish put it
            for path in to.rglob(Path(rel).name):
                subprocess.run(["umount", str(path)], capture_output=True)
    assert r.exit_code == 0, r.stderr
    assert f"published {folder}" in r.stderr
    assert (folder / rel).lstat().st_ino == (mirror / rel).stat().st_ino
    assert not (folder / other).exists()


def test_the_same_inputs_give_the_same_bytes(cli, ex, tmp_path):
    root, mirror, _ = ex
    for to in ("a", "b"):
        assert (
            cli("publish", mirror, "--os", OS, "--profile", "20261121", "--to", tmp_path / to, root=root).exit_code == 0
        )
    a, b = (tmp_path / to / OS / "20261121/repodata" for to in ("a", "b"))
    assert sorted(os.listdir(a)) == sorted(os.listdir(b))
    for name in os.listdir(a):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_another_file_system_gets_copies_said_once(cli, ex):
    root, mirror, _ = ex
    shm = Path("/dev/shm")
    to = Path(os.path.realpath(shm)) / f"errata-tpl-test-{os.getpid()}"
    try:
        r = cli("publish", mirror, "--os", OS, "--profile", "20261121", "--to", to, root=root)
        assert r.exit_code == 0, r.stderr
        assert r.stderr.count("files are copied, not hard-linked (invalid cross-device link)") == 1
        folder = to / OS / "20261121"
        for f in published_files(folder):
            assert (folder / f).read_bytes() == (mirror / f).read_bytes()
            assert (folder / f).stat().st_mtime_ns == (mirror / f).stat().st_mtime_ns
        before = snapshot(folder)
        r = cli("publish", mirror, "--os", OS, "--profile", "20261121", "--to", to, root=root)
        assert "unchanged" in r.stderr and snapshot(folder) == before
    finally:
        shutil.rmtree(to, ignore_errors=True)


def replace_file(path: Path, data: bytes) -> None:
    """As rsync or reposync update a mirror: a new file renamed over the old one."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def test_a_build_that_fails_rpms_check_is_refused_and_the_folder_kept(cli, ex):
    _, mirror, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    folder = to / OS / "20261121"
    before = snapshot(folder, ctime=False)
    bash = mirror / "Packages/b/bash-5.1.8-9.el9.x86_64.rpm"
    data = bytearray(bash.read_bytes())
    data[-20] ^= 0xFF
    replace_file(bash, bytes(data))
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"errata-tpl: error: {mirror}: 1 of the 27 builds errata/{OS}/20261121.yaml names ")
    assert (
        "bash-5.1.8-9.el9.x86_64 (Packages/b/bash-5.1.8-9.el9.x86_64.rpm fails rpm's check: Payload SHA256" in r.stderr
    )
    assert r.stderr.rstrip().endswith("nothing published") and r.stderr.count("\n") == 1
    assert snapshot(folder, ctime=False) == before


def test_a_build_without_a_file_is_refused_naming_it(cli, ex):
    _, mirror, to = ex
    (mirror / "Packages/s/sudo-1.9.5p2-10.el9_3.x86_64.rpm").unlink()
    (mirror / "Packages/j/jdk-11.0.22-fcs.x86_64.rpm").unlink()
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 1
    assert f"2 of the 27 builds errata/{OS}/20261121.yaml names cannot be published: " in r.stderr
    assert f"jdk-11.0.22-fcs.x86_64 (no file in {mirror}); sudo-1.9.5p2-10.el9_3.x86_64 (no file in" in r.stderr
    assert not (to / OS / "20261121").exists() and os.listdir(to / OS) == []


def test_usage_errors(cli, ex):
    for args in ([], ["--profile", "20261121", "--hotfix", "x"], ["--profile", "20261121", "--keyring", __file__]):
        r = publish(cli, ex, *args)
        assert r.exit_code == 2, args
    r = publish(cli, ex, "--profile", "20261122")
    assert r.exit_code == 1 and f"errata/{OS}/20261122.yaml: no such file" in r.stderr


def test_something_else_in_the_way_is_never_replaced(cli, ex):
    _, _, to = ex
    (to / OS / "20261121").mkdir(parents=True)
    (to / OS / "20261121/notes.txt").write_text("mine")
    r = publish(cli, ex, "--profile", "20261121", "--force")
    assert r.exit_code == 1 and "not a folder errata-tpl published; move it out of" in r.stderr
    assert (to / OS / "20261121/notes.txt").read_text() == "mine"


def test_a_folder_of_another_version_of_the_profile_needs_force(cli, ex):
    root, _, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    folder = to / OS / "20261121"
    old_primary = next((folder / "repodata").glob("*-primary.xml.gz")).name
    path = root / f"errata/{OS}/20261121.yaml"
    path.write_text(path.read_text().replace("  - {name: jdk, version: 11.0.22-fcs, arch: x86_64}\n", ""))
    r = publish(cli, ex, "--profile", "20261121")
    assert r.exit_code == 1 and "published from another version of errata/el9-x86_64/20261121.yaml" in r.stderr
    r = publish(cli, ex, "--profile", "20261121", "--force")
    assert r.exit_code == 0 and "26 builds" in r.stderr
    assert "Packages/j/jdk-11.0.22-fcs.x86_64.rpm" not in published_files(folder)
    # a dnf that read the old repomd.xml a moment ago still finds what it names
    assert (folder / "repodata" / old_primary).is_file()
    assert sorted(os.listdir(to / OS)) == ["20261121"]


def test_the_caches_stay_valid_through_links_made_and_removed(cli, ex):
    """A hard link made, or one removed with an old folder, moves a file's ctime: the
    header cache's verdicts and the checksums are carried over, nothing is read again."""
    from errata_tpl.fileio.stamp import stat_of
    from errata_tpl.mirror.caches import header_cache_path
    from errata_tpl.mirror.chunks import ChunkCache
    from errata_tpl.mirror.hdrcache import HeaderCache

    root, mirror, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    path = root / f"errata/{OS}/20261121.yaml"
    path.write_text(path.read_text().replace("  - {name: jdk, version: 11.0.22-fcs, arch: x86_64}\n", ""))
    assert publish(cli, ex, "--profile", "20261121", "--force").exit_code == 0  # the old folder removed
    assert publish(cli, ex, "--profile", "20261001").exit_code == 0  # more links
    warnings: list[str] = []
    headers, sums = (
        HeaderCache(header_cache_path(root, mirror), warnings.append),
        ChunkCache(root, mirror, warnings.append),
    )
    files = published_files(to / OS / "20261121") | published_files(to / OS / "20261001")
    for f in files:
        st = stat_of((mirror / f).stat())
        got = headers.get(f, st)
        assert got is not None and got[1] and got[2], f  # read, checked whole by rpm, at the stat it has now
        assert sums.get(f, st, got[2]) is not None, f  # the chunk of these bytes (its SHA256)
    assert not warnings and len(files) == 35  # 26 and 19 builds, 10 in both


def test_a_hotfix_folder_holds_the_hotfix_builds_only(cli, ex):
    _, _, to = ex
    r = publish(cli, ex, "--hotfix", "openssl-urgent")
    assert r.exit_code == 0, r.stderr
    folder = to / OS / "hotfix-openssl-urgent"
    assert published_files(folder) == {"Packages/o/openssl-libs-3.0.7-24.el9.x86_64.rpm"}
    assert "1 build, 1 advisory" in r.stderr


# --- stages -------------------------------------------------------------------------


def promote(cli, root: Path, profile: str, *args) -> None:
    """A real promotion to canary (its check runs against the example mirror, as site/stages.yaml says)."""
    if not (root / "examples").exists():
        (root / "examples").mkdir()
        (root / "examples/mirror").symlink_to(REPO / "examples/mirror")
    r = cli("promote", profile, "--os", OS, "--stage", "canary", *args, root=root)
    assert r.exit_code == 0, r.stderr
    return r


def test_a_stage_is_a_relative_link_to_its_current_profile(cli, ex):
    root, _, to = ex
    promote(cli, root, "20261001")
    r = publish(cli, ex, "--stage", "canary")
    assert r.exit_code == 0, r.stderr
    link = to / OS / "canary"
    assert os.readlink(link) == "20261001" and f"{link} -> 20261001 (was nothing)" in r.stderr
    r = publish(cli, ex, "--stage", "canary")
    assert "(unchanged)" in r.stderr
    old = {n for n in os.listdir(to / OS / "20261001/repodata") if n != "repomd.xml"}
    promote(cli, root, "20261121")
    r = publish(cli, ex, "--stage", "canary")
    assert r.exit_code == 0 and f"{link} -> 20261121 (was 20261001)" in r.stderr
    assert os.readlink(link) == "20261121"
    assert old <= set(os.listdir(to / OS / "20261121/repodata"))  # kept for readers of the old repomd.xml
    assert sorted(os.listdir(to / OS)) == ["20261001", "20261121", "canary"]


def test_a_stage_is_never_published_from_a_profile_changed_since_its_promotion(cli, ex):
    root, _, to = ex
    promote(cli, root, "20261121")
    path = root / "errata" / OS / "20261121.yaml"
    bound = hashlib.sha256(path.read_bytes()).hexdigest()
    # sudo taken back to the older build of the mirror: a stage's content the record did not promote
    text = path.read_text()
    start = text.index("  - {name: sudo, version: 1.9.5p2-10.el9_3")
    end = text.index("\n", start)
    path.write_text(text[:start] + "  - {name: sudo, version: 1.9.5p2-9.el9, arch: x86_64}" + text[end:])
    r = publish(cli, ex, "--stage", "canary")
    assert r.exit_code == 1 and r.stderr == (
        f"errata-tpl: error: errata/{OS}/20261121.yaml: not the profile record [0] (20261121 to canary for {OS}) "
        f"promoted (SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()[:8]}, the record's {bound[:8]}): "
        "changed after its promotion; restore it from version control or promote it again\n"
    ), r.output
    assert not os.path.lexists(to / OS / "canary") and not (to / OS / "20261121").exists()


def test_promote_publish_publishes_the_stage_as_it_promotes(cli, ex):
    root, _, to = ex
    r = promote(cli, root, "20261001", "--publish", to)
    link = to / OS / "canary"
    assert os.readlink(link) == "20261001" and f"{link} -> 20261001 (was nothing)" in r.stderr
    assert f"published {to / OS / '20261001'}: 19 builds" in r.stderr  # from the profile's source: examples/mirror/el9
    r = promote(cli, root, "20261121", "--publish", to)
    assert os.readlink(link) == "20261121" and f"{link} -> 20261121 (was 20261001)" in r.stderr
    assert sorted(os.listdir(to / OS)) == ["20261001", "20261121", "canary"]


def test_a_publish_that_fails_refuses_the_promotion(cli, ex, tmp_path):
    root, _, to = ex
    copy = tmp_path / "mirrors"
    shutil.copytree(REPO / "examples/mirror", copy)
    (root / "examples").unlink()  # the example root's link to the repository's examples/
    (root / "examples").mkdir()
    (root / "examples/mirror").symlink_to(copy)
    bash = copy / "el9/Packages/b/bash-5.1.8-9.el9.x86_64.rpm"
    data = bytearray(bash.read_bytes())
    data[-20] ^= 0xFF
    replace_file(bash, bytes(data))
    r = cli("promote", "20261121", "--os", OS, "--stage", "canary", "--publish", to, root=root)
    assert (
        r.exit_code == 1
        and "bash-5.1.8-9.el9.x86_64 (Packages/b/bash-5.1.8-9.el9.x86_64.rpm fails rpm's check" in r.stderr
    )
    assert not (root / "site/promotions.yaml").exists() and not os.path.lexists(to / OS / "canary")


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        ("none", "site/promotions.yaml: stage 'canary' has no profile for el9-x86_64 yet (promote one first)"),
        ("unknown", "site/stages.yaml: no stage 'nightly' (stages: canary, compute, all)"),
        ("dated", "stage '20261201' cannot be published: DIR/el9-x86_64/20261201 would be the folder of a profile"),
        ("no-stages", "site/stages.yaml: no such file (--stage needs the site's stages)"),
        ("dir", "canary: not a stage link errata-tpl made; move it out of"),
    ],
)
def test_stage_refusals(cli, ex, setup, said):
    root, _, to = ex
    stage = {"unknown": "nightly", "dated": "20261201"}.get(setup, "canary")
    if setup == "dated":
        path = root / "site/stages.yaml"
        path.write_text(path.read_text().replace("name: canary", "name: '20261201'"))
    if setup == "no-stages":
        (root / "site/stages.yaml").unlink()
    if setup == "dir":
        promote(cli, root, "20261001")
        (to / OS / "canary").mkdir(parents=True)
    r = publish(cli, ex, "--stage", stage)
    assert r.exit_code == 1 and said in r.stderr, r.stderr


# --- killed ---------------------------------------------------------------------------


def run_until(ex, event_mask: int, sig: int, name_part: str) -> subprocess.CompletedProcess[str] | None:
    """Run publish; when DIR/<os-id> gets an event of ``event_mask`` on a name holding
    ``name_part``, stop the run there and send it ``sig``."""
    root, mirror, to = ex
    osdir = to / OS
    osdir.mkdir(parents=True, exist_ok=True)
    cmd = [ERRATA, "--root", str(root), "publish", str(mirror), "--os", OS, "--profile", "20261121", "--to", str(to)]
    cmd.append("--force")
    with Watch() as w:
        w.add(osdir, event_mask)
        p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
        hit = False
        while p.poll() is None and not hit:
            for _, _, name in w.events(0.5):
                if name_part in name and not hit:
                    os.kill(p.pid, signal.SIGSTOP)
                    hit = True
        assert hit, "the event never came"
        os.kill(p.pid, sig)
        if sig != signal.SIGKILL:
            os.kill(p.pid, signal.SIGCONT)
        p.wait(timeout=60)
    return None


def whole(folder: Path) -> bool:
    """dnf's view: every file repomd.xml names, with its checksum."""
    import createrepo_c as cr

    from errata_tpl.publish.memo import file_sha256

    for rec in cr.Repomd(str(folder / "repodata/repomd.xml")).records:
        if file_sha256(folder / rec.location_href) != rec.checksum:
            return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_publish_leaves_the_old_folder_whole(cli, ex, sig):
    root, _, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    folder = to / OS / "20261121"
    # without ctimes: the new folder's hard links to the same files move them, whether the
    # kill lands before or after they are made; the old folder's names, inodes and bytes stay
    before = snapshot(folder, ctime=False)
    path = root / f"errata/{OS}/20261121.yaml"
    path.write_text(path.read_text().replace("  - {name: jdk, version: 11.0.22-fcs, arch: x86_64}\n", ""))
    (root / ".errata-tpl-cache/publish/folders.json").unlink()
    # killed while it builds the new folder beside the old one
    run_until(ex, IN_CREATE, sig, ".20261121.errata-tpl-")
    assert snapshot(folder, ctime=False) == before and whole(folder)
    left = [n for n in os.listdir(to / OS) if n != "20261121"]
    assert left == ([] if sig == signal.SIGTERM else left)  # SIGTERM cleans up; SIGKILL cannot
    # the next run removes what a killed run left, and publishes
    r = publish(cli, ex, "--profile", "20261121", "--force")
    assert r.exit_code == 0, r.stderr
    assert sorted(os.listdir(to / OS)) == ["20261121"] and whole(folder)
    assert "Packages/j/jdk-11.0.22-fcs.x86_64.rpm" not in published_files(folder)


def test_killed_right_after_the_switch_the_new_folder_is_in_place(cli, ex):
    root, _, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    path = root / f"errata/{OS}/20261121.yaml"
    path.write_text(path.read_text().replace("  - {name: jdk, version: 11.0.22-fcs, arch: x86_64}\n", ""))
    (root / ".errata-tpl-cache/publish/folders.json").unlink()
    # the exchange of the two folders is one step; killed just after it, before the clean-up
    run_until(ex, IN_MOVED_TO, signal.SIGKILL, "20261121")
    folder = to / OS / "20261121"
    assert whole(folder) and "Packages/j/jdk-11.0.22-fcs.x86_64.rpm" not in published_files(folder)
    r = publish(cli, ex, "--profile", "20261121", "--force")
    assert r.exit_code == 0 and "unchanged" in r.stderr, r.stderr
    assert sorted(os.listdir(to / OS)) == ["20261121"]


# --- signing --------------------------------------------------------------------------


def test_signing_refusals(cli, ex, tmp_path, monkeypatch):
    key = rpmfactory.make_key(tmp_path / "gnupg", "Repo Signer", "repo@example.org")
    other = rpmfactory.make_key(tmp_path / "other", "Someone Else", "other@example.org")
    monkeypatch.setenv("GNUPGHOME", str(key.home))
    try:
        r = publish(cli, ex, "--profile", "20261121", "--sign-key", "nobody@example.org")
        assert r.exit_code == 1 and "--sign-key nobody@example.org: gpg cannot sign with it" in r.stderr
        r = publish(cli, ex, "--profile", "20261121", "--sign-key", key.email, "--keyring", other.public)
        assert r.exit_code == 1
        assert f"the signature does not verify against {other.public}: untrusted key" in r.stderr
        assert not (ex[2] / OS / "20261121").exists()
        r = publish(cli, ex, "--profile", "20261121", "--sign-key", key.email)
        assert r.exit_code == 0, r.stderr
        before = snapshot(ex[2] / OS / "20261121")
        r = publish(cli, ex, "--profile", "20261121", "--sign-key", key.email)
        assert "unchanged" in r.stderr and snapshot(ex[2] / OS / "20261121") == before
    finally:
        rpmfactory.stop_agent(key)
        rpmfactory.stop_agent(other)


def test_a_full_file_system_is_one_line_naming_the_file(ex, tmpfs):
    """createrepo_c's own error (``gzclose() file operation error``) carries no errno: the
    file system says why, one line naming the file as the folder publish makes would hold it."""
    root, mirror, _ = ex
    fs = tmpfs("1m")
    fill(fs)
    r = subprocess.run(
        [
            ERRATA,
            "--root",
            str(root),
            "publish",
            str(mirror),
            "--os",
            OS,
            "--profile",
            "20261121",
            "--to",
            str(fs / "pub"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    folder = fs / "pub" / OS / "20261121"
    assert r.returncode == 1, r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr and "CRITICAL" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"errata-tpl: error: {folder}/repodata/") and r.stderr.endswith(
        ": no space left on device\n"
    ), r.stderr
    assert os.listdir(fs / "pub" / OS) == []  # no staging folder left


def test_updateinfo_is_the_same_read_by_a_child_or_here(cli, ex, tmp_path):
    """ERRATA_DIR's advisories are read by a forked child while the record is read when
    the cache holds none of this updateinfo's, else here (those the cache lacks): the
    same updateinfo either way."""
    import gzip

    root, mirror, to = ex

    def updateinfo_of(folder: Path) -> bytes:
        (found,) = (folder / "repodata").glob("*-updateinfo.xml.gz")
        return gzip.decompress(found.read_bytes())

    assert publish(cli, ex, "--hotfix", "openssl-urgent").exit_code == 0  # the cache: this updateinfo's, 1 advisory
    r = publish(cli, ex, "--profile", "20261121")  # 7 more, read here
    assert r.exit_code == 0 and "8 advisories" in r.stderr, r.stderr
    here = updateinfo_of(to / OS / "20261121")
    shutil.rmtree(root / ".errata-tpl-cache/publish")  # no cache: read by the child
    r = cli("publish", mirror, "--os", OS, "--to", tmp_path / "other", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    assert updateinfo_of(tmp_path / "other" / OS / "20261121") == here
    assert here.count(b"<update ") == 8


def test_the_same_bytes_on_one_core_as_on_several(ex, tmp_path):
    """The work shared between processes (the builds' metadata, updateinfo, the
    metadata files) gives the bytes one process gives (taskset: util-linux)."""
    root, mirror, _ = ex

    def published(to: Path, *prefix: str) -> dict[str, bytes]:
        cmd = [*prefix, ERRATA, "--root", str(root), "-q", "publish", str(mirror), "--os", OS, "--profile", "20261121"]
        r = subprocess.run([*cmd, "--to", str(to)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        shutil.rmtree(root / ".errata-tpl-cache")  # each run makes everything
        return {p.name: p.read_bytes() for p in (to / OS / "20261121" / "repodata").iterdir()}

    assert published(tmp_path / "one", "taskset", "-c", "0") == published(tmp_path / "all")


def test_an_edited_publish_cache_is_said_and_made_again(cli, ex, tmp_path):
    """The builds' metadata and the advisories kept in the publish cache (marshal's
    bytes, sealed): one changed byte and the file is refused with a warning, the
    metadata made again, the same."""
    root, mirror, to = ex
    assert publish(cli, ex, "--profile", "20261121").exit_code == 0
    kept = sorted((root / ".errata-tpl-cache/publish").glob("*.marshal"))
    assert sorted(p.name.endswith("-updateinfo.marshal") for p in kept) == [False, True]
    for p in kept:
        data = bytearray(p.read_bytes())
        data[-20] ^= 1
        p.write_bytes(bytes(data))
    r = cli("publish", mirror, "--os", OS, "--to", tmp_path / "again", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    for p in kept:
        assert f"{p}: not as errata-tpl wrote this cache (edited, cut short or copied); ignored, made again" in r.stderr
    for name in os.listdir(to / OS / "20261121" / "repodata"):
        assert (tmp_path / "again" / OS / "20261121" / "repodata" / name).read_bytes() == (
            to / OS / "20261121" / "repodata" / name
        ).read_bytes()
