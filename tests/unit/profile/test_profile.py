"""profile.profile: a profile reads back as it was written."""

import shutil

from conftest import REPO

from errata_tpl.fileio import yamlio
from errata_tpl.profile import profile as prof
from errata_tpl.profile import profile as profmod


def test_the_example_profiles_still_read_back_as_written(tmp_path):
    for path in sorted((REPO / "errata").glob("*/2???????.yaml")):
        p = prof.load(path)
        again = prof.dump_yaml(p)
        assert prof.from_data(yamlio.load_text(again, "again"), "again") == p
        shutil.copy(path, tmp_path / path.name)
        yamlio.write_record(tmp_path / path.name, again, prof.from_data, expect=prof.to_data(p))


def test_profile_written_with_repeats_reads_back_once(tmp_path):
    """Profiles written before the de-duplication repeat an id per listing: read once."""
    text = (
        'profile: "20260101"\nos: el9-x86_64\ngenerated: ""\nsource: m\npackages:\n'
        "  - {name: openssl, version: 3-1, arch: x86_64, advisories: ["
        + ", ".join(['{id: "FEDORA-2006-0007", type: Security, severity: important, issued: "2026-01-22"}'] * 6)
        + "], cves: [CVE-2026-0707]}\n"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    (e,) = profmod.load(path).packages
    assert [(a.id, a.type, a.severity) for a in e.advisories] == [("FEDORA-2006-0007", "security", "Important")]
