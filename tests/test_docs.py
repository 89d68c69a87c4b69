"""The README follows the features: every CLI command, make target and setting is documented."""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from bot.cli import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def leaf_commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    """'cohort create' -> its command, for every command under `group`, however deep."""
    found = {}
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        found.update(leaf_commands(command, path + " ") if isinstance(command, click.Group) else {path: command})
    return found


COMMANDS = leaf_commands(cli)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_commands_are_documented(command):
    assert f"python -m bot {command}" in README


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_commands_have_help_with_example(command):
    doc = COMMANDS[command].help
    assert doc and "Example: python -m bot " + command in doc


@pytest.mark.parametrize("target", re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), re.M))
def test_make_targets_are_documented(target):
    assert f"make {target}" in README


@pytest.mark.parametrize("variable", sorted(set(re.findall(r"^export (\w+) \?=", (ROOT / "Makefile").read_text(),
                                                           re.M))))
def test_settings_are_documented(variable):
    assert variable in README
