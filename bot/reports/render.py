"""Renders a cohort report (bot.reports.rows.CohortReport) as a terminal table, Markdown, CSV, JSON or one HTML file.

Every format shows the same figures; the text formats share one list of sections. Text typed by facilitators
(cohort names) and written by content authors (titles, prompts) is data in every format: it is stripped of control
characters in the terminal, escaped in Markdown and HTML, and kept from starting a formula in CSV.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import struct
import textwrap
from functools import lru_cache
from typing import NamedTuple, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.reports import charts
from bot.learning.content import OPTION_LETTERS
from bot.reports.labels import (decimal, facts, flag_label, learner_cell, minutes, module_codes, percent,
                                question_label, top_decision, top_wrong_text, unbold, when)
from bot.reports.rows import CSV_TABLES, SCORE_BINS, CohortReport, CsvTable, ModuleRow, PracticeRow, QuestionRow
from bot.reports.stats import share

# render_csv returns text. Whoever writes it (CLI file, HTTP response) encodes it with CSV_ENCODING: the byte order
# mark is what makes Excel read UTF-8 rather than the local code page, and it must not appear twice.
CSV_ENCODING = "utf-8-sig"
TABLE_WIDTH = 120
CHART_WIDTH_PX = 700
PRACTICE_NOTE = ("Investigated first: learners who made a key move (checked the account, searched for coverage, "
                 "spotted the hook…) before deciding. Decisions per option are in the Questions table.")

DASHBOARD_LINKS = (
    ("/facilitator/report.csv?table=learners", "Learners (CSV)", False),
    ("/facilitator/report.csv?table=modules", "Modules (CSV)", False),
    ("/facilitator/report.csv?table=questions", "Questions (CSV)", False),
    ("/facilitator/report.json", "Report (JSON)", False),
    ("/facilitator/report.html", "Download this report (HTML)", True),  # True: the link has a download attribute
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0/C1 controls (a terminal runs escape sequences) and bidirectional overrides (they reorder the text shown).
_UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters with a meaning inside a line of GitHub Markdown (emphasis, code, links and images, table cells, a
# heading's closing #, strikethrough, math, e-mail autolinks), and the ':' of "https://" and '.' of "www." that
# GitHub turns into links. '&', '<' and '>' become entities instead, so no HTML tag or entity survives.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|~$@]|:(?=//)|(?<=\b[wW]{3})\.)")


# Sections of the table and Markdown formats

class _Section(NamedTuple):
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    numeric: frozenset[int]  # right-aligned columns
    flex: tuple[int, ...]  # the columns cut first (the widest of them) when the table is too wide
    empty: str  # said instead of a table without rows
    notes: list[str]  # printed under the table


def _sections(report: CohortReport) -> list[_Section]:
    codes = module_codes(report)
    titles = {module.module_id: module.title for module in report.modules}
    flagged = [(question, flag) for question in report.questions for flag in question.flags]
    return [
        _Section(  # every module has all members as learners: the header says how many
            "Modules",
            ("Module", "Title", "Questions", "Started", "Reached quiz", "Completed", "Completion", "Mean score",
             "Median time"),
            [(codes[m.module_id], m.title, str(m.questions), str(m.started), str(m.reached_quiz), str(m.completed),
              percent(m.completion_rate), percent(m.mean_score), minutes(m.median_minutes_to_complete))
             for m in report.modules],
            frozenset(range(2, 9)), (1,), "No modules.", []),
        _Section(
            "Learners needing attention", ("Learner", "Reason"),
            [(learner.label, note.text) for learner in report.needing_attention for note in learner.attention],
            frozenset(), (1,), "Nobody needs attention right now.", []),
        _Section(
            "Learners", ("Learner", *codes.values(), "Last activity"),
            [(learner.label, *(learner_cell(row.status, row.score) for row in learner.modules),
              when(learner.last_activity)) for learner in report.learners],
            frozenset(), (), "No learners have joined yet.", []),
        _Section(
            "Questions",
            ("Question", "Prompt", "Attempts", "Facility", "Discrimination", "Most chosen wrong option", "Flags"),
            [(question_label(codes, q), unbold(q.prompt), str(q.attempts), percent(q.facility),
              decimal(q.discrimination), top_wrong_text(q), ", ".join(flag_label(flag.code) for flag in q.flags))
             for q in report.questions],
            frozenset({2, 3, 4}), (1, 5, 6), "No questions.",
            [f"{question_label(codes, question)}: {unbold(flag.text)}" for question, flag in flagged]),
        _Section(
            "Learning gain", ("Module", "Title", "Learners", "Mean pre", "Mean post", "Normalized gain"),
            [(codes[g.module_id], titles[g.module_id], str(g.learners), percent(g.mean_pre), percent(g.mean_post),
              decimal(g.normalized_gain)) for g in report.learning_gain if g.learners],
            frozenset({2, 3, 4, 5}), (1,), "No pre/post checks yet.", []),
        _Section(
            "Real or fake? (discernment)",
            ("Module", "Title", "Learners", "Fakes spotted", "Real called fake", "d′", "Bias", "Calling real fake"),
            [(codes[d.module_id], titles[d.module_id], str(d.learners), percent(d.mean_hit_rate),
              percent(d.mean_false_alarm_rate), decimal(d.mean_d_prime), decimal(d.mean_bias),
              str(d.calling_most_genuine_fake)) for d in report.discernment if d.learners],
            frozenset({2, 3, 4, 5, 6, 7}), (1,), "No real-or-fake judgements yet.",
            ["d′: how well learners tell genuine from fabricated posts (0 = chance, 1 fair, 2+ good). Bias below 0: "
             "leaning towards calling posts fake. 'Calling real fake': learners who called at least half the "
             "genuine posts fake."] if any(d.learners for d in report.discernment) else []),
        _Section(
            "Practice posts",
            ("Post", "Caption", "Truth", "Decided", "Investigated first", "Right decision", "Most taken"),
            [(question_label(codes, p), unbold(p.caption), p.truth, str(p.decided),
              percent(share(p.investigated_first, p.decided)), percent(share(p.right, p.decided)), top_decision(p))
             for p in report.practice],
            frozenset({3, 4, 5}), (1, 6), "No practice posts.",
            [PRACTICE_NOTE] if any(p.decided for p in report.practice) else []),
    ]


# Terminal table

def render_table(report: CohortReport) -> str:
    """Plain text for a terminal, at most TABLE_WIDTH characters wide; long cells are cut with '…'."""
    fact_line = " · ".join(f"{name}: {value}" for name, value in facts(report))
    lines = [_fit(f"Cohort report: {_clean(report.cohort.name)}"), *_wrap(_clean(fact_line))]
    for section in _sections(report):
        lines += ["", section.title.upper()]
        lines += _text_table(section) if section.rows else [section.empty]
        lines += [line for note in section.notes for line in _wrap(_clean(note), indent="  ")]
    return "\n".join(lines) + "\n"


def _text_table(section: _Section) -> list[str]:
    rows = [tuple(_clean(cell) for cell in row) for row in section.rows]
    widths = [max(len(header), *(len(row[index]) for row in rows)) for index, header in enumerate(section.headers)]
    gap = 2
    floor = 16  # flex columns keep this much before any other column is cut
    while sum(widths) + gap * (len(widths) - 1) > TABLE_WIDTH:
        flexible = [index for index in section.flex if widths[index] > floor]
        column = max(flexible or range(len(widths)), key=lambda index: widths[index])
        widths[column] -= 1

    def line(cells: Sequence[str]) -> str:
        parts = [_fit(cell, width).rjust(width) if index in section.numeric else _fit(cell, width).ljust(width)
                 for index, (cell, width) in enumerate(zip(cells, widths))]
        return (" " * gap).join(parts).rstrip()

    return [line(section.headers), line(["-" * width for width in widths]), *(line(row) for row in rows)]


def _fit(text: str, width: int = TABLE_WIDTH) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)].rstrip() + "…"


def _wrap(text: str, *, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=TABLE_WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _clean(text: str) -> str:
    """One line without control characters or direction overrides: safe to print in a terminal."""
    return " ".join(_UNSAFE_CHARACTERS.sub(" ", text).split())


# Markdown

def render_markdown(report: CohortReport) -> str:
    """GitHub Markdown: the table format's sections as pipe tables, every text cell escaped."""
    lines = [f"# Cohort report: {_markdown(report.cohort.name)}", ""]
    lines += [f"- **{name}:** {_markdown(value)}" for name, value in facts(report)]
    for section in _sections(report):
        lines += ["", f"## {section.title}", ""]
        if section.rows:
            lines.append(_markdown_row(section.headers))
            lines.append("|" + "|".join(" ---: " if index in section.numeric else " --- "
                                         for index in range(len(section.headers))) + "|")
            lines += [_markdown_row(row) for row in section.rows]
        else:
            lines.append(_markdown(section.empty))
        if section.notes:
            lines += ["", *(f"- {_markdown(note)}" for note in section.notes)]
    return "\n".join(lines) + "\n"


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_markdown(cell) for cell in cells) + " |"


