"""Inventories written by the real tools, read back as each node's observed state.

One node (a `dnf --installroot` from a createrepo_c repository of real RPMs) is taken
through three moments, and at each the tools that collect inventories write what it has:
`rpm -qa` (by default and with `--qf '%{NEVRA}\\n'`), ansible-core (fact gathering and
`package_facts`, the `jsonfile` fact cache), and salt (`salt-call pkg.list_pkgs
versions_as_list=True`, `grains.item kernelrelease`). rpm, package_facts and salt's yumpkg
read the installroot's rpm database through a ~/.rpmmacros `%_dbpath`, as on a real node.

    before:  bash 5.1-1, openssl-libs 1:3.0-1, tzdata 2026a, glibc 2.34-1, kernel 5.14.0-1
    after:   bash 5.1-3, openssl-libs 1:3.0-2, tzdata 2026b, glibc 2.34-2, kernels 5.14.0-1 and -2
    cleaned: as after, kernel 5.14.0-1 removed
    changed: as cleaned, plus glibc.i686 and extra-tool

Which kernel the node runs cannot come from this machine's `uname -r` (it is not an EL
node): the `.uname` file holds what `uname -r` prints on it, the play sets `ansible_kernel`
with set_fact (cacheable, as a play can), the minion's configuration sets its
`kernelrelease` grain (static grains override core grains).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import rpmfactory
import yaml
from conftest import spec
from consumers import ansible_recipe, body, dnf, dnf_apply, installed, run, tool
from sitebuilder import SiteBuilder

K1, K2 = "5.14.0-1.el9", "5.14.0-2.el9"


def kernels(version: str) -> list[rpmfactory.Spec]:
    v, r = version.split("-")
    names = ("kernel", "kernel-core")
    return [rpmfactory.Spec(n, v, r, "x86_64", provides=rpmfactory.kernel_provides(n)) for n in names]


BUILDS = [
    spec("bash 5.1-1.el9 x86_64"),
    spec("bash 5.1-2.el9 x86_64"),
    spec("bash 5.1-3.el9 x86_64"),
    spec("openssl-libs 1:3.0-1.el9 x86_64"),
    spec("openssl-libs 1:3.0-2.el9 x86_64"),
    spec("tzdata 2026a-1.el9 noarch"),
    spec("tzdata 2026b-1.el9 noarch"),
    spec("glibc 2.34-1.el9 x86_64"),
    spec("glibc 2.34-2.el9 x86_64"),
    spec("glibc 2.34-2.el9 i686"),
    spec("extra-tool 1.0-1.el9 x86_64"),
    *kernels(K1),
    *kernels(K2),
]
ADVISORIES = [
    rpmfactory.Advisory("SA-1", "security", "2026-09-01", ("bash-5.1-2.el9.x86_64.rpm",), "Important", ("CVE-1",)),
    rpmfactory.Advisory("BA-2", "bugfix", "2026-10-15", ("bash-5.1-3.el9.x86_64.rpm",)),
    rpmfactory.Advisory("SA-3", "security", "2026-11-01", ("openssl-libs-3.0-2.el9.x86_64.rpm",), "Critical"),
    rpmfactory.Advisory("BA-4", "bugfix", "2026-09-10", ("tzdata-2026b-1.el9.noarch.rpm",)),
    rpmfactory.Advisory(
        "SA-5", "security", "2026-11-05", ("glibc-2.34-2.el9.x86_64.rpm", "glibc-2.34-2.el9.i686.rpm"), "Moderate"
    ),
    rpmfactory.Advisory(
        "SA-6",
        "security",
        "2026-11-10",
        ("kernel-5.14.0-2.el9.x86_64.rpm", "kernel-core-5.14.0-2.el9.x86_64.rpm"),
        "Important",
    ),
]
OS = f"""\
version: el9
arch: x86_64
kernel: {{version: {K2}, packages: [kernel, kernel-core]}}
installonly: [kernel, kernel-core]
packages:
  - {{name: bash, version: 5.1-1.el9, arch: x86_64}}
  - {{name: openssl-libs, version: "1:3.0-1.el9", arch: x86_64}}
  - {{name: tzdata, version: 2026a-1.el9, arch: noarch}}
  - {{name: glibc, version: 2.34-1.el9, arch: x86_64}}
