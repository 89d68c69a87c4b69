"""The scripts and the benchmark they share code with stand on their own: they never import the tests."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


@pytest.mark.parametrize("path", sorted([*ROOT.glob("scripts/*.py"), *ROOT.glob("bench/*.py")]),
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_never_imports_the_tests(path):
    assert not {name for name in imported_modules(path) if name == "tests" or name.startswith("tests.")}
