"""Output formats: profiles and resolved node lists, from templates/*.j2."""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from . import yamlio
from .profile import Profile, dump_yaml


def pan_string(value: Any) -> str:
    """A pan single-quoted string ('' stands for a quote)."""
    return "'" + str(value).replace("'", "''") + "'"


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.PackageLoader("errata_tpl", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    e.filters["pan"] = pan_string
    e.filters["yq"] = yamlio.value
    return e


def profile_text(p: Profile, fmt: str) -> str:
    if fmt == "yaml":
        return dump_yaml(p)
    return env().get_template(f"profile.{fmt}.j2").render(
        profile=p.profile, os=p.os, generated=p.generated, source=p.source,
        packages=[e.as_dict() for e in p.packages],
        kernels=[e.as_dict() for e in p.kernels],
        kernel_named=[e.as_dict() for e in p.kernel_named],
    )
