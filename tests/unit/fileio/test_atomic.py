"""fileio.atomic: a write replaces the old file whole or not at all, whatever stops it, and
leaves no temporary file behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

from errata_tpl.errors import UserError
from errata_tpl.fileio import atomic


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "profile.yaml"
    target.write_text("old\n")

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(target, "new\n" * 1000)
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["profile.yaml"]


SLOW_WRITER = r"""
import os, sys, time
from pathlib import Path
from errata_tpl.fileio import atomic
from errata_tpl import cli
cli._terminate_cleanly()
def slow(fd):
    Path(sys.argv[2]).write_text("writing")
    time.sleep(30)
os.fsync = slow
atomic.write_text(Path(sys.argv[1]), "new\n")
"""


def test_sigterm_mid_write_leaves_the_old_file(tmp_path):
    target, marker = tmp_path / "out" / "20261121.yaml", tmp_path / "marker"
    target.parent.mkdir()
    target.write_text("old\n")
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target), str(marker)])
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    assert len(os.listdir(target.parent)) == 2  # the temp file is there, mid-write
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) == 128 + signal.SIGTERM
    assert target.read_text() == "old\n"
    assert os.listdir(target.parent) == ["20261121.yaml"]


def test_output_to_a_pipe_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:  # a FIFO no process reads yet is refused: wait until cat has opened it
            try:
                atomic.write_text(fifo, "through the pipe\n")
                break
            except UserError as e:
                assert "a FIFO no process reads" in str(e) and time.monotonic() < deadline, e
                time.sleep(0.01)
        assert reader.communicate(timeout=10)[0] == "through the pipe\n"
    finally:
        reader.kill()
    assert not fifo.is_file() and fifo.exists()  # still a pipe
    with pytest.raises(UserError, match="is a directory"):
        atomic.write_text(tmp_path, "x")


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


def test_a_text_written_in_chunks_is_whole_or_not_at_all(tmp_path):
    """A report is written chunk by chunk (never one string); a failure while making
    the chunks leaves the old file as it was, and no temporary file."""
    from errata_tpl.errors import UserError
    from errata_tpl.fileio import atomic

    out = tmp_path / "report.json"
    out.write_text("old\n")

    def chunks():
        yield "new, part 1\n"
        raise UserError("the report could not be made")

    with pytest.raises(UserError):
        atomic.write_chunks(out, chunks())
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    atomic.write_chunks(out, (f"line {i}\n" for i in range(100_000)))
    assert out.read_text() == "".join(f"line {i}\n" for i in range(100_000))


def test_made_dir_removes_only_the_empty_folders_it_made(tmp_path):
    mine = tmp_path / "x"
    mine.mkdir()  # the user's own folder, empty
    with pytest.raises(RuntimeError), atomic.made_dir(tmp_path / "nope" / ".." / "x"):
        raise RuntimeError("the run fails")
    assert mine.is_dir() and not (tmp_path / "nope").exists()  # what it made went, the user's stayed
    with pytest.raises(RuntimeError), atomic.made_dir(tmp_path / "a" / "b" / "c"):
        (tmp_path / "a" / "kept").write_text("written meanwhile\n")
        raise RuntimeError("the run fails")
    assert sorted(os.listdir(tmp_path / "a")) == ["kept"]  # b and c went; a holds a file
    with atomic.made_dir(tmp_path / "d" / "e"):
        pass
    assert (tmp_path / "d" / "e").is_dir()  # a run that ends well keeps them


def test_a_directory_replaced_while_its_lock_was_awaited_is_said(tmp_path):
    """Another run held the lock; meanwhile the folder was removed and made again: the
    lock this run gets is on the old one, so it refuses rather than write unlocked."""
    import fcntl
    import threading

    d = tmp_path / "locked"
    d.mkdir()
    held = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(held, fcntl.LOCK_EX)
    got: list[BaseException | None] = []

    def waiter() -> None:
        try:
            with atomic.locked_dir(d, "its files", wait=10):
                got.append(None)
        except BaseException as e:
            got.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.3)
    d.rename(tmp_path / "old")
    d.mkdir()
    os.close(held)  # the lock released
    t.join(10)
    assert isinstance(got[0], UserError) and "removed or replaced while this run waited for it" in str(got[0])
    with atomic.locked_dir(d, "its files"):
        pass  # the folder there now locks as any
