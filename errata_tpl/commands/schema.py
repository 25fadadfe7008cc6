"""JSON Schemas of the files a site writes, for editors' YAML language servers."""

from __future__ import annotations

import json
from pathlib import Path

from errata_tpl.fileio import atomic
from errata_tpl.site import schema


def text(file_kind: str) -> str:
    return json.dumps(schema.json_schema(file_kind), indent=2, sort_keys=False) + "\n"


def write_all(out_dir: Path) -> list[Path]:
    """``<kind>.schema.json`` for every file kind; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in schema.FILES:
        path = out_dir / f"{kind}.schema.json"
        atomic.write_text(path, text(kind))
        written.append(path)
    return written
