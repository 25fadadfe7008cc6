"""Every output format applied by its real consumer, and the result compared with the
resolved list.

One node, two moments: first it runs an old kernel and keeps another (three kernels side
by side), its fix hook pins nss below what the node has and deletes seamonkey-nss; then it
runs the new kernel only (the two others go). Each consumer applies both lists, in order,
to an installroot that started as the node was before errata: dnf, versionlock (locks held
over `dnf upgrade`), ansible-core (the recipe in the file's header), salt (pillar rendered,
state compiled, targets through salt's own parser), pykickstart, and pan (no pan compiler
exists here: its statements are checked against template-library-core's functions).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import rpmfactory
import yaml
from click.testing import CliRunner
from consumers import EL9_BUILDS, ansible_recipe, body, dnf, dnf_apply, header_block, installed, run, same_set, tool
from sitebuilder import SiteBuilder

from errata_tpl.cli import main

K1, K2, K3, K4 = (f"5.14.0-362.{n}.el9_3" for n in ("8.1", "13.1", "18.1", "24.1"))
KERNEL_NAMES = ("kernel", "kernel-core", "kernel-modules")


def kernel_specs(version: str) -> list[rpmfactory.Spec]:
    return [
        rpmfactory.Spec(n, *version.rsplit("-", 1), "x86_64", provides=rpmfactory.kernel_provides(n))
        for n in KERNEL_NAMES
    ]


MIRROR = [
    *(
        rpmfactory.parse_nevra_line(line)
        for line in (
            *EL9_BUILDS,
            "openssl-libs 1:3.0.7-18.el9_2 x86_64",
            "openssl-libs 1:3.0.7-24.el9 x86_64",
        )
    ),
    *kernel_specs(K1),
    *kernel_specs(K2),
    *kernel_specs(K3),
]
# the OS's own repository: what the errata mirror does not have
BASE = [rpmfactory.parse_nevra_line("words 3.0-38.el9 noarch")]
# published after the profile: what `dnf upgrade` would take without locks
LATER = [
    *(rpmfactory.parse_nevra_line(line) for line in ("bash 5.1.8-10.el9 x86_64", "nss 3.102.0-1.el9_4 x86_64")),
    *kernel_specs(K4),
]
# the node as it was before errata: nss already newer than the fix hook's pin
BEFORE = [
    "bash-5.1.8-6.el9_1.x86_64",
    "nss-3.101.0-7.el9_4.x86_64",
    "seamonkey-nss-2.53.17-1.el9.x86_64",
    "tzdata-2023c-1.el9.noarch",
    "compat-libs-1.0-1.el9.i686",
    "vim-minimal",
    "words",
    "openssl-libs-1:3.0.7-18.el9_2.x86_64",
    *(f"{n}-{K1}.x86_64" for n in KERNEL_NAMES),
]
OS = f"""\
version: el9
arch: x86_64
kernel: {{version: {K1}, packages: [kernel, kernel-core, kernel-modules]}}
installonly: [kernel, kernel-core, kernel-modules]
packages:
  - bash-5.1.8-6.el9_1.x86_64
  - {{name: nss, version: 3.90.0-3.el9_2, arch: x86_64}}
  - seamonkey-nss-2.53.17-1.el9.x86_64
  - tzdata-2023c-1.el9.noarch
  - compat-libs-1.0-1.el9.i686
  - vim-minimal
  - words
  - {{name: openssl-libs, version: "1:3.0.7-18.el9_2", arch: x86_64}}
