"""Module streams: a modular repository as an EL8 compose makes one (rpms with a
ModularityLabel, modules.yaml with artifacts lists and defaults, added by
modifyrepo_c; updateinfo with module collections), read by mirror.modules (what `generate` makes
of it: cli/test_modules.py)."""

import createrepo_c
import pytest
import rpmfactory
from conftest import spec

from errata_tpl.errors import UserError
from errata_tpl.mirror import modules

N18_1 = rpmfactory.Module("nodejs", "18", 8060020230101000000, "a1b2c3d4", ("nodejs-18.1-1.module_el8+181.x86_64.rpm",))
N18_2 = rpmfactory.Module(
    "nodejs",
    "18",
    8080020230601000000,
    "a1b2c3d4",
    ("nodejs-18.2-1.module_el8+182.x86_64.rpm", "npm-9.5-1.module_el8+182.x86_64.rpm"),
)
N20_1 = rpmfactory.Module("nodejs", "20", 8080020230701000000, "e5f6a7b8", ("nodejs-20.1-1.module_el8+201.x86_64.rpm",))
N20_3 = rpmfactory.Module(
    "nodejs",
    "20",
    8090020231001000000,
    "e5f6a7b8",
    ("nodejs-20.3-1.module_el8+203.x86_64.rpm", "npm-10.2-1.module_el8+203.x86_64.rpm"),
)
MODULES = [N18_1, N18_2, N20_1, N20_3]


def _modular(module: rpmfactory.Module) -> list:
    out = []
    for fn in module.packages:
        name, version, release, arch = rpmfactory._split_filename(fn)
        out.append(spec(f"{name} {version}-{release} {arch}", modularitylabel=module.label))
    return out


BUILDS = [
    *(s for m in MODULES for s in _modular(m)),
    spec("nodejs 10.0-1.el8 x86_64"),  # the OS's own, non-modular
    spec("bash 5.1-1.el8 x86_64"),
]
ADVISORIES = [
    rpmfactory.Advisory(
        "RHSA-2026:1801",
        "security",
        "2026-03-01",
        ("nodejs-18.2-1.module_el8+182.x86_64.rpm", "npm-9.5-1.module_el8+182.x86_64.rpm"),
        severity="Important",
        cves=("CVE-2026-1818",),
        module=f"{N18_2.label}:x86_64",
    ),
    rpmfactory.Advisory(
        "RHBA-2026:2001",
        "bugfix",
        "2026-02-01",
        ("nodejs-20.1-1.module_el8+201.x86_64.rpm",),
        module=f"{N20_1.label}:x86_64",
    ),
    rpmfactory.Advisory(
        "RHSA-2026:2003",
        "security",
        "2026-06-01",
        ("nodejs-20.3-1.module_el8+203.x86_64.rpm", "npm-10.2-1.module_el8+203.x86_64.rpm"),
        severity="Moderate",
        module=f"{N20_3.label}:x86_64",
    ),
]


# --- reading the metadata ---------------------------------------------------------------

# As real metadata writes it (pulp_rpm's test data, libdnf's): streams and versions
# unquoted, an artifact without epoch, a source artifact, documents dnf does not use.
REAL_FORM = """\
---
document: modulemd
version: 2
data:
  name: kangaroo
  stream: 1.10
  version: 20180730223407
  context: deadbeef
  arch: noarch
  summary: Kangaroo 0.3 module
  description: >-
    A module for the kangaroo 0.3 package
  license:
    module: [MIT]
  dependencies:
  - buildrequires:
      platform: [el8]
    requires:
      platform: [el8]
      zoo: []
  artifacts:
    rpms:
    - kangaroo-0:0.3-1.noarch
    - kangaroo-0.3-1.src
    - joey-2:1.0-1.noarch
...
---
document: modulemd-defaults
version: 1
data:
  module: kangaroo
  modified: 202002242100
  stream: 1.10
  profiles:
    1.10: [default]
...
---
document: modulemd-defaults
version: 1
data:
  module: kangaroo
  modified: 201901010000
  stream: 0.9
...
---
document: modulemd-obsoletes
version: 1
data:
  modified: 2022-01-24T08:54Z
  module: kangaroo
  stream: 0.9
  message: gone
...
"""


