"""`verify` of a published folder: exactly what its profile or hotfix names, or each
difference named."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import rpmfactory
from conftest import REPO

OS = "el9-x86_64"


@pytest.fixture(scope="module")
def signed_mirror(tmp_path_factory):
    """The example el9 mirror with every package signed (verify's own verdicts then pass)."""
    d = tmp_path_factory.mktemp("signed")
    key = rpmfactory.make_key(d / "gnupg", "Errata Test", "errata@example.org")
    mirror = d / "mirror"
    shutil.copytree(REPO / "examples/mirror/el9", mirror)
    rpms = [p for p in mirror.rglob("*.rpm") if "bad" not in p.name and "SRPMS" not in p.parts]
    good = []
    for p in rpms:
        try:
            rpmfactory.sign([p], key)
            good.append(p)
        except Exception:  # the example's one damaged file
            p.unlink()
    rpmfactory.stop_agent(key)
    return mirror, key, len(good)


@pytest.fixture
def site(example_root, signed_mirror, tmp_path, cli):
    mirror, key, _ = signed_mirror
    to = tmp_path / "repos"
    for args in (["--profile", "20261121"], ["--hotfix", "openssl-urgent"]):
        r = cli("publish", mirror, "--os", OS, *args, "--to", to, root=example_root)
        assert r.exit_code == 0, r.stderr
    return example_root, to / OS, key


def verify(cli, root, folder, key):
    r = cli("verify", folder, "--keyring", key.public, "--format", "json", root=root)
    return r.exit_code, json.loads(r.stdout)


def test_a_published_folder_is_exactly_what_its_profile_names(cli, site):
    root, osdir, key = site
    rc, out = verify(cli, root, osdir / "20261121", key)
    assert out["published"] == {
        "record": f"errata/{OS}/20261121.yaml",
        "builds": 27,
        "advisories": 8,
        "module_streams": 0,
        "problems": [],
        "notes": [],
        "ok": True,
    }
    assert rc == 0 and out["ok"], out
    r = cli("verify", osdir / "hotfix-openssl-urgent", "--keyring", key.public, root=root)
    assert r.exit_code == 0 and "published folder of errata/el9-x86_64/hotfix-openssl-urgent.yaml: 1 build," in r.stdout
    # what it says of the folder's contents, not of repodata's checksums (verify's own lines)
    assert ": its packages, advisories and module streams are exactly what it names" in r.stdout


def test_a_stage_link_is_checked_as_its_folder(cli, site):
    root, osdir, key = site
    os.symlink("20261121", osdir / "canary")
    rc, out = verify(cli, root, osdir / "canary", key)
    assert rc == 0 and out["published"]["ok"]


def test_every_difference_is_named(cli, site, signed_mirror):
    root, osdir, key = site
    mirror, _, _ = signed_mirror
    folder = osdir / "20261121"
    shutil.copy2(mirror / "Packages/b/bash-5.1.8-6.el9_1.x86_64.rpm", folder / "Packages/b/")
    (folder / "Packages/s/sudo-1.9.5p2-10.el9_3.x86_64.rpm").unlink()
    rc, out = verify(cli, root, folder, key)
    assert rc == 1 and not out["ok"]
    assert out["published"]["problems"] == [
        "sudo-1.9.5p2-10.el9_3.x86_64: no file",
        "Packages/b/bash-5.1.8-6.el9_1.x86_64.rpm: bash-5.1.8-6.el9_1.x86_64 is not a build the record names",
    ]
    r = cli("verify", folder, "--keyring", key.public, root=root)
    assert (
        "published folder of errata/el9-x86_64/20261121.yaml: 27 builds, 8 advisories, 0 module streams: 2 problems"
        in r.stdout
    )


def test_a_record_changed_since_is_named(cli, site):
    root, osdir, key = site
    path = root / f"errata/{OS}/20261121.yaml"
    text = path.read_text()
    line = next(x for x in text.splitlines() if x.startswith("  - {name: sudo,"))
    path.write_text(text.replace(line, "  - {name: sudo, version: 1.9.5p2-10.el9_3, arch: x86_64}"))
    rc, out = verify(cli, root, osdir / "20261121", key)
    assert rc == 1 and out["published"]["problems"] == ["updateinfo: EXSA-2026:1006 is not in the record"]


def test_a_package_changed_in_place_is_named(cli, site, tmp_path):
    root, osdir, key = site
    folder = osdir / "20261121"
    target = folder / "Packages/t/tzdata-2024a-1.el9.noarch.rpm"
    other = folder / "Packages/p/python3-requests-2.25.1-8.el9.noarch.rpm"
    data = bytearray(target.read_bytes())
    data[-20] ^= 0xFF  # the same NEVRA, another payload
    target.unlink()  # the mirror's file is left alone: a new file in the folder
    target.write_bytes(bytes(data))
    rc, out = verify(cli, root, folder, key)
    assert rc == 1
    assert out["published"]["problems"] == [
        "primary: Packages/t/tzdata-2024a-1.el9.noarch.rpm: the SHA256 it gives is not the file's"
    ]
    assert (
        next(f for f in out["files"] if f["path"].endswith("tzdata-2024a-1.el9.noarch.rpm"))["status"]
        == "digest mismatch"
    )
    assert other.is_file()


def test_a_published_folder_needs_its_site(cli, site, tmp_path):
    _, osdir, key = site
    r = cli("verify", osdir / "20261121", "--keyring", key.public, "--root", tmp_path / "elsewhere", site=False)
    assert r.exit_code == 1 and "not an errata-tpl site" in r.stderr
