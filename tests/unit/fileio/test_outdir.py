"""fileio.outdir: resolve --out-dir's files replaced as one set, whatever another run does."""

import os
import shutil
import tempfile

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
