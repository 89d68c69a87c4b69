"""Command-line interface: each command opens the store or content, calls one library function, prints the result."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.reports.cohorts import Cohorts
from bot.config import DEFAULT_SPACY_MODEL_DIR, PROJECT_ROOT, SYNONYMS_FILE, Settings
from bot.learning.content import load_content
from bot.errors import ItemBankError, PauseCheckError
from bot.learning.formatting import progress_bar
from bot.reports.report import DEFAULT_LOW_SCORE, DEFAULT_STALLED_DAYS, build_report
from bot.reports.rows import CSV_TABLES
from bot.store import Cohort, ProgressStore, utc_now
from bot.learning.tutor import Tutor


def _existing_store(settings: Settings) -> ProgressStore:
    if not settings.db_path.exists():
        raise click.ClickException(
            f"No progress store at {settings.db_path}. Start the bot once (make run) or set PAUSECHECK_DB.")
    return ProgressStore(settings.db_path)


def _cohort_json(cohort: Cohort, **extra) -> str:
    return json.dumps({"name": cohort.name, "join_code": cohort.join_code, "created_at": cohort.created_at,
                       "closed_at": cohort.closed_at, **extra}, indent=2)


def _in_project(path: Path) -> str:
    """A default path as --help shows it: relative to the project folder, the same on every machine."""
    return str(path.relative_to(PROJECT_ROOT))


TOKEN_WARNING = ("Keep the facilitator token secret: it opens this cohort's report. It is shown only now; "
                 "if it is lost or leaked, run: python -m bot cohort rotate-token {code}")


class ErrorTranslatingGroup(click.Group):
    """Runs a command; an error raised on purpose (bot.errors, or a ValueError from a setting or an argument such as
    a cohort name) becomes its message and exit code 1, never a traceback (as sqlite-utils' cli does)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (PauseCheckError, ValueError) as error:
            raise click.ClickException(str(error)) from error


@click.group(cls=ErrorTranslatingGroup)
def cli() -> None:
    """Pause & Check: learner progress, content checks and the spaCy pipeline.

    Settings come from the environment: PAUSECHECK_DB (progress store), PAUSECHECK_CONTENT_DIR (content folder).
    """


@cli.command()
@click.argument("learner_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def progress(learner_id: str, as_json: bool) -> None:
    """Show one learner's progress: status, answered, correct, score and position per module.

    Example: python -m bot progress 3f2a9c7e --json
    """
    settings = Settings.from_env()
    tutor = Tutor(load_content(settings.content_dir), _existing_store(settings))
    report = tutor.progress_report(learner_id)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"Learner {report['learner_id']}")
    for module in report["modules"]:
        share = module["position"]["step"] / module["position"]["of"]
        score = "-" if module["score"] is None else f"{round(module['score'] * 100)}%"
        click.echo(
            f"  {module['title']:<32} {progress_bar(share if module['status'] != 'not_started' else 0)}  "
            f"{module['position']['label']:<20} correct {module['correct']}/{module['questions']}  score {score}"
        )


@cli.group()
def cohort() -> None:
    """Create and manage cohorts (a facilitator's class): join codes for learners, tokens for facilitators."""


@cohort.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def cohort_create(name: str, as_json: bool) -> None:
    """Create a cohort; print its join code (for learners) and facilitator token (shown once).

    Example: python -m bot cohort create "Year 9 Tuesday" --json
    """
    created, token = Cohorts(ProgressStore(Settings.from_env().db_path)).create(name)
    if as_json:
        click.echo(_cohort_json(created, facilitator_token=token))
    else:
        click.echo(f"Cohort:            {created.name}\nJoin code:         {created.join_code}   "
                   f"(learners tell the bot: \"my class code is {created.join_code}\")\n"
                   f"Facilitator token: {token}")
    click.echo(TOKEN_WARNING.format(code=created.join_code), err=True)


@cohort.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def cohort_list(as_json: bool) -> None:
    """List every cohort with its join code, members and whether it is open.

    Example: python -m bot cohort list
    """
    rows = Cohorts(_existing_store(Settings.from_env())).list()
    if as_json:
        click.echo(json.dumps([json.loads(_cohort_json(c, members=members)) for c, members in rows], indent=2))
        return
    if not rows:
        click.echo('No cohorts yet. Create one with: python -m bot cohort create "Year 9 Tuesday"')
        return
    click.echo(f"{'Join code':<10} {'Members':>7}  {'Status':<7} {'Created':<20} Name")
    for cohort_row, members in rows:
        status = "open" if cohort_row.is_open else "closed"
        click.echo(f"{cohort_row.join_code:<10} {members:>7}  {status:<7} {cohort_row.created_at[:19]:<20} "
                   f"{cohort_row.name}")


@cohort.command("rotate-token")
@click.argument("join_code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def cohort_rotate_token(join_code: str, as_json: bool) -> None:
    """Replace a cohort's facilitator token: the old one (and every dashboard session) stops working at once.

    Example: python -m bot cohort rotate-token TUES-42
    """
    rotated, token = Cohorts(_existing_store(Settings.from_env())).rotate_token(join_code)
    click.echo(_cohort_json(rotated, facilitator_token=token) if as_json else f"New facilitator token: {token}")
    click.echo(TOKEN_WARNING.format(code=rotated.join_code), err=True)


@cohort.command("close")
@click.argument("join_code")
def cohort_close(join_code: str) -> None:
    """Close a cohort to new learners; its members and report stay.

    Example: python -m bot cohort close TUES-42
    """
    closed = Cohorts(_existing_store(Settings.from_env())).close(join_code)
    click.echo(f"{closed.name} ({closed.join_code}) is closed to new learners since {closed.closed_at}.")


@cohort.command("demo")
@click.option("--learners", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def cohort_demo(learners: int, as_json: bool) -> None:
    """Create a demo cohort of synthetic learners (varied progress, a few days old) to try the reports on.

    Example: python -m bot cohort demo --learners 30
    """
    from datetime import timedelta

    from bot.reports.synthetic import populate_cohort

    settings = Settings.from_env()
    content = load_content(settings.content_dir)
    store = ProgressStore(settings.db_path)
    created, token = Cohorts(store).create("Demo class (synthetic learners)")
    populate_cohort(store, content, created, learners=learners,
                    answers_per_learner=sum(len(module.quiz) for module in content.modules.values()),
                    start=utc_now() - timedelta(days=12), seed=len(store.cohorts()), prefix=f"demo-{created.join_code}",
                    varied=True)
    if as_json:
        click.echo(_cohort_json(created, members=learners, facilitator_token=token))
    else:
        click.echo(f"Demo cohort {created.join_code} with {learners} synthetic learners.\n"
                   f"Report:    python -m bot report --cohort {created.join_code}\n"
                   f"Dashboard: sign in at /facilitator with the token {token}")


REPORT_FORMATS = ("table", "json", "csv", "md", "html")


@cli.command()
@click.option("--cohort", "join_code", required=True, help="The cohort's join code.")
@click.option("--format", "output_format", type=click.Choice(REPORT_FORMATS), default="table", show_default=True)
@click.option("--csv-table", type=click.Choice(CSV_TABLES), default="learners",
              show_default=True, help="Which table --format csv writes.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file instead of printing.")
@click.option("--stalled-days", type=click.IntRange(min=1), default=DEFAULT_STALLED_DAYS, show_default=True,
              help="Days without progress after which a learner needs attention.")
@click.option("--low-score", type=click.FloatRange(0, 1), default=DEFAULT_LOW_SCORE, show_default=True,
              help="First-attempt score below which a learner needs attention.")
def report(join_code: str, output_format: str, csv_table: str, out: Path | None, stalled_days: int,
           low_score: float) -> None:
    """A cohort's progress report: learners (by pseudonymous label), modules, item analysis, learning gain.

    Example: python -m bot report --cohort TUES-42 --format html --out year9.html
    """
    from bot.reports import render as report_render  # Jinja2 and matplotlib are slow to import: only here

    settings = Settings.from_env()
    store = _existing_store(settings)
    built = build_report(store, load_content(settings.content_dir), Cohorts(store).get(join_code),
                         now=utc_now(), stalled_days=stalled_days, low_score=low_score)
    renderers = {
        "table": report_render.render_table, "json": report_render.render_json, "md": report_render.render_markdown,
        "html": report_render.render_html,
        "csv": lambda cohort_report: report_render.render_csv(cohort_report, csv_table),
    }
    text = renderers[output_format](built)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    # CSV gets a byte-order mark so spreadsheets read it as UTF-8; newline="" keeps its \r\n line ends as they are
    out.write_text(text, encoding="utf-8-sig" if output_format == "csv" else "utf-8", newline="")
    click.echo(f"Report written to {out}")


@cli.command("validate-content")
@click.option("--content-dir", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: PAUSECHECK_CONTENT_DIR or quizzes/).")
def validate_content(content_dir: Path | None) -> None:
    """Check every content file against the schema and the item-bank rules in quizzes/README.md; list all problems.

    Example: python -m bot validate-content --content-dir quizzes
    """
    from bot.learning.item_bank import item_bank_problems  # reads lemmas: spaCy loads only for this command

    directory = content_dir or Settings.from_env().content_dir
    content = load_content(directory)
    if problems := item_bank_problems(content):
        raise ItemBankError(problems)
    for module in content.modules.values():
        click.echo(f"{module.id}: {len(module.lessons)} lessons, {len(module.quiz)} questions")
    click.echo("Content is valid.")


@cli.command("content-stats")
@click.option("--content-dir", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: PAUSECHECK_CONTENT_DIR or quizzes).")
def content_stats(content_dir: Path | None) -> None:
    """Print each module's item types, how often the right option is the longest, words shown and reading time.

    Example: python -m bot content-stats
    """
    from bot.learning.item_bank import READING_WORDS_PER_MINUTE, module_stats

    content = load_content(content_dir or Settings.from_env().content_dir)
    click.echo(f"{'module':<18} {'items':>5}  {'longest right':<15} {'words':>6} {'minutes':>7}  "
               f"{'practice':<13} types")
    for module in content.modules.values():
        stats = module_stats(module)
        types = ", ".join(f"{kind} {count}" for kind, count in sorted(stats.types.items()))
        longest = f"{stats.longest_right}/{stats.choice_items} ({stats.longest_right_share:.0%})"
        practice = f"{stats.practice_posts} ({stats.genuine_posts} genuine)"
        click.echo(f"{module.id:<18} {sum(stats.types.values()):>5}  {longest:<15} {stats.words:>6,} "
                   f"{stats.minutes:>7.1f}  {practice:<13} {types}")
    click.echo(f"Words shown: what a learner reads answering every item right; minutes at "
               f"{READING_WORDS_PER_MINUTE} words a minute.")


@cli.command("build-spacy")
@click.option("--output", type=click.Path(path_type=Path), default=DEFAULT_SPACY_MODEL_DIR,
              show_default=_in_project(DEFAULT_SPACY_MODEL_DIR), help="Folder to write the pipeline to.")
@click.option("--synonyms", type=click.Path(path_type=Path, exists=True), default=SYNONYMS_FILE,
              show_default=_in_project(SYNONYMS_FILE), help="NLU synonyms file the entity-ruler patterns come from.")
def build_spacy(output: Path, synonyms: Path) -> None:
    """Build the project's spaCy pipeline (blank English, entity ruler, lookup lemmatizer).

    Example: python -m bot build-spacy --output build/spacy/pause_check_en
    """
    from bot.nlu.pipeline import build_pipeline  # spaCy is slow to import; only this command needs it

    click.echo(f"spaCy pipeline written to {build_pipeline(synonyms, output)}")


@cli.command("nlu-summary")
@click.argument("results_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--check", is_flag=True, help="Exit 1 if a held-out figure of ours is below its CI floor.")
def nlu_summary(results_dir: Path, check: bool) -> None:
    """Summarise an NLU evaluation run (make eval) in RESULTS_DIR as Markdown, ours vs the default pipeline.

    Also written to summary.md there. With --check, exits 1 listing every figure of ours (held-out and safety
    splits) below its floor (bot.nlu.report.CI_FLOORS).

    Example: python -m bot nlu-summary results/nlu-eval --check
    """
    from bot.nlu.report import CI_FLOORS, check_floors, load_results, summarise

    results = load_results(results_dir)
    summary = summarise(results)
    (results_dir / "summary.md").write_text(summary, encoding="utf-8")
    click.echo(summary)
    problems = check_floors(results["ours"], CI_FLOORS) if check else []
    if problems:
        raise click.ClickException("NLU regression:\n  " + "\n  ".join(problems))


def main() -> None:
    cli(prog_name="python -m bot")
