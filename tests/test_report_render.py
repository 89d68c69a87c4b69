from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import json
import re
import stat

import pytest

from bot.reports import charts
from bot.reports.cohorts import Cohorts
from bot.learning.content import load_content
from bot.reports.report import build_report
from bot.reports.rows import CohortReport, Note
from bot.reports.render import (CSV_TABLES, html_style_source, render_csv, render_html, render_json, render_markdown,
                               render_table, spreadsheet_safe)
from bot.learning.steps import LessonStep
from bot.learning.tutor import Tutor
from tests.conftest import SHIPPED_CONTENT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)"')
HOSTILE_NAME = "Year 9 | <b>x</b>"


@pytest.fixture
def class_report(store, tutor, fake_clock) -> tuple[CohortReport, dict[str, str]]:
    """Five learners in cohort "Year 9 | <b>x</b>", reported 8 days after they worked (labels by learner id):
    ana answers both verify_leaks questions right and took pre (1/4) and post (3/4) checks; ben answers both wrong
    (A, A); cy answers Q1 wrong (C) and skips Q2; dee joins and never starts; eve starts resist_resharing and stalls.
    """
    cohorts = Cohorts(store)
    cohort, _ = cohorts.create(HOSTILE_NAME)
    for learner in ("ana", "ben", "cy", "dee", "eve"):
        assert cohorts.join(learner, [cohort.join_code]).status == "joined"
    for learner, first, second in (("ana", "b", "b"), ("ben", "a", "a"), ("cy", "c", None)):
        tutor.start(learner, "verify_leaks")
        tutor.advance(learner)
        tutor.advance(learner)
        fake_clock.advance(minutes=2)
        tutor.answer(learner, text=first, message_id=f"{learner}-1")
        if second is None:
            tutor.skip(learner, message_id=f"{learner}-2")
        else:
            tutor.answer(learner, text=second, message_id=f"{learner}-2")
    tutor.start("eve", "resist_resharing")
    # The fixture modules have no checks: ana's scores go straight into the store (tests/test_report.py takes
    # checks through the tutor).
    for kind, correct in (("pre", 1), ("post", 3)):
        store.db["check_scores"].insert({"learner_id": "ana", "module_id": "verify_leaks", "kind": kind,
                                         "correct": correct, "total": 4, "taken_at": fake_clock.now.isoformat()})
    fake_clock.advance(days=8)
    labels = {learner: store.membership(learner).label for learner in ("ana", "ben", "cy", "dee", "eve")}
    return build_report(store, tutor.content, cohort, now=fake_clock.now), labels


@pytest.fixture
def report(class_report) -> CohortReport:
    return class_report[0]


@pytest.fixture
def empty_report(store, content, fake_clock) -> CohortReport:
    """A cohort nobody has joined."""
    cohort, _ = Cohorts(store).create("Nobody yet")
    return build_report(store, content, cohort, now=fake_clock.now)


@pytest.fixture
def unanswered_report(store, tutor, fake_clock) -> CohortReport:
    """One learner who joined and read a lesson, but answered nothing."""
    cohorts = Cohorts(store)
    cohort, _ = cohorts.create("Quiet class")
    cohorts.join("ana", [cohort.join_code])
    tutor.start("ana", "verify_leaks")
    return build_report(store, tutor.content, cohort, now=fake_clock.now)


def with_question(report: CohortReport, index: int, **changes) -> CohortReport:
    questions = list(report.questions)
    questions[index] = questions[index]._replace(**changes)
    return dataclasses.replace(report, questions=tuple(questions))


# Terminal table

def test_table_has_every_section_and_the_figures(class_report):
    report, labels = class_report
    text = render_table(report)
    assert text.startswith(f"Cohort report: {HOSTILE_NAME}\n")
    assert "Members: 5 · Status: open" in text
    for section in ("MODULES", "LEARNERS NEEDING ATTENTION", "LEARNERS", "QUESTIONS", "LEARNING GAIN"):
        assert f"\n{section}\n" in text
    # started, reached quiz, completed, completion rate, mean score of completed first attempts (100%, 0%, 0%)
    assert re.search(r"\nM1 +Check it +2 +3 +3 +3 +60% +33% +2 min\n", text)
    assert re.search(r"\nM2 +Don't reshare +1 +1 +0 +0 +0% +— +—\n", text)
    assert re.search(rf"\n{labels['dee']} +Joined 8 days ago and has not started a module\.\n", text)
    assert re.search(rf"\n{labels['eve']} +No progress in \"Don't reshare\" for 8 days\.\n", text)
    assert re.search(rf"\n{labels['ana']} +completed 100% +not started +2026-03-02 09:0\d\n", text)
    assert re.search(rf"\n{labels['cy']} +completed 0% +not started", text)
    # attempts, facility, discrimination, most chosen wrong option (A and C tie: the first letter)
    assert re.search(r"\nM1 Q1 +What is the first step of SIFT\? +3 +33% +1\.00 +A 33% Investigate the source\n",
                     text)
    assert re.search(r"\nM2 Q1 +A clip lands in your group chat\. Wh\w*… +0 +— +— +—\n", text)  # cut to fit
    assert re.search(r"\nM1 +Check it +1 +25% +75% +0\.67\n", text)


