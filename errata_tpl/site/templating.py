"""Jinja2 over a node's variables: values, ``when:`` conditions, user templates.

Everything a site writes runs in jinja2's immutable sandbox (no access to
Python internals, no mutation of the data), and an undefined variable is an
error, never an empty string.

The sandbox bounds what one expression may build, so a typo or a hostile file
cannot hang a run or fill the disk: no string or list longer than MAX_CHARS
(``'a' * 10**9``), no integer wider than MAX_INT_BITS (``9**(9**9)``), no
rendering longer than MAX_SECONDS (nested loops), no output longer than MAX_CHARS.
Operators and calls are checked before they run (one C-level operation cannot be
interrupted); loops are stopped by a timer.
"""

from __future__ import annotations

import functools
import re
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from errata_tpl.errors import UserError

MAX_CHARS = 16 * 1024 * 1024
MAX_INT_BITS = 16 * 1024  # about 4,900 decimal digits
MAX_SECONDS = 10.0
# a field width or precision of 8+ digits: '{:>999999999}', '%999999999s', '%.999999999f';
# only in a format spec, so a JSON text or a date in a string is no format
_WIDE_FORMAT = re.compile(
    r"%[-+ #0]*(?:[0-9]{8,}|[0-9]*\.[0-9]{8,})"
    r"|\{[\w.\[\]]*(?:![rsa])?:(?:.?[<>=^])?[-+ ]?z?#?0?(?:[0-9]{8,}|[0-9]*[,_]?\.[0-9]{8,})"
)


class LimitExceeded(Exception):
    """An expression would build past a bound; becomes a UserError naming the file and key."""


def _size(v: Any) -> int:
    return len(v) if isinstance(v, (str, bytes, list, tuple)) else 0


def _text_size(v: Any) -> int:
    """About how many characters ``v`` becomes as text (tojson, string, ``{{ v }}``),
    counted only until it passes MAX_CHARS: a list of 2**24 references to one long
    string is refused at its first item, before anything is built."""
    total, stack = 0, [v]
    while stack and total <= MAX_CHARS:
        item = stack.pop()
        total += 1
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return total


def _check_text(v: Any) -> Any:
    if _text_size(v) > MAX_CHARS:
        raise LimitExceeded(f"a value longer than {MAX_CHARS:,} characters as text")
    return v


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_value(v: Any) -> Any:
    if _size(v) > MAX_CHARS:
        raise LimitExceeded(f"a value longer than {MAX_CHARS:,} characters")
    if _is_int(v) and v.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(f"an integer wider than {MAX_INT_BITS:,} bits")
    return v


