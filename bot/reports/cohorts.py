"""Cohorts: a facilitator's class. Join codes learners type, pseudonymous labels, and facilitator tokens.

A facilitator token is `pcf.<selector>.<verifier>`: the selector finds the cohort, the verifier is the secret. Only
the verifier's SHA-256 is stored (the verifier is 192 random bits, so a slow password hash adds nothing), and it is
compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Iterable, Literal

from bot.errors import UnknownCohort
from bot.store import CodeTaken, Cohort, CohortToken, LabelTaken, Membership, ProgressStore

# Letters and digits nobody confuses when reading a code off a projector or typing it: no I/L/1, O/0, U/V.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTWXYZ"
CODE_DIGITS = "23456789"
JOIN_CODE_FORMAT = "four letters, a dash and two digits, like TUES-42"
_JOIN_CODE = re.compile(r"^([A-Z]{4})[\s-]?([0-9]{2})$")
_JOIN_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{4})[ -]?([0-9]{2})(?![A-Za-z0-9])")
TOKEN_PREFIX = "pcf"
_DUMMY_HASH = hashlib.sha256(b"no such cohort").hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token as the facilitator receives it, once, and what the store keeps of it."""

    token: str
    stored: CohortToken


@dataclass(frozen=True)
class JoinResult:
    status: Literal["joined", "already_member", "switched", "unknown_code", "closed", "no_code"]
    code: str | None = None
    membership: Membership | None = None
    previous: Cohort | None = None  # the cohort left when switching
    cohort: Cohort | None = None  # the closed cohort, when status is "closed"


def new_join_code() -> str:
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(4))
    digits = "".join(secrets.choice(CODE_DIGITS) for _ in range(2))
    return f"{letters}-{digits}"


def normalize_join_code(text: str) -> str | None:
    """'tues 42', 'TUES42' and ' Tues-42 ' all become 'TUES-42'. RETURNS None when it is not code-shaped."""
    match = _JOIN_CODE.match(text.strip().upper())
    return f"{match.group(1)}-{match.group(2)}" if match else None


def join_codes_in(text: str) -> list[str]:
    """Every code-shaped part of a message ('my class code is tues-42' -> ['TUES-42'])."""
    return [f"{letters.upper()}-{digits}" for letters, digits in _JOIN_CODE_IN_TEXT.findall(text)]


def new_token() -> NewToken:
    selector = secrets.token_hex(6)
    verifier = secrets.token_urlsafe(24)
    return NewToken(f"{TOKEN_PREFIX}.{selector}.{verifier}", CohortToken(selector, _hash(verifier)))


def new_label() -> str:
    return "".join(secrets.choice(CODE_LETTERS + CODE_DIGITS) for _ in range(4))


def _hash(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("utf-8")).hexdigest()


class Cohorts:
    """Creates and manages cohorts, lets learners join them, and checks facilitator tokens."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store

    def create(self, name: str) -> tuple[Cohort, str]:
        """RETURNS the cohort and its facilitator token (shown once: only its hash is stored)."""
        name = " ".join(name.split())
        if not name or len(name) > 80:
            raise ValueError("A cohort name is 1 to 80 characters, e.g. \"Year 9 Tuesday\".")
        token = new_token()
        for _ in range(20):  # a clash among ~12 million codes is rare; retry with a fresh one
            try:
                return self.store.create_cohort(name, new_join_code(), token.stored), token.token
            except CodeTaken:
                continue
        raise RuntimeError("Could not find a free join code after 20 tries.")

    def get(self, join_code: str) -> Cohort:
        code = normalize_join_code(join_code)
        cohort = self.store.cohort_by_code(code) if code else None
        if cohort is None:
            raise UnknownCohort(join_code)
        return cohort

    def list(self) -> list[tuple[Cohort, int]]:
        return self.store.cohorts()

    def rotate_token(self, join_code: str) -> tuple[Cohort, str]:
        """Replaces the cohort's token: the old one stops working at once. RETURNS the new token."""
        cohort = self.get(join_code)
        token = new_token()
        self.store.set_cohort_token(cohort, token.stored)
        return cohort, token.token

    def close(self, join_code: str) -> Cohort:
        """No new learners can join; members and reports stay."""
        return self.store.close_cohort(self.get(join_code))

    def authenticate(self, token: str) -> Cohort | None:
        """The cohort this facilitator token opens, or None for a wrong, malformed or rotated token."""
        prefix, _, rest = token.strip().partition(".")
        selector, _, verifier = rest.partition(".")
        found = self.store.cohort_token(selector) if prefix == TOKEN_PREFIX and selector and verifier else None
        expected = found[1].verifier_hash if found else _DUMMY_HASH
        # Hash and compare even when nothing was found, so a wrong selector takes as long as a wrong verifier.
        matches = hmac.compare_digest(_hash(verifier), expected)
        return found[0] if found and matches else None

    def join(self, learner_id: str, codes: Iterable[str]) -> JoinResult:
        """Puts the learner in the first open cohort among `codes` (as typed). Joining twice is harmless."""
        normalized = [code for code in (normalize_join_code(code) for code in codes) if code]
        if not normalized:
            return JoinResult("no_code")
        found = [(code, cohort) for code in dict.fromkeys(normalized)
                 if (cohort := self.store.cohort_by_code(code)) is not None]
        if not found:
            return JoinResult("unknown_code", code=normalized[0])
        code, cohort = found[0]
        if not cohort.is_open:
            return JoinResult("closed", code=code, cohort=cohort)
        current = self.store.membership(learner_id)
        if current is not None and current.cohort.id == cohort.id:
            return JoinResult("already_member", code=code, membership=current)
        for _ in range(50):  # labels are random; a taken one is simply drawn again
            try:
                membership = self.store.add_member(learner_id, cohort, new_label())
                break
            except LabelTaken:
                continue
        else:
            raise RuntimeError(f"Could not find a free learner label in cohort {cohort.join_code}.")
        if current is not None:
            return JoinResult("switched", code=code, membership=membership, previous=current.cohort)
        return JoinResult("joined", code=code, membership=membership)