"""
# first: running K1, keeping K2, the profile's kernel K3; then: running K3 only
NODES = {"then": f"running_kernel: {K1}\nkeep_kernels: [{K2}]\n", "now": f"running_kernel: {K3}\n"}


class Site:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.repo, self.later, self.root = base / "repo", base / "later", base / "tree"
        self.base_repo = base / "base"
        self.repos = [self.base_repo, self.repo]

    def resolve(self, node: str, fmt: str = "yaml") -> str:
        r = CliRunner().invoke(main, ["--root", str(self.root), "resolve", node, "--format", fmt])
        assert r.exit_code == 0, r.output
        return r.stdout

    def data(self, node: str) -> dict:
        return yaml.safe_load(self.resolve(node))


@pytest.fixture(scope="module")
def site(rpm_cache, tmp_path_factory) -> Site:
    s = Site(tmp_path_factory.mktemp("consumers"))
    rpm_cache(MIRROR, s.repo)
    rpmfactory.createrepo(s.repo)
    rpm_cache(BASE, s.base_repo)
    rpmfactory.createrepo(s.base_repo)
    rpm_cache(LATER, s.later)
    rpmfactory.createrepo(s.later)
    tree = SiteBuilder(s.root).os("el9-x86_64", OS).site('deploy_errata: true\nerrata_defaults: {el9: "20261121"}\n')
    for node, text in NODES.items():
        tree.node(node, "os: el9-x86_64\n" + text)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1795240800")
    r = CliRunner(env=env).invoke(
        main, ["--root", str(s.root), "-q", "generate", str(s.repo), "--os", "el9-x86_64", "--profile", "20261121"]
    )
    assert r.exit_code == 0, r.output
    (s.root / "errata/el9-x86_64/20261121-init.yaml").write_text(f"kernel_version: {K3}\n")
    (s.root / "errata/el9-x86_64/20261121-fix.yaml").write_text(
        "actions:\n  - del: seamonkey-nss\n  - repl: {name: nss, version: 3.90.0-3.el9_2, arch: x86_64}\n"
    )
    return s


def test_the_lists_hold_what_the_consumers_must_do(site):
    then, now = site.data("then"), site.data("now")
    kernels = [p["version"] for p in then["packages"] if p["name"] == "kernel"]
    assert sorted(kernels) == sorted([K1, K2, K3])
    assert [p["version"] for p in now["packages"] if p["name"] == "kernel"] == [K3]
    for d in (then, now):
        names = {p["name"]: p for p in d["packages"]}
        assert names["nss"]["version"] == "3.90.0-3.el9_2"  # below the node's 3.101.0-7.el9_4
        assert "seamonkey-nss" not in names  # deleted by the fix hook
        assert names["openssl-libs"]["version"] == "1:3.0.7-24.el9"  # an epoch
        assert names["vim-minimal"]["version"] == "2:8.2.2637-20.el9_1"  # an epoch not 0
        assert names["words"]["version"] is None and names["words"]["arch"] is None  # any version


def fresh_node(site: Site, tmp_path: Path) -> tuple[Path, Path]:
    installroot, cache = tmp_path / "installroot", tmp_path / "dnf-cache"
    dnf(installroot, site.repos, cache, "install", *BEFORE)
    assert "nss-3.101.0-7.el9_4.x86_64" in installed(installroot)
    return installroot, cache


def check_result(site: Site, installroot: Path, node: str) -> None:
    have, d = installed(installroot), site.data(node)
    assert same_set(have, d["packages"]), f"installed {sorted(have)}\nresolved {d['packages']}"


# --- dnf and versionlock ---------------------------------------------------------------------


def test_dnf_and_versionlock(site, tmp_path):
    installroot, cache = fresh_node(site, tmp_path)
    for node in NODES:
        dnf_apply(installroot, site.repos, cache, KERNEL_NAMES, body(site.resolve(node, "dnf")))
        check_result(site, installroot, node)
    assert {f"{n}-{K3}.x86_64" for n in KERNEL_NAMES} <= installed(installroot)

    # versionlock: the file where the plugin reads it, then newer builds in a repository
    text = site.resolve("now", "versionlock")
    locklist = tmp_path / "versionlock.list"
    locklist.write_text(text)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "versionlock.conf").write_text(f"[main]\nenabled = 1\nlocklist = {locklist}\n")
    listed = dnf(installroot, [*site.repos, site.later], cache, "versionlock", "list", plugins=plugins)
    assert sorted(listed.split()) == sorted(body(text))
    before = installed(installroot)
    dnf(installroot, [*site.repos, site.later], cache, "upgrade", plugins=plugins)
    assert installed(installroot) == before  # every lock held: nss pinned back, no kernel K4, bash as listed
    check_result(site, installroot, "now")
    # without the locks the same upgrade takes the newer builds: the locks did the work
    dnf(installroot, [*site.repos, site.later], cache, "upgrade")
    after = installed(installroot)
    assert "bash-5.1.8-10.el9.x86_64" in after and f"kernel-{K4}.x86_64" in after


# --- kickstart --------------------------------------------------------------------------------


def test_kickstart_validated_and_installed(site, tmp_path):
    text = site.resolve("then", "kickstart")
    ks = tmp_path / "node.ks"
    ks.write_text(text)
    run([tool("ksvalidator"), "-v", "RHEL9", str(ks)])
    script = (
        "import json, sys\n"
        "from pykickstart.parser import KickstartParser\n"
        "from pykickstart.version import makeVersion, RHEL9\n"
        "h = makeVersion(RHEL9)\n"
        "KickstartParser(h).readKickstart(sys.argv[1])\n"
        "print(json.dumps(h.packages.packageList))\n"
    )
    packages = json.loads(run([tool("python"), "-c", script, str(ks)]).stdout)
    assert sorted(packages) == sorted(body(text)[1:-1])
    # what anaconda then does with %packages: one dnf transaction into the new system
    installroot = tmp_path / "installroot"
    dnf(installroot, site.repos, tmp_path / "cache", "install", *packages)
    check_result(site, installroot, "then")


# --- ansible ----------------------------------------------------------------------------------


def test_ansible_playbook_applies_the_recipe(site, tmp_path):
    installroot, _ = fresh_node(site, tmp_path)
    for node in NODES:
        ansible_recipe(tmp_path, site.repos, installroot, site.resolve(node, "ansible"), releasever="9")
        check_result(site, installroot, node)
    assert not any(p.startswith("seamonkey-nss") for p in installed(installroot))


# --- salt -------------------------------------------------------------------------------------


def salt_call(cfg: Path, *args: str, env: dict | None = None):
    p = run([tool("salt-call"), "--local", "-c", str(cfg), "--out", "json", "--log-level", "quiet", *args], env=env)
    return json.loads(p.stdout)["local"]


@pytest.fixture
def salt(tmp_path):
    """A masterless minion whose pkg provider is salt's own yumpkg (as on an EL node)."""
    base = tmp_path / "salt"
    for d in ("conf", "states", "pillar", "root"):
        (base / d).mkdir(parents=True)
    (base / "conf/minion").write_text(
        yaml.safe_dump(
            {
                "file_client": "local",
                "id": "node01.example.org",
                "root_dir": str(base / "root"),
                "pki_dir": str(base / "root/pki"),
                "cachedir": str(base / "root/cache"),
                "log_file": str(base / "root/minion.log"),
                "file_roots": {"base": [str(base / "states")]},
                "pillar_roots": {"base": [str(base / "pillar")]},
                "providers": {"pkg": "yumpkg"},
                "grains": {"os_family": "RedHat", "osarch": "x86_64"},
            }
        )
    )
    (base / "pillar/top.sls").write_text("base:\n  '*':\n    - errata-tpl\n")
    return base


