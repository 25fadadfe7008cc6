"""The real consumers of the outputs, as the tests drive them: dnf into an --installroot,
and the tools ./run setup installs into .venv-consumers (ansible-core, salt, pykickstart)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

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


def installed_packages(installroot: Path) -> dict[str, str]:
    """NEVRA (epoch only when not 0, as errata-tpl writes versions) -> name, from rpm's database."""
    p = run(["rpm", "--root", str(installroot), "-qa", "--qf", "%{NAME}-%{EVR}.%{ARCH} %{NAME}\\n"])
    return dict(line.split() for line in p.stdout.splitlines() if not line.startswith("gpg-pubkey"))


def installed(installroot: Path) -> set[str]:
    return set(installed_packages(installroot))


def same_set(have: set[str], packages: list[dict]) -> bool:
    """Each resolved entry matches exactly one installed package (an entry without version
    or arch matches any), and nothing else is installed."""
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
    return not left


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
