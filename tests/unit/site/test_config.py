"""The configuration as typed values, and the JSON Schemas editors use."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from errata_tpl.errors import UserError
from errata_tpl.site import schema, schema_json
from errata_tpl.site.tree import Tree

REPO = Path(__file__).resolve().parents[3]


def _files(root: Path) -> list[tuple[str, Path]]:
    out = [("site", root / "site/site.yaml")]
    out += [("cluster", p) for p in sorted((root / "site/clusters").glob("*.yaml"))]
    out += [("node", p) for p in sorted((root / "site/nodes").glob("*.yaml"))]
    out += [("os", p) for p in sorted(root.glob("os/*/os.yaml"))]
    out += [("init-hook", p) for p in sorted(root.glob("errata/*/*-init.yaml"))]
    out += [("fix-hook", p) for p in sorted(root.glob("errata/*/*-fix.yaml"))]
    out += [("overrides", root / "site/errata-overrides.yaml"), ("stages", root / "site/stages.yaml")]
    out += [("profile", p) for p in sorted(root.glob("errata/*/[0-9]*[0-9].yaml"))]
    out += [("hotfix", p) for p in sorted(root.glob("errata/*/hotfix-*.yaml"))]
    return out


def test_the_example_site_validates_against_the_schemas():
    """What a YAML language server does with the shipped files: the example tree is valid."""
    files = _files(REPO)
    assert {k for k, _ in files} == set(schema_json.FILES) - {"promotions"}  # the example has no promotion yet
    for kind, path in files:
        s = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
        jsonschema.validate(yaml.safe_load(path.read_text()) or {}, s)


@pytest.mark.parametrize(
    "kind, data",
    [
        ("node", {"os": 9}),
        ("node", {"cluster": "c"}),  # no os
        ("site", {"deploy_errata": "yes"}),
        ("site", {"installonly_limit": 0}),
        ("fix-hook", {"actions": [{"add": {"name": "x", "multi": "yes"}}]}),
    ],
)
def test_schema_and_checker_refuse_the_same(kind, data):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema_json.json_schema(kind))
    with pytest.raises(UserError):
        schema.check(schema_json.FILES[kind], data, "f.yaml")
        if kind == "fix-hook":
            for a in data["actions"]:
                schema.check("action", a, "f.yaml")
                if not isinstance(a["add"]["multi"], bool):
                    raise UserError("multi")


def test_tree_gives_typed_values_that_know_their_file(example_root):
    tree = Tree(example_root)
    nd = tree.node("wn-001.example.org")
    assert nd.where == "site/nodes/wn-001.example.org.yaml" and nd.os == "el9-x86_64"
    assert tree.node("wn-001.example.org") is nd  # each file read once
    assert all(e.where.startswith("os/el9-x86_64/os.yaml: packages[") for e in tree.os("el9-x86_64").packages)
    hook = tree.fix_hook("el9-x86_64", "20261121", "-fix")
    assert hook is not None and hook.where == "errata/el9-x86_64/20261121-fix.yaml"
    assert [a.where for a in hook.actions][:1] == [f"{hook.where}: actions[0]"]
