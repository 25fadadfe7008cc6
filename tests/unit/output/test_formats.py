"""An output format is one record, two templates and one consumer test; templates
compute no notation (values.package does)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from errata_tpl.output import formats, render
from errata_tpl.values.evr import parse
from errata_tpl.values.package import Package, envra, name_arch, version, vr

TEMPLATES = Path(render.__file__).parent / "templates"
CONSUMER_TESTS = (Path(__file__).resolve().parents[2] / "e2e" / "test_consumers.py").read_text()


def test_every_format_has_its_two_templates_or_is_coded_and_every_template_a_format():
    for f in formats.FORMATS.values():
        pair = {(TEMPLATES / f"{kind}.{f.name}.j2").is_file() for kind in ("package", "resolved")}
        assert pair == ({False} if f.coded else {True}), f.name
    named = {p.name.split(".")[1] for p in TEMPLATES.glob("*.j2") if p.name.startswith(("package.", "resolved."))}
    assert named <= set(formats.FORMATS)


def test_every_format_is_applied_by_its_consumer_in_a_test():
    """tests/e2e/test_consumers.py resolves each format and hands it to its real consumer
    (yaml and json are the data every test there reads)."""
    applied = set(re.findall(r"site\.resolve\([^,()]+, \"(\w+)\"\)", CONSUMER_TESTS))
    assert applied == {f.name for f in formats.FORMATS.values() if not f.coded}


def test_templates_compute_no_notation():
    """No version is split or pieced together in Jinja: values.package makes each notation."""
    for t in TEMPLATES.glob("*.j2"):
        text = t.read_text()
        assert ".split(" not in text and "p.version" not in text, t.name


def test_joins():
    docs = ['{\n  "a": 1\n}\n', '{\n  "a": 2\n}\n']
    assert json.loads(formats.json_array(docs)) == [{"a": 1}, {"a": 2}]
    assert list(yaml.safe_load_all(formats.yaml_documents(["a: 1\n", "---\na: 2\n"]))) == [{"a": 1}, {"a": 2}]
    assert formats.concatenate(["x\n", "y\n"]) == "x\ny\n"


def test_extension_from_the_format_or_a_template_name():
    assert formats.extension("dnf", None) == "txt"
    assert formats.extension("dnf", "hosts.yml.j2") == "yml"
    assert formats.extension("dnf", "hosts.j2") == "txt"


def test_notations():
    k = Package("kernel", parse("5.14.0-1.el9"), "x86_64")
    o = Package("openssl-libs", parse("1:3.0.7-24.el9"), "x86_64")
    z = Package("zlib", parse("0:1.2-1"), None)
    assert [envra(k), envra(o), envra(z)] == [
        "0:kernel-5.14.0-1.el9.x86_64",
        "1:openssl-libs-3.0.7-24.el9.x86_64",
        None,
    ]
    assert [vr(k), vr(o), vr(z), vr(Package("bash"))] == ["5.14.0-1.el9", "3.0.7-24.el9", "1.2-1", None]
    assert [version(o), version(z), version(Package("bash"))] == ["1:3.0.7-24.el9", "0:1.2-1", None]
    assert [name_arch(k), name_arch(z)] == ["kernel.x86_64", "zlib"]
