"""End to end through the REST webhook: the real action server and Rasa server, on temporary databases.

Needs the trained model (models/pause_check.tar.gz); `make test` builds it first.
"""
from __future__ import annotations

import json

import pytest

from tests.chat import (CONTENT, answer_checks, answer_payload, answers_of, go_to_first_question, payloads,
                        socketio_exchange, texts)
from bench.servers import ROOT

pytestmark = pytest.mark.server


def test_learner_completes_a_module_with_buttons(servers):
    module = CONTENT.modules["verify_leaks"]
    replies = servers.say("learner-full", "hi")
    assert "Pause & Check" in texts(replies)
    start = '/start_module{"module":"verify_leaks"}'
    assert start in payloads(replies)
    replies = servers.say("learner-full", start)
    assert "quick check" in texts(replies) and module.pre_check[0].prompt[:40] in texts(replies)
    replies = answer_checks(servers, "learner-full", replies, module.pre_check)
    assert module.lessons[0].source in texts(replies)
    for lesson in module.lessons[1:]:
        replies = servers.say("learner-full", "/next")
        assert lesson.source in texts(replies)
    replies = servers.say("learner-full", "/next")
    expected_correct = 0
    for index, question in enumerate(module.quiz):
        if question.free_text is not None:
            assert "Type your answer" in texts(replies)
            typed = " and ".join(concept.phrases[0] for concept in question.free_text.concepts)
            replies = servers.say("learner-full", typed)
            assert "✅ Right" in texts(replies)
            expected_correct += 1
            continue
        offered = [payload for payload in payloads(replies) if payload.startswith("/answer")]
        assert offered == [answer_payload(question.id, option.letter) for option in question.options]
        # Alternate right and wrong answers.
        option = question.correct_option if index % 2 == 0 else next(o for o in question.options if not o.correct)
        expected_correct += option.correct
        replies = servers.say("learner-full", answer_payload(question.id, option.letter))
        assert ("✅ Right" if option.correct else "❌ Not quite") in texts(replies)
        assert option.feedback in texts(replies)
    assert "final check" in texts(replies)
    replies = answer_checks(servers, "learner-full", replies, module.post_check)
    assert f"{expected_correct} of {len(module.quiz)} correct" in texts(replies)
    assert "before the lessons and" in texts(replies) and "Real or fake?" in texts(replies)
    report = json.loads(servers.progress("learner-full").stdout)
    first = report["modules"][0]
    assert (first["status"], first["answered"], first["correct"]) == ("completed", len(module.quiz),
                                                                       expected_correct)
    assert first["checks"]["pre"]["of"] == len(module.pre_check) and report["next_review_due"]
    replies = servers.say("learner-full", "quiz me on what i got wrong")
    assert "Nothing is due for review right now. Next review:" in texts(replies)


def test_typed_answers_and_words(servers):
    module = CONTENT.modules["resist_resharing"]
    servers.say("learner-typed", '/start_module{"module":"resist_resharing"}')  # not offered yet: plain text
    replies = servers.say("learner-typed", "start the resharing module")
    replies = answer_checks(servers, "learner-typed", replies, module.pre_check)
    assert module.lessons[0].source in texts(replies)
    replies = servers.say("learner-typed", "skip")
    assert module.quiz[0].prompt[:40] in texts(replies)
    letter = module.quiz[0].correct_option.letter
    replies = servers.say("learner-typed", letter.upper())
    assert "✅ Right" in texts(replies)


def test_forged_payloads_cannot_answer_or_skip_ahead(servers):
    quiz = CONTENT.modules["verify_leaks"].quiz
    go_to_first_question(servers, "learner-forge")
    go_to_first_question(servers, "learner-victim")
    forged = [
        answer_payload(quiz[1].id, quiz[1].correct_option.letter),  # a later question
        f'/answer{{"option":"{quiz[0].correct_option.letter}","question":"{quiz[0].id}","sender":"learner-victim"}}',
        '/answer{"option":"a","question":"' + quiz[0].id + '"}@1.0',
        '/skip{"learner":"learner-victim"}',
    ]
    for message in forged[:3]:
        servers.say("learner-forge", message)
    assert answers_of(servers, "learner-forge") == []
    assert answers_of(servers, "learner-victim") == []
    servers.say("learner-forge", forged[3])  # typed "skip" is allowed, but only for the sender
    assert answers_of(servers, "learner-victim") == []


def test_redelivered_answer_is_recorded_once(servers):
    question = CONTENT.modules["verify_leaks"].quiz[0]
    go_to_first_question(servers, "learner-retry")
    payload = answer_payload(question.id, question.correct_option.letter)
    first = servers.say("learner-retry", payload, message_id="retry-1")
    assert "✅ Right" in texts(first)
    again = servers.say("learner-retry", payload, message_id="retry-1")
    assert "already have your answer" in texts(again) or "earlier question" in texts(again)
    assert len(answers_of(servers, "learner-retry")) == 1


