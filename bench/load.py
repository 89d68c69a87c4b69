"""Simulated learners for the load benchmark (scripts/bench.py): each completes one module through the REST webhook
the way a learner taps and types, and remembers which of its messages were answers, so the run can be checked
against the progress store.
"""
from __future__ import annotations

import asyncio
import json
import math
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.learning.content import Content, Module, Question

TROUBLE_MARKERS = ("having trouble", "Something went wrong")
FREE_TEXT_MARKER = "Type your answer"
WRONG_TYPED_ANSWER = "share it with my friends first"
RETRIES = 3


@dataclass
class Turn:
    """One message and its reply: wall time in seconds, and what went wrong (None when nothing did)."""

    text: str
    seconds: float
    error: str | None = None


@dataclass
class LearnerRun:
    learner_id: str
    module_id: str
    turns: list[Turn] = field(default_factory=list)
    answer_message_ids: list[str] = field(default_factory=list)
    finished: bool = False
    diverted: int = 0  # typed answers NLU sent elsewhere (not recorded as answers), then typed again


def percentile(values: list[float], share: float) -> float:
    """The `share` (0-1) percentile by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _payloads(replies: list[dict]) -> list[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def _text(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


class SimulatedLearner:
    """Completes `module`: pre-check, lessons, every quiz question, post-check.

    Multiple-choice questions get the right button, a wrong button or a typed letter; free-text questions a typed
    answer, right or wrong. Between messages the learner waits `think_seconds` on average (uniform, ±50 %).
    """

    def __init__(self, session: aiohttp.ClientSession, url: str, learner_id: str, module: Module,
                 rng: random.Random, think_seconds: float) -> None:
        self.session, self.url, self.module, self.rng = session, url, module, rng
        self.think_seconds = think_seconds
        self.run_record = LearnerRun(learner_id, module.id)
        self._questions = {q.id: q for q in (*module.pre_check, *module.quiz, *module.post_check)}
        self._sent = 0

    async def run(self) -> LearnerRun:
        replies = await self._say("hi")
        start = f'/start_module{{"module":"{self.module.id}"}}'
        if start not in _payloads(replies):
            return self._fail("the menu offered no button to start the module")
        replies = await self._say(start)
        answers_expected = len(self._questions)
        typed_for: Question | None = None  # the free-text question the last message answered
        while replies is not None:
            offered = _payloads(replies)
            answer_buttons = [p for p in offered if p.startswith("/answer")]
            if answer_buttons:
                typed_for = None
                replies = await self._answer_choice(answer_buttons)
            elif FREE_TEXT_MARKER in _text(replies):
                typed_for = self._question_shown(_text(replies))
                if typed_for is None:
                    return self._fail("a free-text question not in the module")
                replies = await self._answer_free_text(typed_for, phrasing=0)
            elif "/next" in offered:
                typed_for = None
                replies = await self._say("/next")
            elif len(self.run_record.answer_message_ids) == answers_expected:
                self.run_record.finished = True
                break
            elif typed_for is not None and self.run_record.diverted < 3:
                # NLU read the typed answer as something that comes first (e.g. support for someone affected),
                # so it was not recorded: type it again in other words, as a learner would.
                self.run_record.answer_message_ids.pop()
                self.run_record.diverted += 1
                replies = await self._answer_free_text(typed_for, phrasing=self.run_record.diverted)
            else:
                return self._fail("the bot offered no way on before the module ended")
        return self.run_record

    async def _answer_choice(self, buttons: list[str]) -> list[dict] | None:
        entities = json.loads(buttons[0][len("/answer"):])
        question = self._questions[entities["question"]]
        roll = self.rng.random()
        wrong = [option for option in question.options if not option.correct]
        option = question.correct_option if roll < 0.6 or not wrong else self.rng.choice(wrong)
        if roll >= 0.85:  # typed: the letter of a right or wrong option
            return await self._say(option.letter.upper(), answer=True)
        return await self._say(f'/answer{{"option":"{option.letter}","question":"{question.id}"}}', answer=True)

    async def _answer_free_text(self, question: Question, *, phrasing: int) -> list[dict] | None:
        """A right answer (70 %) names every concept, in the `phrasing`-th words the content accepts for it."""
        if phrasing == 0 and self.rng.random() >= 0.7:
            return await self._say(WRONG_TYPED_ANSWER, answer=True)
        words = [concept.phrases[phrasing % len(concept.phrases)] for concept in question.free_text.concepts]
        return await self._say(" and ".join(words), answer=True)

    def _question_shown(self, shown: str) -> Question | None:
        return next((q for q in self._questions.values() if q.free_text and q.prompt[:60] in shown), None)

    async def _say(self, text: str, *, answer: bool = False) -> list[dict] | None:
        """Sends one message; after an error or a "try again" reply, sends it again (same message id) up to
        RETRIES times, as the widget and a learner would. RETURNS the replies, or None when every try failed."""
        if self._sent:
            await asyncio.sleep(self.think_seconds * self.rng.uniform(0.5, 1.5))
        self._sent += 1
        message_id = f"{self.run_record.learner_id}-{self._sent}"
        body = {"sender": self.run_record.learner_id, "message": text, "metadata": {"message_id": message_id}}
        for attempt in range(1 + RETRIES):
            if attempt:
                await asyncio.sleep(1)
            replies, turn = await self._post(body)
            self.run_record.turns.append(turn)
            if turn.error is None:
                if answer:
                    self.run_record.answer_message_ids.append(message_id)
                return replies
        return None

    async def _post(self, body: dict) -> tuple[list[dict] | None, Turn]:
        started = time.perf_counter()
        error, replies = None, None
        try:
            async with self.session.post(f"{self.url}/webhooks/rest/webhook", json=body) as response:
                if response.status != 200:
                    error = f"HTTP {response.status}"
                else:
                    replies = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exception:
            error = type(exception).__name__
        seconds = time.perf_counter() - started
        if error is None and not replies:
            error = "no reply"
        elif error is None and any(marker in _text(replies) for marker in TROUBLE_MARKERS):
            error = "trouble reply"
        return replies, Turn(body["message"], seconds, error)

    def _fail(self, why: str) -> LearnerRun:
        self.run_record.turns.append(Turn("", 0.0, f"flow: {why}"))
        return self.run_record


async def run_learners(url: str, content: Content, count: int, *, prefix: str, think_seconds: float,
                       seed: int = 7) -> list[LearnerRun]:
    """`count` learners at once, each on a module in turn (learner i takes module i mod 3)."""
    modules = list(content.modules.values())
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        learners = [SimulatedLearner(session, url, f"{prefix}-{index}", modules[index % len(modules)],
                                     random.Random(seed * 100_003 + index), think_seconds)
                    for index in range(count)]
        return list(await asyncio.gather(*(learner.run() for learner in learners)))


async def replay_parse(url: str, runs: list[LearnerRun], *, think_seconds: float, max_seconds: float,
                       seed: int = 7) -> list[float]:
    """Sends the learners' messages again, in order, to /model/parse alone (NLU only): as many clients at once, with
    the same pauses, for at most `max_seconds`. RETURNS each call's wall time in seconds."""
    timeout = aiohttp.ClientTimeout(total=120)
    seconds: list[float] = []
    deadline = time.monotonic() + max_seconds

    async def replay(session: aiohttp.ClientSession, run: LearnerRun, rng: random.Random) -> None:
        for index, turn in enumerate(turn for turn in run.turns if turn.text):
            if index:
                await asyncio.sleep(think_seconds * rng.uniform(0.5, 1.5))
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            async with session.post(f"{url}/model/parse", json={"text": turn.text}) as response:
                response.raise_for_status()
                await response.read()
            seconds.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(replay(session, run, random.Random(seed + index)) for index, run in enumerate(runs)))
    return seconds