def _check_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Arguments that ask for a huge result (a width, a count, a format field)."""
    for a in (*args, *kwargs.values()):
        if _is_int(a) and abs(a) > MAX_CHARS:
            raise LimitExceeded(f"an argument of {a:.3g} (more than {MAX_CHARS:,})")
        if isinstance(a, str) and ("{" in a or "%" in a) and _WIDE_FORMAT.search(a):
            raise LimitExceeded("a format field wider than 8 digits")


class _Env(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    check_value = staticmethod(_check_value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            if left.bit_length() * right > MAX_INT_BITS:
                raise LimitExceeded(f"{left} ** {right}: an integer wider than {MAX_INT_BITS:,} bits")
        elif operator == "*":
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise LimitExceeded(f"an integer wider than {MAX_INT_BITS:,} bits")
            else:
                count = right if _is_int(right) else left if _is_int(left) else 0
                if _size(left) * count > MAX_CHARS or _size(right) * count > MAX_CHARS:
                    raise LimitExceeded(f"a value longer than {MAX_CHARS:,} characters")
        elif operator == "+" and _size(left) + _size(right) > MAX_CHARS:
            raise LimitExceeded(f"a value longer than {MAX_CHARS:,} characters")
        elif operator == "%" and isinstance(left, str):
            _check_args((left,), {})
            _check_args(right if isinstance(right, tuple) else (right,), {})
        return _check_value(super().call_binop(context, operator, left, right))

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_args((getattr(__obj, "__self__", None), *args), kwargs)  # 'a'.ljust(10**9)
        return _check_value(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_args((value.__self__,), {})  # '{:>999999999}'.format(1)
        return wrapped


class _CodeGenerator(CodeGenerator):
    """``a ~ b`` (string concatenation) is no operator jinja2 lets a sandbox
    intercept: its result is checked instead (so a doubling stops at twice the bound)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.check_value(")
        super().visit_Concat(node, frame)
        self.write(")")


def _bounded_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        plain = args[1:] if getattr(f, "jinja_pass_arg", None) else args
        _check_args(plain, kwargs)
        if plain and isinstance(plain[0], (Mapping, list, tuple, set, frozenset)):
            _check_text(plain[0])  # tojson, string, pprint build the whole text first
        if plain:  # join, replace: the result grows as the value times an argument
            n = _size(plain[0])
            if any(n * _size(a) > MAX_CHARS for a in (*plain[1:], *kwargs.values())):
                raise LimitExceeded(f"a value longer than {MAX_CHARS:,} characters")
        return _check_value(f(*args, **kwargs))

    return wrapper


_Env.code_generator_class = _CodeGenerator
_env = _Env(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    finalize=_check_text,  # ``{{ v }}`` turns v into text before the output bound sees it
    trim_blocks=False,
    lstrip_blocks=False,
)
_env.filters = {name: _bounded_filter(f) for name, f in _env.filters.items()}


class _Timeout(BaseException):
    """Raised by the timer in the middle of a rendering (BaseException: no template
    code or library ``except Exception`` swallows it)."""


def _expired(signum: int, frame: object) -> None:
    raise _Timeout


_alarm_installed = False


def _arm(seconds: float) -> bool:
    """Start the timer that stops a rendering running longer than ``seconds``
    (SIGALRM; in the main thread only: elsewhere the operator bounds still hold,
    the timer does not). The handler is installed once; arming is one syscall."""
    global _alarm_installed
    if threading.current_thread() is not threading.main_thread():
        return False
    if not _alarm_installed:
        signal.signal(signal.SIGALRM, _expired)
        _alarm_installed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return True


def _disarm(armed: bool) -> None:
    if armed:
        signal.setitimer(signal.ITIMER_REAL, 0)


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@functools.lru_cache(maxsize=4096)
def _compile(source: str) -> jinja2.Template:
    return _env.from_string(source)


@functools.lru_cache(maxsize=1024)
def _compile_expr(source: str) -> Any:
    return _env.compile_expression(source, undefined_to_none=False)


def _fail(e: BaseException, what: str) -> UserError:
    return UserError(f"{what}: {_why(e)}", where=what)


def _why(e: BaseException) -> str:
    if isinstance(e, jinja2.UndefinedError):
        return f"undefined variable ({e.message})"
    if isinstance(e, SecurityError):
        return f"refused by the template sandbox ({e})"
    if isinstance(e, jinja2.TemplateSyntaxError):
        return f"template syntax error: {e.message}"
    if isinstance(e, LimitExceeded):
        return f"refused by the template sandbox: {e}"
    if isinstance(e, _Timeout):
        return f"refused by the template sandbox: rendering took longer than {MAX_SECONDS:g} s"
    if isinstance(e, (RecursionError, MemoryError)):
        return f"refused by the template sandbox: {type(e).__name__}"
    return f"template error: {e}"


_ERRORS = (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LimitExceeded, RecursionError, MemoryError)


def _render(template: jinja2.Template, data: Mapping[str, Any]) -> str:
    """The template's output, refused once it passes MAX_CHARS."""
    out: list[str] = []
    size = 0
    armed = _arm(MAX_SECONDS)
    try:
        for piece in template.generate(data):
            size += len(piece)
            if size > MAX_CHARS:
                raise LimitExceeded(f"output longer than {MAX_CHARS:,} characters")
            out.append(piece)
    finally:
        _disarm(armed)
    return "".join(out)


def render_value(value: Any, variables: Mapping[str, Any], what: str) -> Any:
    """Render a string value (recursively inside lists and mappings)."""
    if isinstance(value, str):
        if not is_template(value):
            return value
        try:
            return _render(_compile(value), variables)
        except (*_ERRORS, _Timeout) as e:
            raise _fail(e, what) from None
    if isinstance(value, Mapping):
        return {k: render_value(v, variables, what) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, variables, what) for v in value]
    return value


def evaluate(expression: str, variables: Mapping[str, Any], what: str) -> bool:
    """A ``when:`` condition: a bare jinja2 expression, true or false."""
    armed = False
    try:
        armed = _arm(MAX_SECONDS)
        result = _compile_expr(expression)(**variables)
        if isinstance(result, jinja2.Undefined):
            result._fail_with_undefined_error()
        return bool(result)
    except (*_ERRORS, _Timeout) as e:
        raise _fail(e, what) from None
    finally:
        _disarm(armed)


def render_user_template(source: str, data: Mapping[str, Any], what: str) -> str:
    """A site's own ``--template``: the same sandbox, the data's keys at top level."""
    try:
        return _render(_compile(source), data)
    except (*_ERRORS, _Timeout) as e:
        raise _fail(e, what) from None
