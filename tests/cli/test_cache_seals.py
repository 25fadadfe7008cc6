"""Caches cannot change an answer: every cache file (the node files' parsed data, the
JSON copy of a large profile and of a large os.yaml, generate's header cache and its
memo of the last profile) edited, cut short, replaced by another cache file or another
site's, or replaced by a FIFO, gives the same answer as no cache, with one warning
naming the cache file (never the user's file), and is made again."""

import hashlib
import json
import os
import shutil
import stat

import pytest
from conftest import errata_tpl

from errata_tpl.fileio import sealed

CACHE = ".errata-tpl-cache"


def copy_name(where: str) -> str:
    return f"{CACHE}/parsed/{hashlib.sha256(where.encode()).hexdigest()[:24]}.json"


def edit_payload(path, change):
    """Change the data inside a cache file, keeping its seal line as it was."""
    seal, _, text = path.read_text().partition("\n")
    data = json.loads(text)
    change(data)
    path.write_text(f"{seal}\n{json.dumps(data)}")


def cut(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def fifo(path):
    path.unlink()
    os.mkfifo(path)


# --- the site's parsed caches -----------------------------------------------------------

PROFILE = "errata/el9-x86_64/20261121.yaml"
OS = "os/el9-x86_64/os.yaml"


@pytest.fixture
def site(example_root):
    """The example site with a profile and an os.yaml large enough to get JSON copies."""
    pad = "".join(f"  - {{name: pad{i:05d}, version: 1.0-1.el9, arch: x86_64}}\n" for i in range(1500))
    _insert(example_root / PROFILE, "\npackages:\n", pad)  # names no node has: no answer changes
    _insert(example_root / OS, "\nvariables:\n", "".join(f"  PAD{i:05d}: unused-value-{i}\n" for i in range(3000)))
    assert all((example_root / f).stat().st_size > 64 * 1024 for f in (PROFILE, OS))
    return example_root


def _insert(path, after, text):
    old = path.read_text()
    assert after in old
    path.write_text(old.replace(after, after + text, 1))


def _resolve(cli, root):
    r = cli("resolve", "--all", root=root)
    assert r.exit_code == 0, r.output
    return r


def _wn001(data):
    return data["data"]["site/nodes/wn-001.example.org.yaml"][1]


def _bash_to(version):
    def change(data):
        for e in data["data"]["packages"]:
            if e["name"] == "bash":
                e["version"] = version

    return change


EDITS = {
    # what, if it were believed, would change wn-001's list
    ("nodes", "edited"): lambda root: edit_payload(
        root / f"{CACHE}/parsed/nodes.json", lambda d: _wn001(d).update(deploy_errata=False)
    ),
    ("nodes", "cut short"): lambda root: cut(root / f"{CACHE}/parsed/nodes.json"),
    ("nodes", "another cache file"): lambda root: shutil.copy(
        root / copy_name(OS), root / f"{CACHE}/parsed/nodes.json"
    ),
    ("nodes", "a FIFO"): lambda root: fifo(root / f"{CACHE}/parsed/nodes.json"),
    ("profile copy", "edited"): lambda root: edit_payload(root / copy_name(PROFILE), _bash_to("9:9.9-9.el9")),
    ("profile copy", "cut short"): lambda root: cut(root / copy_name(PROFILE)),
    ("profile copy", "another cache file"): lambda root: shutil.copy(root / copy_name(OS), root / copy_name(PROFILE)),
    ("os copy", "edited"): lambda root: edit_payload(root / copy_name(OS), lambda d: d["data"].update(packages=[])),
    ("os copy", "cut short"): lambda root: cut(root / copy_name(OS)),
    ("os copy", "another cache file"): lambda root: shutil.copy(root / copy_name(PROFILE), root / copy_name(OS)),
}
FILES = {"nodes": f"{CACHE}/parsed/nodes.json", "profile copy": copy_name(PROFILE), "os copy": copy_name(OS)}


def test_the_site_gets_its_copies(cli, site):
    _resolve(cli, site)
    for rel in FILES.values():
        assert (site / rel).read_text().startswith(sealed.MAGIC)
    key = site / f"{CACHE}/parsed/{sealed.KEY}"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_uid == os.geteuid()


@pytest.mark.parametrize("edit", sorted(EDITS), ids=" ".join)
def test_an_edited_site_cache_changes_no_answer(cli, site, edit):
    first = _resolve(cli, site)
    assert first.stderr == ""
    EDITS[edit](site)
    again = _resolve(cli, site)
    assert again.stdout == first.stdout
    (warning,) = again.stderr.splitlines()
    cache_file = site / FILES[edit[0]]
    assert warning.startswith(f"warning: {cache_file}: ") and warning.endswith("ignored, made again")
    assert "site/nodes/" not in warning and PROFILE not in warning and OS not in warning  # never the user's file
    third = _resolve(cli, site)  # made again: believed, and silent
    assert third.stdout == first.stdout and third.stderr == ""
    assert cache_file.is_file() and cache_file.read_text().startswith(sealed.MAGIC)


def test_another_sites_cache_is_not_believed(cli, site, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(site, other, symlinks=True)
    (other / "site/nodes/wn-001.example.org.yaml").write_text(
        "os: el9-x86_64\ncluster: compute\ndeploy_errata: false\n"
    )
    first = _resolve(cli, site)
    _resolve(cli, other)
    for rel in FILES.values():  # each file sealed with the other site's own secret
        shutil.copy(other / rel, site / rel)
    again = _resolve(cli, site)
    assert again.stdout == first.stdout
    assert sorted(again.stderr.splitlines()) == sorted(
        f"warning: {site / rel}: not as errata-tpl wrote this cache (edited, cut short or copied); ignored, made again"
        for rel in FILES.values()
    )


@pytest.mark.parametrize("how", ["readable by others", "another file", "removed"])
def test_a_secret_not_to_trust_is_replaced(cli, site, how):
    first = _resolve(cli, site)
    key = site / f"{CACHE}/parsed/{sealed.KEY}"
    old = key.read_text()
    if how == "readable by others":
        key.chmod(0o644)
    elif how == "another file":
        key.write_text("0" * 64)
        key.chmod(0o600)
    else:
        key.unlink()
    again = _resolve(cli, site)
    assert again.stdout == first.stdout
    assert again.stderr and all("ignored, made again" in w for w in again.stderr.splitlines())
    assert key.read_text() != old and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert _resolve(cli, site).stderr == ""


def test_a_secret_that_is_no_file_is_said_not_silently_off(site):
    """A directory where the secret goes is never removed (not errata-tpl's to remove):
    the folder's caches are off, and every run says so, naming it; the answer stands."""
    first = errata_tpl(site, "resolve", "--all")  # processes: what one run keeps in memory, the next has not
    key = site / f"{CACHE}/parsed/{sealed.KEY}"
    key.unlink()
    key.mkdir()
    for _ in range(2):
        again = errata_tpl(site, "resolve", "--all")
        assert again.returncode == 0 and again.stdout == first.stdout
        assert again.stderr == (
            f"warning: {key}: not a regular file (a directory); no cache of {key.parent} is kept until it is removed\n"
        )


def test_a_cache_larger_than_the_bound_is_not_read(cli, site, monkeypatch):
    first = _resolve(cli, site)
    nodes = site / FILES["nodes"]
    size = nodes.stat().st_size
    monkeypatch.setattr(sealed, "MAX_BYTES", size - 1)
    again = _resolve(cli, site)
    assert again.stdout == first.stdout
    assert f"warning: {nodes}: file is larger than" in again.stderr


# --- generate's header cache and memo ---------------------------------------------------

MIRROR = ["bash 5.1.8-10.el9 x86_64", "openssl-libs 1:3.0.7-30.el9 x86_64", "kernel 5.14.0-400.el9 x86_64"]


@pytest.fixture
def mirror(make_rpms, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795500000")
    make_rpms(MIRROR, tmp_path / "mirror")
    make_rpms(["zsh 5.8-9.el9 x86_64"], tmp_path / "other-mirror")
    return tmp_path / "mirror"


def _generate(cli, root, mirror):
    r = cli("generate", mirror, "--os", "el9-x86_64", "--stdout", root=root)
    assert r.exit_code == 0, r.output
    return r


def _one(root, kind):
    (path,) = [p for p in (root / CACHE / kind).glob("*.json") if p.name != sealed.KEY]
    return path


def _bash_release(data):
    for rel, e in data["files"].items():
        if rel.startswith("bash"):
            e[8] = "99.el9"


@pytest.mark.parametrize("edit", ["edited", "cut short", "another mirror's", "a FIFO"])
@pytest.mark.parametrize("kind", ["headers", "profiles"])
def test_an_edited_mirror_cache_changes_no_profile(cli, tmp_path, mirror, kind, edit):
    root = tmp_path / "root"
    first = _generate(cli, root, mirror)
    target = _one(root, kind)
    if edit == "another mirror's":
        spare = tmp_path / "spare"
        _generate(cli, spare, tmp_path / "other-mirror")
        shutil.copy(_one(spare, kind), target)  # sealed, by a secret of another root
        shutil.copy(spare / CACHE / kind / sealed.KEY, root / CACHE / kind / sealed.KEY)  # and that secret too
    elif edit == "edited" and kind == "headers":
        edit_payload(target, _bash_release)
    elif edit == "edited":
        edit_payload(target, lambda d: d.update(yaml_body=d["yaml_body"].replace("5.1.8-10.el9", "5.1.8-99.el9")))
    elif edit == "cut short":
        cut(target)
    else:
        fifo(target)
    if kind == "headers":  # the memo would answer first: the header cache is read when it misses
        _one(root, "profiles").unlink()
    again = _generate(cli, root, mirror)
    assert again.stdout == first.stdout
    warnings = [w for w in again.stderr.splitlines() if w.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: {target}: "), again.stderr
    assert str(mirror) not in warnings[0].replace(str(root), "")  # never an RPM of the mirror
    third = _generate(cli, root, mirror)
    assert third.stdout == first.stdout and "warning" not in third.stderr
    assert target.read_text().startswith(sealed.MAGIC)