"""
NODES = {
    "applied": "",
    "epochless": "",
    "stale": "",
    "pending": "",
    "reboot": f"running_kernel: {K1}\n",  # the list keeps the kernel it runs
    "drifted": "",  # on the older profile (override file)
    "unknown": "",  # no inventory
    "held": "deploy_errata: false\n",  # errata off: its list is the OS's base list, no inventory
}
BEFORE = [
    "bash-5.1-1.el9.x86_64",
    "openssl-libs-1:3.0-1.el9.x86_64",
    "tzdata-2026a-1.el9.noarch",
    "glibc-2.34-1.el9.x86_64",
    f"kernel-{K1}.x86_64",
    f"kernel-core-{K1}.x86_64",
]
AFTER = [
    "bash-5.1-3.el9.x86_64",
    "openssl-libs-1:3.0-2.el9.x86_64",
    "tzdata-2026b-1.el9.noarch",
    "glibc-2.34-2.el9.x86_64",
    f"kernel-{K2}.x86_64",
    f"kernel-core-{K2}.x86_64",
]
TODAY = "2026-12-01"


class Node:
    """An installroot and the environment in which rpm, ansible and salt read its database."""

    def __init__(self, base: Path, repo: Path) -> None:
        self.base, self.repo = base, repo
        self.root, self.cache, self.home = base / "installroot", base / "dnf-cache", base / "home"
        self.home.mkdir(parents=True)
        self.dnf("install", *BEFORE)
        dbpath = run(["rpm", "--root", str(self.root), "--eval", "%_dbpath"]).stdout.strip()
        (self.home / ".rpmmacros").write_text(f"%_dbpath {self.root}{dbpath}\n")
        self.env = dict(os.environ, HOME=str(self.home))

    def dnf(self, *args: str) -> str:
        return dnf(self.root, [self.repo], self.cache, *args)

    def rpm_qa(self, *args: str) -> str:
        return run(["rpm", "-qa", *args], env=self.env).stdout

    def ansible(self, host: str, kernel: str, cache: Path) -> Path:
        """A play gathering facts and package_facts for ``host``, cached by the jsonfile plugin."""
        work = self.base / f"ansible-{host}"
        work.mkdir()
        (work / "inventory").write_text(
            f"{host} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"
        )
        play = [
            {
                "hosts": "all",
                "gather_facts": True,
                "tasks": [
                    {"ansible.builtin.package_facts": {"manager": "rpm"}},
                    {"ansible.builtin.set_fact": {"ansible_kernel": kernel, "cacheable": True}},
                ],
            }
        ]
        (work / "play.yml").write_text(yaml.safe_dump(play))
        env = dict(
            self.env,
            ANSIBLE_HOME=str(work / "home"),
            ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
            ANSIBLE_CACHE_PLUGIN="jsonfile",
            ANSIBLE_CACHE_PLUGIN_CONNECTION=str(cache),
            ANSIBLE_NOCOLOR="1",
        )
        run([tool("ansible-playbook"), "-i", str(work / "inventory"), str(work / "play.yml")], env=env)
        return cache

    def salt(self, minion: str, kernel: str, *args: str) -> str:
        """salt-call on the node, with yumpkg as an EL minion has it."""
        conf = self.base / f"salt-{minion}"
        root = conf / "root"
        conf.mkdir(exist_ok=True)
        (conf / "minion").write_text(
            yaml.safe_dump(
                {
                    "file_client": "local",
                    "id": minion,
                    "root_dir": str(root),
                    "pki_dir": str(root / "pki"),
                    "cachedir": str(root / "cache"),
                    "log_file": str(root / "minion.log"),
                    "providers": {"pkg": "yumpkg"},
                    "grains": {"os_family": "RedHat", "osarch": "x86_64", "kernelrelease": kernel},
                }
            )
        )
        cmd = [tool("salt-call"), "--local", "-c", str(conf), "--out", "json", "--log-level", "quiet", *args]
        return run(cmd, env=self.env).stdout


@pytest.fixture(scope="module")
def site(rpm_cache, tmp_path_factory):
    base = tmp_path_factory.mktemp("inventories")
    repo, root, inv = base / "repo", base / "tree", base / "installed"
    rpm_cache(BUILDS, repo)
    rpmfactory.createrepo(repo, ADVISORIES)
    builder = (
        SiteBuilder(root)
        .os("el9-x86_64", OS)
        .site('deploy_errata: true\nerrata_defaults: {el9: "20261121"}\n')
        .overrides('drifted: "20261001"\n')
    )
    for name, text in NODES.items():
        builder.node(name, "os: el9-x86_64\n" + text)
    from click.testing import CliRunner

    from errata_tpl.cli import main

    for profile, until, sde in (("20261121", (), "1795240800"), ("20261001", ("--until", "2026-10-01"), "1790834400")):
        r = CliRunner(env={"SOURCE_DATE_EPOCH": sde}).invoke(
            main, ["--root", str(root), "-q", "generate", str(repo), "--os", "el9-x86_64", "--profile", profile, *until]
        )
        assert r.exit_code == 0, r.output
    inv.mkdir()
    node = Node(base / "node", repo)
    # before: ansible (the jsonfile cache names the file s1_<host> in ansible-core 2.19)
    node.ansible("pending", f"{K1}.x86_64", inv)
    # what dnf itself says the node lacks then (the advisories with a build newer than the installed one)
    (base / "dnf-updateinfo-before").write_text(node.dnf("updateinfo", "list", "--available"))
    # after: kernels side by side, the old one running; salt-call on the node
    node.dnf("install", *AFTER)
    (inv / "reboot.json").write_text(node.salt("reboot", f"{K1}.x86_64", "pkg.list_pkgs", "versions_as_list=True"))
    (inv / "reboot.grains.json").write_text(node.salt("reboot", f"{K1}.x86_64", "grains.item", "kernelrelease"))
    # cleaned: rpm -qa, with epochs and without
    node.dnf("remove", f"kernel-{K1}.x86_64", f"kernel-core-{K1}.x86_64")
    (inv / "applied.txt").write_text(node.rpm_qa("--qf", "%{NEVRA}\\n"))
    (inv / "applied.uname").write_text(f"{K2}.x86_64\n")
    (inv / "epochless").write_text(node.rpm_qa())
    shutil.copy(inv / "applied.txt", inv / "stale")
    os.utime(inv / "stale", (0, dt.datetime(2026, 11, 1, 6, tzinfo=dt.timezone.utc).timestamp()))
    for f in ("applied.txt", "epochless"):  # collected on the report's day
        os.utime(inv / f, (0, dt.datetime(2026, 12, 1, 6, tzinfo=dt.timezone.utc).timestamp()))
    # changed: an extra package and another arch
    node.dnf("install", "extra-tool", "glibc-2.34-2.el9.i686")
    (inv / "drifted.txt").write_text(node.rpm_qa("--qf", "%{NEVRA}\\n"))
    # one package not on any list, nothing else different (kept apart: the tests of manage: listed use it)
    node.dnf("remove", "glibc-2.34-2.el9.i686")
    (base / "more").mkdir()
    (base / "more" / "extra.txt").write_text(node.rpm_qa("--qf", "%{NEVRA}\\n"))
    return root, inv


def report(root: Path, *args: str) -> tuple[dict, str]:
    from click.testing import CliRunner

    from errata_tpl.cli import main

    r = CliRunner().invoke(main, ["--root", str(root), "report", "--format", "json", "--today", TODAY, *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def observed(root: Path, inv: Path, *args: str) -> dict[str, dict | None]:
    data, _ = report(root, "--installed", str(inv), *args)
    return {n["node"]: n["observed"] for n in data["nodes"]}


def test_the_tools_wrote_what_the_node_had(site):
    """The raw files are the tools' own forms: what the readers must understand."""
    _, inv = site
    assert "openssl-libs-1:3.0-2.el9.x86_64" in (inv / "applied.txt").read_text().split()
    assert "openssl-libs-3.0-2.el9.x86_64" in (inv / "epochless").read_text().split()  # rpm -qa: no epoch
    assert json.loads((inv / "reboot.json").read_text())["local"]["openssl-libs"] == ["1:3.0-2.el9"]
    assert sorted(json.loads((inv / "reboot.json").read_text())["local"]["kernel"]) == [K1, K2]
    cache = json.loads((inv / "s1_pending").read_text())
    assert set(cache) == {"__payload__"}  # ansible-core 2.19's cache wrapping


