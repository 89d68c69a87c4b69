"""Load benchmark (`make bench`): N simulated learners at once through the REST webhook, against the real servers.

Starts the action server and the Rasa server (with --enable-api, for /model/parse) on temporary files, then for each
N: N learners each complete a module (pre-check, lessons, every quiz question, post-check) with think time between
messages; per-message latency, messages per second, errors, peak memory of both servers, the action server's /health
latency under load, and every answer checked against the progress store (none lost, none twice). Then the same
messages go to /model/parse alone, as many at once, for the ratio full turn / NLU alone. Finally N grows until the
p95 latency passes 1 s (or a cap). Writes results/bench/summary.md and prints it. Figures depend on the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.learning.content import load_content  # noqa: E402  (imports after the path is set)
from bench.load import (AnswerCheck, HealthProbe, LearnerRun, PeakMemory, check_answers, percentile,  # noqa: E402
                        replay_parse, run_learners)
from bench.servers import Servers  # noqa: E402

TARGET_LEARNERS, TARGET_P95_SECONDS = 50, 0.5
CROSSING_P95_SECONDS = 1.0


@dataclass(frozen=True)
class Result:
    learners: int
    runs: list[LearnerRun]
    wall_seconds: float
    answers: AnswerCheck
    peak_rss: dict[str, int]
    health_seconds: list[float]
    parse_seconds: list[float]

    @property
    def latencies(self) -> list[float]:
        return [turn.seconds for run in self.runs for turn in run.turns if turn.text and turn.error is None]

    @property
    def messages(self) -> int:
        return sum(1 for run in self.runs for turn in run.turns if turn.text)

    @property
    def errors(self) -> int:
        return sum(1 for run in self.runs for turn in run.turns if turn.error)

    @property
    def unfinished(self) -> int:
        return sum(not run.finished for run in self.runs)

    def p(self, share: float) -> float:
        return percentile(self.latencies, share)


async def measure(servers: Servers, content, learners: int, think_seconds: float, parse_seconds: float) -> Result:
    pids = {"rasa": servers.processes["rasa"].pid, "actions": servers.processes["actions"].pid}
    health = HealthProbe(f"http://127.0.0.1:{servers.action_port}/health")
    started = time.perf_counter()
    async with PeakMemory(pids) as memory, health:
        runs = await run_learners(servers.url, content, learners, prefix=f"bench{learners}-{time.time_ns()}",
                                  think_seconds=think_seconds)
    wall = time.perf_counter() - started
    answers = check_answers(servers.workdir / "progress.db", runs)
    parse = await replay_parse(servers.url, runs, think_seconds=think_seconds, max_seconds=parse_seconds) \
        if parse_seconds else []
    return Result(learners, runs, wall, answers, memory.peak, health.seconds, parse)


def ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:,.0f}"


def ratio(turn: float, parse: float) -> str:
    return "–" if math.isnan(parse) else f"{turn / parse:.1f}"


def mib(size: int) -> str:
    return f"{size / 2**20:,.0f}"


def table(results: list[Result]) -> str:
    header = ("| learners | messages | msg/s | p50 ms | p95 ms | p99 ms | max ms | errors | unfinished | answers "
              "| lost | duplicate | Rasa peak MiB | actions peak MiB | parse p50 ms | parse p95 ms "
              "| turn/parse p50 | turn/parse p95 | actions /health p99 ms | actions /health max ms |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in results:
        parse50, parse95 = percentile(r.parse_seconds, 0.5), percentile(r.parse_seconds, 0.95)
        lines.append(
            f"| {r.learners} | {r.messages} | {r.messages / r.wall_seconds:.1f} | {ms(r.p(0.5))} | {ms(r.p(0.95))} "
            f"| {ms(r.p(0.99))} | {ms(r.p(1.0))} | {r.errors} | {r.unfinished} | {r.answers.recorded}/"
            f"{r.answers.sent} | {r.answers.lost} | {r.answers.duplicates} | {mib(r.peak_rss['rasa'])} "
            f"| {mib(r.peak_rss['actions'])} | {ms(parse50)} | {ms(parse95)} | {ratio(r.p(0.5), parse50)} "
            f"| {ratio(r.p(0.95), parse95)} | {ms(percentile(r.health_seconds, 0.99))} "
            f"| {ms(percentile(r.health_seconds, 1.0))} |")
    return "\n".join(lines)


def crossing(results: list[Result]) -> str:
    """Where p95 passes 1 s: interpolated linearly between the two measured N around it."""
    ordered = sorted(results, key=lambda r: r.learners)
    for below, above in zip(ordered, ordered[1:]):
        if below.p(0.95) <= CROSSING_P95_SECONDS < above.p(0.95):
            share = (CROSSING_P95_SECONDS - below.p(0.95)) / (above.p(0.95) - below.p(0.95))
            estimate = below.learners + share * (above.learners - below.learners)
            return (f"p95 passes 1 s at about **{estimate:.0f} learners** (linear interpolation between N = "
                    f"{below.learners}, p95 {ms(below.p(0.95))} ms, and N = {above.learners}, p95 "
                    f"{ms(above.p(0.95))} ms).")
    if ordered[0].p(0.95) > CROSSING_P95_SECONDS:
        return f"p95 is above 1 s already at N = {ordered[0].learners}."
    return f"p95 stayed under 1 s up to the largest N measured ({ordered[-1].learners})."


def capacity(saturation: Result | None) -> str:
    if saturation is None:
        return ""
    return (f"Capacity: {saturation.learners} learners sending with no pause at all keep the servers busy: "
            f"**{saturation.messages / saturation.wall_seconds:.1f} messages/s**, p50 {ms(saturation.p(0.5))} ms, "
            f"p95 {ms(saturation.p(0.95))} ms, {saturation.errors} errors, {saturation.answers.lost} lost, "
            f"{saturation.answers.duplicates} duplicate answers.")


def errors_seen(results: list[Result]) -> str:
    kinds: dict[str, int] = {}
    for r in results:
        for run in r.runs:
            for turn in run.turns:
                if turn.error:
                    kinds[turn.error] = kinds.get(turn.error, 0) + 1
    return ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items())) or "none"


def summary(results: list[Result], saturation: Result | None, think_seconds: float, parse_seconds: float,
            started_load: str, ended_load: str) -> str:
    target = next((r for r in results if r.learners == TARGET_LEARNERS), None)
    verdict = ""
    if target:
        met = (target.p(0.95) < TARGET_P95_SECONDS and target.errors == 0 and target.answers.lost == 0
               and target.answers.duplicates == 0 and target.unfinished == 0)
        verdict = (f"Target ({TARGET_LEARNERS} learners: p95 < {ms(TARGET_P95_SECONDS)} ms, no errors, no lost or "
                   f"duplicate answers): **{'met' if met else 'missed'}** (p95 {ms(target.p(0.95))} ms).\n")
    diverted = sum(run.diverted for r in results for run in r.runs)
    searched = " (Rows without parse figures come from that search, which replays nothing.)" \
        if any(not r.parse_seconds for r in results) else ""
    return f"""# Load benchmark

