"""The real consumers of the outputs, as the tests drive them: dnf into an --installroot,
and the tools ./run setup installs into .venv-consumers (ansible-core, salt, pykickstart)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection, Sequence
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CONSUMERS = REPO / ".venv-consumers" / "bin"


def tool(name: str) -> str:
    """A consumer's command; missing means ./run setup has not run (a failure, not a skip)."""
    path = CONSUMERS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: ./run setup installs the consumers (tools/consumers.txt)")
    return str(path)


def run(cmd: Sequence[str], **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stderr}\n{p.stdout}"
    return p


def dnf_args(installroot: Path, repos: Sequence[Path], cache: Path, plugins: Path | None = None) -> list[str]:
    """dnf 4 on one installroot, with only the given repositories; plugins off, or only
    versionlock configured from ``plugins`` (a pluginconfpath)."""
    args = [
        "dnf",
        "-y",
        "-q",
        f"--installroot={installroot}",
        "--setopt=reposdir=/nonexistent",
        "--releasever=9",
        f"--setopt=cachedir={cache}",
        "--setopt=install_weak_deps=False",
    ]
    for i, repo in enumerate(repos):
        args += [f"--repofrompath=r{i},file://{repo}", f"--setopt=r{i}.gpgcheck=0"]
    if plugins is None:
        args.append("--noplugins")
    else:
        args += [f"--setopt=pluginconfpath={plugins}", "--disableplugin=*", "--enableplugin=versionlock"]
    return args


def dnf(installroot: Path, repos: Sequence[Path], cache: Path, *cmd: str, plugins: Path | None = None) -> str:
    return run([*dnf_args(installroot, repos, cache, plugins), *cmd]).stdout


def dnf_apply(
    installroot: Path, repos: Sequence[Path], cache: Path, installonly: Collection[str], specs: list[str]
) -> None:
    """The dnf format's header: install the list, then remove what is not on it (of the
    ``installonly`` names, the versions it does not name)."""
    from errata_tpl.values import ref

    dnf(installroot, repos, cache, "install", *specs)
    wanted = set(specs)
    names = {ref.parse_string(s).name for s in specs}
    multi = names & set(installonly)
    extra = sorted(
        nevra
        for nevra, name in installed_packages(installroot).items()
        if name not in names or (name in multi and nevra not in wanted)
    )
    if extra:
        dnf(installroot, repos, cache, "remove", *extra)


def installed_packages(installroot: Path) -> dict[str, str]:
    """NEVRA (epoch only when not 0, as errata-tpl writes versions) -> name, from rpm's database."""
    p = run(["rpm", "--root", str(installroot), "-qa", "--qf", "%{NAME}-%{EVR}.%{ARCH} %{NAME}\\n"])
    return dict(line.split() for line in p.stdout.splitlines() if not line.startswith("gpg-pubkey"))


def installed(installroot: Path) -> set[str]:
    return set(installed_packages(installroot))


def same_set(have: set[str], packages: list[dict], whole: bool = True) -> bool:
    """Each resolved entry matches exactly one installed package (an entry without version
    or arch matches any), and (``whole``: the list is the node's whole set) nothing else
    is installed."""
    left = set(have)
    for p in packages:
        hits = [
            h
            for h in left
            if h.startswith(f"{p['name']}-")
            and h[len(p["name"]) + 1 : len(p["name"]) + 2].isdigit()
            and (p["version"] is None or h.startswith(f"{p['name']}-{p['version']}."))
            and (p["arch"] is None or h.endswith(f".{p['arch']}"))
        ]
        if len(hits) != 1:
            return False
        left.discard(hits[0])
    return not left or not whole


# The builds of an el9 mirror the consumer tests share (kernels apart: each test has its own).
EL9_BUILDS = (
    "bash 5.1.8-6.el9_1 x86_64",
    "bash 5.1.8-9.el9 x86_64",
    "nss 3.90.0-3.el9_2 x86_64",
    "nss 3.101.0-7.el9_4 x86_64",
    "seamonkey-nss 2.53.17-1.el9 x86_64",
    "tzdata 2023c-1.el9 noarch",
    "tzdata 2024a-1.el9 noarch",
    "compat-libs 1.0-1.el9 i686",
    "compat-libs 1.0-2.el9 i686",
    "vim-minimal 2:8.2.2637-20.el9_1 x86_64",
)


def body(text: str) -> list[str]:
    """The lines of a text format that are not comments."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def header_block(text: str, first: str, last: str, indent: int = 4) -> str:
    """The recipe a file's header comment shows: the comment lines from the one that starts
    with ``first`` to the one that starts with ``last``, without their comment leader."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i >= start and line.startswith(last))
    return "\n".join(line[indent:] for line in lines[start : end + 1]) + "\n"


def ansible_recipe(
    work: Path, repos: Sequence[Path], installroot: Path, text: str, releasever: str, dnf_main: str = ""
) -> None:
    """Run exactly the tasks the ansible file's header shows, with the file as the host's vars;
    the test only points ansible.builtin.dnf at the installroot and the fixture repositories."""
    conf = work / "dnf.conf"
    (work / "repos.d").mkdir(exist_ok=True)
    (work / "repos.d/fixture.repo").write_text(
        "".join(f"[r{i}]\nname=r{i}\nbaseurl=file://{r}\ngpgcheck=0\n" for i, r in enumerate(repos))
    )
    conf.write_text(f"[main]\nreposdir={work}/repos.d\ninstall_weak_deps=False\n{dnf_main}")
    (work / "inventory").write_text("localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
    (work / "host_vars").mkdir(exist_ok=True)
    (work / "host_vars/localhost.yml").write_text(text)
    defaults = {
        "installroot": str(installroot),
        "conf_file": str(conf),
        "disable_gpg_check": True,
        "releasever": releasever,
        "disable_plugin": ["*"],
        "use_backend": "dnf4",  # an EL node tells by its pkg_mgr fact; Debian's says apt
    }
    tasks = yaml.safe_load(header_block(text, "#   - name:", "#     when:"))
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"ansible.builtin.dnf": defaults},
            "tasks": tasks,
        }
    ]
    (work / "play.yml").write_text(yaml.safe_dump(play))
    env = dict(
        os.environ,
        ANSIBLE_HOME=str(work / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    run([tool("ansible-playbook"), "-i", str(work / "inventory"), str(work / "play.yml")], env=env)