def test_each_state_from_each_format(site):
    root, inv = site
    seen = observed(root, inv)
    assert {n: o and o["state"] for n, o in seen.items()} == {
        "applied": "applied",
        "epochless": "applied",  # openssl-libs matched on version-release
        "stale": "stale",
        "pending": "pending",
        "reboot": "applied",  # both kernels kept: the list keeps the running one
        "drifted": "drifted",
        "unknown": None,
        "held": None,
    }
    assert {n: o and o["source"] for n, o in seen.items() if o} == {
        "applied": "rpm",
        "epochless": "rpm",
        "stale": "rpm",
        "pending": "ansible",
        "reboot": "salt",
        "drifted": "rpm",
    }
    data, stderr = report(root, "--installed", str(inv))
    assert data["summary"]["observed"] == {
        "applied": 3,
        "pending": 1,
        "drifted": 1,
        "stale": 1,
        "unknown": 2,
        "reboot_needed": 1,
    }
    assert stderr == ""


def test_per_package_differences(site):
    root, inv = site
    seen = observed(root, inv)
    pending = seen["pending"]
    assert pending["pending"] == [
        {"name": "bash", "arch": "x86_64", "installed": "5.1-1.el9", "wanted": "5.1-3.el9"},
        {"name": "glibc", "arch": "x86_64", "installed": "2.34-1.el9", "wanted": "2.34-2.el9"},
        # a kernel the list no longer keeps, older than its own: the next run removes it
        {"name": "kernel", "arch": "x86_64", "installed": K1, "wanted": K2},
        {"name": "kernel-core", "arch": "x86_64", "installed": K1, "wanted": K2},
        {"name": "openssl-libs", "arch": "x86_64", "installed": "1:3.0-1.el9", "wanted": "1:3.0-2.el9"},
        {"name": "tzdata", "arch": "noarch", "installed": "2026a-1.el9", "wanted": "2026b-1.el9"},
    ]
    assert pending["missing"] == [
        {"name": "kernel", "arch": "x86_64", "wanted": K2},
        {"name": "kernel-core", "arch": "x86_64", "wanted": K2},
    ]
    assert pending["drifted"] == pending["extra"] == []
    drifted = seen["drifted"]  # on 20261001: bash 5.1-2, openssl-libs 1:3.0-1, glibc 2.34-1
    assert drifted["drifted"] == [
        {"name": "bash", "arch": "x86_64", "installed": "5.1-3.el9", "wanted": "5.1-2.el9"},
        {"name": "glibc", "arch": "x86_64", "installed": "2.34-2.el9", "wanted": "2.34-1.el9"},
        {"name": "glibc", "arch": "i686", "installed": "2.34-2.el9", "wanted": None},  # another arch
        {"name": "openssl-libs", "arch": "x86_64", "installed": "1:3.0-2.el9", "wanted": "1:3.0-1.el9"},
    ]
    assert drifted["extra"] == [{"name": "extra-tool", "arch": "x86_64", "installed": "1.0-1.el9"}]
    assert drifted["pending"] == drifted["missing"] == []
    for n in ("applied", "epochless", "reboot"):
        assert seen[n]["pending"] == seen[n]["drifted"] == seen[n]["extra"] == seen[n]["missing"] == [], n


def test_running_kernel_and_reboot(site):
    root, inv = site
    data, _ = report(root, "--installed", str(inv))
    nodes = {n["node"]: n for n in data["nodes"]}
    o = {n: v["observed"] for n, v in nodes.items()}
    assert (o["applied"]["running_kernel"], o["applied"]["reboot_needed"]) == (f"{K2}.x86_64", False)
    assert (o["reboot"]["running_kernel"], o["reboot"]["reboot_needed"]) == (f"{K1}.x86_64", True)
    assert (o["pending"]["running_kernel"], o["pending"]["reboot_needed"]) == (f"{K1}.x86_64", False)
    assert (o["epochless"]["running_kernel"], o["epochless"]["reboot_needed"]) == (None, None)  # no .uname
    # the inventory's word replaces the guess from settings (reboot: running_kernel K1, selected K2)
    assert nodes["reboot"]["kernel"]["reboot_needed"] is True
    assert nodes["applied"]["kernel"]["reboot_needed"] is False  # no running_kernel setting: the inventory says
    without, _ = report(root)
    assert {n["node"]: n["kernel"]["reboot_needed"] for n in without["nodes"]}["applied"] is None
    assert data["summary"]["reboot_needed"] == 1


