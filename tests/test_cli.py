from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.content import load_content
from bot.store import ProgressStore
from bot.tutor import Tutor
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def env(db_path, monkeypatch):
    monkeypatch.setenv("PAUSECHECK_DB", str(db_path))
    monkeypatch.setenv("PAUSECHECK_CONTENT_DIR", str(FIXTURE_CONTENT))
    return db_path


@pytest.fixture
def store_with_progress(env):
    """Learner 'ana' answered t_q1 of verify_leaks correctly."""
    tutor = Tutor(load_content(FIXTURE_CONTENT), ProgressStore(env))
    tutor.start("ana", "verify_leaks")
    tutor.skip("ana", message_id="m0")
    tutor.answer("ana", text="b", message_id="m1")
    tutor.store.close()
    return env


def test_progress_json(store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "ana", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["learner_id"] == "ana"
    module = report["modules"][0]
    assert (module["status"], module["answered"], module["correct"], module["score"]) == ("in_progress", 1, 1, 1.0)
    assert module["position"] == {"step": 3, "of": 4, "label": "question 2 of 2"}


def test_progress_table(store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "ana"])
    assert result.exit_code == 0
    assert "Check it" in result.output and "question 2 of 2" in result.output and "correct 1/2" in result.output


def test_progress_unknown_learner(store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "nobody", "--json"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: No learner with id 'nobody' in the progress store.")


def test_progress_without_store(env):
    result = CliRunner().invoke(cli, ["progress", "ana"])
    assert result.exit_code == 1
    assert f"No progress store at {env}" in result.output


def test_validate_content_ok(env):
    result = CliRunner().invoke(cli, ["validate-content"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["verify_leaks: 2 lessons, 2 questions",
                                          "resist_resharing: 1 lessons, 1 questions", "Content is valid."]


def test_validate_content_lists_problems(tmp_path):
    (tmp_path / "verify_leaks.yml").write_text("id: verify_leaks\n")
    result = CliRunner().invoke(cli, ["validate-content", "--content-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "verify_leaks.yml: missing required key `title`" in result.output
    assert "support.yml: file not found" in result.output


def test_bad_setting_is_explained(env, monkeypatch):
    monkeypatch.setenv("PAUSECHECK_MAX_MESSAGE_CHARS", "lots")
    result = CliRunner().invoke(cli, ["progress", "ana"])
    assert result.exit_code == 1
    assert "PAUSECHECK_MAX_MESSAGE_CHARS must be a positive whole number, got 'lots'" in result.output
