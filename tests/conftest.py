"""Shared fixtures: real RPMs from rpmbuild, copies of the example tree, the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
# Every resolver of the suite, in process or in a CLI it starts, makes each cache hit again and
# compares it (errata_tpl/resolve/cache.py): a step key that forgets an input fails a test.
os.environ.setdefault("ERRATA_TPL_CHECK_CACHES", "1")
sys.path.insert(0, str(REPO / "tools"))

import rpmfactory  # noqa: E402
from sitebuilder import SiteBuilder  # noqa: E402

from errata_tpl.cli import main  # noqa: E402
from errata_tpl.values import names  # noqa: E402

TESTS = Path(__file__).resolve().parent
KINDS = {
    "unit": "a module of errata_tpl called in process (tests/unit/); ./run test --fast runs only these",
    "cli": "the errata-tpl command line, in process or as a subprocess (tests/cli/)",
    "e2e": "a real consumer (dnf, ansible, salt, a browser) applies what errata-tpl wrote (tests/e2e/)",
}


def pytest_configure(config: pytest.Config) -> None:
    for kind, what in KINDS.items():
        config.addinivalue_line("markers", f"{kind}: {what}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with the kind of its folder (tests/README.md): `-m unit` runs the unit tests."""
    for item in items:
        kind = item.path.relative_to(TESTS).parts[0]
        if kind in KINDS:
            item.add_marker(kind)


def spec(line: str, **kw) -> rpmfactory.Spec:
    s = rpmfactory.parse_nevra_line(line)
    return rpmfactory.Spec(**{**s.__dict__, **kw})


@pytest.fixture(scope="session")
def rpm_cache(tmp_path_factory: pytest.TempPathFactory):
    """Build each distinct spec once per test session; copy it where a test wants it."""
    store = tmp_path_factory.mktemp("rpm-store")
    built: dict[rpmfactory.Spec, Path] = {}

    def make(specs: list[rpmfactory.Spec], dest: Path) -> list[Path]:
        todo = [s for s in dict.fromkeys(specs) if s not in built]
        flat = [rpmfactory.Spec(**{**s.__dict__, "subdir": f"{i}"}) for i, s in enumerate(todo, len(built))]
        for s, path in zip(todo, rpmfactory.build(flat, store)):
            built[s] = path
        out = []
        for s in specs:
            target = dest / s.subdir / s.filename if s.subdir else dest / s.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built[s], target)
            out.append(target)
        return out

    return make


@pytest.fixture
def make_rpms(rpm_cache, tmp_path: Path):
    """make_rpms(["bash 5.1-1 x86_64", ...], dest=None) -> paths (dest defaults to tmp/mirror)."""

    def make(items: list[str | rpmfactory.Spec], dest: Path | None = None) -> list[Path]:
        specs = [spec(i) if isinstance(i, str) else i for i in items]
        return rpm_cache(specs, dest or tmp_path / "mirror")

    return make


@pytest.fixture
def example_root(tmp_path: Path) -> Path:
    """A private copy of the repository's example tree (os/, site/, errata/)."""
    root = tmp_path / "root"
    for d in ("os", "site", "errata"):
        shutil.copytree(REPO / d, root / d)
    (root / "examples").symlink_to(REPO / "examples")  # its mirrors, which repos: name relative to the root
    return root


def minimal_site(root: Path, *os_ids: str) -> Path:
    """The least a site is: site/, and os/<os-id>/os.yaml of each os-id (what generate
    and hotfix need to write a profile of that OS)."""
    for d in ("site", "os"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for os_id in os_ids:
        version, arch = os_id.rsplit("-", 1)
        d = root / "os" / os_id
        d.mkdir(parents=True, exist_ok=True)
        if not (d / "os.yaml").exists():
            (d / "os.yaml").write_text(f"version: {version}\narch: {arch}\n")
    return root


@pytest.fixture
def site_builder(tmp_path: Path) -> SiteBuilder:
    """A site of the test's own, written file by file under tmp/root (tests/sitebuilder.py)."""
    return SiteBuilder(tmp_path / "root")


@pytest.fixture
def cli():
    """cli(*args, root=R): the command run in-process. generate and hotfix write into a
    site and refuse a folder that is not one: given a ``root`` that is no site yet, they
    get a minimal one for their --os, if it lacks it (``site=False``: as it is)."""
    runner = CliRunner()

    def run(*args: str, root: Path | None = None, input: str | None = None, site: bool = True) -> Result:
        argv = (["--root", str(root)] if root is not None else []) + [str(a) for a in args]
        if site and root is not None and args and args[0] in ("generate", "hotfix") and "--os" in args[:-1]:
            os_id = str(args[args.index("--os") + 1])
            if names.is_os_id(os_id):
                minimal_site(root, os_id)
        return runner.invoke(main, argv, input=input, catch_exceptions=False)

    return run


def errata_tpl(root, *args, stdout=subprocess.PIPE, timeout=120):
    """The tool as a process (what a user's shell runs): exit status, stdout, stderr; a
    hang is a timeout here, not a stuck test run."""
    return subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )


def one_line(r, message: str) -> None:
    """A user error, as errata_tpl() ran it: exit 1, the message on the last line, no traceback."""
    assert r.returncode == 1, r.stderr
    assert r.stderr.splitlines()[-1] == f"errata-tpl: error: {message}", r.stderr
    assert "Traceback" not in r.stderr and "CRITICAL" not in r.stderr