def test_applicable_and_installable(site):
    """Katello's words: applicable = what the installed set lacks against the newest profile;
    installable = those the node's own list fixes. Worked out by hand from ADVISORIES, and
    held to dnf's own `updateinfo list --available` on the node as it was."""
    root, inv = site
    seen = observed(root, inv)
    # before: everything older than the newest builds (the list, on the newest profile, fixes all);
    # SA-1 ships bash 5.1-2, superseded by the bug fix BA-2 (5.1-3): the node below both lacks both
    assert seen["pending"]["applicable"] == ["BA-2", "BA-4", "SA-1", "SA-3", "SA-5", "SA-6"]
    assert seen["pending"]["installable"] == ["BA-2", "BA-4", "SA-1", "SA-3", "SA-5", "SA-6"]
    by_dnf = {line.split()[0] for line in (inv.parent / "dnf-updateinfo-before").read_text().splitlines() if line}
    assert by_dnf == set(seen["pending"]["applicable"])
    # on the held profile, its list lacks BA-2, SA-3, SA-5; the node already has them all
    data, _ = report(root, "--installed", str(inv))
    drifted = next(n for n in data["nodes"] if n["node"] == "drifted")
    assert [m["id"] for m in drifted["missing"]] == ["BA-2", "SA-3", "SA-5"]
    assert seen["drifted"]["applicable"] == seen["drifted"]["installable"] == []
    for n in ("applied", "epochless", "reboot", "stale"):
        assert seen[n]["applicable"] == seen[n]["installable"] == [], n


def test_stale_by_max_age(site):
    root, inv = site
    seen = observed(root, inv)
    assert (seen["stale"]["age_days"], seen["applied"]["age_days"]) == (30, 0)
    assert observed(root, inv, "--max-age", "31d")["stale"]["state"] == "applied"
    assert observed(root, inv, "--max-age", "12h")["applied"]["state"] == "stale"  # collected at 06:00


def test_the_site_key_is_the_default_directory(site, tmp_path):
    root, inv = site
    mine = tmp_path / "root"
    shutil.copytree(root, mine)
    shutil.copytree(inv, mine / "inventories")
    with (mine / "site/site.yaml").open("a") as f:
        f.write("installed: inventories\n")
    data, stderr = report(mine)
    assert data["summary"]["observed"]["applied"] == 3 and stderr == ""
    by = {n["node"]: n["observed"] for n in data["nodes"]}
    assert by["applied"]["file"] == "inventories/applied.txt"  # named relative to the root
    (mine / "site/site.yaml").write_text((mine / "site/site.yaml").read_text().replace("inventories", "nowhere"))
    from click.testing import CliRunner

    from errata_tpl.cli import main

    r = CliRunner().invoke(main, ["--root", str(mine), "status"])
    assert r.exit_code == 1
    assert r.stderr == "errata-tpl: error: site/site.yaml: key 'installed': nowhere: no such directory\n"


def cli(root: Path, *args: str):
    from click.testing import CliRunner

    from errata_tpl.cli import main

    return CliRunner().invoke(main, ["--root", str(root), *args])


def test_bad_files_are_one_warning_each_and_the_rest_is_made(site, tmp_path):
    root, inv = site
    mine = tmp_path / "installed"
    shutil.copytree(inv, mine)
    (mine / "README").write_text("Inventories, collected nightly.\n")
    (mine / "blob.bin").write_bytes(b"\x00\xff\xfe" * 10)
    (mine / "other.json").write_text('{"a": [1, 2]}')
    (mine / "broken.json").write_text('{"reboot": {"bash": ["5.1-1.el9"]')
    (mine / "ghost.example.org").write_text((inv / "applied.txt").read_text())  # no such node
    (mine / "applied").write_text((inv / "applied.txt").read_text())  # a second inventory of applied
    (mine / "unknown.uname").write_text(f"{K2}.x86_64\n")  # a kernel, but no inventory of that node
    (mine / "subdir").mkdir()
    os.mkfifo(mine / "pipe")  # never opened for reading: it would hang the run
    (mine / ".hidden").write_text("not read\n")
    (tmp_path / "shadow").write_text("root:$6$secret-hash:19700:0:99999:7:::\n")  # the host's, not a node's
    (mine / "linked.example.org").symlink_to(tmp_path / "shadow")  # a node could write this link to the share
    minions = {"drifted": "Minion did not return. [No response]", "far-away": {"bash": ["5.1-1.el9"]}}
    (mine / "many.json").write_text("".join(json.dumps({k: v}) + "\n" for k, v in minions.items()))
    r = cli(root, "report", "--format", "json", "--today", TODAY, "--installed", str(mine))
    assert r.exit_code == 0, r.output
    warnings = r.stderr.splitlines()
    assert all(w.startswith("warning: ") for w in warnings), warnings
    said = "\n".join(warnings)
    formats = "(rpm -qa output, an Ansible fact cache, salt pkg.list_pkgs or grains.item kernelrelease JSON)"
    for expected in (
        f"{mine}/README: not an inventory {formats}: 'Inventories, collected nightly.' is not N-V-R.A",
        f"{mine}/blob.bin: not UTF-8 text (byte 2); not read",
        f"{mine}/other.json: not an inventory {formats}: JSON, but neither an Ansible fact cache nor salt's",
        f"{mine}/broken.json: not an inventory {formats}: not JSON: Expecting ',' delimiter",
        f"{mine}/ghost.example.org: named after no node of the site; not used",
        f"node applied has 2 inventories ({mine}/applied, {mine}/applied.txt); none is used until one is left",
        f"{mine}/unknown.uname: a .uname file of unknown, which has no rpm inventory here; not used",
        f"{mine}/subdir: a directory; inventories are the files directly in {mine}",
        f"{mine}/pipe: not a regular file; not read",
        f"{mine}/linked.example.org: a symbolic link; inventories are files the nodes write, not followed; not read",
        f"{mine}/many.json: minion drifted: Minion did not return. [No response]; no inventory",
        f"{mine}/many.json: minion far-away is no node of the site; its inventory is not used",
    ):
        assert expected in said, expected
    assert len(warnings) == 12, warnings
    assert "secret" not in r.stderr  # what the link points at is not read
    seen = {n["node"]: n["observed"] for n in json.loads(r.stdout)["nodes"]}
    assert seen["applied"] is None and seen["unknown"] is None  # two inventories: neither
    assert seen["drifted"]["state"] == "drifted" and seen["pending"]["state"] == "pending"  # the rest as before


