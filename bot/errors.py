"""Typed errors. The CLI turns them into messages; actions turn them into polite replies."""
from __future__ import annotations

from pathlib import Path


class PauseCheckError(Exception):
    """Base class for every error this package raises on purpose."""


class ProblemListError(PauseCheckError):
    """Several problems found at once, listed one per line under a heading that says what to fix."""

    def __init__(self, heading: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{heading}:\n{lines}")


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


class ContentError(ProblemListError):
    """One or more content files are invalid; `problems` lists each as 'file: location: message'."""

    def __init__(self, problems: list[str], directory: Path | None = None) -> None:
        super().__init__(f"Content is invalid ({_counted(len(problems), 'problem')}). Fix these in the files under "
                         f"{directory or 'quizzes'}/ (schema: quizzes/README.md)", problems)


class StoreError(PauseCheckError):
    """The progress store could not be read or written (the file, the disk, or a broken database)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"The progress store failed: {detail}. Check the file in PAUSECHECK_DB and the disk; "
                         "nothing was recorded.")


class StoreBusy(StoreError):
    """Another process held the progress store's write lock for longer than the busy timeout."""

    def __init__(self, seconds: float) -> None:
        PauseCheckError.__init__(self, f"The progress store was busy for over {seconds:g} s (another process is "
                                       "writing to it); nothing was recorded, try again.")
        self.detail = "busy"


class ItemBankError(ProblemListError):
    """The content loads but breaks item-bank rules (bot.learning.item_bank); `problems` lists each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"The item bank breaks {_counted(len(problems), 'rule')} "
                         "(quizzes/README.md, \"Item bank rules\")", problems)


class UnknownLearner(PauseCheckError):
    """No progress is stored for this learner id."""

    def __init__(self, learner_id: str) -> None:
        self.learner_id = learner_id
        super().__init__(
            f"No learner with id {learner_id!r} in the progress store. Learner ids are the conversation "
            "(sender) ids; check the id, or the database path in PAUSECHECK_DB."
        )


class UnknownModule(PauseCheckError):
    """A module id that the content does not define."""

    def __init__(self, module_id: str, known: list[str]) -> None:
        self.module_id = module_id
        super().__init__(f"Unknown module {module_id!r}. Modules: {', '.join(known)}.")


class UnknownCohort(PauseCheckError):
    """No cohort has this join code."""

    def __init__(self, join_code: str) -> None:
        self.join_code = join_code
        super().__init__(
            f"No cohort with join code {join_code!r}. List the cohorts with: python -m bot cohort list"
        )


class PipelineMissing(PauseCheckError):
    """The project's spaCy pipeline, which reads typed answers, has not been built."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"The spaCy pipeline is missing at {path}. Build it with: "
                         f"python -m bot build-spacy --output {path}  (make setup does it).")


class LabelledSetError(ProblemListError):
    """The grader's labelled answers (make eval-grading) are invalid; `problems` lists each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The labelled answers are invalid. Each question id must be a free_text question, each "
                         "answer `{answer: ..., label: right|partial|wrong}`", problems)