# salt's own code in one process (salt-call starts in seconds; this test asks it many things)
SALT_SCRIPT = """
import json, sys
import salt.client, salt.config
opts = salt.config.minion_config(sys.argv[1])
caller = salt.client.Caller(mopts=opts)
states = caller.cmd("state.show_sls", "errata-tpl")
parsed = {}
if isinstance(states, dict):
    for sid, st in states.items():
        args = {k: v for x in st["pkg"] if isinstance(x, dict) for k, v in x.items()}
        if "installed" in st["pkg"]:
            targets = {k: v for k, v in args.items() if k in ("pkgs", "name", "version")}
            parsed[sid] = caller.cmd("pkg_resource.parse_targets", **targets)
print(json.dumps({"states": states, "parsed": parsed}))
"""


def salt_states(salt: Path, env: dict) -> tuple[dict[str, dict], list[str]]:
    """state.show_sls of the recipe: each pkg.installed state's targets as salt's own parser
    (pkg_resource.parse_targets) reads them, and the removals (pkg.removed) as name or name-version."""
    out = json.loads(run([tool("python"), "-c", SALT_SCRIPT, str(salt / "conf/minion")], env=env).stdout)
    states = out["states"]
    assert isinstance(states, dict), states  # a list would be salt's render errors
    installs, removals = {}, []
    for sid, st in states.items():
        fun = next(x for x in st["pkg"] if isinstance(x, str))
        args = {k: v for x in st["pkg"] if isinstance(x, dict) for k, v in x.items()}
        if fun == "installed":
            parsed, kind = out["parsed"][sid]
            assert kind == "repository"
            installs[sid] = parsed
        else:
            assert fun == "removed", sid
            removals += args.get("pkgs") or [f"{args['name']}-{args['version']}"]
    return installs, sorted(removals)


