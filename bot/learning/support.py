"""Support for someone affected by a leak: the texts of quizzes/support.yml, and the decisions of the support
conversation.

The person shown gets a short first reply, two one-tap questions (age in the images, where they live), then one
answer that fits: a removal tool, someone to talk to, how to report and the evidence rule for their age, composed
from lines chosen by age and region. A friend or adult helping, and someone who shared it, get answers of their own.
Age and region live only in the conversation (Rasa slots), never in the progress store.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from bot.learning.situation import (ADULT, ELSEWHERE, REGIONS, SKIPPED, UNDER_18, UNSURE, read_age, read_region,
                                    safety_cues)
from bot.learning.validation import Problems

# Values of the NLU entity `platform`: the NLU model is trained on exactly these.
PLATFORMS = (
    "x", "instagram", "facebook", "tiktok", "reddit", "youtube", "snapchat", "discord", "telegram", "whatsapp",
)
UNKNOWN_AGE = "unknown"
AGE_KEYS = (UNDER_18, ADULT, UNKNOWN_AGE)  # rows of the answer tables; "Not sure" reads as under 18
ANY = "any"  # a table row or column that stands for every age or region not listed
FIRST_REPLY_MAX_WORDS = 60  # the first reply and the age question together
ANSWER_MAX_WORDS = 120
MAX_SUPPORT_TEXT = 700  # characters of one chat message
ANSWER_PARTS = ("removal", "talk", "report", "evidence")
AGE_GROUPS_ANSWERS = (UNDER_18, ADULT, UNSURE, SKIPPED)  # answers to the age question (slot values)
REGION_ANSWERS = (*REGIONS, SKIPPED)
BUTTONS = ("threats", "removal", "all_options", "back_to_lesson", "its_me", "share_request")
# The answers that end by offering a module (key `offers_module`): to practise what the answer said.
OFFERING_ANSWERS = ("share_request", "check_content", "reporting")
# A typed reply that answers neither question: asked again once ("or tap Somewhere else"), then skipped, so a person
# in distress is never stuck in a loop.
MAX_UNCLEAR_REPLIES = 2
# Intents that ask for something else while a support question waits: the questions end and that is answered.
LEAVING_INTENTS = frozenset({
    "start_module", "help", "progress", "review", "delete_data", "join_cohort", "goodbye", "check_content",
    "report_howto", "share_request", "help_friend", "shared_regret",
})
SKIPPING_INTENTS = frozenset({"skip", "next"})
GET_HELP_PAYLOAD = "/affected"  # the safety net's button: the first reply to the person shown
# What the input channel's safety net counts as support already (it offers help only when NLU read something else).
SUPPORT_INTENTS = frozenset({"affected", "help_friend", "shared_regret", "support_answer", "support_more"})
FINISHING_INTENTS = frozenset({"stop"})  # "stop asking": both questions count as skipped, the answer follows

_MARKDOWN_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def shown_words(text: str) -> int:
    """Words a learner reads in a Markdown message: link targets and formatting marks are not counted."""
    return sum(any(char.isalnum() for char in token) for token in _MARKDOWN_LINK_TARGET.sub("]", text).split())


@dataclass(frozen=True)
class SupportQuestion:
    prompt: str
    unclear: str  # asked again after a reply that answered nothing
    choices: dict[str, str]  # answer value -> button title, in button order


@dataclass(frozen=True)
class Table:
    """Lines chosen by age (a key of AGE_KEYS, or ANY) and region (a key of REGIONS, or ANY)."""

    rows: dict[str, dict[str, str]]

    def pick(self, age_key: str, region: str) -> str:
        row = self.rows.get(age_key) or self.rows[ANY]
        return row.get(region) or row[ANY]


@dataclass(frozen=True)
class PersonShownSupport:
    first_reply: str
    first_reply_threats: str
    ask_age: SupportQuestion
    ask_region: SupportQuestion
    unsure_note: str
    headings: dict[str, str]  # ANSWER_PARTS -> heading
    parts: dict[str, Table]  # ANSWER_PARTS -> lines
    threat_steps: Table
    threat_report: Table
    all_options: tuple[str, ...]


@dataclass(frozen=True)
class SafetyNet:
    text: str
    button: str


@dataclass(frozen=True)
class PlatformRoute:
    platform: str
    name: str
    steps: str
    help_url: str | None


@dataclass(frozen=True)
class Support:
    person_shown: PersonShownSupport
    helping_someone: tuple[str, ...]
    shared_it: tuple[str, ...]
    buttons: dict[str, str]  # BUTTONS -> title
    safety_net: SafetyNet
    share_request: tuple[str, ...]
    check_content: tuple[str, ...]
    reporting_general: tuple[str, ...]
    platforms: dict[str, PlatformRoute]
    offers: dict[str, str]  # OFFERING_ANSWERS -> the module id it offers, for those that offer one


# Decisions

@dataclass(frozen=True)
class Situation:
    """What the first message already says: age in the images, where they live, and whether someone threatens."""

    age: str | None
    region: str | None
    threats: bool


def read_situation(text: str) -> Situation:
    return Situation(age=read_age(text, answering=False), region=read_region(text, answering=False),
                     threats=safety_cues(text).threat)


@dataclass(frozen=True)
class FormReply:
    """What a reply to a support question means. `leaves`: it asks for something else (the questions end)."""

    age: str | None = None
    region: str | None = None
    unclear: int = 0  # unclear replies to the waiting question so far; 0 once it is answered
    leaves: bool = False
    threats: bool = False  # it tells of threats or blackmail: that answer comes first


def read_form_reply(text: str, *, asking: Literal["age", "region"], intent: str | None,
                    entities: Mapping[str, str], answered: Mapping[str, str | None], unclear_so_far: int) -> FormReply:
    """Reads a reply while `asking` waits: a button (entities `age_group`, `region`), typed words ("im 15",
    "canada"), skip or stop, or something else.

    answered: the answers so far ({"age": ..., "region": ...}; None where not yet answered).
    """
    age = _one_of(entities.get("age_group"), AGE_GROUPS_ANSWERS) or read_age(text, answering=asking == "age")
    region = _one_of(entities.get("region"), REGION_ANSWERS) or read_region(text, answering=asking == "region")
    found = {"age": age, "region": region}
    threats = safety_cues(text).threat
    if found[asking]:
        return FormReply(age=age, region=region, threats=threats)
    if intent in FINISHING_INTENTS:
        return FormReply(**{key: answered.get(key) or found[key] or SKIPPED for key in ("age", "region")})
    if intent in SKIPPING_INTENTS:
        return FormReply(**{**found, asking: SKIPPED})
    if age or region or threats:  # told something else that matters: ask this one again, plainly
        return FormReply(age=age, region=region, unclear=unclear_so_far, threats=threats)
    if intent in LEAVING_INTENTS:
        return FormReply(leaves=True)
    if unclear_so_far + 1 >= MAX_UNCLEAR_REPLIES:
        return FormReply(**{asking: SKIPPED})
    return FormReply(unclear=unclear_so_far + 1)



def _one_of(value: Any, allowed: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None  # entities are user-controlled


def _age_key(age: str | None) -> str:
    return UNDER_18 if age == UNSURE else age if age in (UNDER_18, ADULT) else UNKNOWN_AGE


def _region_key(region: str | None) -> str:
    return region if region in REGIONS else ELSEWHERE


def first_reply(person: PersonShownSupport, *, threats: bool) -> str:
    return person.first_reply_threats if threats else person.first_reply


def tailored_answer(person: PersonShownSupport, age: str | None, region: str | None) -> str:
    """The answer for an age group (an answer to the age question, or None) and a region (likewise)."""
    age_key, region_key = _age_key(age), _region_key(region)
    lines = [f"- **{person.headings[part]}:** {person.parts[part].pick(age_key, region_key)}" for part in ANSWER_PARTS]
    note = f"{person.unsure_note}\n\n" if age == UNSURE else ""
    return note + "\n".join(lines)


def threats_answer(person: PersonShownSupport, age: str | None, region: str | None) -> str:
    age_key, region_key = _age_key(age), _region_key(region)
    return f"{person.threat_steps.pick(age_key, region_key)}\n\n{person.threat_report.pick(age_key, region_key)}"


# Loading support.yml (called by bot.learning.content.load_content)

def parse_support(raw: Any, problems: Problems, *, module_ids: tuple[str, ...]) -> Support | None:
    """module_ids: the modules in the content folder, which an answer may offer."""
    data = problems.mapping(raw, "")
    if not data:
        return None
    person = _parse_person_shown(problems.mapping(data.get("person_shown", {}), "person_shown"), problems)
    messages = {key: _messages(data, key, problems)
                for key in ("helping_someone", "shared_it", "share_request", "check_content")}
    for key in ("helping_someone", "shared_it"):
        _check_words(problems, key, "\n".join(messages[key]), ANSWER_MAX_WORDS)
    buttons = _texts(problems.mapping(data.get("buttons", {}), "buttons"), BUTTONS, "buttons", problems)
    net = problems.mapping(data.get("safety_net", {}), "safety_net")
    safety_net = SafetyNet(problems.text(net, "text", "safety_net"), problems.text(net, "button", "safety_net"))
    reporting = problems.mapping(data.get("reporting", {}), "reporting")
    general = problems.messages(problems.mapping(reporting.get("general", {}), "reporting.general"),
                                "reporting.general")
    platforms = _parse_platforms(problems.mapping(reporting.get("platforms", {}), "reporting.platforms"), problems)
    offers = _parse_offers(data, module_ids, problems)
    if person is None or not all(messages.values()) or len(buttons) != len(BUTTONS) or not all(buttons.values()):
        return None
    return Support(person_shown=person, buttons=buttons, safety_net=safety_net, reporting_general=general,
                   platforms=platforms, offers=offers, **messages)


def _parse_offers(data: dict[str, Any], module_ids: tuple[str, ...], problems: Problems) -> dict[str, str]:
    offers = {}
    for answer in OFFERING_ANSWERS:
        entry = data.get(answer)
        if not isinstance(entry, dict) or "offers_module" not in entry:
            continue  # a missing answer is reported where it is read; no `offers_module`: it offers none
        module_id = entry["offers_module"]
        if module_id not in module_ids:
            problems.add(f"{answer}: offers_module", f"{module_id!r} is not a module in this folder; modules: "
                                                     f"{', '.join(module_ids) or 'none'}")
        else:
            offers[answer] = module_id
    return offers


def _messages(data: dict[str, Any], key: str, problems: Problems) -> tuple[str, ...]:
    if key not in data:
        problems.add("", f"missing required key `{key}`")
        return ()
    return problems.messages(problems.mapping(data[key], key), key)


def _texts(data: dict[str, Any], keys: tuple[str, ...], location: str, problems: Problems) -> dict[str, str]:
    return {key: problems.text(data, key, location, max_length=MAX_SUPPORT_TEXT) for key in keys}


def _parse_question(data: dict[str, Any], location: str, answers: tuple[str, ...], problems: Problems
                    ) -> SupportQuestion:
    choices = problems.mapping(data.get("choices", {}), f"{location}: choices")
    if set(choices) != set(answers):
        unknown = sorted(set(choices) - set(answers))
        problems.add(f"{location}: choices", f"must give a button title for each of {', '.join(answers)}, in the order "
                                             "the buttons appear"
                     + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return SupportQuestion(prompt=problems.text(data, "prompt", location),
                           unclear=problems.text(data, "unclear", location),
                           choices={key: str(title) for key, title in choices.items()})


def _parse_table(raw: Any, location: str, problems: Problems) -> Table:
    """A mapping of age keys (or `any`) to mappings of regions (or `any`) to text, or to one text for every region;
    every age and region must resolve; or one text for everyone."""
    data = {ANY: raw} if isinstance(raw, str) else problems.mapping(raw, location)
    rows: dict[str, dict[str, str]] = {}
    for age_key, raw_row in data.items():
        if age_key not in (*AGE_KEYS, ANY):
            problems.add(location, f"unknown age `{age_key}`; use {', '.join(AGE_KEYS)} or {ANY}")
            continue
        row = {ANY: raw_row} if isinstance(raw_row, str) else problems.mapping(raw_row, f"{location}.{age_key}")
        for region in sorted(set(row) - {*REGIONS, ANY}):
            problems.add(f"{location}.{age_key}", f"unknown region `{region}`; use {', '.join(REGIONS)} or {ANY}")
        rows[age_key] = {region: problems.text(row, region, f"{location}.{age_key}", max_length=MAX_SUPPORT_TEXT)
                         for region in row if region in (*REGIONS, ANY)}
    table = Table(rows)
    for age_key in AGE_KEYS:
        row = rows.get(age_key) or rows.get(ANY)
        if row is None:
            problems.add(location, f"has no line for age `{age_key}`; add `{age_key}` or `{ANY}`")
            continue
        missing = [region for region in REGIONS if not (row.get(region) or row.get(ANY))]
        if missing:
            problems.add(f"{location}.{age_key if age_key in rows else ANY}",
                         f"has no line for {', '.join(missing)}; add them or `{ANY}`")
    return table


def _parse_person_shown(data: dict[str, Any], problems: Problems) -> PersonShownSupport | None:
    if not data:
        return None
    location, problems_before = "person_shown", len(problems.items)
    answer = problems.mapping(data.get("answer", {}), f"{location}.answer")
    threats = problems.mapping(data.get("threats", {}), f"{location}.threats")
    person = PersonShownSupport(
        first_reply=problems.text(data, "first_reply", location),
        first_reply_threats=problems.text(data, "first_reply_threats", location),
        ask_age=_parse_question(problems.mapping(data.get("ask_age", {}), f"{location}.ask_age"),
                                f"{location}.ask_age", AGE_GROUPS_ANSWERS, problems),
        ask_region=_parse_question(problems.mapping(data.get("ask_region", {}), f"{location}.ask_region"),
                                   f"{location}.ask_region", REGION_ANSWERS, problems),
        unsure_note=problems.text(answer, "unsure_note", f"{location}.answer"),
        headings=_texts(problems.mapping(answer.get("headings", {}), f"{location}.answer.headings"), ANSWER_PARTS,
                        f"{location}.answer.headings", problems),
        parts={part: _parse_table(answer.get(part, {}), f"{location}.answer.{part}", problems)
               for part in ANSWER_PARTS},
        threat_steps=_parse_table(threats.get("steps", {}), f"{location}.threats.steps", problems),
        threat_report=_parse_table(threats.get("report", {}), f"{location}.threats.report", problems),
        all_options=_messages(data, "all_options", problems),
    )
    if len(problems.items) > problems_before:
        return None  # a table that does not resolve cannot be composed; the problems say what to add
    _check_lengths(person, problems)
    return person


def _check_lengths(person: PersonShownSupport, problems: Problems) -> None:
    """Every answer a learner can get stays short: computed for every age and region, so an edit that makes one
    combination too long fails at load, naming it."""
    for key in ("first_reply", "first_reply_threats"):
        _check_words(problems, f"person_shown.{key} with ask_age.prompt",
                     f"{getattr(person, key)} {person.ask_age.prompt}", FIRST_REPLY_MAX_WORDS)
    for age in AGE_GROUPS_ANSWERS:
        for region in REGION_ANSWERS:
            _check_words(problems, f"person_shown.answer for age {age}, region {region}",
                         tailored_answer(person, age, region), ANSWER_MAX_WORDS)
            _check_words(problems, f"person_shown.threats for age {age}, region {region}",
                         threats_answer(person, age, region), ANSWER_MAX_WORDS)


def _check_words(problems: Problems, location: str, text: str, limit: int) -> None:
    if (count := shown_words(text)) > limit:
        problems.add(location, f"is {count} words; the limit is {limit}, shorten it")


def _parse_platforms(raw_platforms: dict[str, Any], problems: Problems) -> dict[str, PlatformRoute]:
    platforms = {}
    for platform in PLATFORMS:
        location = f"reporting.platforms.{platform}"
        if platform not in raw_platforms:
            problems.add("reporting.platforms", f"missing platform `{platform}`")
            continue
        entry = problems.mapping(raw_platforms[platform], location)
        name = problems.text(entry, "name", location)
        steps = problems.text(entry, "steps", location, max_length=MAX_SUPPORT_TEXT)
        help_url = problems.url(entry, "help_url", location, required=False)
        platforms[platform] = PlatformRoute(platform=platform, name=name, steps=steps, help_url=help_url)
    for unknown in sorted(set(raw_platforms) - set(PLATFORMS)):
        problems.add("reporting.platforms", f"unknown platform `{unknown}`; platforms: {', '.join(PLATFORMS)}")
    return platforms
