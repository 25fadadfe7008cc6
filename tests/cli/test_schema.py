"""`errata-tpl schema`: the JSON Schemas it writes are the ones shipped in schemas/."""

import json

from conftest import REPO

from errata_tpl.site import schema_json


def test_shipped_schemas_are_the_generated_ones(cli, tmp_path):
    r = cli("schema", "--out-dir", tmp_path)
    assert r.exit_code == 0, r.stderr
    for kind in schema_json.FILES:
        assert (tmp_path / f"{kind}.schema.json").read_text() == (REPO / "schemas" / f"{kind}.schema.json").read_text()
    one = cli("schema", "node")
    assert json.loads(one.stdout)["required"] == ["os"]
    assert cli("schema").exit_code == 2
