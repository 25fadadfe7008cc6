"""Jinja2 over a node's variables: values, ``when:`` conditions, user templates.

Everything a site writes runs in jinja2's immutable sandbox (no access to
Python internals, no mutation of the data), and an undefined variable is an
error, never an empty string.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from errata_tpl.errors import UserError

_env = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=False,
    lstrip_blocks=False,
)


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> jinja2.Template:
    return _env.from_string(source)


@functools.lru_cache(maxsize=1024)
def _compile_expr(source: str) -> Any:
    return _env.compile_expression(source, undefined_to_none=False)


def _fail(e: Exception, what: str) -> UserError:
    if isinstance(e, jinja2.UndefinedError):
        return UserError(f"{what}: undefined variable ({e.message})")
    if isinstance(e, SecurityError):
        return UserError(f"{what}: refused by the template sandbox ({e})")
    if isinstance(e, jinja2.TemplateSyntaxError):
        return UserError(f"{what}: template syntax error: {e.message}")
    return UserError(f"{what}: template error: {e}")


def render_value(value: Any, variables: Mapping[str, Any], what: str) -> Any:
    """Render a string value (recursively inside lists and mappings)."""
    if isinstance(value, str):
        if not is_template(value):
            return value
        try:
            return _compile(value).render(variables)
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as e:
            raise _fail(e, what) from None
    if isinstance(value, Mapping):
        return {k: render_value(v, variables, what) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, variables, what) for v in value]
    return value


def evaluate(expression: str, variables: Mapping[str, Any], what: str) -> bool:
    """A ``when:`` condition: a bare jinja2 expression, true or false."""
    try:
        result = _compile_expr(expression)(**variables)
        if isinstance(result, jinja2.Undefined):
            result._fail_with_undefined_error()
        return bool(result)
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as e:
        raise _fail(e, what) from None


def render_user_template(source: str, data: Mapping[str, Any], what: str) -> str:
    """A site's own ``--template``: the same sandbox, the data's keys at top level."""
    try:
        return _env.from_string(source).render(data)
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as e:
        raise _fail(e, what) from None
