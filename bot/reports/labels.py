"""How a report's figures and names read in every format (table, Markdown, CSV, HTML, chart descriptions): 62%,
0.18, 12 min, 2026-03-02 09:00, M1 Q3, and — for a figure that does not exist yet."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.reports.rows import CohortReport, PracticeRow, QuestionRow

NONE = "—"  # a figure that does not exist yet (nobody answered), never shown as 0
STATUS_TEXT = {"not_started": "not started", "in_progress": "in progress", "completed": "completed"}
FLAG_LABELS = {"too_easy": "too easy", "too_hard": "too hard", "negative_discrimination": "negative discrimination",
               "misconception": "misconception"}


def module_codes(report: CohortReport) -> dict[str, str]:
    """Short codes in menu order, {"verify_leaks": "M1", ...}: what tables and charts label modules with."""
    return {module.module_id: f"M{number}" for number, module in enumerate(report.modules, start=1)}


def question_label(codes: dict[str, str], question: QuestionRow | PracticeRow) -> str:
    return f"{codes[question.module_id]} Q{question.number}"


def top_decision(post: PracticeRow) -> str:
    """The decision most learners took, e.g. "62% Don't share it (right)"."""
    if not post.decided:
        return NONE
    top = max(post.decisions, key=lambda decision: decision.chosen)
    return f"{percent(top.chosen / post.decided)} {unbold(top.text)} ({'right' if top.correct else 'wrong'})"


def percent(share: float | None) -> str:
    return NONE if share is None else f"{round(share * 100)}%"


def decimal(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def minutes(value: float | None) -> str:
    return NONE if value is None else f"{round(value)} min"


def when(timestamp: str | None) -> str:
    """'2026-03-02T09:00:00+00:00' -> '2026-03-02 09:00' (UTC; stored times without an offset are UTC)."""
    if not timestamp:
        return NONE
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


def learner_cell(status: str, score: float | None) -> str:
    return STATUS_TEXT[status] if score is None else f"{STATUS_TEXT[status]} {percent(score)}"


def top_wrong_text(question: QuestionRow) -> str:
    """The wrong option chosen most often (the first in letter order on a tie): 'A 33% Investigate the source'."""
    wrong = [option for option in question.options if not option.correct and option.chosen]
    if not wrong:
        return NONE
    option = max(wrong, key=lambda option: option.chosen)
    return f"{option.letter.upper()} {percent(option.chosen / question.attempts)} {unbold(option.text)}"


def unbold(text: str) -> str:
    """Content marks emphasis with **; outside the chat the markers are noise (and would be escaped anyway)."""
    return text.replace("**", "")


def flag_label(code: str) -> str:
    return FLAG_LABELS.get(code, code.replace("_", " "))


def status(report: CohortReport) -> str:
    return "open" if report.cohort.is_open else f"closed {when(report.cohort.closed_at)}"


def facts(report: CohortReport) -> list[tuple[str, str]]:
    return [
        ("Join code", report.cohort.join_code),
        ("Members", str(report.members)),
        ("Status", status(report)),
        ("Generated", when(report.generated_at)),
        ("Times", "UTC"),
        ("Needs attention", f"no progress for {report.stalled_days} days, or a score below "
                            f"{percent(report.low_score)}"),
    ]
