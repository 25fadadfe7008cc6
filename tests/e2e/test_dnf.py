"""A real consumer: dnf applies resolved lists into an --installroot.

The repository is built with createrepo_c from RPMs made by rpmbuild; the
profile is made by `errata-tpl generate` from the same files. After each
apply, the installed set (rpm --root -qa) must equal the resolved list.
"""

import subprocess
from pathlib import Path

import yaml
from conftest import spec
from consumers import EL9_BUILDS, dnf, installed, installed_packages, same_set
from sitebuilder import SiteBuilder

from errata_tpl.values import ref

MIRROR = [
    *EL9_BUILDS,
    "kernel 5.14.0-362.8.1.el9_3 x86_64",
    "kernel 5.14.0-362.13.1.el9_3 x86_64",
    # as the real kernel-core does: how dnf knows it is installonly
    spec("kernel-core 5.14.0-362.8.1.el9_3 x86_64", provides=("installonlypkg(kernel)",)),
    spec("kernel-core 5.14.0-362.13.1.el9_3 x86_64", provides=("installonlypkg(kernel)",)),
]

OS = """\
version: el9
arch: x86_64
kernel: {version: 5.14.0-362.8.1.el9_3, packages: [kernel, kernel-core]}
packages:
  - bash-5.1.8-6.el9_1.x86_64
  - {name: nss, version: 3.90.0-3.el9_2, arch: x86_64}
  - seamonkey-nss-2.53.17-1.el9.x86_64
  - tzdata-2023c-1.el9.noarch
  - compat-libs-1.0-1.el9.i686
  - vim-minimal
"""


def resolved(cli, root: Path, node: str) -> tuple[list[str], dict]:
    r = cli("resolve", node, "--format", "dnf", root=root)
    assert r.exit_code == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if line and not line.startswith("#")]
    return lines, yaml.safe_load(cli("resolve", node, root=root).stdout)


def apply(installroot: Path, repo: Path, cache: Path, specs: list[str]) -> None:
    """What a CM tool does: install the list, then remove what is not on it."""
    dnf(installroot, [repo], cache, "install", *specs)
    wanted = {ref.parse_string(s).name for s in specs}
    extra = sorted(nevra for nevra, name in installed_packages(installroot).items() if name not in wanted)
    if extra:
        dnf(installroot, [repo], cache, "remove", *extra)


def test_dnf_installs_exactly_the_resolved_lists(make_rpms, tmp_path, cli, monkeypatch):
    repo = tmp_path / "repo"
    make_rpms(MIRROR, dest=repo)
    subprocess.run(["createrepo_c", "-q", str(repo)], check=True)

    root = tmp_path / "tree"
    (
        SiteBuilder(root)
        .os("el9-x86_64", OS)
        .site('deploy_errata: false\nerrata_defaults: {el9: "20261121"}\n')
        .node("n1", "os: el9-x86_64\n")
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795240800")
    assert cli("generate", repo, "--os", "el9-x86_64", "--profile", "20261121", root=root).exit_code == 0
    (root / "errata/el9-x86_64/20261121-init.yaml").write_text("kernel_version: 5.14.0-362.13.1.el9_3\n")
    (root / "errata/el9-x86_64/20261121-fix.yaml").write_text(
        "actions:\n  - del: seamonkey-nss\n  - repl: {name: nss, version: 3.90.0-3.el9_2, arch: x86_64}\n"
    )

    installroot, cache = tmp_path / "installroot", tmp_path / "dnf-cache"

    # 1. the base list, errata off
    base, data = resolved(cli, root, "n1")
    assert data["errata_from"] == "deploy-off"
    apply(installroot, repo, cache, base)
    have = installed(installroot)
    assert have == {
        "bash-5.1.8-6.el9_1.x86_64",
        "nss-3.90.0-3.el9_2.x86_64",
        "seamonkey-nss-2.53.17-1.el9.x86_64",
        "tzdata-2023c-1.el9.noarch",
        "compat-libs-1.0-1.el9.i686",
        "vim-minimal-2:8.2.2637-20.el9_1.x86_64",
        "kernel-5.14.0-362.8.1.el9_3.x86_64",
        "kernel-core-5.14.0-362.8.1.el9_3.x86_64",
    }
    assert same_set(have, data["packages"])

    # 2. errata on, the node still runs the old kernel: both kernels side by side
    (root / "site/site.yaml").write_text('deploy_errata: true\nerrata_defaults: {el9: "20261121"}\n')
    (root / "site/nodes/n1.yaml").write_text("os: el9-x86_64\nrunning_kernel: 5.14.0-362.8.1.el9_3\n")
    after, data = resolved(cli, root, "n1")
    assert data["errata"] == "20261121"
    apply(installroot, repo, cache, after)
    have = installed(installroot)
    assert have == {nevra(p) for p in data["packages"]}  # every version concrete now
    assert same_set(have, data["packages"])
    assert {"kernel-5.14.0-362.8.1.el9_3.x86_64", "kernel-5.14.0-362.13.1.el9_3.x86_64"} <= have
    assert "bash-5.1.8-9.el9.x86_64" in have and "tzdata-2024a-1.el9.noarch" in have
    assert "compat-libs-1.0-2.el9.i686" in have
    assert "nss-3.90.0-3.el9_2.x86_64" in have  # pinned back by the fix hook
    assert not any(p.startswith("seamonkey-nss") for p in have)  # removed by the fix hook


def nevra(p: dict) -> str:
    return f"{p['name']}-{p['version']}.{p['arch']}"
