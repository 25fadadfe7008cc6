"""Published repositories, read by real dnf in an --installroot: exactly the profile's
builds, the advisories README's rule gives, the recorded module streams, a signed
repomd.xml dnf checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import rpmfactory
import yaml
from conftest import spec
from consumers import dnf_args, installed
from sitebuilder import SiteBuilder
from unit.mirror.test_modules import MODULES

from e2e.test_modular_check import BUILDS as MODULAR_BUILDS

OLD = [
    "bash 5.1.8-6.el9_1 x86_64",
    "nss 3.90.0-3.el9_2 x86_64",
    "tzdata 2023c-1.el9 noarch",
    "compat-libs 1.0-1.el9 i686",
    spec("kernel 5.14.0-362.8.1.el9_3 x86_64", provides=("installonlypkg(kernel)",)),
]
NEW = [
    "bash 5.1.8-9.el9 x86_64",
    "nss 3.101.0-7.el9_4 x86_64",
    "tzdata 2024a-1.el9 noarch",
    "compat-libs 1.0-2.el9 i686",
    "vim-minimal 2:8.2.2637-20.el9_1 x86_64",
    spec("kernel 5.14.0-362.13.1.el9_3 x86_64", provides=("installonlypkg(kernel)",)),
]
ADVISORIES = [
    rpmfactory.Advisory(
        "EXSA-2026:0001",
        "security",
        "2026-11-01",
        ("bash-5.1.8-9.el9.x86_64.rpm",),
        severity="Important",
        cves=("CVE-2026-0001",),
    ),
    # ships a build the profile has and one it has not: cut to the one
    rpmfactory.Advisory(
        "EXBA-2026:0002", "bugfix", "2026-11-02", ("nss-3.101.0-7.el9_4.x86_64.rpm", "nss-3.90.0-3.el9_2.x86_64.rpm")
    ),
    rpmfactory.Advisory(
        "EXSA-2026:0003",
        "security",
        "2026-11-03",
        ("kernel-5.14.0-362.13.1.el9_3.x86_64.rpm",),
        severity="Critical",
        cves=("CVE-2026-0003", "CVE-2026-0004"),
    ),
    # ships only a build the profile does not name: left out
    rpmfactory.Advisory("EXBA-2026:0004", "bugfix", "2026-10-01", ("bash-5.1.8-6.el9_1.x86_64.rpm",)),
]
OS = "version: el9\narch: x86_64\nkernel: {version: 5.14.0-362.8.1.el9_3, packages: [kernel]}\npackages: [bash]\n"


def dnf(installroot: Path, repo: Path, cache: Path, *args: str, check: bool = True, releasever: str = "9", **opts: str):
    """dnf on the one repository (``r0``), as the other consumer tests run it; a
    repository dnf cannot read is an error, not skipped."""
    setopts = {"skip_if_unavailable": "False", **opts}
    cmd = [
        *dnf_args(installroot, [repo], cache),
        f"--releasever={releasever}",
        *(f"--setopt=r0.{k}={v}" for k, v in setopts.items()),
        *args,
    ]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check:
        assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stderr}"
    return p


def make_mirror(rpm_cache, d: Path) -> Path:
    """Old and new builds, two kernels, updateinfo."""
    mirror = d / "mirror"
    rpm_cache([spec(s) if isinstance(s, str) else s for s in [*OLD, *NEW]], mirror)
    rpmfactory.createrepo(mirror, ADVISORIES)
    return mirror


def site(root: Path, os_id: str = "el9-x86_64", os_yaml: str = OS) -> Path:
    return SiteBuilder(root).os(os_id, os_yaml).site("deploy_errata: true\n").root


def errata(root: Path, *args: object, env: dict[str, str] | None = None) -> None:
    """errata-tpl in this process (the fixtures are module-wide: no cli fixture)."""
    from click.testing import CliRunner

    from errata_tpl.cli import main

    r = CliRunner().invoke(main, ["--root", str(root), *map(str, args)], env=env)
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def published(rpm_cache, tmp_path_factory):
    """A mirror with old and new builds and updateinfo, its profile, and the profile published."""
    d = tmp_path_factory.mktemp("pub")
    mirror = make_mirror(rpm_cache, d)
    root = site(d / "root")
    errata(
        root, "generate", mirror, "--os", "el9-x86_64", "--profile", "20261121", env={"SOURCE_DATE_EPOCH": "1795240800"}
    )
    errata(root, "publish", mirror, "--os", "el9-x86_64", "--profile", "20261121", "--to", d / "repos")
    profile = yaml.safe_load((root / "errata/el9-x86_64/20261121.yaml").read_text())
    return d, mirror, d / "repos/el9-x86_64/20261121", profile


def nevra(e: dict) -> str:
    return f"{e['name']}-{e['version']}.{e['arch']}"


def builds(profile: dict) -> set[str]:
    return {nevra(e) for key in ("packages", "kernels", "kernel_named", "modular") for e in profile.get(key) or ()}


def test_the_folder_holds_exactly_the_profiles_builds(published):
    d, _, repo, profile = published
    got = dnf(d / "q", repo, d / "q-cache", "repoquery", "-a", "--qf", "%{name}-%{epoch}:%{version}-%{release}.%{arch}")
    listed = {line.replace("-0:", "-") for line in got.stdout.split()}
    assert listed == builds(profile) and len(listed) == 7  # both kernels, the newest of everything else
    assert not list(repo.rglob("bash-5.1.8-6*"))


def test_dnf_install_of_every_name_gives_the_profiles_versions(published):
    d, _, repo, profile = published
    names = sorted({e["name"] for e in profile["packages"]} | {e["name"] for e in profile["kernels"]})
    root = d / "by-name"
    dnf(root, repo, d / "cache", "install", *names)
    newest_kernel = nevra(profile["kernels"][0])
    assert installed(root) == {nevra(e) for e in profile["packages"]} | {newest_kernel}
    # every build, the older kernel beside the newer
    root = d / "every-build"
    dnf(root, repo, d / "cache", "install", *sorted(builds(profile)))
    assert installed(root) == builds(profile)


def test_updateinfo_lists_the_recorded_advisories_cut_to_the_builds_present(published):
    d, mirror, repo, profile = published
    root = d / "old"
    base = [str(mirror / f) for f in ("bash-5.1.8-6.el9_1.x86_64.rpm", "nss-3.90.0-3.el9_2.x86_64.rpm")]
    base.append(str(mirror / "kernel-5.14.0-362.8.1.el9_3.x86_64.rpm"))
    dnf(root, repo, d / "cache", "install", *base)
    got = dnf(root, repo, d / "cache", "updateinfo", "list").stdout
    pairs = {tuple(line.split()[::2]) for line in got.splitlines() if line.strip()}
    # the rule: each advisory the profile records for a build present, for the installed names it updates
    old_names = {"bash", "nss", "kernel"}
    wanted = {
        (a["id"], nevra(e))
        for key in ("packages", "kernels")
        for e in profile[key]
        if e["name"] in old_names
        for a in e.get("advisories") or ()
    }
    assert (
        pairs
        == wanted
        == {
            ("EXSA-2026:0001", "bash-5.1.8-9.el9.x86_64"),
            ("EXBA-2026:0002", "nss-3.101.0-7.el9_4.x86_64"),
            ("EXSA-2026:0003", "kernel-5.14.0-362.13.1.el9_3.x86_64"),
        }
    )
    # --all lists installed builds an advisory names too: the mirror's EXBA-2026:0002 names the
    # installed nss-3.90, the published one only the build present; EXBA-2026:0004 is not published
    every = dnf(root, repo, d / "cache", "updateinfo", "list", "--all").stdout
    assert "nss-3.101.0-7.el9_4.x86_64" in every and "3.90.0" not in every
    assert "EXBA-2026:0004" not in every and "5.1.8-6" not in every
    mirror_view = dnf(root, mirror, d / "mirror-cache", "updateinfo", "list", "--all").stdout
    assert "nss-3.90.0-3.el9_2.x86_64" in mirror_view and "EXBA-2026:0004" in mirror_view  # what was cut
    info = dnf(root, repo, d / "cache", "updateinfo", "info", "EXSA-2026:0003").stdout
    assert "CVE-2026-0003" in info and "CVE-2026-0004" in info and "Critical" in info


# --- module streams ---------------------------------------------------------------------

EL8 = "version: el8\narch: x86_64\nkernel: {version: 4.18.0-1.el8, packages: []}\npackages: [bash]\n"


@pytest.fixture(scope="module")
def modular(rpm_cache, tmp_path_factory):
    d = tmp_path_factory.mktemp("modular")
    mirror = d / "mirror"
    rpm_cache(MODULAR_BUILDS, mirror)
    rpmfactory.createrepo(mirror, modules=MODULES, module_defaults={"nodejs": "18"})
    root = site(d / "root", "el8-x86_64", EL8)
    errata(root, "generate", mirror, "--os", "el8-x86_64", "--profile", "20261121")
    errata(root, "publish", mirror, "--os", "el8-x86_64", "--profile", "20261121", "--to", d / "repos")
    profile = yaml.safe_load((root / "errata/el8-x86_64/20261121.yaml").read_text())
    return d, d / "repos/el8-x86_64/20261121", profile


def test_module_list_shows_the_recorded_streams(modular):
    d, repo, profile = modular
    out = dnf(
        d / "m", repo, d / "m-cache", "module", "list", "--setopt=module_platform_id=platform:el8", releasever="8"
    )
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith("nodejs")]
    streams = {r[1] for r in rows}
    recorded = {e["module"].split(":")[1] for e in profile["modular"]}
    assert streams == recorded == {"18", "20"}
    assert rows[[r[1] for r in rows].index("18")][:3] == ["nodejs", "18", "[d]"]  # the recorded default


@pytest.mark.parametrize(
    ("stream", "wanted"),
    [
        (None, {"nodejs-18.2-1.module_el8+182.x86_64", "npm-9.5-1.module_el8+182.x86_64"}),  # the default stream
        ("20", {"nodejs-20.3-1.module_el8+203.x86_64", "npm-10.2-1.module_el8+203.x86_64"}),
    ],
)
def test_a_stream_installs_its_recorded_builds(modular, stream, wanted):
    d, repo, _ = modular
    root = d / f"stream-{stream}"
    opts = ("--setopt=module_platform_id=platform:el8",)
    if stream is not None:
        dnf(root, repo, d / "cache", *opts, "module", "enable", f"nodejs:{stream}", releasever="8")
    dnf(root, repo, d / "cache", *opts, "install", "nodejs", "npm", releasever="8")
    assert installed(root) == wanted


def test_a_disabled_module_gives_the_profiles_own_build(modular):
    d, repo, profile = modular
    root = d / "disabled"
    opts = ("--setopt=module_platform_id=platform:el8",)
    dnf(root, repo, d / "cache", *opts, "module", "disable", "nodejs", releasever="8")
    dnf(root, repo, d / "cache", *opts, "install", "nodejs", releasever="8")
    own = next(e for e in profile["packages"] if e["name"] == "nodejs")
    assert installed(root) == {nevra(own)}


def test_a_modular_hotfix_publishes_its_streams(modular):
    d, _, _ = modular
    root, mirror = d / "root", d / "mirror"
    errata(root, "hotfix", mirror, "--os", "el8-x86_64", "--name", "npm", "--package", "npm")
    hotfix = yaml.safe_load((root / "errata/el8-x86_64/hotfix-npm.yaml").read_text())
    streams = {e["module"].split(":")[1] for e in hotfix["modular"]}
    errata(root, "publish", mirror, "--os", "el8-x86_64", "--hotfix", "npm", "--to", d / "repos")
    repo = d / "repos/el8-x86_64/hotfix-npm"
    opts = ("--setopt=module_platform_id=platform:el8",)
    out = dnf(d / "hf", repo, d / "hf-cache", *opts, "module", "list", releasever="8").stdout
    assert {line.split()[1] for line in out.splitlines() if line.startswith("nodejs")} == streams == {"18", "20"}
    qf = ("--qf", "%{name}-%{version}-%{release}.%{arch}")
    default = dnf(d / "hf", repo, d / "hf-cache", *opts, "repoquery", "-a", *qf, releasever="8").stdout.split()
    assert default and all("module_el8+18" in n for n in default)  # the default stream's builds only
    dnf(d / "hf20", repo, d / "hf-cache", *opts, "module", "enable", "nodejs:20", releasever="8")
    twenty = dnf(d / "hf20", repo, d / "hf-cache", *opts, "repoquery", "-a", *qf, releasever="8").stdout.split()
    assert twenty and all("module_el8+20" in n for n in twenty)


# --- a signed repomd.xml ------------------------------------------------------------------


@pytest.fixture
def signed(published, tmp_path, monkeypatch, cli):
    d, mirror, _, _ = published
    key = rpmfactory.make_key(tmp_path / "gnupg", "Repo Signer", "repo@example.org")
    monkeypatch.setenv("GNUPGHOME", str(key.home))
    root = d / "root"
    out = tmp_path / "repos"
    r = cli(
        "publish",
        mirror,
        "--os",
        "el9-x86_64",
        "--profile",
        "20261121",
        "--to",
        out,
        "--sign-key",
        key.email,
        "--keyring",
        key.public,
        root=root,
    )
    assert r.exit_code == 0, r.stderr
    yield key, out / "el9-x86_64/20261121"
    rpmfactory.stop_agent(key)


def test_repo_gpgcheck_passes_with_the_key_and_fails_on_a_changed_repomd(signed, tmp_path):
    key, repo = signed
    assert (repo / "repodata/repomd.xml.asc").read_text().startswith("-----BEGIN PGP SIGNATURE-----")
    assert (repo / "repodata/repomd.xml.key").read_bytes() == key.public.read_bytes()
    opts = {"repo_gpgcheck": "1", "gpgkey": f"file://{repo}/repodata/repomd.xml.key"}
    dnf(tmp_path / "ok", repo, tmp_path / "ok-cache", "makecache", **opts)
    repomd = repo / "repodata/repomd.xml"
    repomd.write_text(repomd.read_text().replace("<revision>", "<revision>x"))
    p = dnf(tmp_path / "bad", repo, tmp_path / "bad-cache", "makecache", check=False, **opts)
    assert p.returncode != 0 and "GPG signature verification error: Bad GPG signature" in p.stderr, p.stderr