def test_table_fits_120_columns_and_cuts_long_prompts(report):
    long_prompt = "Which of these " + "very " * 60 + "long options is right?"
    text = render_table(with_question(report, 0, prompt=long_prompt))
    assert max(len(line) for line in text.splitlines()) <= 120
    row = next(line for line in text.splitlines() if line.startswith("M1 Q1 "))
    assert "Which of these very very" in row and row.endswith("…") is False and "…" in row
    assert "long options is right?" not in text


def test_table_lists_flag_sentences_under_the_questions(report):
    flagged = with_question(report, 0, flags=(Note("too_hard", "Only 20% right: worth going over together."),))
    text = render_table(flagged)
    assert re.search(r"\nM1 Q1 .* too hard\n", text)
    assert "\n  M1 Q1: Only 20% right: worth going over together.\n" in text


def test_table_strips_terminal_escape_sequences(report):
    renamed = dataclasses.replace(report, cohort=dataclasses.replace(report.cohort, name="Year 9\x1b[2J\u202eevil"))
    text = render_table(renamed)
    assert "\x1b" not in text and "\u202e" not in text
    assert text.startswith("Cohort report: Year 9 [2J evil\n")


def test_table_and_markdown_say_when_there_is_no_data(empty_report):
    text = render_table(empty_report)
    assert "No learners have joined yet." in text and "Nobody needs attention right now." in text
    assert "No pre/post checks yet." in text
    assert "No pre/post checks yet." in render_markdown(empty_report)


# Markdown

def test_markdown_escapes_the_cohort_name(report):
    text = render_markdown(report)
    assert text.startswith("# Cohort report: Year 9 \\| &lt;b&gt;x&lt;/b&gt;\n")
    assert "<b>" not in text


@pytest.mark.parametrize("name, escaped", [
    ("[click](https://evil.example)", "\\[click\\](https\\://evil.example)"),
    ("**bold** _it_ `code` ~~gone~~", "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~"),
    ("Tom & Jerry <img src=x onerror=alert(1)>", "Tom &amp; Jerry &lt;img src=x onerror=alert(1)&gt;"),
    ("www.evil.example a@b.example", "www\\.evil.example a\\@b.example"),
    ("Year 9 ##", "Year 9 \\#\\#"),
])
def test_markdown_escapes_markup_in_text(report, name, escaped):
    renamed = dataclasses.replace(report, cohort=dataclasses.replace(report.cohort, name=name))
    assert render_markdown(renamed).startswith(f"# Cohort report: {escaped}\n")


def test_markdown_tables_keep_their_columns(report):
    piped = with_question(report, 0, prompt="Is a | b true?")
    text = render_markdown(piped)
    assert "| M1 Q1 | Is a \\| b true? | 3 | 33% | 1.00 | A 33% Investigate the source |  |" in text
    for table in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.M):
        columns = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(columns) == 1, table
    assert "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" in text  # modules: numbers right-aligned


# CSV

def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_learners_csv_has_one_row_per_learner_and_module(class_report):
    report, labels = class_report
    text = render_csv(report)
    rows = read_csv(text)
    assert rows[0] == ["label", "module_id", "module_title", "status", "attempts", "answered", "skipped", "correct",
                       "score", "last_activity", "needs_attention"]
    assert len(rows) == 1 + 5 * 2
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    assert by_key[labels["ana"], "verify_leaks"][3:9] == ["completed", "1", "2", "0", "2", "1.0"]
    assert by_key[labels["cy"], "verify_leaks"][3:9] == ["completed", "1", "1", "1", "0", "0.0"]
    assert by_key[labels["eve"], "resist_resharing"][3:9] == ["in_progress", "1", "0", "0", "0", ""]
    assert by_key[labels["dee"], "verify_leaks"][3:11] == ["not_started", "0", "0", "0", "0", "", "",
                                                          "Joined 8 days ago and has not started a module."]
    assert f"\r\n{labels['ana']},verify_leaks,Check it,completed,1,2,0,2,1.0," in text  # numbers unquoted
    assert not text.startswith("\ufeff") and text.endswith("\r\n")


