"""``resolve --all --out-dir`` by several forked workers (``-j``): the same files, the
same warnings in the same order, the same first error, as one process; and the
node files parsed once are read from the cache on the next run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from errata_tpl.fileio import outdir

NODES = 48


def node_text(i: int) -> str:
    """Nodes that make warnings at many places in node order (tree, resolver and
    kernel-only ones, the last growing as later nodes bring more names)."""
    text = f"os: el9-x86_64\ncluster: compute\nvariables: {{N: n{i}}}\n"
    if i % 11 == 5:
        text += 'errata: "20261121"\n'  # discouraged: the resolver's warning, once per node
    if i == 9:
        text += "packages: [kernel-tools]\n"  # kernel-only: the notice starts here ...
    if i == 40:
        text += "packages: [kernel-devel]\n"  # ... and grows here, in its first place
    if i % 13 == 6:
        text += 'packages: [{name: bash, version: "5.0-1.el9", arch: x86_64}]\n'  # errata lift it
    return text


@pytest.fixture
def many(example_root: Path) -> Path:
    # a glob that matches no node: the tree's warning, whichever process loads the overrides
    overrides = '"n0[0-2]*": "20261121"\n"n04*": "20261121"\n"zz-*": null\n'
    (example_root / "site/errata-overrides.yaml").write_text(overrides)
    # a fix-hook action no node's list has the package of: said once every share is in
    with (example_root / "errata/el9-x86_64/20261121-fix.yaml").open("a") as hook:
        hook.write("  - del: not-a-package\n")
    for i in range(NODES):
        (example_root / f"site/nodes/n{i:03d}.example.org.yaml").write_text(node_text(i))
    return example_root


def run(root: Path, out: Path, jobs: int) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "errata_tpl.cli", "--root", str(root), "-v", "resolve", "--all"]
    argv += ["--format", "json", "--out-dir", str(out), "-j", str(jobs)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def files(d: Path) -> dict[str, bytes]:
    return {n: (d / n).read_bytes() for n in sorted(os.listdir(d))}


def test_workers_write_what_one_process_writes_and_say_the_same(many, tmp_path):
    one = run(many, tmp_path / "one", 1)
    assert one.returncode == 0, one.stderr
    warnings = [line for line in one.stderr.splitlines() if line.startswith("warning:")]
    assert [w for w in warnings if "'zz-*': the glob matches no node" in w] != []
    assert any("choosing a profile" in w for w in warnings)
    (kernel_only,) = [w for w in warnings if "only under 'kernels:'" in w]
    assert "kernel-devel, kernel-tools" in kernel_only  # grown by node 40, said where node 9 first said it
    assert [w for w in warnings if "del not-a-package finds nothing on any node" in w] != []
    for jobs in (2, 3, 5):
        got = run(many, tmp_path / f"j{jobs}", jobs)
        assert got.returncode == 0, got.stderr
        assert files(tmp_path / f"j{jobs}") == files(tmp_path / "one")
        assert [line for line in got.stderr.splitlines() if line.startswith("warning:")] == warnings
        assert f"resolved {len(files(tmp_path / 'one')) - 1} nodes" in got.stderr


def test_the_first_error_in_node_order_whichever_worker_meets_it(many, tmp_path):
    # two bad nodes in different workers' shares: the earlier one is named, nothing is written
    (many / "site/nodes/n031.example.org.yaml").write_text("os: el9-x86_64\nerrata: 20269999\n")
    (many / "site/nodes/n020.example.org.yaml").write_text("os: el9-x86_64\nclone: nowhere\n")
    errors = set()
    for jobs in (1, 2, 3):
        out = tmp_path / f"j{jobs}"
        got = run(many, out, jobs)
        assert got.returncode == 1
        (line,) = [x for x in got.stderr.splitlines() if x.startswith("errata-tpl: error:")]
        errors.add(line)
        assert not out.exists() or [n for n in os.listdir(out) if not n.startswith(".")] == []
        assert not out.exists() or not [n for n in os.listdir(out) if n.startswith(outdir.STAGING_PREFIX)]
    (error,) = errors
    assert "n020.example.org" in error and "nowhere" in error


def test_node_files_are_parsed_once_and_read_again_when_changed(many, tmp_path):
    assert run(many, tmp_path / "a", 2).returncode == 0
    cache = many / ".errata-tpl-cache/parsed/nodes.json"
    # every node file, whichever worker parsed it (each sends what it parsed back to the run)
    cached = json.loads(cache.read_text().partition("\n")[2])["data"]  # after its seal line
    assert sorted(cached) == sorted(f"site/nodes/{p.name}" for p in (many / "site/nodes").iterdir())
    # the same size and mtime, other content: the cache must not be believed
    f = many / "site/nodes/n000.example.org.yaml"
    st = f.stat()
    f.write_text(f.read_text().replace("n0}", "x0}").replace("compute", "storage"))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size
    got = run(many, tmp_path / "b", 2)
    assert got.returncode == 0, got.stderr
    before = (tmp_path / "a/n000.example.org.json").read_bytes()
    after = (tmp_path / "b/n000.example.org.json").read_bytes()
    assert before != after and files(tmp_path / "b").keys() == files(tmp_path / "a").keys()
    # a broken cache is only a miss
    cache.write_text("{not json")
    again = run(many, tmp_path / "c", 1)
    assert again.returncode == 0 and files(tmp_path / "c") == files(tmp_path / "b")
