"""Practice posts: a mock post to investigate before deciding what to do with it (learning by doing).

A practice post is a quiz item (`type: practice`): the learner makes moves (check the account, search for coverage,
spot the hook…), each revealing a simulated finding, then decides (share, don't share, report, check on the person,
it checks out). The decision is the item's answer; whether a key move came before it is scored too. This module
holds the content's data classes, its loader and the pure decisions; the tutor records moves and decisions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.learning.validation import MAX_FEEDBACK, Problems

# Moves a learner can make, by module: verifying (account … original), spotting a resharing hook, and what to
# report, where and what to note (never "screenshot it" for a bystander).
MOVE_KINDS = ("account", "coverage", "reverse_image", "replies", "original",
              "hook_urgency", "hook_deleted", "hook_link", "hook_outrage",
              "report_where", "report_what", "report_note")
DECISION_KINDS = ("share", "dont_share", "report", "check_on_person", "checks_out")
CALLS_IT_GENUINE = frozenset({"share", "checks_out"})  # for discernment: every other decision treats it as fake
TRUTHS = ("genuine", "fabricated")
POST_FIELDS = ("display_name", "handle", "account_age", "followers", "posted", "caption", "image", "likes",
               "reshares")
MOVES = (3, 6)
DECISIONS = (2, 4)  # shown as options A to D
REPLIES = (2, 3)
MAX_LABEL = 40
MAX_FIELD = 60
MAX_CAPTION = 280
MAX_IMAGE = 120
MAX_REPLY = 160
MAX_FINDING = 300


@dataclass(frozen=True)
class Reply:
    handle: str
    text: str


@dataclass(frozen=True)
class MockPost:
    """What the card shows. `image` describes a grey placeholder box (never a photo of a person)."""

    display_name: str
    handle: str
    account_age: str
    followers: str
    posted: str
    caption: str
    image: str
    likes: str
    reshares: str
    replies: tuple[Reply, ...]


@dataclass(frozen=True)
class Move:
    kind: str
    label: str  # the button
    finding: str  # what the move reveals


@dataclass(frozen=True)
class Decision:
    kind: str
    label: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Practice:
    post: MockPost
    moves: tuple[Move, ...]
    key_moves: tuple[str, ...]  # the moves a careful checker makes before deciding
    decisions: tuple[Decision, ...]

    def move(self, kind: str) -> Move | None:
        return next((move for move in self.moves if move.kind == kind), None)


def says_fabricated(decision_kind: str) -> bool:
    return decision_kind not in CALLS_IT_GENUINE


@dataclass(frozen=True)
class Review:
    """How a decision went: what the learner looked at and skipped of the key moves, and whether a key move came
    before the decision (`investigated`)."""

    looked_at: tuple[Move, ...]
    skipped: tuple[Move, ...]
    investigated: bool


def review_decision(practice: Practice, moves_made: set[str]) -> Review:
    key = [move for move in practice.moves if move.kind in practice.key_moves]
    looked_at = tuple(move for move in practice.moves if move.kind in moves_made)
    skipped = tuple(move for move in key if move.kind not in moves_made)
    return Review(looked_at=looked_at, skipped=skipped, investigated=any(move.kind in moves_made for move in key))


def nearest_move(practice: Practice, text: str, lemmas_of) -> Move | None:
    """The move a typed message means ("i'd google it" -> search for coverage): the move whose label and finding
    share the most content lemmas with it, when one clearly does. `lemmas_of` reads lemmas
    (bot.learning.lemmas.lemmas)."""
    typed = set(lemmas_of(text)) - _STOPWORDS
    if not typed:
        return None
    scores = sorted(((len(typed & (set(lemmas_of(f"{move.label} {_MOVE_WORDS[move.kind]}")) - _STOPWORDS)), move)
                     for move in practice.moves), key=lambda pair: -pair[0])
    best, runner_up = scores[0][0], scores[1][0] if len(scores) > 1 else 0
    return scores[0][1] if best and best > runner_up else None


# Words learners use for each move, beyond its label ("google it", "who posted it", "reverse search").
_MOVE_WORDS = {
    "account": "account profile who post it poster user bio follower age new",
    "coverage": "search google news coverage outlet report elsewhere other site look up",
    "reverse_image": "reverse image search picture photo tineye lens earlier copy",
    "replies": "reply comment read what people say",
    "original": "trace original source first where come from context",
    "hook_urgency": "urgency hurry now fast quick rush",
    "hook_deleted": "delete deleted before gone remove",
    "hook_link": "link bio click url",
    "hook_outrage": "outrage angry anger shock emotion",
    "report_where": "where report app platform button menu",
    "report_what": "what report option category reason",
    "report_note": "note write down link account date time evidence",
}
_STOPWORDS = frozenset("a an the i it to of and or be do you me my this that would will what check look".split())


def parse_practice(data: dict[str, Any], location: str, truth: str | None, problems: Problems) -> Practice | None:
    """The practice part of a quiz item (`post`, `moves`, `key_moves`, `decisions`), or None after recording why."""
    before = len(problems.items)
    raw_post = problems.mapping(data.get("post", {}), f"{location}: post")
    fields = {key: problems.text(raw_post, key, f"{location}: post",
                                 max_length={"caption": MAX_CAPTION, "image": MAX_IMAGE}.get(key, MAX_FIELD))
              for key in POST_FIELDS}
    if "://" in fields["image"]:
        problems.add(f"{location}: post", "`image` describes a grey placeholder box in words; it is never a link")
    replies = tuple(Reply(problems.text(reply, "handle", f"{location}: post: replies[{index}]", max_length=MAX_FIELD),
                          problems.text(reply, "text", f"{location}: post: replies[{index}]", max_length=MAX_REPLY))
                    for index, raw in enumerate(problems.sequence(raw_post, "replies", f"{location}: post"))
                    if (reply := problems.mapping(raw, f"{location}: post: replies[{index}]")))
    _count(problems, f"{location}: post: replies", len(replies), REPLIES, "replies")
    moves = tuple(Move(kind, problems.text(move, "label", where, max_length=MAX_LABEL),
                       problems.text(move, "finding", where, max_length=MAX_FINDING))
                  for kind, move, where in _entries(data, "moves", MOVE_KINDS, location, problems))
    _count(problems, f"{location}: moves", len(moves), MOVES, "moves")
    key_moves = tuple(data.get("key_moves") or ())
    unknown_keys = [kind for kind in key_moves if kind not in {move.kind for move in moves}]
    if not key_moves or unknown_keys:
        problems.add(f"{location}: key_moves", "must list one or more of this post's move kinds "
                                               f"({', '.join(move.kind for move in moves)})"
                     + (f"; not among them: {', '.join(map(str, unknown_keys))}" if unknown_keys else ""))
    decisions = tuple(_decision(kind, decision, where, problems)
                      for kind, decision, where in _entries(data, "decisions", DECISION_KINDS, location, problems))
    _count(problems, f"{location}: decisions", len(decisions), DECISIONS, "decisions")
    if decisions and not any(decision.correct for decision in decisions):
        problems.add(f"{location}: decisions", "at least one decision must have `correct: true`")
    if truth is not None:
        contradicting = [decision.kind for decision in decisions
                         if decision.correct and says_fabricated(decision.kind) != (truth == "fabricated")]
        if contradicting:
            problems.add(f"{location}: decisions", f"{', '.join(contradicting)} cannot be right for a {truth} post: "
                                                   "genuine posts check out, and fabricated ones are not shared")
    if len(problems.items) > before:
        return None
    return Practice(post=MockPost(**fields, replies=replies), moves=moves, key_moves=key_moves, decisions=decisions)


def _entries(data: dict[str, Any], key: str, kinds: tuple[str, ...], location: str, problems: Problems):
    """(kind, entry, location) of each entry of data[key] with a known, unrepeated `kind`."""
    seen: set[str] = set()
    for index, raw in enumerate(problems.sequence(data, key, location)):
        where = f"{location}: {key}[{index}]"
        entry = problems.mapping(raw, where)
        kind = entry.get("kind")
        if kind not in kinds:
            problems.add(where, f"`kind` is {kind!r}; use one of: {', '.join(kinds)}")
        elif kind in seen:
            problems.add(where, f"`kind` {kind} is used twice; each {key[:-1]} appears once")
        else:
            seen.add(kind)
            yield kind, entry, where


def _decision(kind: str, data: dict[str, Any], location: str, problems: Problems) -> Decision:
    correct = data.get("correct")
    if not isinstance(correct, bool):
        problems.add(location, f"`correct` must be true or false, got {correct!r}")
    return Decision(kind, problems.text(data, "label", location, max_length=MAX_LABEL), correct is True,
                    problems.text(data, "feedback", location, max_length=MAX_FEEDBACK))


def _count(problems: Problems, location: str, count: int, bounds: tuple[int, int], what: str) -> None:
    if count and not bounds[0] <= count <= bounds[1]:
        problems.add(location, f"has {count} {what}; a practice post has {bounds[0]} to {bounds[1]}")
