"""`hotfix`: the builds an advisory, a CVE or a package name ship, and what they
need beyond the newest dated profile, solved by libsolv over real repositories."""

import pytest
import rpmfactory
import yaml
from conftest import spec

A = rpmfactory.Advisory
MIRROR = [
    spec("libbase 1.0-1.el9 x86_64", provides=("libbase(abi) = 1",)),
    spec("libbase 2.0-1.el9 x86_64", provides=("libbase(abi) = 2",)),
    spec("libx 1.0-1.el9 x86_64", provides=("libx(abi) = 1",), requires=("libbase(abi) >= 1",)),
    spec("libx 2.0-1.el9 x86_64", provides=("libx(abi) = 2",), requires=("libbase(abi) >= 2",)),
    spec("app 1.0-1.el9 x86_64", requires=("libx(abi) >= 1",)),
    spec("app 2.0-1.el9 x86_64", requires=("libx(abi) >= 2", "helper")),  # the urgent fix
    spec("app 2.0-1.el9 i686", requires=("libx(abi) >= 2",)),
    spec("other 1-1.el9 noarch"),
    spec("other 2-1.el9 noarch"),
    spec("kernel 5.14.0-1.el9 x86_64"),
    spec("kernel 5.14.0-2.el9 x86_64"),
]
BASE = [spec("helper 1-1.el9 noarch")]  # only in a further repository: met there, not needed
ADVISORIES = [
    A("EXBA-1", "bugfix", "2026-10-01", ("libbase-1.0-1.el9.x86_64.rpm", "libx-1.0-1.el9.x86_64.rpm")),
    A("EXBA-2", "bugfix", "2026-10-01", ("app-1.0-1.el9.x86_64.rpm", "other-1-1.el9.noarch.rpm")),
    A("EXBA-3", "bugfix", "2026-11-01", ("libx-2.0-1.el9.x86_64.rpm", "libbase-2.0-1.el9.x86_64.rpm")),
    A(
        "EXSA-9",
        "security",
        "2026-11-20",
        ("app-2.0-1.el9.x86_64.rpm", "app-2.0-1.el9.i686.rpm"),
        severity="Critical",
        cves=("CVE-2026-9999",),
    ),
    A("EXSA-8", "security", "2026-11-21", ("kernel-5.14.0-2.el9.x86_64.rpm",), cves=("CVE-2026-8888",)),
]


@pytest.fixture(scope="module")
def repos(rpm_cache, tmp_path_factory):
    top = tmp_path_factory.mktemp("hotfix")
    rpm_cache(MIRROR, top / "mirror")
    rpmfactory.createrepo(top / "mirror", ADVISORIES)
    rpm_cache(BASE, top / "base")
    rpmfactory.createrepo(top / "base")
    return top / "mirror", top / "base"


@pytest.fixture
def root(repos, cli, tmp_path, monkeypatch):
    """A root whose newest dated profile is the mirror as of 2026-10-15: app 1, libx 1, libbase 1."""
    mirror, _ = repos
    root = tmp_path / "root"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    r = cli("generate", mirror, "--os", "el9-x86_64", "--profile", "20261015", "--until", "2026-10-15", root=root)
    assert r.exit_code == 0, r.output
    return root


def hotfix(cli, root, repos, *args):
    mirror, base = repos
    r = cli("hotfix", mirror, "--os", "el9-x86_64", "--repo", base, *args, root=root)
    path = root / "errata/el9-x86_64" / f"hotfix-{args[args.index('--name') + 1]}.yaml"
    return r, (yaml.safe_load(path.read_text()) if r.exit_code == 0 and path.is_file() else None)


def nevras(entries):
    return [f"{e['name']}-{e['version']}.{e['arch']}" for e in entries]


