"""YAML in (safe, bounded) and out (fast, deterministic, one package a line)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Union

from errata_tpl.errors import UserError
from errata_tpl.fileio import regular
from errata_tpl.fileio.atomic import write_text

MAX_BYTES = 32 * 1024 * 1024  # a generated profile of 100,000 entries is ~8 MB
MAX_DEPTH = 32
MAX_ALIAS_GROWTH = 1_000_000  # values that aliases (and merge keys) may add to what a file spells out


# What a YAML (or JSON) file reads as: JSON's values, and what YAML adds to them (an
# unquoted timestamp reads as a date, a key may be a number). Nothing read is trusted
# to have the shape meant: a reader checks each value's type (``from_data`` functions).
Data = Union[None, bool, int, float, str, dt.date, list["Data"], dict[Any, "Data"]]


class _Refused(Exception):
    """Raised inside the loader; becomes a UserError naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@functools.lru_cache(maxsize=1)
def _loader() -> type:
    """libyaml's parser where pyyaml has it (the same safe semantics, ten times
    faster), with two refusals pyyaml lacks: a key twice in one mapping (else the
    last silently wins), and merge keys (``<<: [*a, *a]``) that grow past a bound
    (else a small file builds billions of entries). pyyaml is imported on first
    use: a run that only writes YAML may never need it."""
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    merge_tag = "tag:yaml.org,2002:merge"

    class Loader(base):  # type: ignore[misc]
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self.merged = 0
            self.own: dict[int, list[Any]] = {}  # a mapping's own pairs, before merge keys add others

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                own = self.own.get(id(node))
                for key_node, _ in node.value if own is None else own:
                    if key_node.tag == merge_tag or not isinstance(key_node, yaml.ScalarNode):
                        continue
                    key = self.construct_object(key_node)
                    line = key_node.start_mark.line + 1
                    try:
                        first = seen.get(key)
                    except TypeError:
                        continue  # not hashable: pyyaml says so itself
                    if first is not None:
                        raise _Refused(
                            f"key '{key}': appears twice in one mapping (lines {first} and {line}); which one is meant?"
                        )
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node: Any) -> Any:
            try:
                return super().construct_yaml_int(node)
            except ValueError:  # Python refuses int() of more than 4,300 digits
                line = node.start_mark.line + 1
                raise _Refused(f"line {line}: an integer of {len(node.value):,} characters; refused") from None

        def flatten_mapping(self, node: Any) -> None:
            self.own.setdefault(id(node), [p for p in node.value if p[0].tag != merge_tag])
            before = len(node.value)
            super().flatten_mapping(node)
            self.merged += max(0, len(node.value) - before)
            if self.merged > MAX_ALIAS_GROWTH:
                raise _Refused(f"merge keys (<<) expand past {MAX_ALIAS_GROWTH:,} entries; refused")

    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    return Loader


def _measure(value: Any) -> tuple[int, int, int]:
    """(values as written, values once aliases are expanded, depth), each shared
    list or mapping visited once. A list or mapping inside itself is refused."""
    memo: dict[int, tuple[int, int]] = {}
    active: set[int] = set()
    written = 0
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        v, done = stack.pop()
        children = list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else None
        if children is None:
            continue
        i = id(v)
        if done:
            n, d = 1, 0
            for c in children:
                cn, cd = memo.get(id(c), (1, 0)) if isinstance(c, (dict, list)) else (1, 0)
                n += cn
                d = max(d, cd)
            memo[i] = (n, d + 1)
            active.discard(i)
            continue
        if i in memo:
            continue
        active.add(i)
        written += len(children)
        stack.append((v, True))
        for c in children:
            if isinstance(c, (dict, list)) and id(c) not in memo:
                if id(c) in active:
                    raise _Refused("a list or mapping contains itself (an alias of an enclosing anchor); refused")
                stack.append((c, False))
    total, depth = memo.get(id(value), (1, 0))
    return written + 1, total, depth


def _malformed(e: Exception, where: str) -> UserError:
    mark = getattr(e, "problem_mark", None)
    at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return UserError(f"{where}: malformed YAML{at}: {problem}")


def load_text(text: str, where: str) -> Data:
    import yaml  # on first use, as in _loader

    if len(text) > MAX_BYTES:
        raise UserError(f"{where}: file is larger than {MAX_BYTES // (1024 * 1024)} MB; refused")
    try:
        data: Data = yaml.load(text, Loader=_loader())
        _bounded(data, where)
    except _Refused as e:
        raise UserError(f"{where}: {e}") from None
    except yaml.YAMLError as e:
        raise _malformed(e, where) from None
    except RecursionError:
        raise UserError(f"{where}: nesting deeper than {MAX_DEPTH} levels; refused") from None
    return data


