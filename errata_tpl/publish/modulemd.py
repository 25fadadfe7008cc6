"""A published folder's module metadata: the module builds its modular builds
belong to, as ERRATA_DIR's metadata has them, artifacts cut to the builds
present, and per module the default stream the record gives it, so that
``dnf module`` offers exactly the streams the record names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.mirror import modules as modmod
from errata_tpl.mirror.advisories import NevraKey
from errata_tpl.publish.content import Content, ModuleBuildId


def _id(data: dict[str, Any]) -> ModuleBuildId:
    return tuple(str(data.get(k) or "") for k in ("name", "stream", "version", "context"))  # type: ignore[return-value]


def _copy(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def _artifacts(data: dict[str, Any]) -> list[str]:
    arts = data.get("artifacts")
    rpms = arts.get("rpms") if isinstance(arts, dict) else None
    return [r for r in rpms if isinstance(r, str)] if isinstance(rpms, list) else []


def _modified(doc: dict[str, Any]) -> int:
    value = str(doc["data"].get("modified", "0"))
    return int(value) if value.isdigit() else 0


def _newest_defaults(docs: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """module -> its modulemd-defaults document (the latest ``modified`` wins, as in mirror.modules)."""
    out: dict[str, dict[str, Any]] = {}
    for doc in docs:
        if isinstance(doc, dict) and doc.get("document") == "modulemd-defaults" and isinstance(doc.get("data"), dict):
            name = str(doc["data"].get("module") or "")
            prev = out.get(name)
            if prev is None or _modified(doc) >= _modified(prev):
                out[name] = doc
    return out


def _check_hotfix(content: Content, docs: list[Any], where: str) -> None:
    """A hotfix records no module stream: a build ERRATA_DIR's metadata calls
    modular would reach every node as a plain package. Refused."""
    plain = {b.key: b for b in content.builds if not b.modules}
    for doc in docs:
        if isinstance(doc, dict) and doc.get("document") == "modulemd" and isinstance(doc.get("data"), dict):
            for art in _artifacts(doc["data"]):
                key = modmod.parse_nevra(art)
                if key in plain:
                    name, stream = _id(doc["data"])[:2]
                    raise UserError(
                        f"{where}: {plain[key].nevra} belongs to module stream {name}:{stream}, but "
                        f"{content.record} records no module stream for it: dnf would offer it to every node; "
                        "not published (make the hotfix again)"
                    )


def document(mirror: Path, content: Content, warn: Callable[[str], None]) -> str | None:
    """The folder's modules.yaml text; None when it holds no modular build."""
    import yaml  # on first use, as yamlio does

    wanted: dict[ModuleBuildId, set[NevraKey]] = {}
    for b in content.builds:
        for m in b.modules:
            wanted.setdefault(m, set()).add(b.key)
    found = modmod.documents(mirror)
    docs = found[1] if found is not None else []
    if content.module_defaults is None and found is not None:
        _check_hotfix(content, docs, str(found[0]))
    if not wanted:
        return None
    out: list[Any] = []
    seen: set[ModuleBuildId] = set()
    for doc in docs:
        if not (isinstance(doc, dict) and doc.get("document") == "modulemd" and isinstance(doc.get("data"), dict)):
            continue
        mid = _id(doc["data"])
        if mid not in wanted or mid in seen:
            continue
        seen.add(mid)
        keep = _copy(doc)
        arts = [a for a in _artifacts(doc["data"]) if modmod.parse_nevra(a) in wanted[mid]]
        keep["data"]["artifacts"] = {"rpms": sorted(arts)}
        out.append(keep)
    missing = sorted(set(wanted) - seen)
    if missing:
        where = found[0] if found is not None else f"{mirror}: no module metadata;"
        raise UserError(
            f"{where} no module build "
            + ", ".join(f"{n}:{s} version {v} context {c}" for n, s, v, c in missing)
            + f" ({content.record} records it); not published"
        )
    out.sort(key=lambda d: _id(d["data"]))
    defaults = _newest_defaults(docs)
    for module in sorted({m[0] for m in wanted}):
        base = defaults.get(module)
        stream = (
            content.module_defaults.get(module)
            if content.module_defaults is not None
            else (None if base is None else base["data"].get("stream"))
        )
        if stream is None:
            continue
        doc = _copy(base) if base is not None else {"document": "modulemd-defaults", "version": "1", "data": {}}
        doc["data"]["module"], doc["data"]["stream"] = module, stream
        out.append(doc)
    text = yaml.safe_dump_all(out, explicit_start=True, explicit_end=True, sort_keys=False, allow_unicode=True)
    return str(text)