def _markdown(text: str) -> str:
    """Text shown literally by a Markdown renderer: no emphasis, link, HTML tag, table cell break or new line."""
    text = _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# CSV

def render_csv(report: CohortReport, table: CsvTable = "learners") -> str:
    """One flat table with a header row; lines end with CRLF (RFC 4180). No byte order mark: see CSV_ENCODING.

    learners: one row per learner and module. modules: one row per module. questions: one row per question.
    practice: one row per practice post (decisions per option letter, and who investigated before deciding).
    Numbers are written as numbers (shares between 0 and 1, 3 decimals); a missing figure is an empty cell.
    """
    if table not in CSV_TABLES:
        raise ValueError(f"Unknown CSV table {table!r}: choose one of {', '.join(CSV_TABLES)}.")
    header, rows = {"learners": _learner_csv, "modules": _module_csv, "questions": _question_csv,
                    "practice": _practice_csv}[table](report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def spreadsheet_safe(text: str) -> str:
    """Prefixes an apostrophe to text a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return); the apostrophe makes Excel, LibreOffice and Google Sheets show the text as typed."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_cell(value: str | int | float | None) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value


CsvRows = tuple[list[str], list[list]]


def _practice_csv(report: CohortReport) -> CsvRows:
    header = ["module_id", "question_id", "number", "caption", "truth", "decided", "investigated_first", "right",
              *(f"decision_{letter}" for letter in OPTION_LETTERS), "right_decisions"]
    rows = []
    for post in report.practice:
        chosen = {decision.letter: decision.chosen for decision in post.decisions}
        rows.append([post.module_id, post.question_id, post.number, unbold(post.caption), post.truth, post.decided,
                     post.investigated_first, post.right, *(chosen.get(letter) for letter in OPTION_LETTERS),
                     "".join(decision.letter for decision in post.decisions if decision.correct)])
    return header, rows


def _learner_csv(report: CohortReport) -> CsvRows:
    header = ["label", "module_id", "module_title", "status", "attempts", "answered", "skipped", "correct", "score",
              "last_activity", "needs_attention"]
    titles = [module.title for module in report.modules]
    rows = []
    for learner in report.learners:
        attention = "; ".join(note.text for note in learner.attention)
        rows += [[learner.label, row.module_id, title, row.status, row.attempts, row.answered, row.skipped,
                  row.correct, row.score, row.last_activity, attention]
                 for row, title in zip(learner.modules, titles)]
    return header, rows


def _module_csv(report: CohortReport) -> CsvRows:
    bins = [f"scores_{name.rstrip('%').replace('-', '_to_')}" for name in SCORE_BINS]  # scores_0_to_19, ...
    header = ["module_id", "title", "questions", "learners", "started", "reached_quiz", "completed",
              "completion_rate", "mean_score", "median_minutes_to_complete", *bins]
    return header, [[m.module_id, m.title, m.questions, m.learners, m.started, m.reached_quiz, m.completed,
                     m.completion_rate, m.mean_score, m.median_minutes_to_complete, *m.score_histogram]
                    for m in report.modules]


def _question_csv(report: CohortReport) -> CsvRows:
    header = ["module_id", "question_id", "number", "prompt", "attempts", "correct", "skipped", "facility",
              "discrimination", "correct_option", *(f"option_{letter}" for letter in OPTION_LETTERS), "flags"]
    rows = []
    for q in report.questions:
        chosen = {option.letter: option.chosen for option in q.options}
        rows.append([q.module_id, q.question_id, q.number, unbold(q.prompt), q.attempts, q.correct, q.skipped,
                     q.facility, q.discrimination, "".join(option.letter for option in q.options if option.correct),
                     *(chosen.get(letter) for letter in OPTION_LETTERS),
                     "; ".join(unbold(flag.text) for flag in q.flags)])
    return header, rows


# JSON

def render_json(report: CohortReport) -> str:
    """The report's documented JSON format (CohortReport.to_dict, schema_version 1), compact: indenting would make a
    10,000-learner report 12 MB instead of 7 and take four times as long to write (pipe to `python -m json.tool`)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, separators=(",", ":"))


