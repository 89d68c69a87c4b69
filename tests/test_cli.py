from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT


@pytest.fixture
def env(db_path, monkeypatch):
    monkeypatch.setenv("PAUSECHECK_DB", str(db_path))
    monkeypatch.setenv("PAUSECHECK_CONTENT_DIR", str(FIXTURE_CONTENT))
    return db_path


def test_progress_json(env, store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "ana", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["learner_id"] == "ana"
    module = report["modules"][0]
    assert (module["status"], module["answered"], module["correct"], module["score"]) == ("in_progress", 1, 1, 1.0)
    assert module["position"] == {"step": 3, "of": 4, "label": "question 2 of 2"}


def test_progress_table(env, store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "ana"])
    assert result.exit_code == 0
    assert "Check it" in result.output and "question 2 of 2" in result.output and "correct 1/2" in result.output


def test_progress_unknown_learner(env, store_with_progress):
    result = CliRunner().invoke(cli, ["progress", "nobody", "--json"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: No learner with id 'nobody' in the progress store.")


def test_progress_without_store(env):
    result = CliRunner().invoke(cli, ["progress", "ana"])
    assert result.exit_code == 1
    assert f"No progress store at {env}" in result.output


def test_validate_content_ok():
    result = CliRunner().invoke(cli, ["validate-content", "--content-dir", str(SHIPPED_CONTENT)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Content is valid."


def test_validate_content_applies_the_item_bank_rules(env):
    """The fixture modules load (the schema holds) but are no item bank: no practice posts, recall items."""
    result = CliRunner().invoke(cli, ["validate-content"])
    assert result.exit_code == 1
    assert "The item bank breaks" in result.output
    assert ("quizzes/verify_leaks.yml: quiz: has 0 practice posts, 0 genuine; it needs at least 3, and one in three "
            "genuine, so that suspicion alone never wins") in result.output


def test_content_stats_prints_a_row_per_module():
    result = CliRunner().invoke(cli, ["content-stats", "--content-dir", str(SHIPPED_CONTENT)])
    assert result.exit_code == 0
    rows = result.output.splitlines()
    assert rows[0].split()[:4] == ["module", "items", "longest", "right"]
    assert [row.split()[0] for row in rows[1:4]] == ["verify_leaks", "resist_resharing", "reporting_tools"]


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


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cohort_create_prints_code_and_token_once(env):
    result = invoke("cohort", "create", "Year 9 Tuesday", "--json")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["name"] == "Year 9 Tuesday" and created["facilitator_token"].startswith("pcf.")
    assert "shown only now" in result.stderr and f"rotate-token {created['join_code']}" in result.stderr
    listed = json.loads(invoke("cohort", "list", "--json").stdout)
    assert listed == [{"name": "Year 9 Tuesday", "join_code": created["join_code"], "created_at": created["created_at"],
                       "closed_at": None, "members": 0}]
    assert "facilitator_token" not in invoke("cohort", "list", "--json").stdout


def test_cohort_lifecycle_in_text(env):
    created = invoke("cohort", "create", "Library workshop")
    code = next(line.split()[2] for line in created.stdout.splitlines() if line.startswith("Join code:"))
    assert f'"my class code is {code}"' in created.stdout
    table = invoke("cohort", "list").stdout
    assert code in table and "open" in table and "Library workshop" in table
    rotated = invoke("cohort", "rotate-token", code.lower())
    assert rotated.exit_code == 0 and rotated.stdout.startswith("New facilitator token: pcf.")
    closed = invoke("cohort", "close", code)
    assert closed.exit_code == 0 and "closed to new learners" in closed.stdout
    assert "closed" in invoke("cohort", "list").stdout


def test_cohort_commands_explain_mistakes(env):
    assert "No progress store" in invoke("cohort", "list").stderr
    invoke("cohort", "create", "x")
    unknown = invoke("cohort", "close", "ZZZZ-99")
    assert unknown.exit_code == 1 and "No cohort with join code 'ZZZZ-99'" in unknown.stderr
    assert "1 to 80 characters" in invoke("cohort", "create", "  ").stderr
    assert "No cohorts yet" not in invoke("cohort", "list").stdout


def test_report_json(env, cohort_with_members):
    code, labels = cohort_with_members
    result = invoke("report", "--cohort", code, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cohort"]["members"] == 2 and {row["label"] for row in data["learners"]} == set(labels.values())
    assert data["modules"][0]["completed"] == 1 and data["modules"][0]["mean_score"] == 0.5
    assert "ana" not in result.stdout


def test_report_table_and_markdown(env, cohort_with_members):
    code, labels = cohort_with_members
    for output_format in ("table", "md"):
        result = invoke("report", "--cohort", code, "--format", output_format)
        assert result.exit_code == 0, result.stderr
        assert "Year 9" in result.stdout and labels["ana"] in result.stdout and "Check it" in result.stdout
        assert "ana" not in result.stdout.replace(labels["ana"], "")


def test_report_csv_to_file(env, cohort_with_members, tmp_path):
    import csv

    code, labels = cohort_with_members
    out = tmp_path / "learners.csv"
    result = invoke("report", "--cohort", code, "--format", "csv", "--out", str(out))
    assert result.exit_code == 0 and str(out) in result.stdout
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    ana = [row for row in rows if row["label"] == labels["ana"]]
    assert len(rows) == 4 and len(ana) == 2 and ana[0]["status"] == "completed" and ana[0]["score"] == "0.5"
    questions = invoke("report", "--cohort", code, "--format", "csv", "--csv-table", "questions").stdout
    assert "t_q1" in questions and "t_q2" in questions


def test_report_html_is_one_file(env, cohort_with_members, tmp_path):
    code, _ = cohort_with_members
    out = tmp_path / "report.html"
    assert invoke("report", "--cohort", code, "--format", "html", "--out", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') >= 3 and "<script" not in html
    assert "Year 9 = Tuesday" in html


def test_report_for_unknown_cohort(env, cohort_with_members):
    result = invoke("report", "--cohort", "ZZZZ-99")
    assert result.exit_code == 1 and "No cohort with join code" in result.stderr


def test_demo_cohort(env):
    result = invoke("cohort", "demo", "--learners", "12", "--json")
    assert result.exit_code == 0, result.stderr
    code = json.loads(result.stdout)["join_code"]
    data = json.loads(invoke("report", "--cohort", code, "--format", "json").stdout)
    assert data["cohort"]["members"] == 12
