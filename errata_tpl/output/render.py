"""Output formats: profiles and resolved node lists (the formats: formats.py).

What a format's two templates (``templates/``) receive:

- ``package.<format>.j2``, rendered once per package object (one object is shared by
  every node whose list holds that entry): ``p``, the package: ``p.name``, ``p.evr``
  (an EVR; None: any version), ``p.arch`` (None: any arch), ``p.multi`` (versions kept
  side by side, kernels), ``p.source`` (where its version came from).
- ``resolved.<format>.j2``, rendered once per distinct list: the list's header,
  ``node``, ``os``, ``errata``, ``errata_from``, ``kernel`` (``version``, ``from``,
  ``kept``), ``clone`` (only when cloned), ``modules`` (module -> stream to enable,
  None to disable) and ``manage`` (``all``: the list is the whole set, what it does not
  name is removed; ``listed``: what it does not name is left alone); ``packages`` (each
  as ``p`` above), ``packages_text`` (their package.<format>.j2 lines, in order) and
  ``empty`` (no packages). ``node`` is put in
  after rendering: write it as it is, never change it with a filter.

Both have the consumers' notations, made in ``values.package`` (a template computes
none itself): ``dnf(p)`` (``N-[E:]V-R.A``), ``version(p)`` (``[E:]V-R`` as written),
``vr(p)`` (``V-R``, no epoch), ``envra(p)``, ``name_arch(p)``, ``versionlock(p)``,
``pan(p, function, multi)``; and the filters ``pan`` (a pan string) and ``yq`` (a YAML
flow value). A ``--template`` of the user's receives the yaml output's data instead
(``data``), in the sandbox of ``site.templating``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from errata_tpl.fileio import yamlio
from errata_tpl.output.formats import FORMATS, concatenate
from errata_tpl.profile.profile import Profile, dump_yaml
from errata_tpl.resolve.model import Resolved
from errata_tpl.resolve.pkgset import Pkg
from errata_tpl.values import package as notation

# the functions of values.package a template may call
NOTATIONS = ("dnf", "version", "vr", "envra", "name_arch", "versionlock", "pan")


@functools.lru_cache(maxsize=1)
def env() -> Any:
    """The built-in templates' environment (jinja2 is imported when first needed)."""
    import jinja2

    e = jinja2.Environment(
        loader=jinja2.PackageLoader("errata_tpl.output", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["pan"] = notation.pan_string
    e.globals.update({name: getattr(notation, name) for name in NOTATIONS})
    e.filters["yq"] = yamlio.value
    return e


def profile_text(p: Profile, fmt: str) -> str:
    if fmt == "yaml":
        return dump_yaml(p)
    return str(
        env()
        .get_template(f"profile.{fmt}.j2")
        .render(
            profile=p.profile,
            os=p.os,
            generated=p.generated,
            source=p.source,
            packages=p.packages,
            kernels=p.kernels,
            kernel_named=p.kernel_named,
        )
    )


# --- resolved node lists ---------------------------------------------------------------

# Rendering depends on the node only through its name, so a list shared by many
# nodes is rendered once with this stand-in and the name is put in afterwards.
# It is plain in every format (no quoting), as node names are.
_NODE = "errata-tpl-node-name-0d4c1f"


def package_dict(p: Pkg) -> dict[str, Any]:
    d: dict[str, Any] = {"name": p.name, "version": None if p.evr is None else str(p.evr), "arch": p.arch}
    if p.multi:
        d["multi"] = True
    d["from"] = p.source
    return d


def data(r: Resolved, node: str | None = None) -> dict[str, Any]:
    """The resolved list as plain data: the yaml/json output and a --template's input."""
    d: dict[str, Any] = {
        "node": node or r.node,
        "os": r.os,
        "errata": r.errata,
        "errata_from": r.errata_from,
        "kernel": {"version": r.kernel.version, "from": r.kernel.source, "kept": list(r.kernel.kept)},
    }
    if r.clone is not None:
        d["clone"] = r.clone
    if r.modules:  # module streams to enable (NAME: STREAM) or disable (NAME: null) before installing
        d["modules"] = dict(r.modules)
    if r.manage != "all":  # listed: packages not on the list are left alone (settings' manage:)
        d["manage"] = r.manage
    d["packages"] = [package_dict(p) for p in r.packages]
    return d


def _yaml_head(d: dict[str, Any]) -> str:
    return "".join(f"{k}: {yamlio.value(v)}\n" for k, v in d.items())


def _yaml_line(p: Pkg) -> str:
    return f"  - {yamlio.flow_map(package_dict(p))}\n"


def _yaml(head: dict[str, Any], lines: list[str]) -> str:
    return _yaml_head(head) + ("packages:\n" + "".join(lines) if lines else "packages: []\n")


def _json_line(p: Pkg) -> str:
    return "    " + yamlio.json_text(package_dict(p))


def _json(head: dict[str, Any], lines: list[str]) -> str:
    fields = [f"  {json.dumps(k)}: {yamlio.json_text(v)}" for k, v in head.items()]
    body = '  "packages": [\n' + ",\n".join(lines) + "\n  ]" if lines else '  "packages": []'
    return "{\n" + ",\n".join([*fields, body]) + "\n}\n"


# yaml and json are written a package a line; each line is made once per package
# object, and package objects are shared by every node whose list holds them.
_LINE_FORMATS = {"yaml": (_yaml_line, _yaml), "json": (_json_line, _json)}


class Renderer:
    def __init__(self, fmt: str, user_template: str | None = None, template_name: str = "--template") -> None:
        self.format = FORMATS[fmt]
        self.user_template = user_template
        self.template_name = template_name
        self._cache: dict[tuple[Any, ...], tuple[tuple[Pkg, ...], list[bytes]]] = {}
        self._lines: dict[int, tuple[Pkg, str]] = {}

    def render(self, r: Resolved) -> str:
        return b"".join(self.render_parts(r)).decode("utf-8")

    def render_all(self, results: Sequence[Resolved]) -> str:
        """Several nodes on one output (stdout, ``-o``), joined as the format joins them."""
        texts = [self.render(r) for r in results]
        if len(texts) == 1:
            return texts[0]
        return concatenate(texts) if self.user_template is not None else self.format.join(texts)

    def render_parts(self, r: Resolved) -> list[bytes]:
        """The output as pieces to write in one go (os.writev): the pieces shared with
        other nodes are made once; only the node's name is put between them."""
        if self.user_template is not None:
            from errata_tpl.site import templating  # jinja2's sandbox: only for a --template

            return [templating.render_user_template(self.user_template, data(r), self.template_name).encode()]
        key = (id(r.packages), r.os, r.errata, r.errata_from, r.kernel, r.clone, tuple(r.modules.items()), r.manage)
        hit = self._cache.get(key)
        if hit is None or hit[0] is not r.packages:
            hit = (r.packages, [part.encode("utf-8") for part in self._render(r).split(_NODE)])
            self._cache[key] = hit
        parts = hit[1]
        node = r.node.encode("utf-8")
        out = [parts[0]]
        for part in parts[1:]:
            out += (node, part)
        return out

    def _render(self, r: Resolved) -> str:
        """A document from its package lines, each made once per package object
        (the coded formats here, the others from their two templates)."""
        if self.format.coded:
            make_line, assemble = _LINE_FORMATS[self.format.name]
        else:
            line_template = env().get_template(f"package.{self.format.name}.j2")
            doc_template = env().get_template(f"resolved.{self.format.name}.j2")

            def make_line(p: Pkg) -> str:
                return str(line_template.render(p=p))

            def assemble(head: dict[str, Any], lines: list[str]) -> str:
                # the whole list too: formats whose consumer needs more than a line per package
                # (ansible's removals, salt's one state per kernel version, pan's kernel tree)
                return str(
                    doc_template.render(
                        **{"modules": {}, "manage": "all", **head},
                        packages_text="".join(lines),
                        empty=not lines,
                        packages=r.packages,
                    )
                )

        lines = []
        for p in r.packages:
            hit = self._lines.get(id(p))
            if hit is None or hit[0] is not p:
                hit = (p, make_line(p))
                self._lines[id(p)] = hit
            lines.append(hit[1])
        head = data(replace(r, packages=()), _NODE)
        del head["packages"]
        return assemble(head, lines)
