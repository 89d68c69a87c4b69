"""Report charts as PNG bytes, drawn on the server: completion funnel, score distribution, per-question answers.

Drawn with `matplotlib.figure.Figure` on an explicit Agg canvas, never pyplot: pyplot keeps global figure state,
which is unsafe under a web server, and an explicit canvas ignores MPLBACKEND. matplotlib is imported inside the
functions because importing it takes most of a second. Output is deterministic (no software or time metadata), so
the same report gives the same bytes. Colours are from the Okabe-Ito palette, which colour-blind readers can tell
apart, and every chart also labels its numbers in text.
"""
from __future__ import annotations

import io
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from bot.reports.rows import SCORE_BINS, ModuleRow, QuestionRow

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_INCHES = 7.0  # shown 700 CSS pixels wide
DPI = 150  # 1050 pixels shown in 700: sharper on phone screens, still small enough to email
FONT_SIZE = 9
LABEL_CHARS = 30  # longer module labels are cut with "…" so the plot keeps its width

FUNNEL_STAGES = (("learners", "Learners"), ("started", "Started"), ("reached_quiz", "Reached the quiz"),
                 ("completed", "Completed"))
FUNNEL_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")  # one hue, light to dark: the order reads without hue
SCORE_COLOUR = "#0072B2"
CORRECT_COLOUR = "#009E73"
WRONG_COLOURS = {"a": "#E69F00", "b": "#D55E00", "c": "#CC79A7", "d": "#56B4E9"}  # keyed by option letter
SKIPPED_COLOUR = "#BBBBBB"
NOTE_COLOUR = "#555555"

_log = logging.getLogger(__name__)


def completion_funnel_png(modules: Sequence[ModuleRow], labels: Sequence[str]) -> bytes:
    """Per module, four bars: learners, started, reached the quiz, completed (counts written at the bar ends).

    labels: one per module, e.g. "M1 Verify before you believe".
    """
    _check_labels(modules, labels, "module")
    figure, axes = _figure(0.9 + 1.0 * max(len(modules), 1))
    stages = len(FUNNEL_STAGES)
    for stage, ((field, name), colour) in enumerate(zip(FUNNEL_STAGES, FUNNEL_COLOURS)):
        positions = [index * (stages + 1) + stage for index in range(len(modules))]
        counts = [getattr(module, field) for module in modules]
        bars = axes.barh(positions, counts, height=0.9, color=colour, label=name)
        axes.bar_label(bars, labels=[str(count) for count in counts], padding=3, fontsize=FONT_SIZE - 1)
    axes.set_yticks([index * (stages + 1) + (stages - 1) / 2 for index in range(len(modules))],
                    [_shorten(label) for label in labels], fontsize=FONT_SIZE)
    axes.invert_yaxis()
    axes.set_xlabel("Learners", fontsize=FONT_SIZE)
    axes.xaxis.get_major_locator().set_params(integer=True)
    most = max((module.learners for module in modules), default=0)
    axes.set_xlim(0, max(most, 1) * 1.12)  # room for the count after the longest bar
    _legend_above(axes, columns=stages)
    if most == 0:
        _note(axes, "No learners yet" if modules else "No modules")
    return _png(figure)