def test_parse_keeps_streams_as_text_and_reads_artifacts():
    m = modules.parse(REAL_FORM, "modules.yaml")
    (b,) = m.builds
    assert (b.stream_id, b.version, b.context) == ("kangaroo:1.10", 20180730223407, "deadbeef")
    assert b.artifacts == (("kangaroo", "0", "0.3", "1", "noarch"), ("joey", "2", "1.0", "1", "noarch"))
    assert b.requires == (("platform", ("el8",)), ("zoo", ()))
    assert m.defaults == {"kangaroo": "1.10"}  # the newest defaults document wins
    assert m.builds_of(("joey", "2", "1.0", "1", "noarch")) == (b,)
    assert m.builds_of(("joey", "0", "1.0", "1", "noarch")) == ()  # the epoch counts


@pytest.mark.parametrize(
    "text, message",
    [
        ("document: modulemd\nversion: 2\ndata: {stream: x}\n", "key 'name' is missing"),
        ("document: modulemd\nversion: 2\ndata: {name: a, stream: b, artifacts: {rpms: [nonsense]}}\n", "N-E:V-R.A"),
        ("- just a list\n", "not a modulemd document"),
        ("document: modulemd\ndata: {name: [\n", "malformed YAML"),
    ],
)
def test_parse_refuses_what_is_not_modulemd(text, message):
    with pytest.raises(UserError, match=message):
        modules.parse(text, "modules.yaml")


def test_active_streams_as_dnf_decides():
    m = modules.parse(
        REAL_FORM
        + "---\ndocument: modulemd\nversion: 2\ndata: {name: zoo, stream: '1', version: 1, context: c}\n...\n"
        + "---\ndocument: modulemd\nversion: 2\ndata: {name: zoo, stream: '2', version: 1, context: c}\n...\n",
        "m",
    )
    assert m.active({}) == {"kangaroo": "1.10", "zoo": "2"}  # the default, and what it requires (highest)
    assert m.active({"kangaroo": None}) == {}
    assert m.active({"zoo": "1"}) == {"kangaroo": "1.10", "zoo": "1"}
    assert m.active({"kangaroo": "1.10", "zoo": None}) == {"kangaroo": "1.10"}
    # a requirement overrides a default stream (real dnf, seen: app:1 needs libmod:2 while
    # libmod:1 is the default; dnf installs libmod:2's build)
    m = modules.parse(
        "---\ndocument: modulemd\nversion: 2\ndata: {name: app, stream: '1', version: 1, context: c,"
        " dependencies: [{requires: {libmod: ['2'], platform: [el8]}}]}\n...\n"
        "---\ndocument: modulemd\nversion: 2\ndata: {name: libmod, stream: '1', version: 1, context: c}\n...\n"
        "---\ndocument: modulemd\nversion: 2\ndata: {name: libmod, stream: '2', version: 1, context: c}\n...\n"
        "---\ndocument: modulemd-defaults\nversion: 1\ndata: {module: libmod, stream: '1'}\n...\n"
        "---\ndocument: modulemd-defaults\nversion: 1\ndata: {module: app, stream: '1'}\n...\n",
        "m",
    )
    assert m.active({}) == {"app": "1", "libmod": "2"}
    assert m.active({"libmod": "1"}) == {"app": "1", "libmod": "1"}  # the node's own choice stands
    assert m.active({"app": None}) == {"libmod": "1"}


@pytest.mark.parametrize("compress", [True, False])
def test_load_finds_modules_through_repomd(make_rpms, tmp_path, compress):
    make_rpms(_modular(N18_1))
    rpmfactory.createrepo(
        tmp_path / "mirror", modules=[N18_1], module_defaults={"nodejs": "18"}, compress_modules=compress
    )
    md = createrepo_c.Repomd(str(tmp_path / "mirror/repodata/repomd.xml"))
    href = next(r.location_href for r in md.records if r.type == "modules")
    assert href.endswith(".gz") == compress
    m = modules.load(tmp_path / "mirror")
    assert [b.stream_id for b in m.builds] == ["nodejs:18"] and m.defaults == {"nodejs": "18"}


# --- generate ---------------------------------------------------------------------------
