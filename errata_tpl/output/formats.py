"""The output formats of ``resolve``: one record each, in one registry.

Adding a format is one record here, two templates in ``templates/`` (see render.py
for what each receives) and one test applying its output with the real consumer
(tests/e2e/test_consumers.py). This module imports nothing heavy: the CLI reads the
names when it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple


def concatenate(texts: Sequence[str]) -> str:
    """Several nodes' documents one after the other."""
    return "".join(texts)


def json_array(texts: Sequence[str]) -> str:
    """Several JSON documents as one JSON array."""
    return "[\n" + ",\n".join(t.rstrip("\n") for t in texts) + "\n]\n"


def yaml_documents(texts: Sequence[str]) -> str:
    """Several YAML documents in one stream, each opened by ``---``."""
    return "".join(t if t.startswith("---\n") else f"---\n{t}" for t in texts)


class Format(NamedTuple):
    name: str  # --format NAME
    ext: str  # --out-dir files are <node>.<ext>
    join: Callable[[Sequence[str]], str] = concatenate  # several nodes on one output (stdout, -o)
    # written by render.py's code, a package a line (the data formats: fast for large lists);
    # else from templates/package.<name>.j2 and templates/resolved.<name>.j2
    coded: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("yaml", "yaml", yaml_documents, coded=True),
        Format("json", "json", json_array, coded=True),
        Format("pan", "pan"),
        Format("dnf", "txt"),
        Format("versionlock", "list"),
        Format("ansible", "yml", yaml_documents),
        Format("salt", "sls"),
        Format("kickstart", "ks"),
    )
}
EXTENSIONS = {name: f.ext for name, f in FORMATS.items()}  # the registry's extensions by name


def extension(fmt: str, template: str | None) -> str:
    """The extension of ``--out-dir`` files: a ``--template``'s own (``x.yml.j2``:
    ``yml``), else the format's."""
    if template is not None and template.count(".") >= 2:
        return template.rsplit(".", 2)[-2]
    return FORMATS[fmt].ext
