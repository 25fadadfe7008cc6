"""The resolver's nine steps on small trees written by each test."""

from pathlib import Path

import pytest
from sitebuilder import SiteBuilder

from errata_tpl.errors import UserError
from errata_tpl.resolve.resolver import Resolver
from errata_tpl.site.tree import Tree

OS = {
    "version": "el9",
    "arch": "x86_64",
    "kernel": {
        "name": "kernel",
        "version": "5.14.0-1.el9",
        "packages": ["kernel", "kernel-core"],
        "modules": [{"name": "kmod-x-{{ kernel_version }}", "version": "{{ KMOD_VERSION }}"}],
    },
    "variables": {"KMOD_VERSION": "1.0-1", "ARCH": "x86_64"},
    "packages": ["bash-5.1-1.el9.x86_64", {"name": "nss", "version": "3.90-1.el9", "arch": "{{ ARCH }}"}, "tzdata"],
}


def profile(name: str, *entries: str) -> dict:
    pkgs = []
    for e in entries:
        n, v, a = e.split()
        pkgs.append({"name": n, "version": v, "arch": a})
    return {
        "profile": name,
        "os": "el9-x86_64",
        "generated": "x",
        "source": "m",
        "packages": pkgs,
        "kernels": [],
        "kernel_named": [],
    }


class Site(SiteBuilder):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.write("os/el9-x86_64/os.yaml", OS)
        self.write("errata/el9-x86_64/20261001.yaml", profile("20261001", "bash 5.1-2.el9 x86_64"))
        self.write(
            "errata/el9-x86_64/20261121.yaml",
            profile(
                "20261121",
                "bash 5.1-3.el9 x86_64",
                "nss 3.101-1.el9 x86_64",
                "tzdata 2024a-1.el9 noarch",
                "zsh 5.9-1.el9 x86_64",
            ),
        )
        self.write("site/site.yaml", {"deploy_errata": True, "errata_defaults": {"el9": "20261001"}})
        self.node("n1")

    def node(self, name: str, text: str | None = None, **settings) -> SiteBuilder:
        """A node of el9-x86_64 unless it says otherwise."""
        return super().node(name, text, **({"os": "el9-x86_64", **settings} if text is None else {}))

    def resolve(self, node: str = "n1", trace: bool = False):
        r = Resolver(Tree(self.root), trace=trace)
        return r.resolve(node), r

    def versions(self, node: str = "n1") -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.resolve(node)[0].packages:
            out.setdefault(p.name, []).append(f"{p.evr}<{p.source}>")
        return out


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "root")


def test_an_entry_of_the_same_version_is_not_a_change(site):
    """The profile's 0:5.1-1.el9 is the base's 5.1-1.el9: the base keeps it, no change counted."""
    site.write("errata/el9-x86_64/20261001.yaml", profile("20261001", "bash 0:5.1-1.el9 x86_64"))
    r, _ = site.resolve()
    assert site.versions()["bash"] == ["5.1-1.el9<os>"]
    assert r.changed_by_errata == 0


