"""The docs follow the features: every CLI command, make target and setting is documented on the page its readers
use, the CLI reference is generated from the current --help, and every link and source path in the docs exists."""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from scripts.cli_reference import REFERENCE, REGENERATE, commands, render_reference

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS = (DOCS / "operations.md").read_text(encoding="utf-8")
CLI_REFERENCE = REFERENCE.read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
# The pages written by hand; the CLI reference is generated from the commands themselves.
PROSE_PAGES = {page.name: page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")) if page != REFERENCE}
# Every page whose links and paths are checked: the README, docs/ and the scale-out guide.
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md")), ROOT / "deploy" / "scale-out" / "README.md"]

COMMANDS = {path: command for path, command in commands().items() if not isinstance(command, click.Group)}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_commands_are_documented(command):
    assert f"## python -m bot {command}\n" in CLI_REFERENCE
    assert [name for name, text in PROSE_PAGES.items() if f"python -m bot {command}" in text], \
        f"no page in docs/ explains `python -m bot {command}`"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_commands_have_help_with_example(command):
    doc = COMMANDS[command].help
    assert doc and "Example: python -m bot " + command in doc


def test_cli_reference_is_current():
    assert CLI_REFERENCE == render_reference(), f"docs/cli-reference.md is out of date: run {REGENERATE}"


@pytest.mark.parametrize("target", re.findall(r"^([a-z-]+):.*## ", MAKEFILE, re.M))
def test_make_targets_are_documented(target):
    assert f"make {target}" in README or f"make {target}" in OPERATIONS


@pytest.mark.parametrize("variable", sorted(set(re.findall(r"^export (\w+) \?=", MAKEFILE, re.M))))
def test_settings_are_documented(variable):
    assert variable in OPERATIONS


def test_scale_out_settings_are_documented():
    profile = ROOT / "deploy" / "scale-out"
    variables = set(re.findall(r"\$\{(\w+)\}", (profile / "endpoints.yml").read_text()))
    guide = (profile / "README.md").read_text(encoding="utf-8")
    assert variables and sorted(variable for variable in variables if variable not in guide) == []


def test_readme_leads_to_every_docs_page():
    assert [page.name for page in sorted(DOCS.glob("*.md")) if f"](docs/{page.name})" not in README] == []


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors for a page's headings: lowercased, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_lead_somewhere(page):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in heading_anchors(linked.read_text(encoding="utf-8"))):
            broken.append(target)
    assert broken == []


# A path in backticks, such as `bot/learning/tutor.py` or `tests/grading/`, in a folder of the repository.
SOURCE_PATH = re.compile(r"`((?:bot|actions|channels|web|scripts|tests|quizzes|data|deploy|docs)/[\w./-]*)")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_source_paths_exist(page):
    paths = set(SOURCE_PATH.findall(page.read_text(encoding="utf-8")))
    assert sorted(path for path in paths if not (ROOT / path).exists()) == []
