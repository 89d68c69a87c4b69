"""Cohorts: join codes, joining, facilitator tokens."""
from __future__ import annotations

import re

import pytest

from bot.reports import cohorts as cohorts_module
from bot.reports.cohorts import CODE_DIGITS, CODE_LETTERS, join_codes_in, new_join_code, normalize_join_code
from bot.errors import UnknownCohort


def test_join_codes_use_only_unambiguous_characters():
    codes = {new_join_code() for _ in range(300)}
    assert len(codes) > 290  # random, not a sequence
    for code in codes:
        assert re.fullmatch(rf"[{CODE_LETTERS}]{{4}}-[{CODE_DIGITS}]{{2}}", code)
    assert not set("IOL01UV") & set(CODE_LETTERS + CODE_DIGITS)


@pytest.mark.parametrize("typed, code", [
    ("TUES-42", "TUES-42"), (" tues-42 ", "TUES-42"), ("tues42", "TUES-42"), ("Tues 42", "TUES-42"),
    ("TUE-42", None), ("TUES-4", None), ("my class", None), ("", None),
])
def test_normalize_join_code(typed, code):
    assert normalize_join_code(typed) == code


def test_codes_found_in_messages():
    assert join_codes_in("my class code is tues-42 thx") == ["TUES-42"]
    assert join_codes_in("code: ABCD 23 or maybe WXYZ-99") == ["ABCD-23", "WXYZ-99"]
    assert join_codes_in("year 2024 in room B12") == []


def test_create_shows_token_once_and_stores_only_its_hash(cohorts, store):
    cohort, token = cohorts.create("  Year 9   Tuesday ")
    assert cohort.name == "Year 9 Tuesday" and cohort.is_open
    row = store.db.execute("SELECT * FROM cohorts").fetchone()
    assert token not in " ".join(str(value) for value in row)
    assert token.split(".")[2] not in " ".join(str(value) for value in row)
    assert cohorts.authenticate(token) == cohort


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_cohort_names_are_checked(cohorts, name):
    with pytest.raises(ValueError, match="1 to 80 characters"):
        cohorts.create(name)


def test_wrong_tokens_open_nothing(cohorts):
    cohort, token = cohorts.create("A")
    other, other_token = cohorts.create("B")
    prefix, selector, verifier = token.split(".")
    last_changed = verifier[:-1] + ("y" if verifier.endswith("x") else "x")  # never the real verifier
    for wrong in ["", "pcf", f"{prefix}.{selector}.", f"{prefix}.{selector}.{last_changed}",
                  f"{prefix}.nosuchselector.{verifier}", f"xyz.{selector}.{verifier}", verifier,
                  f"{prefix}.{selector}.{other_token.split('.')[2]}"]:
        assert cohorts.authenticate(wrong) is None, wrong
    assert cohorts.authenticate(other_token) == other


def test_rotating_replaces_the_token(cohorts):
    cohort, old = cohorts.create("A")
    _, new = cohorts.rotate_token(cohort.join_code.lower())
    assert cohorts.authenticate(old) is None
    assert cohorts.authenticate(new) == cohort


def test_unknown_code_is_a_clear_error(cohorts):
    with pytest.raises(UnknownCohort, match="cohort list"):
        cohorts.close("ZZZZ-99")


def test_joining(cohorts, store):
    cohort, _ = cohorts.create("Year 9")
    joined = cohorts.join("ana", ["nonsense", cohort.join_code.lower()])
    assert joined.status == "joined" and joined.membership.cohort == cohort
    assert re.fullmatch(r"[A-Z2-9]{4}", joined.membership.label)
    again = cohorts.join("ana", [cohort.join_code])
    assert again.status == "already_member" and again.membership.label == joined.membership.label
    assert store.db["cohort_members"].count == 1


def test_a_learner_is_in_one_cohort_at_a_time(cohorts, store):
    first, _ = cohorts.create("Monday")
    second, _ = cohorts.create("Tuesday")
    cohorts.join("ana", [first.join_code])
    moved = cohorts.join("ana", [second.join_code])
    assert moved.status == "switched" and moved.previous == first and moved.membership.cohort == second
    assert store.membership("ana").cohort == second and store.db["cohort_members"].count == 1


def test_unknown_closed_and_missing_codes(cohorts, store):
    cohort, _ = cohorts.create("Year 9")
    assert cohorts.join("ana", []).status == "no_code"
    assert cohorts.join("ana", ["hello"]).status == "no_code"
    unknown = cohorts.join("ana", ["ZZZZ-99"])
    assert unknown.status == "unknown_code" and unknown.code == "ZZZZ-99"
    cohorts.close(cohort.join_code)
    closed = cohorts.join("ana", [cohort.join_code])
    assert closed.status == "closed" and closed.cohort.name == "Year 9"
    assert store.membership("ana") is None


def test_taken_labels_are_drawn_again(cohorts, store, monkeypatch):
    cohort, _ = cohorts.create("Year 9")
    labels = iter(["AAAA", "AAAA", "BBBB"])
    monkeypatch.setattr(cohorts_module, "new_label", lambda: next(labels))
    assert cohorts.join("ana", [cohort.join_code]).membership.label == "AAAA"
    assert cohorts.join("ben", [cohort.join_code]).membership.label == "BBBB"


def test_deleting_a_learner_removes_the_membership(cohorts, store, tutor):
    cohort, _ = cohorts.create("Year 9")
    cohorts.join("ana", [cohort.join_code])
    tutor.start("ana", "verify_leaks")
    assert tutor.forget("ana")
    assert store.membership("ana") is None
    for table in ("learners", "cohort_members", "attempts", "module_progress", "answers"):
        assert store.db[table].count == 0, table
    assert store.cohorts() == [(cohort, 0)]