class TestErrataChoice:
    def test_default_by_os_version(self, site):
        r, _ = site.resolve()
        assert (r.errata, r.errata_from) == ("20261001", "os-version")
        assert site.versions()["bash"] == ["5.1-2.el9<errata:20261001>"]

    def test_os_id_before_os_version(self, site):
        site.site(deploy_errata=True, errata_defaults={"el9": "20261001", "el9-x86_64": "20261121"})
        assert site.resolve()[0].errata_from == "os-id"

    def test_deploy_off_means_none_even_if_set_directly(self, site):
        site.site(errata_defaults={"el9": "20261001"})
        site.node("n1", errata="20261121")
        r, res = site.resolve()
        assert (r.errata, r.errata_from) == (None, "deploy-off")
        assert site.versions()["bash"] == ["5.1-1.el9<os>"]
        assert any("ignored" in w for w in res.warnings)

    def test_node_choice_warns(self, site):
        site.node("n1", errata="20261121")
        r, res = site.resolve()
        assert (r.errata, r.errata_from) == ("20261121", "node")
        assert any("discouraged" in w for w in res.warnings)

    def test_override_exact_before_glob_first_glob_wins(self, site):
        site.write("site/errata-overrides.yaml", 'wn-0*: "20261121"\nwn-*: null\nwn-01: null\n')
        for n in ("wn-01", "wn-02", "wn-10", "n1"):
            site.node(n)
        got = {n: site.resolve(n)[0] for n in ("wn-01", "wn-02", "wn-10", "n1")}
        assert (got["wn-01"].errata, got["wn-01"].errata_from) == (None, "override")
        assert (got["wn-02"].errata, got["wn-02"].errata_from) == ("20261121", "override")
        assert (got["wn-10"].errata, got["wn-10"].errata_from) == (None, "override")
        assert (got["n1"].errata, got["n1"].errata_from) == ("20261001", "os-version")

    def test_no_default_means_none(self, site):
        site.site(deploy_errata=True)
        assert site.resolve()[0].errata_from == "none"

    def test_missing_profile_is_an_error_naming_node_and_source(self, site):
        site.write("site/errata-overrides.yaml", 'n1: "20991231"\n')
        with pytest.raises(
            UserError,
            match=r"node n1: errata profile '20991231' chosen by "
            r"site/errata-overrides.yaml key 'n1' does not exist",
        ):
            site.resolve()

    def test_unquoted_profile_in_overrides_is_accepted(self, site):
        site.write("site/errata-overrides.yaml", "n1: 20261121\n")
        assert site.resolve()[0].errata == "20261121"

    # docs/files.md: a profile name unquoted is a number, accepted wherever a site file chooses one
    @pytest.mark.parametrize(
        ("rel", "text", "source"),
        [
            ("site/site.yaml", "deploy_errata: true\nerrata_defaults: {el9-x86_64: 20261121}\n", "os-id"),
            ("site/nodes/n1.yaml", "os: el9-x86_64\nerrata: 20261121\n", "node"),
        ],
    )
    def test_unquoted_profile_elsewhere_is_accepted(self, site, rel, text, source):
        site.write("site/site.yaml", "deploy_errata: true\n")
        site.write(rel, text)
        got = site.resolve()[0]
        assert (got.errata, got.errata_from) == ("20261121", source)


class TestKernel:
    def test_precedence(self, site):
        site.write("errata/el9-x86_64/20261001-init.yaml", {"kernel_version": "5.14.0-4.el9"})
        assert site.resolve()[0].kernel.source == "errata-init"
        site.site(deploy_errata=True, errata_defaults={"el9": "20261001"}, kernel_version={"el9": "5.14.0-3.el9"})
        assert site.resolve()[0].kernel.version == "5.14.0-3.el9"
        site.site(
            deploy_errata=True,
            errata_defaults={"el9": "20261001"},
            kernel_version={"el9": "5.14.0-3.el9", "el9-x86_64": "5.14.0-2.el9"},
        )
        assert (site.resolve()[0].kernel.version, site.resolve()[0].kernel.source) == ("5.14.0-2.el9", "site")
        site.node("n1", kernel_version="5.14.0-9.el9")
        assert (site.resolve()[0].kernel.version, site.resolve()[0].kernel.source) == ("5.14.0-9.el9", "node")

    def test_os_default_and_modules(self, site):
        r, _ = site.resolve()
        assert (r.kernel.version, r.kernel.source) == ("5.14.0-1.el9", "os")
        v = site.versions()
        assert v["kernel"] == ["5.14.0-1.el9<kernel>"] and v["kernel-core"] == ["5.14.0-1.el9<kernel>"]
        assert v["kmod-x-5.14.0-1.el9"] == ["1.0-1<kernel>"]
        assert all(p.multi for p in r.packages if p.source == "kernel")

    def test_running_and_kept_kernels(self, site):
        site.node("n1", running_kernel="5.14.0-0.el9", keep_kernels=["5.14.0-1.el9"])  # the selected: no-op
        r, _ = site.resolve()
        assert r.kernel.kept == ("5.14.0-0.el9",)
        v = site.versions()
        assert v["kernel"] == ["5.14.0-0.el9<keep-kernel>", "5.14.0-1.el9<kernel>"]
        assert v["kmod-x-5.14.0-0.el9"] == ["1.0-1<keep-kernel>"]

    def test_installonly_limit(self, site):
        site.node("n1", running_kernel="5.14.0-0.el9", keep_kernels=["5.14.0-a.el9", "5.14.0-b.el9"])
        with pytest.raises(
            UserError,
            match=r"n1.yaml: key 'keep_kernels': 4 versions of kernel .* exceed "
            r"installonly_limit 3; the selected 5.14.0-1.el9, running 5.14.0-0.el9",
        ):
            site.resolve()
        site.site(deploy_errata=True, installonly_limit=4)
        assert len(site.resolve()[0].kernel.kept) == 3