# HTML

class _Chart(NamedTuple):
    title: str
    alt: str
    src: str  # a data: URI, so the file stays self-contained
    width: int
    height: int


def render_html(report: CohortReport, *, dashboard: bool = False) -> str:
    """One self-contained HTML file: inline CSS, no JavaScript, no external URLs, charts as data: PNG images whose
    numbers are also in tables. dashboard=True adds the facilitator dashboard's download links and sign-out form."""
    codes = module_codes(report)
    module_labels = [f"{codes[module.module_id]} {module.title}" for module in report.modules]
    question_labels = [question_label(codes, question) for question in report.questions]
    charts_by_name = {
        "funnel": _chart("Completion funnel", _funnel_alt(report.modules, module_labels),
                         charts.completion_funnel_png(report.modules, module_labels)),
        "scores": _chart("Score distribution", _scores_alt(report.modules, module_labels),
                         charts.score_distribution_png(report.modules, module_labels)),
        "questions": _chart("Answers per question", _questions_alt(report.questions, question_labels),
                            charts.question_answers_png(report.questions, question_labels)),
    }
    return _environment().get_template("report.html").render(
        report=report, codes=codes, question_labels=question_labels, facts=facts(report), charts=charts_by_name,
        gains=[gain for gain in report.learning_gain if gain.learners], score_bins=SCORE_BINS,
        discernment=[row for row in report.discernment if row.learners],
        practice=report.practice, practice_note=PRACTICE_NOTE, top_decision=top_decision, share=share,
        dashboard=dashboard, links=DASHBOARD_LINKS, css=_css(),
    )


