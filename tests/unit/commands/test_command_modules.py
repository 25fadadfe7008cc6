"""A command module is options, one call, output: it imports no other command module
(what two commands share lives outside commands/, or in commands/_click.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import errata_tpl.commands

COMMANDS = Path(errata_tpl.commands.__file__).parent


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or in a function, by name."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}  # from errata_tpl.commands import x
    return out


def test_no_command_module_imports_another():
    modules = sorted(p for p in COMMANDS.glob("*.py") if not p.name.startswith("_"))
    assert len(modules) > 10
    for path in modules:
        others = {
            m
            for m in imported(path)
            if m.startswith("errata_tpl.commands.") and m.split(".")[2] not in ("_click", path.stem)
        }
        assert not others, f"{path.name} imports {sorted(others)}"


def test_the_check_finds_such_an_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from errata_tpl.commands.resolve import select\n")
    assert "errata_tpl.commands.resolve" in imported(bad)