def test_why_a_file_is_no_inventory_is_said_in_a_few_words_whatever_its_size(site, tmp_path):
    # a line of 2 MB (rpm -qa's lines run together), an Ansible epoch of 1 MB: one short line each
    root, _ = site
    mine = tmp_path / "installed"
    mine.mkdir()
    (mine / "ghost-one").write_text("bash-5.1-1.el9.x86_64 " * 100_000 + "\n")
    facts = {"ansible_date_time": {"epoch": "9" * 1_000_000}, "packages": {}}
    (mine / "ghost-two.json").write_text(json.dumps({"__payload__": json.dumps(facts)}))
    r = cli(root, "status", "--today", TODAY, "--installed", str(mine))
    assert r.exit_code == 0, r.output
    said = [w for w in r.stderr.splitlines() if "not an inventory" in w]
    assert len(said) == 2 and all(len(w) < 600 for w in said), [w[:300] for w in said]
    assert said[0].startswith(f"warning: {mine}/ghost-one: not an inventory (") and said[0].endswith("...")


def test_status_and_the_text_report_show_the_states(site):
    root, inv = site
    r = cli(root, "status", "--today", TODAY, "--installed", str(inv))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split()[-1] == "state"
    states = {line.split()[0]: line.split()[-1] for line in lines[1:-1]}
    assert states == {
        "applied": "applied",
        "drifted": "drifted",
        "epochless": "applied",
        "pending": "pending",
        "reboot": "applied",
        "stale": "stale",
        "unknown": "unknown",
        "held": "unknown",
    }
    assert lines[-1] == "observed: 3 applied, 1 pending, 1 drifted, 1 stale, 2 unknown, 1 must reboot"
    plain = cli(root, "status", "--today", TODAY)
    assert plain.stdout.splitlines()[0].split()[-1] == "CVEs" and "observed:" not in plain.stdout
    text = cli(root, "report", "--format", "text", "--today", TODAY, "--installed", str(inv)).stdout
    assert "Observed (inventories of 6 nodes): 3 applied, 1 pending, 1 drifted, 1 stale, 2 unknown" in text
    differ = text.split("Nodes whose inventory differs from their list (3):\n")[1].split("\n\n")[0].splitlines()
    assert [row.split()[:7] for row in differ[1:]] == [
        ["drifted", "drifted", "0d", "0", "0", "4", "1"],
        ["pending", "pending", "0d", "6", "2", "0", "0"],
        ["stale", "stale", "30d", "0", "0", "0", "0"],
    ]


def test_explain_shows_the_installed_version_beside_the_list(site):
    root, inv = site
    r = cli(root, "explain", "pending", "bash", "--installed", str(inv))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert "  result: bash-5.1-3.el9.x86_64 (from errata:20261121)" in lines
    assert f"  installed: bash-5.1-1.el9.x86_64 ({inv}/s1_pending, ansible, collected" in r.stdout
    assert "  not as listed: bash.x86_64 5.1-1.el9 is older than the list's 5.1-3.el9 (pending)" in lines
    assert (
        "  missing: profile 20261121 has bash-5.1-3.el9.x86_64 (BA-2 bugfix 2026-10-15), lacked by the installed "
        "version only: the list fixes it" in lines
    )
    r = cli(root, "explain", "drifted", "glibc", "--installed", str(inv))
    assert "  not as listed: glibc.i686 2.34-2.el9 is installed at an arch the list does not give it (drifted)" in (
        r.stdout.splitlines()
    )
    assert "lacked by the list only (installed newer)" in r.stdout  # SA-5: the list's glibc 2.34-1
    r = cli(root, "explain", "applied", "tzdata", "--installed", str(inv))
    assert "  installed as the list says" in r.stdout.splitlines()
    assert "missing:" not in r.stdout
    r = cli(root, "explain", "unknown", "bash", "--installed", str(inv))
    assert "  installed: no inventory of this node" in r.stdout.splitlines()


REPO = Path(__file__).resolve().parents[2]


def example_inventories(dest: Path) -> Path:
    """A copy of examples/installed/ with its collection times (git keeps no mtimes)."""
    shutil.copytree(REPO / "examples/installed", dest)
    run([str(REPO / ".venv/bin/python"), str(REPO / "tools/make-example-inventories"), "--touch", str(dest)])
    return dest


def test_the_example_inventories_cover_every_state(example_root, tmp_path):
    """examples/installed/ as tools/make-example-inventories describes it: all three formats
    (salt's with two minions in one file, as the master prints them), every state, a reboot."""
    inv = example_inventories(tmp_path / "installed")
    r = cli(example_root, "report", "--format", "json", "--installed", str(inv), "--today", TODAY)
    assert r.exit_code == 0 and r.stderr == "", r.output
    data = json.loads(r.stdout)
    seen = {n["node"].split(".")[0]: n["observed"] for n in data["nodes"]}
    assert {n: (o["state"], o["source"]) for n, o in seen.items() if o} == {
        "wn-001": ("applied", "rpm"),
        "wn-002": ("pending", "ansible"),
        "wn-011": ("applied", "salt"),
        "wn-012": ("applied", "salt"),
        "wn-051": ("drifted", "rpm"),
        "wn-052": ("stale", "rpm"),
        "st-01": ("applied", "rpm"),
    }
    assert {n for n, o in seen.items() if o is None} == {"db-01", "st-02", "ui-01", "wn-061", "wn-062"}
    assert [(n, o["running_kernel"]) for n, o in seen.items() if o and o["reboot_needed"]] == [
        ("wn-012", "5.14.0-362.8.1.el9_3.x86_64")
    ]
    assert seen["wn-051"]["drifted"] == [
        {"name": "bash", "arch": "x86_64", "installed": "5.1.8-9.el9", "wanted": "5.1.8-6.el9_1"}
    ]
    assert seen["wn-051"]["extra"] == [{"name": "seamonkey-nss", "arch": "x86_64", "installed": "2.53.17-1.el9"}]
    # wn-002 has not had its update yet: the old kernel's module goes with the old kernel
    assert {"name": "kmod-xfs-5.14.0-362.8.1.el9_3", "arch": "x86_64", "installed": "1.0-1.el9", "wanted": None} in (
        seen["wn-002"]["pending"]
    )
    assert data["summary"]["observed"] == {
        "applied": 4,
        "pending": 1,
        "drifted": 1,
        "stale": 1,
        "unknown": 5,
        "reboot_needed": 1,
    }


