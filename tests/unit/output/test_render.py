"""Every output format carries the same list."""

import json

import pytest
import yaml

from errata_tpl.output.formats import FORMATS
from errata_tpl.output.render import Renderer, data
from errata_tpl.resolve.model import KernelChoice, Resolved
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values.evr import parse
from errata_tpl.values.source import source

PKGS = (
    Pkg("bash", parse("5.1.8-9.el9"), "x86_64", source("errata", "20261121")),
    Pkg(source("kernel"), parse("5.14.0-362.8.1.el9_3"), "x86_64", source("keep-kernel"), multi=True),
    Pkg(source("kernel"), parse("5.14.0-362.13.1.el9_3"), "x86_64", source("kernel"), multi=True),
    Pkg("openssl-libs", parse("1:3.0.7-24.el9"), "x86_64", source("errata", "20261121")),
    Pkg("tzdata", None, None, source("os")),
    Pkg("vim", None, "x86_64", source("os")),
)


def resolved(node="node01.example.org", packages=PKGS):
    return Resolved(
        node,
        "el9-x86_64",
        "20261121",
        "override",
        KernelChoice("5.14.0-362.13.1.el9_3", "errata-init", ("5.14.0-362.8.1.el9_3",)),
        packages,
    )


def test_yaml_and_json_are_the_data():
    r = resolved()
    assert yaml.safe_load(Renderer("yaml").render(r)) == data(r)
    assert json.loads(Renderer("json").render(r)) == data(r)
    y = yaml.safe_load(Renderer("yaml").render(r))
    assert y["packages"][1] == {
        "name": "kernel",
        "version": "5.14.0-362.8.1.el9_3",
        "arch": "x86_64",
        "multi": True,
        "from": "keep-kernel",
    }
    assert y["packages"][4] == {"name": "tzdata", "version": None, "arch": None, "from": "os"}
    assert y["kernel"] == {"version": "5.14.0-362.13.1.el9_3", "from": "errata-init", "kept": ["5.14.0-362.8.1.el9_3"]}


def body(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_dnf():
    assert body(Renderer("dnf").render(resolved())) == [
        "bash-5.1.8-9.el9.x86_64",
        "kernel-5.14.0-362.8.1.el9_3.x86_64",
        "kernel-5.14.0-362.13.1.el9_3.x86_64",
        "openssl-libs-1:3.0.7-24.el9.x86_64",
        "tzdata",
        "vim.x86_64",
    ]


def test_versionlock():
    assert body(Renderer("versionlock").render(resolved())) == [
        "bash-0:5.1.8-9.el9.x86_64",
        "kernel-0:5.14.0-362.8.1.el9_3.x86_64",
        "kernel-0:5.14.0-362.13.1.el9_3.x86_64",
        "openssl-libs-1:3.0.7-24.el9.x86_64",
    ]


def test_pan():
    """Current template-library-core: pkg_repl with at most 3 arguments, versions without the
    epoch, no pkg_repl(..., '') (that asks for a default version); kernels written into the tree."""
    lines = body(Renderer("pan").render(resolved()))
    assert lines[0] == "unique template errata-tpl/nodes/node01.example.org;"
    assert lines[1:] == [
        "'/software/packages' = pkg_repl('bash', '5.1.8-9.el9', 'x86_64');",
        "'/software/packages' = pkg_repl('openssl-libs', '3.0.7-24.el9', 'x86_64');",
        "'/software/packages' = pkg_del('tzdata');",
        "'/software/packages' = pkg_repl('tzdata');",
        "'/software/packages' = pkg_del('vim');",
        "'/software/packages' = pkg_repl('vim');  # x86_64: pkg_repl takes an arch only with a version",
        "'/software/packages' = pkg_del('kernel');",
        "'/software/packages/{kernel}/{5.14.0-362.8.1.el9_3}/arch/x86_64' = '';",
        "'/software/packages/{kernel}/{5.14.0-362.13.1.el9_3}/arch/x86_64' = '';",
    ]


def test_ansible_and_salt_are_yaml():
    a = yaml.safe_load(Renderer("ansible").render(resolved()))
    assert a["errata_tpl_packages"][0] == "bash-5.1.8-9.el9.x86_64" and len(a["errata_tpl_packages"]) == 6
    assert a["errata_tpl_kernel"] == "5.14.0-362.13.1.el9_3"
    assert a["errata_tpl_names"] == ["bash", "kernel", "openssl-libs", "tzdata", "vim"]
    assert a["errata_tpl_multiversion"] == ["kernel"]
    assert a["errata_tpl_envras"] == ["0:kernel-5.14.0-362.8.1.el9_3.x86_64", "0:kernel-5.14.0-362.13.1.el9_3.x86_64"]
    text = Renderer("salt").render(resolved())
    assert not any(tag in text for tag in ("{{", "{%", "{#"))  # salt renders pillars with jinja first
    s = yaml.safe_load(text)["errata_tpl"]
    assert s["pkgs"] == [
        {"bash.x86_64": "5.1.8-9.el9"},
        {"openssl-libs.x86_64": "1:3.0.7-24.el9"},
        "tzdata",
        "vim.x86_64",
    ]
    assert s["multiversion"] == [
        {"name": "kernel", "version": "5.14.0-362.8.1.el9_3", "arch": "x86_64"},
        {"name": "kernel", "version": "5.14.0-362.13.1.el9_3", "arch": "x86_64"},
    ]


def test_kickstart():
    lines = body(Renderer("kickstart").render(resolved()))
    assert lines[0] == "%packages" and lines[-1] == "%end" and lines[1] == "bash-5.1.8-9.el9.x86_64"


@pytest.mark.parametrize("fmt", FORMATS)
def test_shared_rendering_puts_each_node_name(fmt):
    rend = Renderer(fmt)
    a, b = rend.render(resolved("a.example.org")), rend.render(resolved("b.example.org"))
    assert a.replace("a.example.org", "b.example.org") == b
    assert "errata-tpl-node-name" not in a
    assert Renderer(fmt).render(resolved("b.example.org")) == b  # the same as without the cache


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("packages", [PKGS, ()])
def test_one_newline_at_the_end(fmt, packages):
    text = Renderer(fmt).render(resolved(packages=packages))
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize("fmt", ["yaml", "ansible", "salt"])
def test_empty_list_is_valid_yaml(fmt):
    d = yaml.safe_load(Renderer(fmt).render(resolved(packages=())))
    assert [] in (d.get("packages"), d.get("errata_tpl_packages"), (d.get("errata_tpl") or {}).get("pkgs"))


def test_user_template_and_its_sandbox():
    r = resolved()
    out = Renderer("yaml", "{{ node }} {{ packages|length }} {{ kernel.version }}\n").render(r)
    assert out == "node01.example.org 6 5.14.0-362.13.1.el9_3\n"
    from errata_tpl.errors import UserError

    with pytest.raises(UserError, match=r"sandbox|undefined"):
        Renderer("yaml", "{{ packages.__class__.__mro__[1].__subclasses__() }}").render(r)
    with pytest.raises(UserError, match="undefined"):
        Renderer("yaml", "{{ nope }}").render(r)
