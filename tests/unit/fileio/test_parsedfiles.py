"""Parsed copies kept beside the root: a large file's JSON copy (profiles, os.yaml),
made once even when several workers want the file at once, and never believed
once the file changed."""

import fcntl
import hashlib
import json
import os
import threading
from pathlib import Path

from errata_tpl.fileio.parsedfiles import load_copied, load_copied_hashed


def _no_warning(message: str) -> None:
    raise AssertionError(message)


def big(path: Path, version: str) -> None:
    lines = "".join(f"  - {{name: p{i:05d}, version: {version}, arch: x86_64}}\n" for i in range(1500))
    path.write_text(f"profile: '20261121'\npackages:\n{lines}")


def test_a_worker_waits_for_the_copy_another_is_making(tmp_path):
    f, cache = tmp_path / "p.yaml", tmp_path / "cache"
    big(f, "1.0-1")
    holder = os.open(f, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another worker is parsing it
    got: list = []
    t = threading.Thread(target=lambda: got.append(load_copied(f, "p.yaml", cache, _no_warning)))
    t.start()
    t.join(0.3)
    assert t.is_alive() and not got  # waiting, not parsing the file a second time
    os.close(holder)
    t.join(30)
    assert got and got[0]["packages"][0] == {"name": "p00000", "version": "1.0-1", "arch": "x86_64"}
    assert sorted(p.name[-5:] for p in cache.iterdir()) == [".json", "l-key"]  # its copy and its seal's key


def test_a_copy_is_not_believed_after_a_rewrite_of_the_same_size(tmp_path):
    f, cache = tmp_path / "p.yaml", tmp_path / "cache"
    big(f, "1.0-1")
    assert load_copied(f, "p.yaml", cache, _no_warning)["packages"][0]["version"] == "1.0-1"
    st = f.stat()
    big(f, "1.0-2")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size
    assert load_copied(f, "p.yaml", cache, _no_warning)["packages"][0]["version"] == "1.0-2"
    assert [
        json.loads(p.read_text().partition("\n")[2])["data"]["packages"][0]["version"] for p in cache.glob("*.json")
    ] == ["1.0-2"]


def test_a_record_parsed_back_when_written_is_not_parsed_again(tmp_path, monkeypatch):
    from errata_tpl.fileio import parsedfiles, yamlio

    root = tmp_path / "root"
    rel = "errata/el9-x86_64/20261201.yaml"
    path = root / rel
    path.parent.mkdir(parents=True)
    big(path, "1.0-1")
    text = path.read_text()
    data = yamlio.write_record(path, text, lambda d, w: d)
    parsedfiles.keep_copied(root, path, text, data)

    def no_parse(p, where=None):
        raise AssertionError(f"parsed {where}")

    monkeypatch.setattr(yamlio, "load_file", no_parse)
    monkeypatch.setattr(yamlio, "load_file_hashed", no_parse)
    cache = root / ".errata-tpl-cache/parsed"
    assert load_copied(path, rel, cache, _no_warning) == data  # from the copy made when it was written
    # with the SHA-256 of the bytes written (what a promotion record binds), the file unread
    assert load_copied_hashed(path, rel, cache, _no_warning) == (data, hashlib.sha256(text.encode()).hexdigest())
    # a file changed between the write and the copy (someone else's write): no copy is made of it
    monkeypatch.undo()
    for p in cache.glob("*.json"):
        p.unlink()
    big(path, "1.0-2")
    parsedfiles.keep_copied(root, path, text, data)
    assert list(cache.glob("*.json")) == []
    # outside the site: no cache is made anywhere
    elsewhere = tmp_path / "out/p.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(text)
    parsedfiles.keep_copied(root, elsewhere, text, data)
    assert not (tmp_path / "out/.errata-tpl-cache").exists() and list(cache.glob("*.json")) == []


def test_the_copy_keeps_the_hash_of_the_bytes_parsed_and_is_never_believed_past_its_stamp(tmp_path, monkeypatch):
    from errata_tpl.fileio import yamlio

    f, cache = tmp_path / "p.yaml", tmp_path / "cache"
    big(f, "1.0-1")
    first = hashlib.sha256(f.read_bytes()).hexdigest()
    assert load_copied_hashed(f, "p.yaml", cache, _no_warning)[1] == first  # parsed: the bytes parsed
    parsed = []
    real = yamlio.load_file_hashed
    monkeypatch.setattr(yamlio, "load_file_hashed", lambda p, w: parsed.append(w) or real(p, w))
    assert load_copied_hashed(f, "p.yaml", cache, _no_warning)[1] == first and parsed == []  # from the copy
    # rewritten in place, its size and mtime kept: the ctime moved, so the copy is not believed
    st = f.stat()
    big(f, "1.0-2")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = hashlib.sha256(f.read_bytes()).hexdigest()
    assert second != first and load_copied_hashed(f, "p.yaml", cache, _no_warning)[1] == second
    assert parsed == ["p.yaml"]
    # a copy without the hash (made by a version before it): parsed again, never taken for one
    (copy,) = cache.glob("*.json")
    _, _, body = copy.read_text().partition("\n")
    payload = json.loads(body)
    del payload["sha256"]
    from errata_tpl.fileio import sealed

    sealed.write(copy, "p.yaml", json.dumps(payload, separators=(",", ":")))
    assert load_copied_hashed(f, "p.yaml", cache, _no_warning)[1] == second and parsed == ["p.yaml", "p.yaml"]