def test_a_security_fix_then_a_bug_fix_both_count(site):
    """SA-1 ships bash 5.1-2, the bug fix BA-2 bash 5.1-3, the newest: a list at 5.1-1 lacks
    both (the profile records SA-1 on the build its newest entry superseded), at 5.1-2 BA-2
    only; report, status and explain count SA-1, as dnf does."""
    root, _ = site
    profile = yaml.safe_load((root / "errata/el9-x86_64/20261121.yaml").read_text())
    (bash,) = [e for e in profile["packages"] if e["name"] == "bash"]
    assert bash["version"] == "5.1-3.el9" and [a["id"] for a in bash["advisories"]] == ["BA-2"]
    assert bash["earlier"] == [
        {
            "version": "5.1-2.el9",
            "advisories": [
                {"id": "SA-1", "type": "security", "severity": "Important", "issued": "2026-09-01", "status": "final"}
            ],
            "cves": ["CVE-1"],
        }
    ]
    data, _ = report(root)
    nodes = {n["node"]: n for n in data["nodes"]}
    held = {m["id"]: m for m in nodes["held"]["missing"]}
    assert held["SA-1"]["packages"] == [
        {"name": "bash", "arch": "x86_64", "installed": "5.1-1.el9", "fixed": "5.1-2.el9"}
    ]
    assert held["BA-2"]["packages"][0]["fixed"] == "5.1-3.el9"
    # SA-1 its only Important one (its kernel is the OS's, 5.14.0-2: SA-6's build)
    assert nodes["held"]["counts"]["Important"] == 1 and "CVE-1" in nodes["held"]["cves"]
    assert "SA-1" not in {m["id"] for m in nodes["drifted"]["missing"]}  # its list has bash 5.1-2
    sa1 = next(a for a in data["advisories"] if a["id"] == "SA-1")
    assert (
        sa1["nodes_lacking"] == ["held"]
        and {"name": "bash", "version": "5.1-2.el9", "arch": "x86_64"} in (sa1["packages"])
    )
    r = cli(root, "explain", "held", "bash")
    assert (
        "  missing: profile 20261121 had bash-5.1-2.el9.x86_64 (SA-1 security Important 2026-09-01; CVE-1)"
        in r.stdout.splitlines()
    )


# --- base: installed, manage: listed, adopt ----------------------------------------------------


def site_with(root: Path, inv: Path, tmp_path: Path, nodes: dict[str, str], *extra: Path) -> Path:
    """A copy of the site whose site.yaml names its inventories, with these node files added
    to (or appended to the files of) its nodes."""
    mine = tmp_path / "root"
    shutil.copytree(root, mine, ignore=shutil.ignore_patterns(".errata-tpl-cache"))
    shutil.copytree(inv, mine / "inventories")
    for f in extra:
        shutil.copy(f, mine / "inventories" / f.name)
    with (mine / "site/site.yaml").open("a") as f:
        f.write("installed: inventories\n")
    for node, text in nodes.items():
        path = mine / f"site/nodes/{node}.yaml"
        path.write_text((path.read_text() if path.exists() else "os: el9-x86_64\n") + text)
    return mine


def resolved(root: Path, node: str) -> dict:
    r = cli(root, "resolve", node)
    assert r.exit_code == 0, r.output
    return yaml.safe_load(r.stdout)


def test_base_installed_starts_from_the_inventory(site, tmp_path):
    root, inv = site
    mine = site_with(root, inv, tmp_path, {n: "base: installed\n" for n in ("pending", "drifted", "epochless")})
    pending = {(p["name"], p["arch"]): (p["version"], p["from"]) for p in resolved(mine, "pending")["packages"]}
    assert pending == {  # what was installed, then the profile's errata (replace-only), kernels by step 5
        ("bash", "x86_64"): ("5.1-3.el9", "errata:20261121"),
        ("openssl-libs", "x86_64"): ("1:3.0-2.el9", "errata:20261121"),
        ("tzdata", "noarch"): ("2026b-1.el9", "errata:20261121"),
        ("glibc", "x86_64"): ("2.34-2.el9", "errata:20261121"),
        ("kernel", "x86_64"): (K2, "kernel"),
        ("kernel-core", "x86_64"): (K2, "kernel"),
    }
    # the kernel its inventory says it runs (ansible_kernel, K1) is kept beside the selected one, as running_kernel
    kernels = sorted((p["version"], p["from"]) for p in resolved(mine, "pending")["packages"] if p["name"] == "kernel")
    assert kernels == [(K1, "keep-kernel"), (K2, "kernel")]
    drifted = {(p["name"], p["arch"]): (p["version"], p["from"]) for p in resolved(mine, "drifted")["packages"]}
    assert drifted[("bash", "x86_64")] == ("5.1-3.el9", "installed")  # above its profile's 5.1-2: never lowered
    assert drifted[("extra-tool", "x86_64")] == ("1.0-1.el9", "installed")
    assert drifted[("glibc", "i686")] == ("2.34-2.el9", "installed")
    # rpm -qa without epochs: the profile's epoch (1:), not epoch 0 below every 1:
    epochless = {p["name"]: p["version"] for p in resolved(mine, "epochless")["packages"]}
    assert epochless["openssl-libs"] == "1:3.0-2.el9"
    r = cli(mine, "explain", "pending", "bash")
    assert "  installed lists bash-5.1-1.el9.x86_64" in r.stdout.splitlines()