def _bounded(data: Data, where: str) -> None:
    """Refuse data nested too deep, or that aliases make too large once expanded."""
    written, expanded, depth = _measure(data)
    if depth > MAX_DEPTH:
        raise UserError(f"{where}: nesting deeper than {MAX_DEPTH} levels; refused")
    if expanded - written > MAX_ALIAS_GROWTH:
        raise UserError(
            f"{where}: aliases (*name) expand {written:,} values into {expanded:,}, "
            f"more than {MAX_ALIAS_GROWTH:,} added; refused"
        )


def load_documents_as_text(text: str, where: str, max_bytes: int = MAX_BYTES) -> list[Data]:
    """Every document of a YAML stream, every scalar kept as the text it is (libyaml's
    base loader): metadata such as modulemd writes ``stream: 1.10`` unquoted, and
    that stream is "1.10", not the number 1.1."""
    return list(documents_as_text(text, where, max_bytes))


def documents_as_text(text: str, where: str, max_bytes: int = MAX_BYTES) -> Iterator[Data]:
    """``load_documents_as_text`` one document at a time: memory holds one document
    (and the text), never all of them."""
    import yaml  # on first use, as in _loader

    if len(text) > max_bytes:
        raise UserError(f"{where}: file is larger than {max_bytes // (1024 * 1024)} MB; refused")
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    docs = yaml.load_all(text, Loader=loader)
    while True:
        try:
            doc: Data = next(docs)
        except StopIteration:
            return
        except yaml.YAMLError as e:
            raise _malformed(e, where) from None
        except RecursionError:
            raise UserError(f"{where}: nesting deeper than {MAX_DEPTH} levels; refused") from None
        try:
            _bounded(doc, where)
        except _Refused as e:
            raise UserError(f"{where}: {e}") from None
        yield doc


def read_text(path: Path, where: str, max_bytes: int = MAX_BYTES) -> str:
    """A regular file's UTF-8 text, at most ``max_bytes`` (``regular.read_text``)."""
    return regular.read_text(path, max_bytes, where)


def spelt(root: Path, rel: str, yml_ok: bool = False) -> str:
    """The file to read for ``<x>.yaml`` below ``root``: ``<x>.yml`` is read like it
    where the name is the user's (``yml_ok``: node and cluster files), refused by name
    where the tool looks for one name; never skipped in silence. Both is an error."""
    yml = rel[: -len(".yaml")] + ".yml"
    if not rel.endswith(".yaml") or not (root / yml).exists():
        return rel
    if (root / rel).exists():
        raise UserError(f"{rel} and {yml}: two files for one; keep one of them")
    if yml_ok:
        return yml
    raise UserError(f"{yml}: not read: errata-tpl reads {rel}; rename it")


def load_file(path: Path, where: str | None = None) -> Data:
    where = where or str(path)
    return load_text(read_text(path, where), where)


def load_file_hashed(path: Path, where: str) -> tuple[Data, str]:
    """``load_file``, and the SHA-256 of the bytes parsed (what a promotion binds a profile to)."""
    raw = regular.read_bytes(path, MAX_BYTES, where)
    return load_text(regular.decoded(raw, where), where), hashlib.sha256(raw).hexdigest()


# --- output -------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+~^/\-]*\Z")  # \Z: "$" would pass a trailing newline


@functools.lru_cache(maxsize=1)
def _resolver() -> Any:
    import yaml  # on first use, as in _loader

    return yaml.resolver.Resolver()