def test_modules_csv(report):
    rows = read_csv(render_csv(report, "modules"))
    assert rows[0] == ["module_id", "title", "questions", "learners", "started", "reached_quiz", "completed",
                       "completion_rate", "mean_score", "median_minutes_to_complete", "scores_0_to_19",
                       "scores_20_to_39", "scores_40_to_59", "scores_60_to_79", "scores_80_to_100"]
    assert rows[1] == ["verify_leaks", "Check it", "2", "5", "3", "3", "3", "0.6", "0.333", "2.0", "2", "0", "0",
                       "0", "1"]
    assert rows[2][:10] == ["resist_resharing", "Don't reshare", "1", "5", "1", "0", "0", "0.0", "", ""]


def test_questions_csv_counts_each_option(report):
    rows = read_csv(render_csv(report, "questions"))
    assert rows[0] == ["module_id", "question_id", "number", "prompt", "attempts", "correct", "skipped", "facility",
                       "discrimination", "correct_option", "option_a", "option_b", "option_c", "option_d", "flags"]
    assert rows[1] == ["verify_leaks", "t_q1", "1", "What is the first step of SIFT?", "3", "1", "0", "0.333", "1.0",
                       "b", "1", "1", "1", "", ""]
    assert rows[2][4:14] == ["3", "1", "1", "0.333", "1.0", "b", "1", "1", "", ""]
    assert rows[3][4:14] == ["0", "0", "0", "", "", "b", "0", "0", "", ""]


def test_csv_neutralises_formulas_but_keeps_numbers(report):
    hostile = with_question(report, 0, prompt='=HYPERLINK("http://evil.example","Click")', discrimination=-0.25,
                            flags=(Note("negative_discrimination", "-check the key"),))
    text = render_csv(hostile, "questions")
    row = read_csv(text)[1]
    assert row[3] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[8] == "-0.25" and row[14] == "'-check the key"
    assert ",-0.25,b," in text


@pytest.mark.parametrize("text, safe", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("Year 9", "Year 9"), ("", ""), ("1-2=3", "1-2=3"),
])
def test_spreadsheet_safe(text, safe):
    assert spreadsheet_safe(text) == safe


def test_csv_refuses_an_unknown_table(report):
    with pytest.raises(ValueError,
                       match="Unknown CSV table 'answers': choose one of learners, modules, questions, practice."):
        render_csv(report, "answers")
    assert CSV_TABLES == ("learners", "modules", "questions", "practice")


# JSON

def test_json_round_trips_to_the_report_dict(report):
    renamed = dataclasses.replace(report, cohort=dataclasses.replace(report.cohort, name="Année 9 “B”"))
    text = render_json(renamed)
    assert json.loads(text) == renamed.to_dict()
    assert "Année 9 “B”" in text and text.startswith('{"schema_version":1,') and "\n" not in text


# HTML

def chart_images(html: str) -> list[tuple[bytes, str]]:
    return [(base64.b64decode(data), alt) for data, alt in CHART.findall(html)]


def test_html_is_self_contained_and_escapes_text(report):
    html = render_html(report)
    assert not re.search(r"<script", html, flags=re.I)
    assert "http://" not in html and "https://" not in html and "url(" not in html
    assert "Cohort report: <bdi>Year 9 | &lt;b&gt;x&lt;/b&gt;</bdi>" in html and "<b>x</b>" not in html
    images = chart_images(html)
    assert len(images) == 3
    assert all(png.startswith(PNG_SIGNATURE) for png, _ in images)
    assert images[0][1] == ("Completion funnel per module. M1 Check it: 5 in the cohort, 3 started, 3 reached the "
                            "quiz, 3 completed; M2 Don&#39;t reshare: 5 in the cohort, 1 started, 0 reached the quiz, "
                            "0 completed.")
    assert "M1 Check it: 2, 0, 0, 0, 1; M2 Don&#39;t reshare: no completed quizzes yet." in images[1][1]
    assert "Lowest share correct: M1 Q1 (33%); highest: M1 Q1 (33%)." in images[2][1]


def test_html_has_the_numbers_as_tables(class_report):
    report, labels = class_report
    html = render_html(report)
    assert re.search(r"<td>M1</td><td>Check it</td><td class=\"num\">2</td>\s*<td class=\"num\">5</td>"
                     r"<td class=\"num\">3</td>\s*<td class=\"num\">3</td><td class=\"num\">3</td>\s*"
                     r"<td class=\"num\">60%</td><td class=\"num\">33%</td>", html)
    assert "<li class=\"correct\">B: Stop: 1 (33%) (correct answer)</li>" in html
    assert "<li>Skipped: 1 (33%)</li>" in html
    assert f"<td class=\"nowrap\">{labels['dee']}</td>" in html
    assert "Joined 8 days ago and has not started a module." in html
    assert "<td class=\"num\">25%</td><td class=\"num\">75%</td>" in html