def test_salt_renders_the_pillar_and_compiles_the_state(site, salt, tmp_path):
    # salt's pkg.list_pkgs (rpm -qa) reads the installroot's rpm database: the node as it is
    installroot, cache = fresh_node(site, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    dbpath = run(["rpm", "--root", str(installroot), "--eval", "%_dbpath"]).stdout.strip()  # Debian: ~/.rpmdb
    (home / ".rpmmacros").write_text(f"%_dbpath {installroot}{dbpath}\n")
    env = dict(os.environ, HOME=str(home))
    removed = {
        "then": ["seamonkey-nss"],  # deleted by the fix hook
        "now": sorted(f"{n}-{k}" for n in KERNEL_NAMES for k in (K1, K2)),  # kernels no longer kept
    }
    for node in NODES:
        text = site.resolve(node, "salt")
        (salt / "pillar/errata-tpl.sls").write_text(text)
        (salt / "states/errata-tpl.sls").write_text(header_block(text, "#   #!py", "#       return states"))
        installs, removals = salt_states(salt, env)
        expected = sorted(
            (p["name"], p["version"])
            if p["arch"] in (None, "x86_64", "noarch")
            else (f"{p['name']}.{p['arch']}", p["version"])
            for p in site.data(node)["packages"]
        )
        assert sorted((n, v) for parsed in installs.values() for n, v in parsed.items()) == expected
        # one state per kernel version, as salt asks ("target them individually")
        kernels = [sid for sid in installs if sid.startswith("errata-tpl kernel ")]
        assert len(kernels) == len([p for p in site.data(node)["packages"] if p["name"] == "kernel"])
        assert removals == removed[node]
        # the node then as the list says (salt's pkg module needs an EL host: dnf applies it here)
        dnf_apply(installroot, site.repos, cache, KERNEL_NAMES, body(site.resolve(node, "dnf")))


def test_salt_refuses_two_versions_of_a_name_in_one_state(salt):
    """Why kernels are not in pkgs: salt's parser rejects a name twice."""
    p = subprocess.run(
        [
            *(tool("salt-call"), "--local", "-c", str(salt / "conf"), "--out", "json", "--log-level", "quiet"),
            *("pkg_resource.parse_targets", 'pkgs=[{"kernel": "' + K1 + '"}, {"kernel": "' + K2 + '"}]'),
        ],
        capture_output=True,
        text=True,
    )
    assert "duplicated packages names" in p.stdout + p.stderr


# --- pan --------------------------------------------------------------------------------------

PAN_CALL = re.compile(r"^'/software/packages' = (pkg_repl|pkg_del|pkg_add)\((.*)\);(  #.*)?$")
PAN_TREE = re.compile(r"^'/software/packages/\{([^{}]+)\}/\{([^{}]+)\}/arch/([\w]+)' = '';$")
PAN_ARG = re.compile(r"'((?:[^']|'')*)'")


def pan_apply(tree: dict, line: str) -> None:
    """One statement, as components/spma/functions.pan (template-library-core) treats it:
    pkg_repl(n) any version; pkg_repl(n, v[, a]) makes arch a of n exactly v (no arch: the only
    version); pkg_del(n) drops every version; a tree path adds one version/arch beside the others."""
    m = PAN_TREE.match(line)
    if m:
        name, version, arch = m.groups()
        tree.setdefault(name, {}).setdefault(version, set()).add(arch)
        return
    m = PAN_CALL.match(line)
    assert m, f"not a statement of the functions: {line}"
    fn, args = m.group(1), [a.replace("''", "'") for a in PAN_ARG.findall(m.group(2))]
    assert 1 <= len(args) <= 3, f"{fn} takes 1 to 3 arguments: {line}"
    assert "" not in args, f"'' asks package_default for a version: {line}"
    assert fn != "pkg_add", "pkg_add refuses a name the OS templates may already have"
    name = args[0]
    if fn == "pkg_del":
        assert len(args) == 1
        tree.pop(name, None)
        return
    if len(args) == 1:
        assert name not in tree, f"pkg_repl without a version refuses an existing name (unlock): {line}"
        tree[name] = {}
        return
    version, arch = args[1], args[2] if len(args) == 3 else None
    assert ":" not in version, f"SPMA names versions without the epoch: {line}"
    versions = tree.setdefault(name, {})
    for v in list(versions):
        if v != version and (arch is None or not versions[v] or versions[v] == {arch}):
            del versions[v]
        elif v != version:
            versions[v].discard(arch)
    versions.setdefault(version, set())
    if arch is not None:
        versions[version].add(arch)


def test_pan_statements_give_the_list(site):
    for node in NODES:
        text = site.resolve(node, "pan")
        lines = body(text)
        assert lines[0] == f"unique template errata-tpl/nodes/{node};"
        assert f"#   include 'errata-tpl/nodes/{node}';" in text.splitlines()
        # what the OS templates had set before: other versions, another kernel, a name without version
        tree = {
            "nss": {"3.101.0-7.el9_4": {"x86_64"}},
            "kernel": {"5.14.0-284.11.1.el9_2": {"x86_64"}},
            "vim-minimal": {"8.2.2637-20.el9_1": {"x86_64"}},
            "ncm-spma": {"20.12.0-1": {"noarch"}},
        }
        for line in lines[1:]:
            pan_apply(tree, line)
        got = {(n, v, a) for n, vs in tree.items() for v, archs in vs.items() for a in archs or {None}}
        got |= {(n, None, None) for n, vs in tree.items() if not vs}
        want = {
            (p["name"], p["version"].split(":", 1)[-1] if p["version"] else None, p["arch"] if p["version"] else None)
            for p in site.data(node)["packages"]
        }
        assert got == want | {("ncm-spma", "20.12.0-1", "noarch")}


def test_readme_shows_the_recipes_the_tests_run(site):
    """The README's recipes are the ones in the files' headers, which the tests above run."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    ansible = header_block(site.resolve("then", "ansible"), "#   - name:", "#     when:")
    salt = header_block(site.resolve("then", "salt"), "#   #!py", "#       return states")
    assert f"```yaml\n{ansible}```" in readme
    assert f"```python\n{salt}```" in readme
    assert "/etc/dnf/plugins/versionlock.list" in site.resolve("then", "versionlock")


def test_example_two_kernel_node_installs_with_dnf_defaults(example_root, tmp_path):
    """The example site's node that keeps its running kernel: dnf, with its default installonly
    settings, installs both kernels from examples/mirror (whose kernels provide installonlypkg(...))."""
    r = CliRunner().invoke(main, ["--root", str(example_root), "resolve", "wn-012.example.org", "--format", "dnf"])
    assert r.exit_code == 0, r.output
    specs = body(r.stdout)
    assert len([s for s in specs if s.startswith("kernel-core-")]) == 2
    mirror = Path(__file__).resolve().parents[2] / "examples/mirror/el9"
    installroot = tmp_path / "installroot"
    dnf(installroot, [mirror], tmp_path / "cache", "install", *specs)
    d = yaml.safe_load(CliRunner().invoke(main, ["--root", str(example_root), "resolve", "wn-012.example.org"]).stdout)
    assert same_set(installed(installroot), d["packages"])


# --- manage: listed: pin and upgrade what the list names, leave the rest alone ---------------


@pytest.fixture(scope="module")
def listed(site, tmp_path_factory) -> Site:
    """The same site with `manage: listed`: the outputs must install the lists as before and
    remove nothing (seamonkey-nss, deleted from the lists, and kernels no longer kept stay)."""
    import shutil

    s = Site(site.base)
    s.root = tmp_path_factory.mktemp("listed") / "tree"
    shutil.copytree(site.root, s.root, ignore=shutil.ignore_patterns(".errata-tpl-cache"))
    with (s.root / "site/site.yaml").open("a") as f:
        f.write("manage: listed\n")
    return s


KEPT_BY_LISTED = {"seamonkey-nss-2.53.17-1.el9.x86_64", *(f"{n}-{K1}.x86_64" for n in KERNEL_NAMES)}


def check_listed(site: Site, installroot: Path, node: str) -> None:
    """Every entry installed at its version (nss pinned below what the node had), and what
    the list does not name still there."""
    have, d = installed(installroot), site.data(node)
    assert d["manage"] == "listed"
    assert same_set(have, d["packages"], whole=False), f"installed {sorted(have)}\nresolved {d['packages']}"
    assert have >= KEPT_BY_LISTED and "nss-3.90.0-3.el9_2.x86_64" in have


def test_listed_dnf(listed, tmp_path):
    installroot, cache = fresh_node(listed, tmp_path)
    for node in NODES:
        text = listed.resolve(node, "dnf")
        assert "what the list does\n# not name is left as it is" in text and "dnf remove" not in text
        dnf(installroot, listed.repos, cache, "install", *body(text))  # the header's recipe: install only
        check_listed(listed, installroot, node)


def test_listed_ansible(listed, tmp_path):
    installroot, _ = fresh_node(listed, tmp_path)
    for node in NODES:
        text = listed.resolve(node, "ansible")
        assert "errata_tpl_manage: listed" in text.splitlines()
        ansible_recipe(tmp_path, listed.repos, installroot, text, releasever="9")
        check_listed(listed, installroot, node)


def test_listed_salt_removes_nothing(listed, salt, tmp_path):
    installroot, cache = fresh_node(listed, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    dbpath = run(["rpm", "--root", str(installroot), "--eval", "%_dbpath"]).stdout.strip()
    (home / ".rpmmacros").write_text(f"%_dbpath {installroot}{dbpath}\n")
    env = dict(os.environ, HOME=str(home))
    for node in NODES:
        text = listed.resolve(node, "salt")
        (salt / "pillar/errata-tpl.sls").write_text(text)
        (salt / "states/errata-tpl.sls").write_text(header_block(text, "#   #!py", "#       return states"))
        installs, removals = salt_states(salt, env)
        assert removals == []  # the same state: the pillar's manage says listed
        names = sorted((n, v) for parsed in installs.values() for n, v in parsed.items())
        assert len(names) == len(listed.data(node)["packages"])
        dnf(installroot, listed.repos, cache, "install", *body(listed.resolve(node, "dnf")))


def test_listed_pan_and_kickstart(listed, tmp_path):
    for node in NODES:
        text = listed.resolve(node, "pan")
        lines = body(text)
        assert lines[1] == "'/software/components/spma/userpkgs' = 'yes';"  # ncm-spma keeps the rest
        tree: dict = {"seamonkey-nss": {"2.53.17-1.el9": {"x86_64"}}}
        for line in lines[2:]:
            pan_apply(tree, line)
        assert "seamonkey-nss" in tree
        ks = tmp_path / f"{node}.ks"
        ks.write_text(listed.resolve(node, "kickstart"))
        run([tool("ksvalidator"), "-v", "RHEL9", str(ks)])