class TestHooksAndLayers:
    def test_init_variables_are_defaults_below_site(self, site):
        site.write("errata/el9-x86_64/20261001-init.yaml", {"variables": {"KMOD_VERSION": "2.0-1", "X": "init"}})
        assert site.versions()["kmod-x-5.14.0-1.el9"] == ["2.0-1<kernel>"]
        site.site(deploy_errata=True, errata_defaults={"el9": "20261001"}, variables={"KMOD_VERSION": "3.0-1"})
        assert site.versions()["kmod-x-5.14.0-1.el9"] == ["3.0-1<kernel>"]

    def test_cluster_and_node_layers(self, site):
        site.write(
            "site/clusters/c.yaml",
            {
                "variables": {"KMOD_VERSION": "4.0-1"},
                "packages": [{"name": "bash", "version": "5.2-1.el9", "arch": "x86_64"}],
            },
        )
        site.node("n1", cluster="c", packages=["extra"], variables={"KMOD_VERSION": "5.0-1"})
        v = site.versions()
        assert v["bash"] == ["5.2-1.el9<cluster>"]  # pinned above the profile: never lowered
        assert v["extra"] == ["None<node>"]
        assert v["kmod-x-5.14.0-1.el9"] == ["5.0-1<kernel>"]

    def test_fix_hook_actions_in_order_with_conditions(self, site):
        site.site(deploy_errata=True, errata_defaults={"el9": "20261121"}, variables={"JDK": "11"})
        site.node("n1", packages=["seamonkey-nss", "jdk-11-fcs.x86_64"])
        site.write(
            "errata/el9-x86_64/20261121-fix.yaml",
            {
                "actions": [
                    {"del": "seamonkey-nss"},
                    {"repl": {"name": "nss", "version": "3.90-3.el9", "arch": "x86_64"}},
                    {
                        "add": {"name": "jdk", "version": "{{ JDK }}.1-fcs", "arch": "x86_64"},
                        "multi": True,
                        "when": "JDK is defined",
                    },
                    {"add": {"name": "never", "version": "1-1"}, "when": "NOPE is defined"},
                    {"repl": {"name": "firefox", "version": "115-1", "arch": "x86_64"}, "if_present": "firefox"},
                ]
            },
        )
        v = site.versions()
        assert "seamonkey-nss" not in v and "never" not in v and "firefox" not in v
        assert v["nss"] == ["3.90-3.el9<fix:20261121>"]
        assert v["jdk"] == ["11-fcs<node>", "11.1-fcs<fix:20261121>"]
        assert "zsh" not in v

    def test_conflicting_add_names_the_hook(self, site):
        site.node("n1", packages=["jdk-11-fcs.x86_64"])
        site.write(
            "errata/el9-x86_64/20261001-fix.yaml",
            {"actions": [{"add": {"name": "jdk", "version": "17-fcs", "arch": "x86_64"}}]},
        )
        with pytest.raises(
            UserError,
            match=r"errata/el9-x86_64/20261001-fix.yaml: actions\[0\]: key 'add': "
            r"conflicting add",
        ):
            site.resolve()

    def test_undefined_variable_names_the_file(self, site):
        site.node("n1", packages=[{"name": "x", "version": "{{ NOPE }}-1"}])
        with pytest.raises(UserError, match=r"site/nodes/n1.yaml: packages\[0\]: undefined variable"):
            site.resolve()

    def test_sandbox_refuses_python_internals(self, site):
        site.node("n1", packages=[{"name": "x", "version": "{{ ''.__class__.__mro__ }}"}])
        with pytest.raises(UserError, match=r"n1\.yaml"):
            site.resolve()

    def test_hook_suffix_setting(self, site):
        site.site(deploy_errata=True, errata_defaults={"el9": "20261001"}, hook_suffix={"fix": "_fix"})
        site.write("errata/el9-x86_64/20261001_fix.yaml", {"actions": [{"del": "tzdata"}]})
        assert "tzdata" not in site.versions()