def test_html_shows_flags_as_text(report):
    html = render_html(with_question(report, 0, flags=(Note("too_hard", "Only 20% right."),)))
    assert '<span class="flag flag-too_hard">Too hard</span> Only 20% right.' in html


def test_html_dashboard_adds_downloads_and_sign_out(report):
    assert "/facilitator/" not in render_html(report) and "<form" not in render_html(report)
    html = render_html(report, dashboard=True)
    for href in ("/facilitator/report.csv?table=learners", "/facilitator/report.csv?table=questions",
                 "/facilitator/report.json"):
        assert f'<a href="{href}">' in html
    assert '<a href="/facilitator/report.html" download>' in html
    assert ('<form method="post" action="/facilitator/sign-out"><button type="submit">Sign out</button></form>'
            in html)


def test_html_style_source_matches_the_inline_style(report):
    style = re.search(r"<style>(.*?)</style>", render_html(report), flags=re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    assert html_style_source() == f"'sha256-{digest}'"
    assert " style=" not in render_html(report, dashboard=True)  # a style attribute would need 'unsafe-inline'


@pytest.mark.parametrize("fixture, alts", [
    ("empty_report", ["Completion funnel: no learners yet.", "no completed quizzes yet",
                      "Answers per question: no answers yet."]),
    ("unanswered_report", ["M1 Check it: 1 in the cohort, 1 started, 0 reached the quiz, 0 completed",
                           "no completed quizzes yet", "Answers per question: no answers yet."]),
])
def test_html_charts_for_a_cohort_without_answers(request, fixture, alts):
    images = chart_images(render_html(request.getfixturevalue(fixture)))
    assert len(images) == 3
    for (png, alt), expected in zip(images, alts):
        assert png.startswith(PNG_SIGNATURE) and expected in alt


# Charts

def test_charts_are_deterministic(report):
    labels = ["M1 Q1", "M1 Q2", "M2 Q1"]
    first = charts.question_answers_png(report.questions, labels)
    assert first == charts.question_answers_png(report.questions, labels)
    assert b"Software" not in first and b"matplotlib" not in first
    assert int.from_bytes(first[16:20], "big") == charts.WIDTH_INCHES * charts.DPI  # IHDR width: 700 px at DPI


def test_charts_draw_without_modules_or_questions():
    for png in (charts.completion_funnel_png([], []), charts.score_distribution_png([], []),
                charts.question_answers_png([], [])):
        assert png.startswith(PNG_SIGNATURE)


def test_charts_need_one_label_per_row(report):
    with pytest.raises(ValueError, match="Pass one label per module: got 2 modules and 1 labels."):
        charts.completion_funnel_png(report.modules, ["M1"])


def test_private_matplotlib_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(charts.tempfile, "tempdir", str(tmp_path))
    path = charts._private_temp_directory()
    assert path == str(tmp_path / f"pause-check-matplotlib-{charts.os.getuid()}")
    assert stat.S_IMODE((tmp_path / path).stat().st_mode) == 0o700
    (tmp_path / path).chmod(0o755)  # opened to others, perhaps by someone else: not trusted
    assert charts._private_temp_directory() != path


# Learner text never reaches a report

TYPED_MARKER = "zqTypedByALearner"


def test_typed_answers_never_reach_a_report_and_a_hostile_cohort_name_stays_text(store, fake_clock):
    content = load_content(SHIPPED_CONTENT)  # has questions answered in the learner's own words
    tutor = Tutor(content, store)
    cohorts = Cohorts(store)
    cohort, _ = cohorts.create('<script>alert(1)</script> [x](javascript:alert(1)) =HYPERLINK("http://evil")')
    cohorts.join("ana", [cohort.join_code])
    typed = f'{TYPED_MARKER} <img src=x onerror=alert(1)> [x](javascript:alert(1)) =HYPERLINK("http://evil")'
    tutor.start("ana", "verify_leaks")
    typed_answers_recorded = 0
    for _ in range(100):
        step = tutor.current_step("ana")
        if step is None:
            break
        if isinstance(step, LessonStep):
            tutor.advance("ana")
        elif tutor.answer("ana", text=typed, message_id=None).status == "recorded":
            typed_answers_recorded += step.question.free_text is not None
        else:
            tutor.skip("ana", message_id=None)
    assert tutor.current_step("ana") is None and typed_answers_recorded >= 1

    report = build_report(store, content, cohort, now=fake_clock.now)
    outputs = {"table": render_table(report), "md": render_markdown(report), "json": render_json(report),
               "html": render_html(report), **{f"csv-{table}": render_csv(report, table=table) for table in CSV_TABLES}}
    for name, text in outputs.items():
        assert TYPED_MARKER not in text and "onerror" not in text, name
    assert "<script" not in outputs["html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in outputs["html"]
    assert "<script" not in outputs["md"] and "\\[x\\](javascript" in outputs["md"]
