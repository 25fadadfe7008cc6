"""A stage is a relative symlink to its profile's folder, switched in one step; a dnf
that read the old repomd.xml a moment before the switch still finds what it names.

The race is made to happen every time: inotify tells the test that dnf has just
opened the stage's repomd.xml, the test stops dnf (SIGSTOP), switches the stage
with `errata-tpl publish --stage` (a new promotion), and lets dnf go on to
read the files that repomd.xml names, through the switched symlink."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from consumers import dnf_args
from inotify import IN_OPEN, Watch

from e2e.test_publish_dnf import make_mirror, site

ERRATA = [str(Path(sys.executable).parent / "errata-tpl")]
DAYS = {"20261015": "2026-10-15", "20261101": "2026-11-01", "20261121": "2026-11-21"}  # three different profiles
STAGES = "stages:\n  - {name: canary, nodes: ['wn-05*']}\n  - {name: all, nodes: ['*'], soak: 1d}\n"


def cli(root: Path, *args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
    p = subprocess.run([*ERRATA, "--root", str(root), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert not check or p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def staged(rpm_cache, tmp_path_factory):
    d = tmp_path_factory.mktemp("stage")
    mirror = make_mirror(rpm_cache, d)
    root = site(d / "root")
    (root / "site/stages.yaml").write_text(f"{STAGES}repos: {{el9-x86_64: [{mirror}]}}\n")
    (root / "site/nodes/wn-051.yaml").write_text("os: el9-x86_64\n")
    for profile, day in DAYS.items():
        cli(root, "generate", mirror, "--os", "el9-x86_64", "--profile", profile, "--until", day)
        cli(root, "publish", mirror, "--os", "el9-x86_64", "--profile", profile, "--to", d / "repos")
    return d, mirror, root


def dnf_makecache(installroot: Path, repo: Path, cache: Path) -> subprocess.Popen[str]:
    opts = ["--setopt=r0.skip_if_unavailable=False", "--setopt=r0.metadata_expire=0"]
    return subprocess.Popen(
        [*dnf_args(installroot, [repo], cache), *opts, "makecache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_while_switched(d: Path, link: Path, switch, i: int) -> tuple[subprocess.Popen[str], bool, str]:
    """Start a dnf on the stage; when it has opened repomd.xml, stop it, ``switch()``,
    let it go on. Returns dnf (finished), whether it was stopped before it opened
    anything else, and the folder it read repomd.xml from."""
    target = os.readlink(link)
    with Watch() as w:
        w.add(link.parent / target / "repodata", IN_OPEN)
        dnf = dnf_makecache(d / f"root-{i}", link, d / f"cache-{i}")
        stopped = clean = False
        while dnf.poll() is None and not stopped:
            later: list[str] = []  # what dnf opened after repomd.xml, in the same batch of events
            for _, _, name in w.events(0.5):
                if stopped:
                    later.append(name)
                elif name == "repomd.xml":
                    os.kill(dnf.pid, signal.SIGSTOP)
                    stopped = True
            if stopped:
                later += [name for _, _, name in w.events(0.05)]
                clean = all(name == "repomd.xml" for name in later)
        assert stopped, "dnf never opened repomd.xml"
        try:
            switch()
        finally:
            os.kill(dnf.pid, signal.SIGCONT)
        dnf.wait(timeout=120)
    return dnf, clean, target


def cached_repomd(d: Path, i: int) -> bytes:
    """The repomd.xml dnf keeps in its cache (below the installroot or not: dnf's versions differ)."""
    found = [
        *d.glob(f"cache-{i}/r0-*/repodata/repomd.xml"),
        *d.glob(f"root-{i}/**/cache-{i}/r0-*/repodata/repomd.xml"),
    ]
    return found[0].read_bytes()


def test_a_stage_switched_while_dnf_reads_it_never_gives_a_broken_repository(staged):
    d, mirror, root = staged
    link = d / "repos/el9-x86_64/canary"
    order = list(DAYS)
    cli(root, "promote", order[0], "--os", "el9-x86_64", "--stage", "canary")
    cli(root, "publish", mirror, "--os", "el9-x86_64", "--stage", "canary", "--to", d / "repos")
    assert os.readlink(link) == order[0]  # relative: the sibling folder
    raced = 0
    # a loaded machine may let dnf read past repomd.xml before SIGSTOP lands: try until three clean races
    for i in range(1, 21):
        nxt = order[i % 3]

        def switch(nxt: str = nxt, i: int = i) -> None:
            cli(root, "promote", nxt, "--os", "el9-x86_64", "--stage", "canary")
            out = cli(root, "publish", mirror, "--os", "el9-x86_64", "--stage", "canary", "--to", d / "repos")
            assert f"canary -> {nxt}" in out.stderr

        dnf, clean, read_from = read_while_switched(d, link, switch, i)
        assert dnf.returncode == 0, dnf.stderr  # never a broken repository
        assert os.readlink(link) == nxt
        # dnf has the folder it read repomd.xml from, whole: never a mix
        cached = cached_repomd(d, i)
        assert cached == (link.parent / read_from / "repodata/repomd.xml").read_bytes()
        raced += clean
        if raced >= 3:
            break
    assert raced >= 3, "the test did not stop dnf between repomd.xml and the files it names"


def test_without_the_old_metadata_kept_the_same_switch_breaks_dnf(staged):
    """The control: a bare symlink switch (the metadata kept for readers left out)
    between folders no stage ever pointed at."""
    d, mirror, root = staged
    bare = d / "bare"
    for profile in ("20261015", "20261121"):
        cli(root, "publish", mirror, "--os", "el9-x86_64", "--profile", profile, "--to", bare)
    link = bare / "el9-x86_64/stage"
    os.symlink("20261015", link)
    for i in range(100, 120):  # until one clean race (see above)
        nxt = "20261121" if os.readlink(link) == "20261015" else "20261015"

        def switch(nxt: str = nxt) -> None:
            tmp = link.with_name(".stage.tmp")
            os.symlink(nxt, tmp)
            os.replace(tmp, link)

        dnf, clean, _ = read_while_switched(d, link, switch, i)
        if clean:
            assert dnf.returncode != 0  # it asked the new folder for the old folder's files
            assert "Curl error (37)" in (d / f"root-{i}/var/log/dnf.librepo.log").read_text()
            return
    pytest.fail("dnf was never stopped between repomd.xml and the files it names")
