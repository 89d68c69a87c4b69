"""The layering rules, checked on the source: bot/ is plain Python (no Rasa, no Sanic), and only the store talks to
SQLite (imports sqlite3 / sqlite_utils, or reaches a store's connection)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PRODUCTION = ("bot", "actions", "channels", "scripts", "web")
SERVER_FRAMEWORKS = {"rasa", "rasa_sdk", "sanic"}
SQLITE = {"sqlite3", "sqlite_utils"}
STORE = ROOT / "bot" / "store"


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, wherever the import statement is (functions included)."""
    packages = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            packages |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            packages.add(node.module.split(".")[0])
    return packages


def connection_uses(path: Path) -> list[int]:
    """Lines that reach into a store's connection (`store.db`, `store._db`)."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Attribute) and node.attr in {"db", "_db"}]


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_rules_see_every_production_module():
    assert len(python_files(*PRODUCTION)) > 40 and len(python_files("bot/store")) >= 5


@pytest.mark.parametrize("path", python_files("bot"), ids=relative)
def test_bot_imports_no_server_framework(path):
    found = imported_packages(path) & SERVER_FRAMEWORKS
    assert not found, f"{relative(path)} imports {sorted(found)}: bot/ is plain Python; put Rasa code in actions/ " \
                      "or channels/"


@pytest.mark.parametrize("path", [path for path in python_files(*PRODUCTION) if STORE not in path.parents],
                         ids=relative)
def test_only_the_store_talks_to_sqlite(path):
    found = imported_packages(path) & SQLITE
    assert not found, f"{relative(path)} imports {sorted(found)}: go through bot.store.ProgressStore"
    assert not connection_uses(path), \
        f"{relative(path)} reaches a store's connection on lines {connection_uses(path)}: add a store method"


@pytest.mark.parametrize("source, rule", [
    ("from rasa_sdk import Action\n", "server"),
    ("def f():\n    import sanic.response\n", "server"),
    ("import sqlite3\n", "sqlite"),
    ("rows = store.db.execute('SELECT 1')\n", "connection"),
])
def test_the_rules_catch_a_planted_breach(tmp_path, source, rule):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    found = {"server": imported_packages(planted) & SERVER_FRAMEWORKS, "sqlite": imported_packages(planted) & SQLITE,
             "connection": connection_uses(planted)}
    assert found[rule]
