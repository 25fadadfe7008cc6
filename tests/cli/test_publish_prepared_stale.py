"""What `generate` keeps for a publish (ERRATA_DIR's advisories as createrepo_c writes
them) stands for the updateinfo file it was read from, not only for what repomd.xml
says of it: a file rewritten since (a sync caught half way, repomd.xml not yet
replaced) is refused by a publish with the listing as by one without it."""

from __future__ import annotations

import gzip
import os
import re
import shutil

from cli.test_publish import OS, ex, publish

__all__ = ["ex"]  # the fixture, used by name

REFUSED = "the file changed after repomd.xml was written; refused"


def test_an_updateinfo_rewritten_after_generate_is_refused_with_or_without_the_listing(cli, ex, tmp_path):
    root, mirror, to = ex
    (root / ".errata-tpl-cache/publish").mkdir(parents=True)  # a site that publishes
    r = cli("generate", mirror, "--os", OS, "--profile", "20261205", root=root)
    assert r.exit_code == 0, r.stderr
    assert list((root / ".errata-tpl-cache/publish").glob("*-listed-*.marshal"))  # the listing generate kept

    # the same name, other bytes (an advisory's severity), repomd.xml left as it was
    (ui,) = (mirror / "repodata").glob("*-updateinfo.xml.gz")
    before = ui.stat()
    xml = gzip.decompress(ui.read_bytes()).decode()
    edited = re.sub(r"<severity>Moderate</severity>", "<severity>Critical</severity>", xml, count=1)
    assert edited != xml
    ui.write_bytes(gzip.compress(edited.encode(), mtime=0))
    os.utime(ui, ns=(before.st_atime_ns, before.st_mtime_ns))

    kept = publish(cli, ex, "--profile", "20261205")
    shutil.rmtree(root / ".errata-tpl-cache")
    bare = cli("publish", mirror, "--os", OS, "--to", tmp_path / "bare", "--profile", "20261205", root=root)
    assert bare.exit_code == 1 and REFUSED in bare.stderr, bare.stderr
    assert kept.exit_code == 1 and REFUSED in kept.stderr, kept.stderr
    assert not (to / OS / "20261205").exists()
