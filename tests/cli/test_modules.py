"""`generate` on a modular mirror: the newest build per stream, never across streams; the profile's
modular lists read back; --security-only and --until per stream; missing or damaged module metadata."""

import subprocess

import pytest
import rpmfactory
import yaml
from unit.mirror.test_modules import ADVISORIES, BUILDS, MODULES

from errata_tpl.profile import profile as profmod


@pytest.fixture
def repo(make_rpms, tmp_path):
    make_rpms(BUILDS)
    rpmfactory.createrepo(tmp_path / "mirror", ADVISORIES, modules=MODULES, module_defaults={"nodejs": "18"})
    return tmp_path / "mirror"


def gen(cli, repo, root, *args):
    r = cli("generate", repo, "--os", "el8-x86_64", "--stdout", *args, root=root)
    assert r.exit_code == 0, r.stderr
    return yaml.safe_load(r.stdout), r.stderr


def modular(profile):
    return {(e["name"], e["module"]): e["version"] for e in profile["modular"]}


def test_fixture_rpms_carry_their_modularity_label(repo):
    out = subprocess.run(
        ["rpm", "-qp", "--qf", "%{NAME}-%{VERSION} %{MODULARITYLABEL}\\n", *sorted(map(str, repo.glob("*.rpm")))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "nodejs-20.3 nodejs:20:8090020231001000000:e5f6a7b8" in out
    assert "nodejs-10.0 (none)" in out


def test_newest_build_per_stream_never_across_streams(repo, cli, tmp_path):
    prof, err = gen(cli, repo, tmp_path / "root")
    assert modular(prof) == {
        ("nodejs", "nodejs:18"): "18.2-1.module_el8+182",
        ("nodejs", "nodejs:20"): "20.3-1.module_el8+203",
        ("npm", "nodejs:18"): "9.5-1.module_el8+182",
        ("npm", "nodejs:20"): "10.2-1.module_el8+203",
    }
    # the non-modular build is its own entry: it applies where no nodejs stream is active
    assert {(p["name"], p["version"]) for p in prof["packages"]} == {("bash", "5.1-1.el8"), ("nodejs", "10.0-1.el8")}
    n20 = next(e for e in prof["modular"] if e["module"] == "nodejs:20" and e["name"] == "nodejs")
    assert (n20["module_version"], n20["module_context"]) == ("8090020231001000000", "e5f6a7b8")
    assert prof["modules"] == {
        "nodejs": {"default": "18", "streams": {"18": ["nodejs", "npm"], "20": ["nodejs", "npm"]}}
    }
    assert "4 modular in 2 module streams" in err
    # advisories of module collections annotate the modular builds
    n18 = next(e for e in prof["modular"] if e["module"] == "nodejs:18" and e["name"] == "nodejs")
    assert [a["id"] for a in n18["advisories"]] == ["RHSA-2026:1801"] and n18["cves"] == ["CVE-2026-1818"]


def test_profile_reads_back(repo, cli, tmp_path):
    root = tmp_path / "root"
    r = cli("generate", repo, "--os", "el8-x86_64", "--profile", "20261121", root=root)
    assert r.exit_code == 0, r.stderr
    p = profmod.load(root / "errata/el8-x86_64/20261121.yaml")
    assert p.module_defaults() == {"nodejs": "18"}
    assert {(e.name, e.module, str(e.evr)) for e in p.modular} >= {("nodejs", "nodejs:20", "20.3-1.module_el8+203")}
    assert all(e.module is None for e in p.packages)
    assert profmod.dump_yaml(p) == (root / "errata/el8-x86_64/20261121.yaml").read_text()


def test_security_only_and_until_per_stream(repo, cli, tmp_path):
    prof, _ = gen(cli, repo, tmp_path / "root", "--security-only")
    assert modular(prof) == {
        ("nodejs", "nodejs:18"): "18.2-1.module_el8+182",
        ("npm", "nodejs:18"): "9.5-1.module_el8+182",
        ("nodejs", "nodejs:20"): "20.3-1.module_el8+203",
        ("npm", "nodejs:20"): "10.2-1.module_el8+203",
    }
    prof, _ = gen(cli, repo, tmp_path / "root", "--security-only", "--min-severity", "Important")
    assert modular(prof) == {
        ("nodejs", "nodejs:18"): "18.2-1.module_el8+182",
        ("npm", "nodejs:18"): "9.5-1.module_el8+182",
    }
    # on 2026-04-01, stream 20 had only its bugfix build; 18 its security build
    prof, _ = gen(cli, repo, tmp_path / "root", "--until", "2026-04-01")
    assert modular(prof) == {
        ("nodejs", "nodejs:18"): "18.2-1.module_el8+182",
        ("npm", "nodejs:18"): "9.5-1.module_el8+182",
        ("nodejs", "nodejs:20"): "20.1-1.module_el8+201",
    }
    assert prof["modules"]["nodejs"]["default"] == "18"


def test_mirror_without_module_metadata_has_no_modular_lists(make_rpms, tmp_path, cli):
    make_rpms(["bash 5.1-1.el8 x86_64"])
    rpmfactory.createrepo(tmp_path / "mirror")
    prof, _ = gen(cli, tmp_path / "mirror", tmp_path / "root")
    assert "modular" not in prof and "modules" not in prof


def test_damaged_modules_metadata_is_a_user_error(repo, cli, tmp_path):
    (path,) = (repo / "repodata").glob("*modules.yaml.gz")
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    r = cli("generate", repo, "--os", "el8-x86_64", "--stdout", root=tmp_path / "root")
    assert r.exit_code == 1
    assert r.stderr.startswith("errata-tpl: error: ") and "modules.yaml.gz" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
