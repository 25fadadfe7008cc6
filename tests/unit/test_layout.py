"""Tests are filed by what they test (tests/README.md): a test file outside unit/, cli/ and
e2e/, or a unit/<package>/ that names no package of errata_tpl, fails here, saying where."""

from pathlib import Path

from conftest import KINDS, TESTS

import errata_tpl

PACKAGES = {p.name for p in Path(errata_tpl.__file__).parent.iterdir() if p.is_dir() and any(p.glob("*.py"))}


def test_every_test_file_is_in_the_folder_of_its_kind():
    stray = sorted(
        str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py") if p.relative_to(TESTS).parts[0] not in KINDS
    )
    assert not stray, f"move these into tests/unit/<package>/, tests/cli/ or tests/e2e/ (tests/README.md): {stray}"


def test_every_unit_folder_is_a_package_of_errata_tpl():
    folders = {p.name for p in (TESTS / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= PACKAGES, f"tests/unit/<package>/ names no package of errata_tpl: {sorted(folders - PACKAGES)}"


def test_every_folder_of_tests_is_a_package():
    """Equal basenames in two folders (cli/test_generate.py, unit/profile/test_generate.py)
    import apart only as packages."""
    folders = [p for p in TESTS.rglob("*") if p.is_dir() and p != TESTS and p.name != "__pycache__"]
    missing = sorted(str(p.relative_to(TESTS)) for p in folders if not (p / "__init__.py").is_file())
    assert not missing, f"add an empty __init__.py to: {missing}"