class TestCloning:
    def test_clone_takes_the_reference_list(self, site):
        site.node("ref", packages=["special"])
        site.node("n1", clone="ref")
        r, _ = site.resolve()
        assert r.clone == "ref"
        assert {p.name for p in r.packages} >= {"special"}
        assert {p.source for p in r.packages} == {"clone:ref"}

    def test_cloning_disabled(self, site):
        site.node("ref", packages=["special"])
        site.node("n1", clone="ref")
        site.site(deploy_errata=True, errata_defaults={"el9": "20261001"}, profile_cloning_disabled={"n1": True})
        r, _ = site.resolve()
        assert r.clone is None and "special" not in {p.name for p in r.packages}

    def test_clone_loop(self, site):
        site.node("a", clone="b")
        site.node("b", clone="a")
        with pytest.raises(UserError, match="cloning loop a -> b -> a"):
            site.resolve("a")


def test_shared_work_gives_the_same_lists(site):
    """Nodes sharing os, cluster, profile and kernel share work; a node resolved in a
    resolver of its own (nothing shared with other nodes) must get the same list."""
    site.site(deploy_errata=True, errata_defaults={"el9": "20261121"})
    site.write(
        "errata/el9-x86_64/20261121-fix.yaml",
        {
            "actions": [
                {"repl": {"name": "nss", "version": "3.90-3.el9", "arch": "x86_64"}},
                {"del": "tzdata", "if_present": "marker"},
            ]
        },
    )
    own = [
        {},
        {"running_kernel": "5.14.0-0.el9"},
        {"packages": [{"name": "bash", "version": "5.0-1.el9", "arch": "x86_64"}]},  # errata upgrades it
        {"packages": [{"name": "bash", "version": "5.9-1.el9", "arch": "x86_64"}]},  # newer: stays
        {"packages": ["zsh"]},  # a profile entry now applies
        {"packages": ["kernel-core-5.14.0-7.el9.x86_64"]},  # meets the kernel: from scratch
        {"packages": ["marker"]},  # meets the fix hook: from scratch
        {"packages": ["zsh"], "running_kernel": "5.14.0-0.el9"},
    ]
    for i, extra in enumerate(own * 2):
        site.node(f"m{i:02d}", **extra)
    fast = Resolver(Tree(site.root))
    for i in range(len(own) * 2):
        r = fast.resolve(f"m{i:02d}")
        slow = Resolver(Tree(site.root), trace=True).resolve(f"m{i:02d}")
        assert slow.packages == r.packages, own[i % len(own)]
        assert slow.changed_by_errata == r.changed_by_errata
    assert fast.stats["shared"] >= len(own)


def test_unknown_node(site):
    with pytest.raises(UserError, match="unknown node 'ghost'"):
        site.resolve("ghost")