def _reads_as_string(value: str) -> bool:
    """Would pyyaml read this plain scalar back as a string (not a number, date, bool)?"""
    import yaml  # on first use, as in _loader

    resolver = _resolver()
    # pyyaml's own table: a value whose first character starts no implicit type is a
    # string (most package names); only the others need its regular expressions
    if value and value[0] not in resolver.yaml_implicit_resolvers and None not in resolver.yaml_implicit_resolvers:
        return True
    return bool(resolver.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str")


# What a JSON string leaves raw that a YAML reader does not read back: characters it
# refuses (DEL, C1, U+FFFE, U+FFFF), reads as a line break and folds into a space (NEL,
# U+2028, U+2029), or may drop (a byte order mark); and the bidirectional controls, so
# that the file shows what it holds. JSON escapes C0, '"' and '\\'.
_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@functools.lru_cache(maxsize=65536)
def scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same string: plain where it
    can be, else double-quoted with every character a reader would refuse or change
    escaped. Text that is not Unicode (a lone surrogate: a file name or an argument
    in another encoding) has no YAML form: refused."""
    if _PLAIN.match(value) and _reads_as_string(value):
        return value
    bad = _SURROGATE.search(value)
    if bad is not None:
        raw = bad.group().encode("utf-8", "surrogateescape") if "\udc80" <= bad.group() <= "\udcff" else b""
        byte = f" (byte \\x{raw[0]:02x})" if raw else ""
        raise UserError(f"'{value}': not UTF-8 text{byte}: cannot be written into a YAML file")
    return json_text(value)  # a JSON string is a YAML double-quoted scalar


def json_text(value: Any, separators: tuple[str, str] | None = None) -> str:
    """``value`` as JSON text, non-ASCII letters as they are, and what ``_UNSAFE``
    names as ``\\uXXXX`` escapes (of JSON and YAML both): nothing a terminal or an
    editor would act on, the same data."""
    text = json.dumps(value, ensure_ascii=False, separators=separators)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def shown(v: Any) -> str:
    """A value read from YAML as a message quotes it: a date or timestamp as the file
    writes it (2026-11-21), not as Python shows it; anything else as ``repr``."""
    return v.isoformat() if isinstance(v, dt.date) else repr(v)


def value(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return scalar(v)
    if isinstance(v, Mapping):
        return flow_map(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as YAML")


def flow_map(m: Mapping[str, Any]) -> str:
    # keys too: a stream "18" as a key must not read back as the number 18
    return "{" + ", ".join(f"{scalar(k) if isinstance(k, str) else k}: {value(v)}" for k, v in m.items()) + "}"


def block_list(key: str, items: Iterable[Mapping[str, Any]]) -> str:
    lines = [f"  - {flow_map(i)}\n" for i in items]
    return f"{key}:\n{''.join(lines)}" if lines else f"{key}: []\n"


_UNSET: Any = object()


def write_record(
    path: Path, text: str, read: Callable[[Data, str], object], *, expect: Any = _UNSET, overwrite: bool = True
) -> Data:
    """Write a file the tool reads again (a profile, a hotfix, the promotion record)
    only once its text reads back: parsed by the loader that will read it, accepted
    by its reader ``read(data, where)``, and, given ``expect``, equal to the data
    meant. Otherwise an error naming the file, and the file as it was is kept.
    Returns the data read back."""
    where = f"{path} (as it would be written)"
    try:
        data = load_text(text, where)
        read(data, where)
        if expect is not _UNSET and data != expect:
            raise UserError(f"{where}: {_difference(data, expect)} reads back as other data than was meant")
    except UserError as e:
        raise UserError(f"{e}; nothing written") from None
    write_text(path, text, overwrite=overwrite)
    return data


def _difference(got: Any, meant: Any, at: str = "") -> str:
    """Where two values first differ: ``key 'a.b[2]'``, or ``its data``."""
    if isinstance(got, dict) and isinstance(meant, dict):
        for k in sorted(set(got) | set(meant), key=str):
            if got.get(k, _UNSET) != meant.get(k, _UNSET):
                return _difference(got.get(k), meant.get(k), f"{at}.{k}" if at else str(k))
    elif isinstance(got, list) and isinstance(meant, list) and len(got) == len(meant):
        for i, (g, m) in enumerate(zip(got, meant)):
            if g != m:
                return _difference(g, m, f"{at}[{i}]")
    return f"key '{at}'" if at else "its data"


def line_of(path: Path, keys: tuple[str | int, ...]) -> int | None:
    """The line (from 1) where ``keys`` (mapping keys and list indexes, from the top)
    is written in the YAML file, or None. For an error's message only: the file is read
    and composed again (bounded as any read), never to build a value."""
    import yaml  # on first use, as in _loader

    try:
        node = yaml.compose(read_text(path, str(path)), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UserError, yaml.YAMLError, RecursionError):
        return None
    line = None
    for k in keys:
        if isinstance(node, yaml.MappingNode):
            found = next((kv for kv in node.value if isinstance(kv[0], yaml.ScalarNode) and kv[0].value == k), None)
            if found is None:
                return line
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(k, int) and 0 <= k < len(node.value):
            node = node.value[k]
            line = node.start_mark.line + 1
        else:
            return line
    return line
