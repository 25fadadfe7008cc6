"""Nothing left behind: no lock files, temporary files of killed writers swept."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from errata_tpl.fileio import atomic

REPO = Path(__file__).resolve().parents[2]

HOLD_A_TEMP = """
import sys, time
from pathlib import Path
from errata_tpl.fileio import atomic
fd, tmp = atomic._locked_temp(Path(sys.argv[1]), "profile.yaml")
print(tmp, flush=True)
time.sleep(600)
"""


def writer(d: Path) -> tuple[subprocess.Popen, Path]:
    p = subprocess.Popen([sys.executable, "-c", HOLD_A_TEMP, str(d)], stdout=subprocess.PIPE, text=True)
    return p, Path(p.stdout.readline().strip())


def test_a_killed_writers_temp_file_is_swept_a_live_ones_is_not(tmp_path):
    dead, dead_tmp = writer(tmp_path)
    live, live_tmp = writer(tmp_path)
    try:
        dead.send_signal(signal.SIGKILL)
        dead.wait()
        (tmp_path / ".notes.tmp").write_text("a user's file that looks temporary\n")
        atomic.write_text(tmp_path / "other.yaml", "x\n")
        assert not dead_tmp.exists() and live_tmp.exists()
        assert sorted(os.listdir(tmp_path)) == sorted([".notes.tmp", live_tmp.name, "other.yaml"])
    finally:
        live.kill()
        live.wait()


def test_no_lock_files_in_the_example_tree():
    assert not [p for p in (REPO / "errata").rglob(".*")], "lock or temp files committed in errata/"


def test_generate_leaves_only_the_profile(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    for p in ("20261121", "20261122"):
        assert cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", p, root=tmp_path).exit_code == 0
    assert sorted(os.listdir(tmp_path / "errata/el9-x86_64")) == ["20261121.yaml", "20261122.yaml"]