def test_base_installed_is_keyed_by_the_inventory(site, tmp_path):
    """Two nodes whose inventories hold the same packages share step 4's result (its key is
    what the inventory holds, never the node's name; the suite runs in check mode)."""
    from errata_tpl.resolve.resolver import Resolver
    from errata_tpl.site.tree import Tree

    root, inv = site
    mine = site_with(root, inv, tmp_path, {n: "base: installed\n" for n in ("applied", "stale", "pending")})
    resolver = Resolver(Tree(mine))
    applied, stale, pending = (resolver.resolve(n) for n in ("applied", "stale", "pending"))
    assert applied.packages is stale.packages  # identical files: one list
    assert applied.packages is not pending.packages
    (mine / "site/nodes/unknown.yaml").write_text("os: el9-x86_64\nbase: installed\n")
    r = cli(mine, "resolve", "unknown")
    assert r.exit_code == 1
    assert (
        r.stderr
        == "errata-tpl: error: site/nodes/unknown.yaml: key 'base': installed, but node unknown has no inventory\n"
    )


def test_manage_listed_leaves_what_the_list_does_not_name(site, tmp_path):
    """A package on no list makes a node drifted, unless its outputs leave such packages alone."""
    root, inv = site
    extra = inv.parent / "more" / "extra.txt"
    mine = site_with(root, inv, tmp_path, {"extra": "", "listed": ""}, extra)
    shutil.copy(extra, mine / "inventories" / "listed.txt")
    (mine / "site/nodes/listed.yaml").write_text("os: el9-x86_64\nmanage: listed\n")
    data, _ = report(mine)
    seen = {n["node"]: n["observed"] for n in data["nodes"]}
    assert (
        seen["extra"]["extra"]
        == seen["listed"]["extra"]
        == [{"name": "extra-tool", "arch": "x86_64", "installed": "1.0-1.el9"}]
    )
    assert (seen["extra"]["state"], seen["listed"]["state"]) == ("drifted", "applied")
    assert resolved(mine, "listed")["manage"] == "listed" and "manage" not in resolved(mine, "extra")


def test_adopt_writes_node_files_from_inventories(site, tmp_path):
    root, inv = site
    mine = site_with(root, inv, tmp_path, {})
    shutil.copy(inv / "applied.txt", mine / "inventories" / "fresh.example.org")
    r = cli(mine, "adopt", str(mine / "inventories"), "fresh.example.org", "--os", "el9-x86_64")
    assert r.exit_code == 0, r.output
    assert r.stderr == "wrote site/nodes/fresh.example.org.yaml: 4 packages\n"
    text = (mine / "site/nodes/fresh.example.org.yaml").read_text()
    assert text.startswith(f"# written by errata-tpl adopt from {mine}/inventories/fresh.example.org (rpm, collected ")
    assert yaml.safe_load(text) == {
        "os": "el9-x86_64",
        "packages": [  # kernels are left to kernel selection
            "bash-5.1-3.el9.x86_64",
            "glibc-2.34-2.el9.x86_64",
            "openssl-libs-1:3.0-2.el9.x86_64",
            "tzdata-2026b-1.el9.noarch",
        ],
    }
    assert {p["name"] for p in resolved(mine, "fresh.example.org")["packages"]} >= {"bash", "kernel", "kernel-core"}
    # a node file there already: rewritten only when asked, its other keys kept
    shutil.copy(inv / "applied.txt", mine / "inventories" / "second.example.org")
    r = cli(mine, "adopt", str(mine / "inventories"), "second.example.org", "reboot", "--os", "el9-x86_64")
    assert r.exit_code == 1 and "site/nodes/reboot.yaml: exists; adopt rewrites it" in r.stderr
    assert not (mine / "site/nodes/second.example.org.yaml").exists()  # every node checked before any is written
    (mine / "inventories" / "second.example.org").unlink()
    r = cli(mine, "adopt", str(mine / "inventories"), "reboot", "--force")
    assert r.exit_code == 0, r.output
    adopted = yaml.safe_load((mine / "site/nodes/reboot.yaml").read_text())
    assert adopted["running_kernel"] == K1 and adopted["os"] == "el9-x86_64"  # kept (salt's native arch unsaid)
    assert "bash-5.1-3.el9" in adopted["packages"]
    # rpm -qa without epochs would lose them; a node without inventory: nothing written
    r = cli(mine, "adopt", str(mine / "inventories"), "epochless", "--force")
    assert r.exit_code == 1 and "an inventory without epochs" in r.stderr
    r = cli(mine, "adopt", str(mine / "inventories"), "unknown", "--force")
    assert (
        r.exit_code == 1
        and r.stderr == f"errata-tpl: error: {mine}/inventories: no inventory of unknown; nothing written\n"
    )
    # a node without a node file needs its OS
    shutil.copy(inv / "applied.txt", mine / "inventories" / "osless.example.org")
    r = cli(mine, "adopt", str(mine / "inventories"), "osless.example.org")
    assert r.exit_code == 1 and r.stderr.endswith(
        "errata-tpl: error: osless.example.org: no node file: --os OS_ID is needed for it; nothing written\n"
    )
    assert not (mine / "site/nodes/osless.example.org.yaml").exists()


