"""Repository metadata whose size or shape no real repository has is refused with a bound,
in bounded memory, and SIGTERM ends a run reading it at once (issue 19: "time and memory
are bounded whatever the input"). Real files made at test time, the tool as a process."""

import gzip
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

from cli.test_repodata_trust import OS, _memory_bound, errata_tpl, keys, mirror, one_line, put_record, record_file
from errata_tpl.mirror import advisories, modules, repomd

__all__ = ["keys", "mirror"]  # fixtures, used by name


def test_a_repomd_with_more_records_than_any_real_one_is_refused(mirror, example_root, keys):
    path = mirror / "repodata/repomd.xml"
    text = path.read_text()
    block = re.search(r'<data type="other">.*?</data>', text, re.S).group(0)
    extra = "".join(block.replace('type="other"', f'type="x{k}"') for k in range(repomd.MAX_RECORDS))
    path.write_text(text.replace(block, block + extra))
    said = f"{path}: more than {repomd.MAX_RECORDS} <data> records (a real one has fewer than 20); refused"
    verify = ["verify", mirror, "--keyring", keys.public]
    for cmd in (["generate", mirror, *OS], verify, ["check", "wn-001.example.org", "--repo", f"el9-x86_64={mirror}"]):
        rc, _, err = errata_tpl(example_root, *cmd)
        one_line(rc, err, said)


def test_a_repomd_with_thousands_of_tags_is_refused(mirror, example_root):
    path = mirror / "repodata/repomd.xml"
    tags = "<tags>" + "<content>x</content>" * repomd.MAX_ELEMENTS + "</tags>"
    path.write_text(path.read_text().replace("</repomd>", tags + "</repomd>"))
    rc, _, err = errata_tpl(example_root, "generate", mirror, *OS)
    one_line(rc, err, f"{path}: more than {repomd.MAX_ELEMENTS:,} XML elements (a real one has a few hundred); refused")


def _record(repo, kind, name, raw):
    stored = gzip.compress(raw, compresslevel=1, mtime=0)
    return put_record(repo, kind, name, stored, hashlib.sha256(raw).hexdigest(), len(raw))


def test_modules_larger_than_the_bound_are_refused(mirror, example_root):
    doc = (
        b"---\ndocument: modulemd\nversion: 2\ndata:\n  name: m\n  stream: '1'\n  version: 1\n  context: c\n"
        b"  arch: x86_64\n  summary: s\n  description: d\n  license:\n    module: [MIT]\n...\n"
    )
    raw = doc * (modules.MAX_BYTES // len(doc) + 1)
    text = (mirror / "repodata/repomd.xml").read_text()
    (mirror / "repodata/repomd.xml").write_text(text.replace("</repomd>", '<data type="modules"></data></repomd>'))
    path = _record(mirror, "modules", "big-modules.yaml.gz", raw)
    rc, _, err = errata_tpl(example_root, "generate", mirror, *OS, "--stdout")
    one_line(
        rc,
        err,
        f"{path} (record 'modules' of repodata/repomd.xml): more than {modules.MAX_BYTES:,} bytes, "
        "the most errata-tpl reads of it; refused",
    )


def test_one_huge_advisory_is_refused_in_bounded_memory(mirror, example_root):
    info = record_file(mirror, "updateinfo")
    raw = gzip.decompress(info.read_bytes())
    at = raw.index(b"<title>") + len(b"<title>")
    noise = os.urandom(100_000).hex().encode()  # what does not compress: no decompression bomb
    raw = raw[:at] + b" " * advisories.MAX_ADVISORY_BYTES + noise + raw[at:]
    path = _record(mirror, "updateinfo", "big-updateinfo.xml.gz", raw)
    proc = subprocess.run(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(example_root), "generate", str(mirror), *OS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_memory_bound,  # 256 MB of heap: the advisory once held whole took 4.5 times its size
        timeout=120,
    )
    first = re.search(r"<id>([^<]+)</id>", raw.decode()).group(1)
    one_line(
        proc.returncode,
        proc.stderr,
        f"{path}: line ",
        f": <update> {first} holds more than {advisories.MAX_ADVISORY_BYTES:,} bytes; refused",
    )


def _parsing_updateinfo(pid: int) -> bool:
    """createrepo_c reads each piece from a memfd named updateinfo.xml."""
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if "memfd:updateinfo.xml" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                return True
        except OSError:
            continue
    return False


def test_sigterm_ends_a_run_reading_a_large_updateinfo(mirror, example_root):
    ups = "".join(
        f'<update type="bugfix"><id>EX-{i}</id><issued date="2026-01-01"/><pkglist><collection short="c">'
        f'<name>c</name><package name="p{i}" version="1" release="1" epoch="0" arch="x86_64">'
        "<filename>p.rpm</filename></package></collection></pkglist></update>\n"
        for i in range(200_000)
    )
    raw = f'<?xml version="1.0"?>\n<updates>\n{ups}</updates>\n'.encode()
    _record(mirror, "updateinfo", "many-updateinfo.xml.gz", raw)
    proc = subprocess.Popen(
        [sys.executable, "-m", "errata_tpl.cli", "--root", str(example_root), "generate", str(mirror), *OS, "--stdout"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not _parsing_updateinfo(proc.pid):
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read()
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert time.monotonic() - sent < 2  # at once, not when the updateinfo is read
    assert proc.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
