"""Command-line interface: each command opens the store or content, calls one library function, prints the result."""
from __future__ import annotations

import json
from pathlib import Path

import click

from bot.config import DEFAULT_SPACY_MODEL_DIR, SYNONYMS_FILE, Settings
from bot.content import load_content
from bot.errors import PauseCheckError
from bot.formatting import progress_bar
from bot.store import ProgressStore
from bot.tutor import Tutor


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@click.group()
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
    settings = _settings()
    if not settings.db_path.exists():
        raise click.ClickException(
            f"No progress store at {settings.db_path}. Start the bot once (make run) or set PAUSECHECK_DB.")
    try:
        tutor = Tutor(load_content(settings.content_dir), ProgressStore(settings.db_path))
        report = tutor.progress_report(learner_id)
    except PauseCheckError as error:
        raise click.ClickException(str(error)) from error
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


@cli.command("validate-content")
@click.option("--content-dir", type=click.Path(path_type=Path), default=None,
              help="Content folder (default: PAUSECHECK_CONTENT_DIR or quizzes/).")
def validate_content(content_dir: Path | None) -> None:
    """Check every content file against the schema in quizzes/README.md and list all problems.

    Example: python -m bot validate-content --content-dir quizzes
    """
    directory = content_dir or _settings().content_dir
    try:
        content = load_content(directory)
    except PauseCheckError as error:
        raise click.ClickException(str(error)) from error
    for module in content.modules.values():
        click.echo(f"{module.id}: {len(module.lessons)} lessons, {len(module.quiz)} questions")
    click.echo("Content is valid.")


@cli.command("build-spacy")
@click.option("--output", type=click.Path(path_type=Path), default=DEFAULT_SPACY_MODEL_DIR, show_default=True,
              help="Folder to write the pipeline to.")
@click.option("--synonyms", type=click.Path(path_type=Path, exists=True), default=SYNONYMS_FILE,
              show_default=True, help="NLU synonyms file the entity-ruler patterns come from.")
def build_spacy(output: Path, synonyms: Path) -> None:
    """Build the project's spaCy pipeline (blank English, entity ruler, lookup lemmatizer).

    Example: python -m bot build-spacy --output build/spacy/pause_check_en
    """
    from bot.nlp import build_pipeline  # spaCy is slow to import; only this command needs it

    click.echo(f"spaCy pipeline written to {build_pipeline(synonyms, output)}")


@cli.command("nlu-summary")
@click.argument("results_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
def nlu_summary(results_dir: Path) -> None:
    """Summarise Rasa's NLU evaluation reports in RESULTS_DIR as Markdown (also written to summary.md there).

    Example: python -m bot nlu-summary results/nlu-cv
    """
    from bot.nlu_report import summarise

    try:
        summary = summarise(results_dir)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    (results_dir / "summary.md").write_text(summary, encoding="utf-8")
    click.echo(summary)


def main() -> None:
    cli(prog_name="python -m bot")