@dataclass(frozen=True)
class AnswerCheck:
    """Answers the learners sent against the rows in the store."""

    sent: int
    recorded: int
    lost: int  # sent, not in the store
    duplicates: int  # rows beyond one per sent message, or rows for messages never sent as answers


def check_answers(db_path: Path, runs: list[LearnerRun]) -> AnswerCheck:
    sent = lost = duplicates = recorded = 0
    with sqlite3.connect(db_path) as db:
        for run in runs:
            rows = db.execute("SELECT message_id, COUNT(*) FROM answers WHERE learner_id = ? GROUP BY message_id",
                              [run.learner_id]).fetchall()
            counts = dict(rows)
            expected = set(run.answer_message_ids)
            sent += len(expected)
            recorded += sum(counts.values())
            lost += len(expected - counts.keys())
            duplicates += sum(count - 1 for count in counts.values()) + len(counts.keys() - expected)
    return AnswerCheck(sent, recorded, lost, duplicates)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (0 once it has gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            total = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += rss_bytes(int(child))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        pass
    return total


class PeakMemory:
    """Polls the resident memory of some processes while a block runs; `peak[name]` is the highest seen."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2) -> None:
        self.pids, self.interval = pids, interval
        self.peak = {name: 0 for name in pids}
        self._task: asyncio.Task | None = None

    async def _poll(self) -> None:
        while True:
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_bytes(pid))
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> "PeakMemory":
        self._task = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        for name, pid in self.pids.items():
            self.peak[name] = max(self.peak[name], rss_bytes(pid))


class HealthProbe:
    """Calls a /health URL every `interval` seconds while a block runs: its latency is an upper bound on how long
    that server's event loop was busy with something else (a blocking call shows up as a slow health check)."""

    def __init__(self, url: str, interval: float = 0.05) -> None:
        self.url, self.interval = url, interval
        self.seconds: list[float] = []
        self._task: asyncio.Task | None = None

    async def _poll(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            while True:
                started = time.perf_counter()
                async with session.get(self.url) as response:
                    await response.read()
                self.seconds.append(time.perf_counter() - started)
                await asyncio.sleep(self.interval)

    async def __aenter__(self) -> "HealthProbe":
        self._task = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
