"""fileio.outdir: resolve --out-dir's files replaced as one set, whatever another run does."""

import os
import shutil
import signal
import tempfile

import pytest

from errata_tpl.fileio import outdir


def test_a_staging_folder_swept_before_its_run_locks_it_is_made_again(tmp_path, monkeypatch):
    """Another run tidying DIR removes a staging folder nobody holds (a killed run's); a new
    one is unlocked for a moment after mkdtemp made it. A run whose folder went then makes
    another, instead of failing with 'DIR: no such file or directory' (two runs at once)."""
    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def swept_first(*args, **kwargs):
        made.append(mkdtemp(*args, **kwargs))
        if len(made) == 1:
            shutil.rmtree(made[0])  # what the other run's recover() does to it
        return made[-1]

    monkeypatch.setattr(outdir.tempfile, "mkdtemp", swept_first)
    out = tmp_path / "out"

    def write_all(staging: outdir.Staging) -> None:
        (staging.path / "wn-001.example.org.json").write_text("{}\n")

    outdir.replace_set(out, ["wn-001.example.org.json"], write_all, complete=True, warn=lambda _: None)
    assert len(made) == 2
    assert sorted(os.listdir(out)) == [outdir.MANIFEST, "wn-001.example.org.json"]


def test_sigterm_just_as_the_staging_folder_is_made_leaves_none(tmp_path, monkeypatch):
    """SIGTERM the moment mkdtemp has made the run's staging folder (before the run
    holds it): the run ends (SystemExit, as the command line's handler makes it) and
    removes the folder; none is left in DIR for the next run to sweep."""
    mkdtemp = tempfile.mkdtemp

    def made_then_signalled(*args, **kwargs):
        made = mkdtemp(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return made

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    monkeypatch.setattr(outdir.tempfile, "mkdtemp", made_then_signalled)
    out = tmp_path / "out"
    out.mkdir()
    old = signal.signal(signal.SIGTERM, on_term)
    try:
        with pytest.raises(SystemExit):
            outdir.replace_set(out, ["wn-001.example.org.json"], lambda _: None, complete=True, warn=lambda _: None)
    finally:
        signal.signal(signal.SIGTERM, old)
    assert os.listdir(out) == []
