"""Report benchmark (`make bench-report`): a synthetic store of 10,030 learners x 30 answers, then the time to
build and render one 30-learner cohort's report and one 10,000-learner cohort's report.

Writes results/bench-report.md. Not a timed test: the figures depend on the machine.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.reports.cohorts import Cohorts  # noqa: E402  (imports after the path is set)
from bot.learning.content import load_content  # noqa: E402
from bot.reports.report import build_report  # noqa: E402
from bot.reports.render import render_html, render_json, render_table  # noqa: E402
from bot.store import ProgressStore  # noqa: E402
from bot.reports.synthetic import populate_cohort  # noqa: E402

ANSWERS_PER_LEARNER = 30
TARGETS_MS = {("30-learner cohort", "JSON"): 50, ("10,000-learner cohort", "JSON"): 1000}


def timings(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and slowest wall time in milliseconds over `runs` runs, after one warm-up run."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (default 7)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench-report.md")
    arguments = parser.parse_args()

    content = load_content(ROOT / "quizzes")
    now = datetime(2026, 3, 20, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        store = ProgressStore(Path(folder) / "bench.db")
        cohorts = Cohorts(store)
        small, _ = cohorts.create("Benchmark: one class")
        large, _ = cohorts.create("Benchmark: national campaign")
        started = time.perf_counter()
        for cohort, learners, seed in ((small, 30, 1), (large, 10_000, 2)):
            populate_cohort(store, content, cohort, learners=learners, answers_per_learner=ANSWERS_PER_LEARNER,
                            start=now - timedelta(days=10), seed=seed, prefix=f"bench{seed}")
        generated_s = time.perf_counter() - started
        answers = store.answer_count()
        plan = " / ".join(store.first_attempt_answers_plan(large))
        rows = []
        for name, cohort in (("30-learner cohort", small), ("10,000-learner cohort", large)):
            measurements = {
                "build only": lambda c=cohort: build_report(store, content, c, now=now),
                "JSON": lambda c=cohort: render_json(build_report(store, content, c, now=now)),
                "table": lambda c=cohort: render_table(build_report(store, content, c, now=now)),
                "HTML with 3 charts": lambda c=cohort: render_html(build_report(store, content, c, now=now)),
            }
            for output, work in measurements.items():
                median_ms, slowest_ms = timings(work, arguments.runs)
                target = TARGETS_MS.get((name, output))
                verdict = "" if target is None else ("meets" if median_ms < target else "MISSES") + f" < {target} ms"
                rows.append((name, output, median_ms, slowest_ms, verdict))
                print(f"{name:<22} {output:<19} median {median_ms:8.1f} ms  slowest {slowest_ms:8.1f} ms  {verdict}")
        json_size = len(render_json(build_report(store, content, large, now=now)).encode())
        store.close()

    lines = [
        "# Report benchmark", "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}; "
        f"{arguments.runs} timed runs after one warm-up; times are wall-clock medians.",
        f"Store: {answers:,} answers from 10,030 synthetic learners x {ANSWERS_PER_LEARNER} questions "
        f"(generated in {generated_s:.1f} s). The 10,000-learner JSON report is {json_size / 1e6:.1f} MB.", "",
        "| Cohort | Output | Median (ms) | Slowest (ms) | Target |", "|---|---|---:|---:|---|",
        *[f"| {name} | {output} | {median:.1f} | {slowest:.1f} | {verdict} |"
          for name, output, median, slowest, verdict in rows],
        "", f"Query plan for the first-attempt answers: `{plan}`", "",
    ]
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nWritten to {arguments.out}")


if __name__ == "__main__":
    main()