def score_distribution_png(modules: Sequence[ModuleRow], labels: Sequence[str]) -> bytes:
    """One small panel per module: how many completed first attempts scored in each of SCORE_BINS."""
    _check_labels(modules, labels, "module")
    _configure_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    columns = min(max(len(modules), 1), 3)
    rows = -(-max(len(modules), 1) // columns)
    figure = Figure(figsize=(WIDTH_INCHES, 0.5 + 2.1 * rows), dpi=DPI, constrained_layout=True)
    panels = figure.subplots(rows, columns, sharey=True, squeeze=False).flatten()
    most = max((count for module in modules for count in module.score_histogram), default=0)
    for panel, module, label in zip(panels, modules, labels):
        bars = panel.bar(range(len(SCORE_BINS)), module.score_histogram, color=SCORE_COLOUR, width=0.8)
        panel.bar_label(bars, labels=[str(count) for count in module.score_histogram], padding=2,
                        fontsize=FONT_SIZE - 1)
        panel.set_title(_shorten(label, LABEL_CHARS - 2), fontsize=FONT_SIZE, loc="left")
        panel.set_xticks(range(len(SCORE_BINS)), [name.rstrip("%") for name in SCORE_BINS], fontsize=FONT_SIZE - 2)
        panel.yaxis.set_major_locator(MaxNLocator(integer=True))
        panel.tick_params(axis="y", labelsize=FONT_SIZE - 1)
        panel.set_ylim(0, max(most, 1) * 1.2)  # room for the count above the tallest bar
        _plain_frame(panel)
        if not any(module.score_histogram):
            _note(panel, "No completed\nquizzes yet", size=FONT_SIZE)
    for index, panel in enumerate(panels):
        if index >= len(modules):
            panel.set_axis_off()
        elif index % columns == 0:
            panel.set_ylabel("Learners", fontsize=FONT_SIZE)
    if not modules:
        _note(panels[0], "No modules")
    figure.supxlabel("Score in the first attempt (%)", fontsize=FONT_SIZE)
    return _png(figure)


def question_answers_png(questions: Sequence[QuestionRow], labels: Sequence[str]) -> bytes:
    """One bar per question, split into the share answering correctly, the share choosing each wrong option, and
    the share skipping (first attempts). The facility (share correct) is written on the bar.

    labels: one per question, e.g. "M1 Q3".
    """
    _check_labels(questions, labels, "question")
    if not any(question.attempts for question in questions):
        figure, axes = _figure(1.6)  # a bar per question would be a page of empty rows
        axes.set_axis_off()
        _note(axes, "No answers yet" if questions else "No questions")
        return _png(figure)
    from matplotlib.ticker import PercentFormatter

    figure, axes = _figure(1.1 + 0.3 * len(questions))
    positions = range(len(questions))
    left = [0.0] * len(questions)
    for name, colour, hatch, shares in _answer_segments(questions):
        axes.barh(positions, shares, left=left, height=0.75, color=colour, edgecolor="white", linewidth=0.6,
                  hatch=hatch, label=name)
        left = [start + share for start, share in zip(left, shares)]
    for position, question in enumerate(questions):
        if not question.attempts:
            axes.text(0.01, position, "no answers yet", va="center", fontsize=FONT_SIZE - 1, color=NOTE_COLOUR)
        elif question.correct / question.attempts >= 0.12:  # narrower segments have no room; the table has it
            axes.text(question.correct / question.attempts / 2, position, f"{round(question.facility * 100)}%",
                      ha="center", va="center", fontsize=FONT_SIZE - 1, color="white", fontweight="bold")
    axes.set_yticks(positions, labels, fontsize=FONT_SIZE)
    axes.set_ylim(len(questions) - 0.5, -0.5)  # first question at the top
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel("Share of first-attempt answers", fontsize=FONT_SIZE)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    _legend_above(axes, columns=6)
    return _png(figure)


def _answer_segments(questions: Sequence[QuestionRow]) -> list[tuple[str, str, str | None, list[float]]]:
    """(legend name, colour, hatch, share per question) for each stacked segment, left to right: correct, each
    option letter's wrong answers, skipped. Segments nobody chose are left out of the chart and the legend."""
    def shares(count) -> list[float]:
        return [count(question) / question.attempts if question.attempts else 0.0 for question in questions]

    def wrong(letter: str):
        return lambda question: sum(option.chosen for option in question.options
                                    if option.letter == letter and not option.correct)

    letters = sorted({option.letter for question in questions for option in question.options})
    segments = [("Correct", CORRECT_COLOUR, None, shares(lambda question: question.correct))]
    segments += [(f"Wrong: {letter.upper()}", WRONG_COLOURS.get(letter, NOTE_COLOUR), None, shares(wrong(letter)))
                 for letter in letters]
    segments.append(("Skipped", SKIPPED_COLOUR, "///", shares(lambda question: question.skipped)))
    return [segment for segment in segments if segment[0] == "Correct" or any(segment[3])]


# Drawing helpers

def _figure(height: float) -> tuple["Figure", "Axes"]:
    _configure_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, constrained_layout=True)
    axes = figure.add_subplot()
    _plain_frame(axes)
    axes.tick_params(labelsize=FONT_SIZE - 1)
    return figure, axes


def _plain_frame(axes: "Axes") -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)


def _legend_above(axes: "Axes", *, columns: int) -> None:
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=columns, frameon=False, fontsize=FONT_SIZE - 1,
                borderaxespad=0)


def _note(axes: "Axes", text: str, *, size: int = FONT_SIZE + 3) -> None:
    """Says in the plot why it is empty, rather than leaving a blank frame."""
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=size, color=NOTE_COLOUR)


def _png(figure: "Figure") -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    # metadata None drops the "Software" chunk (the matplotlib version): same input, same bytes.
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _check_labels(rows: Sequence, labels: Sequence[str], kind: str) -> None:
    if len(rows) != len(labels):
        raise ValueError(f"Pass one label per {kind}: got {len(rows)} {kind}s and {len(labels)} labels.")


# matplotlib's config and cache directory

def _configure_matplotlib() -> None:
    """Gives matplotlib a writable, private config directory when its default is not writable (a web server user
    without a home directory). matplotlib would otherwise log a warning and rebuild its font cache in a new temporary
    directory in every process. Does nothing if MPLCONFIGDIR is set or matplotlib is already imported."""
    if "MPLCONFIGDIR" in os.environ or "matplotlib" in sys.modules:
        return
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no password entry
        home = None
    defaults = [Path(os.environ.get(variable) or (home / fallback if home else "/nonexistent")) / "matplotlib"
                for variable, fallback in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))]
    if all(_writable_directory(path) for path in defaults):
        return
    os.environ["MPLCONFIGDIR"] = _private_temp_directory()
    _log.info("matplotlib's default directories are not writable; using MPLCONFIGDIR=%s",
              os.environ["MPLCONFIGDIR"])


def _writable_directory(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return path.is_dir() and os.access(path, os.W_OK)


def _private_temp_directory() -> str:
    """A per-user directory under the system temp directory, kept between runs so the font cache is reused; a fresh
    one if that path exists but is not a directory owned by this user and closed to others."""
    path = Path(tempfile.gettempdir()) / f"pause-check-matplotlib-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
            return str(path)
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="pause-check-matplotlib-")