Each learner completes one module through the REST webhook: pre-check, lessons, every quiz question, post-check
(about 60 % right buttons, 25 % wrong buttons, 15 % typed letters; free-text questions typed, 70 % right), pausing
{think_seconds:g} s on average (uniform ±50 %) before each message, where a real learner reads a lesson for half a
minute. Latency is the wall time of one webhook call: the whole turn (NLU, dialogue, action server, progress store,
tracker store). Errors are failed calls (HTTP error, timeout, no reply, or a "try again" reply); the learner then
sends the same message again (same message id) up to 3 times. "answers" is rows in the progress store / answers
sent; lost and duplicate are checked per message id. Peak memory is the resident size of each server process.
"parse" replays the same messages, as many learners at once with the same pauses, to `/model/parse` alone (NLU
only) for {parse_seconds:g} s; turn/parse is how much the dialogue, actions and stores add on top of NLU. "actions
/health" is the latency of the action server's health check, called every 50 ms during the run: an upper bound on
how long its event loop was blocked.

{table(results)}

{verdict}{crossing(results)}{searched}
{capacity(saturation)}
Errors by kind: {errors_seen(results)}. Typed answers NLU sent elsewhere first (support for someone
affected), then typed again in other words: {diverted}.

Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. Load average (1, 5,
15 min) before: {started_load}; after: {ended_load}. Other work on the machine changes these figures.
"""


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


async def bench(learner_counts: list[int], search: list[int], think_seconds: float, parse_seconds: float,
                saturation_learners: int) -> str:
    content = load_content(ROOT / "quizzes")
    started_load = load_average()
    with tempfile.TemporaryDirectory(prefix="pausecheck-bench-") as workdir:
        servers = Servers(Path(workdir), enable_api=True)
        servers.start("actions", "rasa")
        results = []
        try:
            await run_learners(servers.url, content, 3, prefix="warm-up", think_seconds=0)
            for count in learner_counts:
                results.append(await measure(servers, content, count, think_seconds, parse_seconds))
                print(table(results[-1:]).splitlines()[-1], flush=True)
            for count in search:
                if max(r.p(0.95) for r in results) > CROSSING_P95_SECONDS:
                    break
                results.append(await measure(servers, content, count, think_seconds, parse_seconds=0))
                print(table(results[-1:]).splitlines()[-1], flush=True)
            saturation = await measure(servers, content, saturation_learners, 0, parse_seconds=0) \
                if saturation_learners else None
        finally:
            servers.stop()
    return summary(results, saturation, think_seconds, parse_seconds, started_load, load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", default="1,10,50,100", help="learners at once, comma-separated")
    parser.add_argument("--search", default="150,200,300,400",
                        help="larger N tried in turn until p95 passes 1 s (comma-separated; empty: none)")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds a learner waits before each message")
    parser.add_argument("--parse-seconds", type=float, default=60.0,
                        help="how long to replay the messages to /model/parse alone, for each N")
    parser.add_argument("--saturation", type=int, default=10,
                        help="learners sending with no pause, for the capacity in messages/s (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench" / "summary.md")
    args = parser.parse_args()
    counts = [int(n) for n in args.learners.split(",") if n]
    search = [int(n) for n in args.search.split(",") if n]
    print(f"Starting the servers; then {', '.join(map(str, counts))} learners at once ...", flush=True)
    text = asyncio.run(bench(counts, search, args.think, args.parse_seconds, args.saturation))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to {args.out}")


if __name__ == "__main__":
    main()