def test_adopt_takes_the_newest_of_a_name_installed_twice(site, tmp_path):
    """An interrupted transaction leaves a name at two versions in rpm -qa: adopt names it
    and writes the newest, as `dnf remove --duplicates` keeps it (it wrote both, and the
    node resolved to the one written last, 5.1-9: a downgrade). base: installed alike."""
    root, inv = site
    mine = site_with(root, inv, tmp_path, {})
    lines = [line for line in (inv / "applied.txt").read_text().splitlines() if not line.startswith("bash-")]
    twice = "\n".join([*lines, "bash-5.1-10.el9.x86_64", "bash-5.1-9.el9.x86_64"]) + "\n"
    (mine / "inventories" / "twice.example.org").write_text(twice)
    r = cli(mine, "adopt", str(mine / "inventories"), "twice.example.org", "--os", "el9-x86_64")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[0] == (
        f"warning: {mine}/inventories/twice.example.org: bash.x86_64 is installed at 2 versions (5.1-9.el9, "
        "5.1-10.el9), which el9-x86_64 does not keep side by side (an interrupted transaction left them: dnf remove "
        "--duplicates); adopted at the newest, 5.1-10.el9"
    )
    packages = yaml.safe_load((mine / "site/nodes/twice.example.org.yaml").read_text())["packages"]
    assert [p for p in packages if p.startswith("bash-")] == ["bash-5.1-10.el9.x86_64"]
    bash = {p["name"]: p["version"] for p in resolved(mine, "twice.example.org")["packages"]}["bash"]
    assert bash == "5.1-10.el9"
    (mine / "site/nodes/twice.example.org.yaml").write_text("os: el9-x86_64\nbase: installed\n")
    bash = {p["name"]: p["version"] for p in resolved(mine, "twice.example.org")["packages"]}["bash"]
    assert bash == "5.1-10.el9"


def test_adopt_of_a_fleet_the_site_does_not_know_says_so(site, tmp_path):
    # no NODE given: every node of the site with an inventory; none has one: an error, not rc 0
    root, inv = site
    mine = site_with(root, inv, tmp_path, {})
    for known in (mine / "inventories").iterdir():  # those of the site's own nodes
        known.unlink()
    shutil.copy(inv / "applied.txt", mine / "inventories" / "new-01.example.org")
    r = cli(mine, "adopt", str(mine / "inventories"), "--os", "el9-x86_64")
    assert r.exit_code == 1
    assert r.stderr.endswith(
        f"errata-tpl: error: {mine}/inventories: no inventory of a node of the site; name new nodes:"
        f" adopt {mine}/inventories NODE... --os OS_ID; nothing written\n"
    )
    assert not (mine / "site/nodes/new-01.example.org.yaml").exists()
    # an inventory with a line twice (two collections appended): each package written once
    applied = (inv / "applied.txt").read_text()
    (mine / "inventories" / "new-01.example.org").write_text(applied + applied)
    r = cli(mine, "adopt", str(mine / "inventories"), "new-01.example.org", "--os", "el9-x86_64")
    assert r.exit_code == 0, r.output
    packages = yaml.safe_load((mine / "site/nodes/new-01.example.org.yaml").read_text())["packages"]
    assert packages == sorted(set(packages)) and len(packages) == 4


def test_adopted_and_inventory_based_lists_applied_by_the_consumers(site, tmp_path):
    """What adopt writes and what base: installed resolves, applied by the real consumers (the
    ansible recipe, the dnf header's install-then-remove) on the node the inventory came from:
    the errata arrive, nothing the node had is removed (extra-tool is on no os list, and the
    kernel it runs is kept), and the node's next inventory says applied."""
    root, inv = site
    repo = root.parent / "repo"
    mine = site_with(root, inv, tmp_path, {"based": "base: installed\n"})
    nodes = {n: Node(tmp_path / n, repo) for n in ("adopted", "based")}
    for name, node in nodes.items():
        node.dnf("install", "extra-tool")
        (mine / "inventories" / f"{name}.txt").write_text(node.rpm_qa("--qf", "%{NEVRA}\\n"))
        (mine / "inventories" / f"{name}.uname").write_text(f"{K1}.x86_64\n")  # runs the only kernel it has
    had = {name: {p.rsplit("-", 2)[0] for p in installed(node.root)} for name, node in nodes.items()}
    assert "extra-tool" in had["adopted"] and had["adopted"] == had["based"]
    r = cli(mine, "adopt", str(mine / "inventories"), "adopted", "--os", "el9-x86_64")
    assert r.exit_code == 0, r.output
    adopted = yaml.safe_load((mine / "site/nodes/adopted.yaml").read_text())
    assert adopted["running_kernel"] == K1 and "extra-tool-1.0-1.el9.x86_64" in adopted["packages"]

    (tmp_path / "ansible").mkdir()
    ansible_recipe(
        tmp_path / "ansible",
        [repo],
        nodes["adopted"].root,
        cli(mine, "resolve", "adopted", "--format", "ansible").stdout,
        "9",
    )
    based = cli(mine, "resolve", "based", "--format", "dnf")
    assert based.exit_code == 0, based.output
    dnf_apply(nodes["based"].root, [repo], nodes["based"].cache, ("kernel", "kernel-core"), body(based.stdout))

    for name, node in nodes.items():
        have = installed(node.root)
        assert {p.rsplit("-", 2)[0] for p in have} == had[name], name  # nothing removed
        assert {
            "bash-5.1-3.el9.x86_64",
            "openssl-libs-1:3.0-2.el9.x86_64",
            f"kernel-{K1}.x86_64",
            f"kernel-{K2}.x86_64",
        } <= have, name
        again = mine / "inventories" / f"{name}.txt"
        again.write_text(node.rpm_qa("--qf", "%{NEVRA}\\n"))
        os.utime(again, (0, dt.datetime(2026, 12, 1, 6, tzinfo=dt.timezone.utc).timestamp()))
    data, _ = report(mine)
    seen = {n["node"]: n["observed"] for n in data["nodes"]}
    for name in nodes:
        assert (seen[name]["state"], seen[name]["applicable"], seen[name]["reboot_needed"]) == ("applied", [], True), (
            name
        )