def test_advisory_with_what_it_needs_beyond_the_newest_profile(cli, root, repos):
    r, h = hotfix(cli, root, repos, "--name", "app-urgent", "--advisory", "EXSA-9")
    assert r.exit_code == 0, r.output
    assert {k: h[k] for k in ("name", "os", "generated", "selection", "against")} == {
        "name": "app-urgent",
        "os": "el9-x86_64",
        "generated": "2026-11-21T06:00:00Z",
        "selection": {"advisories": ["EXSA-9"]},
        "against": "20261015",
    }
    assert h["source"] == str(repos[0])
    by = {f"{e['name']}.{e['arch']}": e for e in h["packages"]}
    # exactly what the advisory ships, both arches; then libx 2 (app needs its abi 2, the
    # profile holds libx 1) and, through libx 2, libbase 2; helper is met by the base repo
    assert nevras(h["packages"]) == [
        "app-2.0-1.el9.i686",
        "app-2.0-1.el9.x86_64",
        "libbase-2.0-1.el9.x86_64",
        "libx-2.0-1.el9.x86_64",
    ]
    assert by["app.x86_64"]["cves"] == ["CVE-2026-9999"] and "needed_by" not in by["app.x86_64"]
    assert by["libx.x86_64"]["needed_by"] == ["app-2.0-1.el9.i686", "app-2.0-1.el9.x86_64"]
    assert by["libbase.x86_64"]["needed_by"] == ["libx-2.0-1.el9.x86_64"]
    assert by["libx.x86_64"]["advisories"][0]["id"] == "EXBA-3"  # a needed build keeps its advisories
    assert h["kernels"] == []


def test_needed_only_against_what_the_newest_profile_lacks(cli, root, repos, monkeypatch):
    # a newer dated profile already has libx 2 and libbase 2: nothing more is needed
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    assert (
        cli(
            "generate", repos[0], "--os", "el9-x86_64", "--profile", "20261102", "--until", "2026-11-02", root=root
        ).exit_code
        == 0
    )
    r, h = hotfix(cli, root, repos, "--name", "app-urgent", "--cve", "CVE-2026-9999")
    assert r.exit_code == 0, r.output
    assert h["against"] == "20261102" and h["selection"] == {"cves": ["CVE-2026-9999"]}
    assert nevras(h["packages"]) == ["app-2.0-1.el9.i686", "app-2.0-1.el9.x86_64"]


def test_package_names_and_kernels_apart(cli, root, repos):
    r, h = hotfix(cli, root, repos, "--name", "k", "--package", "other", "--package", "kernel")
    assert r.exit_code == 0, r.output
    assert nevras(h["packages"]) == ["other-2-1.el9.noarch"]  # the newest build of the name
    assert nevras(h["kernels"]) == ["kernel-5.14.0-2.el9.x86_64", "kernel-5.14.0-1.el9.x86_64"]
    assert h["selection"] == {"packages": ["kernel", "other"]}


def test_a_hotfix_is_a_record(cli, root, repos):
    r, _ = hotfix(cli, root, repos, "--name", "x", "--package", "other")
    assert r.exit_code == 0
    path = root / "errata/el9-x86_64/hotfix-x.yaml"
    before = path.read_text()
    r, _ = hotfix(cli, root, repos, "--name", "x", "--advisory", "EXSA-9")
    assert r.exit_code == 1 and "exists; a hotfix is a record (use --force" in r.stderr
    assert path.read_text() == before
    r, h = hotfix(cli, root, repos, "--name", "x", "--advisory", "EXSA-9", "--force")
    assert r.exit_code == 0 and h["selection"] == {"advisories": ["EXSA-9"]}


@pytest.mark.parametrize(
    "args, words",
    [
        (("--name", "x", "--advisory", "EXSA-404"), "no advisory 'EXSA-404' in the mirror's updateinfo"),
        (("--name", "x", "--cve", "CVE-1-1"), "no advisory in the mirror's updateinfo fixes CVE-1-1"),
        (("--name", "x", "--package", "nope"), "no build of package 'nope' in the mirror"),
        (("--name", "../x", "--package", "other"), "bad hotfix name '../x'"),
        (("--name", ".x", "--package", "other"), "bad hotfix name '.x'"),
    ],
)
def test_user_errors_write_nothing(cli, root, repos, args, words):
    r, _ = hotfix(cli, root, repos, *args)
    assert r.exit_code == 1 and r.stderr.startswith("errata-tpl: error: ") and words in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not list((root / "errata/el9-x86_64").glob("hotfix-*"))


def test_nothing_selected_is_a_usage_error(cli, root, repos):
    r = cli("hotfix", repos[0], "--os", "el9-x86_64", "--name", "x", root=root)
    assert r.exit_code == 2