def html_style_source() -> str:
    """The Content-Security-Policy source that allows the report's one inline <style> block, e.g.
    "'sha256-…'", so a server can send `style-src <this>` instead of allowing every inline style."""
    digest = hashlib.sha256(_css().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@lru_cache(maxsize=None)
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("bot.reports", "templates"), autoescape=True,
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(percent=percent, decimal=decimal, minutes=minutes, when=when, oneline=_clean,
                               unbold=unbold, flag_label=flag_label, learner_cell=learner_cell)
    return environment


@lru_cache(maxsize=None)
def _css() -> Markup:
    """The stylesheet, inlined so the file stands alone; it is ours, not data, so it is not escaped."""
    environment = _environment()
    source, _, _ = environment.loader.get_source(environment, "report.css")
    return Markup(source.strip())


def _chart(title: str, alt: str, png: bytes) -> _Chart:
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    return _Chart(title, alt, "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                  CHART_WIDTH_PX, round(height * CHART_WIDTH_PX / width))


def _funnel_alt(modules: Sequence[ModuleRow], labels: Sequence[str]) -> str:
    if not any(module.learners for module in modules):
        return "Completion funnel: no learners yet."
    parts = [f"{label}: {m.learners} in the cohort, {m.started} started, {m.reached_quiz} reached the quiz, "
             f"{m.completed} completed" for m, label in zip(modules, labels)]
    return "Completion funnel per module. " + "; ".join(parts) + "."


def _scores_alt(modules: Sequence[ModuleRow], labels: Sequence[str]) -> str:
    parts = [f"{label}: " + (", ".join(str(count) for count in m.score_histogram) if any(m.score_histogram)
                             else "no completed quizzes yet") for m, label in zip(modules, labels)]
    return (f"Number of learners per first-attempt score band ({', '.join(SCORE_BINS)}) for each module. "
            + "; ".join(parts) + ".")


def _questions_alt(questions: Sequence[QuestionRow], labels: Sequence[str]) -> str:
    answered = [(question.facility, label) for question, label in zip(questions, labels)
                if question.facility is not None]
    if not answered:
        return "Answers per question: no answers yet."
    hardest = min(answered, key=lambda pair: pair[0])  # the first such question on a tie
    easiest = max(answered, key=lambda pair: pair[0])
    return ("For each question, the share of first-attempt answers that were correct, chose each wrong option, or "
            f"were skipped. Lowest share correct: {hardest[1]} ({percent(hardest[0])}); highest: {easiest[1]} "
            f"({percent(easiest[0])}). Every figure is in the Questions table.")
