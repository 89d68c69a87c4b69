"""Writes docs/cli-reference.md from the --help of every `python -m bot` command; tests/test_docs.py fails when the
file is not current.

Usage: .venv/bin/python scripts/cli_reference.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.cli import cli  # noqa: E402  (imports after the path is set)

REFERENCE = ROOT / "docs" / "cli-reference.md"
REGENERATE = ".venv/bin/python scripts/cli_reference.py"
PROG_NAME = "python -m bot"
HELP_WIDTH = 100  # fixed, so the text does not depend on the terminal that generates it

HEADER = f"""# Command-line reference

Every `{PROG_NAME}` command with its `--help`, run inside `.venv` from the project folder
(`.venv/bin/python -m bot …`). The commands read `PAUSECHECK_DB` and `PAUSECHECK_CONTENT_DIR` from the environment
([operations.md](operations.md#configuration)).

This page is generated from the commands' help by `scripts/cli_reference.py`; `tests/test_docs.py` fails when it is
out of date. After changing a command, regenerate it with `{REGENERATE}`.
"""


def commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """'cohort create' -> its command, for the group itself ('') and every command under it, however deep."""
    found: dict[str, click.Command] = {prefix.strip(): group}
    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix}{name}"
        found.update(commands(command, path + " ") if isinstance(command, click.Group) else {path: command})
    return found


def help_text(path: str) -> str:
    result = CliRunner().invoke(cli, [*path.split(), "--help"], prog_name=PROG_NAME, terminal_width=HELP_WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"`{PROG_NAME} {path} --help` failed:\n{result.output}")
    return result.output


def render_reference() -> str:
    sections = [HEADER]
    for path in commands():
        title = f"{PROG_NAME} {path}".strip()
        sections.append(f"## {title}\n\n```\n{help_text(path).rstrip()}\n```\n")
    return "\n".join(sections)


def main() -> None:
    REFERENCE.write_text(render_reference(), encoding="utf-8")
    print(f"Wrote {REFERENCE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