@pytest.mark.parametrize("message, expected", [
    ("x" * 10_000, "characters long"),
    ("", "didn't receive any text"),
    ("   \x00\x07  ", "didn't receive any text"),
])
def test_bad_input_gets_a_clear_reply(servers, message, expected):
    assert expected in texts(servers.say("learner-bad", message))


@pytest.mark.parametrize("message", ["🔥🔥🔥💀💀", "这个视频是真的吗", "<img src=x onerror=alert(1)>",
                                     "'; DROP TABLE answers; --", "/greet{\"name\": \"x\"}", "/nonexistent_intent"])
def test_odd_input_gets_an_answer(servers, message):
    replies = servers.say("learner-odd", message)
    assert replies and texts(replies).strip()
    assert answers_of(servers, "learner-odd") == []


@pytest.mark.parametrize("body, problem", [
    (b"[]", "Send a JSON object"),
    (b"null", "Send a JSON object"),
    (b"", "Send a JSON object"),
    (b"{not json", "Send a JSON object"),
    (b'{"sender": 5, "message": "hi"}', "`sender` must be the learner id"),
    (b'{"sender": "a b", "message": "hi"}', "`sender` must be the learner id"),
    (b'{"sender": "ok", "message": ["hi"]}', "`message` must be text"),
    (b'{"sender": "ok", "message": "' + b"x" * 70_000 + b'"}', "larger than 64 kB"),
])
def test_malformed_bodies_get_400(servers, body, problem):
    response = servers.post(body)
    assert response.status_code == 400
    assert problem in response.json()["error"]
    assert servers.say("learner-after-400", "hi")  # still serving


def test_affected_learner_gets_support_not_a_quiz(servers):
    replies = servers.say("learner-affected", "my ex posted my nudes online what do i do")
    text = texts(replies)
    assert "StopNCII" in text and "Take It Down" in text
    assert not any(p.startswith("/answer") or p.startswith("/start_module") for p in payloads(replies))


def test_delete_data_removes_progress_and_history(servers):
    go_to_first_question(servers, "learner-delete")
    replies = servers.say("learner-delete", "delete my data")
    assert "/affirm" in payloads(replies)
    replies = servers.say("learner-delete", "/affirm")
    assert "deleted" in texts(replies)
    with servers.db("tracker.db") as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = 'learner-delete'").fetchone()[0] == 0
    result = servers.progress("learner-delete")
    assert result.returncode == 1 and "No learner with id 'learner-delete'" in result.stderr


def test_socketio_replies_arrive_again_after_reconnect(servers):
    first = socketio_exchange(servers, "learner-socket", "hi")
    assert "Pause & Check" in texts(first)
    start = '/start_module{"module":"verify_leaks"}'
    assert start in payloads(first)
    # A reload: a new connection with the same session id continues the same conversation.
    second = socketio_exchange(servers, "learner-socket", start)
    assert CONTENT.modules["verify_leaks"].pre_check[0].prompt[:40] in texts(second)


def test_resume_after_servers_restart(servers):
    module = CONTENT.modules["reporting_tools"]
    servers.say("learner-resume", '/start_module{"module":"reporting_tools"}')
    replies = servers.say("learner-resume", "start reporting tools")
    answer_checks(servers, "learner-resume", replies, module.pre_check)
    servers.say("learner-resume", "next")
    servers.say("learner-resume", "/stop")
    servers.stop()
    servers.start()
    replies = servers.say("learner-resume", "hi")
    assert module.title in texts(replies)
    replies = servers.say("learner-resume", "/start_module{\"module\":\"reporting_tools\"}")
    assert module.lessons[1].source in texts(replies)


def test_joining_a_class_through_the_chat(servers):
    import subprocess
    import sys

    created = subprocess.run([sys.executable, "-m", "bot", "cohort", "create", "Server class", "--json"],
                             cwd=ROOT, env=servers.env, capture_output=True, text=True, check=True)
    code = json.loads(created.stdout)["join_code"]
    replies = texts(servers.say("joiner", f"my class code is {code.lower()}"))
    with servers.db("progress.db") as db:
        label = db.execute("SELECT label FROM cohort_members WHERE learner_id = 'joiner'").fetchone()[0]
    assert "You've joined" in replies and "Server class" in replies and label in replies
    assert "You're already in" in texts(servers.say("joiner", f"join {code}"))
    assert "couldn't find a class" in texts(servers.say("joiner", "class code ZZZZ-99"))
    # Nothing a learner sends reads cohort data back: no intent, payload or entity does it.
    for probe in ("show me the class report", f'/join_cohort{{"join_code":"{code}","cohort":"1"}}',
                  f"facilitator report for {code}"):
        assert label not in texts(servers.say("other-learner", probe))
