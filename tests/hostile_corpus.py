"""Hostile and bad input for the public REST webhook, as named cases (tests/test_hostile_input.py sends them).

Each case is either a learner message (the runner wraps it in a well-formed body with a sender) or a raw HTTP body
(bytes, possibly not JSON, not UTF-8 or not an object). `expected_status` is set when only one answer is right
(400 for a body the channel cannot use); otherwise any clean answer will do: 200 with the bot's reply, or a 4xx
with a JSON error.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from bot.learning.content import Content

JSON = "application/json"


@dataclass(frozen=True)
class Case:
    """name: unique, "category/what"; message: text sent as a learner (None for raw bodies); body: raw request
    body; content_type: the Content-Type header (None: no header); mid_quiz: sent by a learner who has a question
    waiting (for forged answers and payloads); expected_status: the only right status, when there is one."""

    name: str
    message: str | None = None
    body: bytes | None = None
    content_type: str | None = JSON
    mid_quiz: bool = False
    expected_status: int | None = None

    @property
    def category(self) -> str:
        return self.name.split("/")[0]


def _messages(category: str, items: dict[str, str], **options) -> list[Case]:
    return [Case(f"{category}/{name}", message=text, **options) for name, text in items.items()]


def _bodies(category: str, items: dict[str, bytes], **options) -> list[Case]:
    return [Case(f"{category}/{name}", body=body, **options) for name, body in items.items()]


def _body(sender: str, message: str) -> bytes:
    return json.dumps({"sender": sender, "message": message}).encode()


def empty_and_whitespace() -> list[Case]:
    return _messages("empty", {
        "empty": "", "space": " ", "spaces": " " * 500, "tab": "\t", "newlines": "\n\n\n", "crlf": "\r\n" * 20,
        "ideographic-space": "\u3000", "nbsp": "\u00a0\u00a0", "zero-width-space": "\u200b\u200b",
        "zero-width-joiner": "\u200d", "bom": "\ufeff", "word-joiner": "\u2060", "mixed": " \t\u200b\n\u3000 ",
        "slash": "/", "slashes": "///", "slash-space": "/ ", "braces": "{}", "json-null-text": "null",
    })


def oversized() -> list[Case]:
    return _messages("long", {
        "limit-plus-one": "a" * 1001,
        "4k-words": "spam " * 800,
        "10k-one-word": "x" * 10_000,
        "60k": "leak " * 12_000,
        "long-payload": "/answer" + "{" * 5000,
        "long-line-of-digits": "9" * 3000,
        "emoji-over-limit": "😀" * 1001,
    }) + _bodies("long", {
        "100kB-text": _body("hostile-long-1", "y" * 100_000),
        "1MB-text": _body("hostile-long-2", "z" * 1_000_000),
        "100kB-metadata": json.dumps({"sender": "hostile-long-3", "message": "hi",
                                      "metadata": {"pad": "p" * 100_000}}).encode(),
    }, expected_status=400)


def control_characters() -> list[Case]:
    c0 = {f"c0-{code:02x}": f"hel{chr(code)}lo" for code in range(0x20) if chr(code) not in "\t\n"}
    return _messages("control", {
        **c0,
        "del": "menu\x7f", "c1-nel": "menu\x85", "c1-csi": "\x9b31mred", "ansi-clear": "\x1b[2J\x1b[Hmenu",
        "ansi-title": "\x1b]0;pwned\x07hi", "only-nul": "\x00" * 50, "nul-in-payload": "/help\x00",
        "nul-before-slash": "\x00/answer{\"option\":\"a\",\"question\":\"vl_q1\"}",
        "line-separator": "menu\u2028next", "paragraph-separator": "menu\u2029",
        "lone-surrogate": "hi \ud800 there", "low-surrogate": "\udfff", "noncharacter": "hi\uffff\ufffe",
        "private-use": "\ue000\uf8ff", "replacement-char": "\ufffd" * 10,
    })


def invalid_utf8() -> list[Case]:
    def raw(inner: bytes) -> bytes:
        return b'{"sender": "hostile-utf8", "message": "' + inner + b'"}'

    return _bodies("utf8", {
        "lone-ff": raw(b"\xff"), "lone-fe": raw(b"\xfe\xfe"), "continuation-only": raw(b"\x80\x81"),
        "truncated-2-byte": raw(b"\xc3"), "truncated-3-byte": raw(b"\xe2\x82"),
        "truncated-4-byte": raw(b"\xf0\x9f\x98"),
        "overlong-slash": raw(b"\xc0\xaf"), "overlong-nul": raw(b"\xc0\x80"), "overlong-3": raw(b"\xe0\x80\xaf"),
        "encoded-surrogate": raw(b"\xed\xa0\x80"), "beyond-unicode": raw(b"\xf4\x90\x80\x80"),
        "five-byte": raw(b"\xf8\x88\x80\x80\x80"), "latin1-text": raw("café leak".encode("latin-1")),
        "utf16-body": json.dumps({"sender": "hostile-utf16", "message": "hi"}).encode("utf-16"),
        "in-sender": b'{"sender": "hostile-\xff", "message": "hi"}',
        "in-key": b'{"sender": "hostile-utf8", "mess\xffage": "hi"}',
    }, expected_status=400)


def emoji_floods() -> list[Case]:
    return _messages("emoji", {
        "fire-900": "🔥" * 900, "mixed-flood": "😂🤣💀🔥👀" * 150, "family-zwj": "👨‍👩‍👧‍👦" * 100,
        "flags": "🇬🇧🇺🇸🇫🇷🇩🇪" * 100, "skin-tones": "👍🏽👍🏿👍🏻" * 150, "keycaps": "1️⃣2️⃣3️⃣" * 100,
        "zalgo": "m" + "\u0301\u0316\u0337" * 300 + "enu", "combining-only": "\u0301" * 900,
        "emoji-answer": "🅰️", "emoji-next": "➡️", "hearts-and-text": "❤️ is this leak real? ❤️",
        "math-alphanumerics": "𝓂𝑒𝓃𝓊", "fullwidth": "ｍｅｎｕ",
    })


def bidi_text() -> list[Case]:
    return _messages("bidi", {
        "arabic": "هل هذا الفيديو حقيقي؟", "hebrew": "האם הסרטון הזה אמיתי?", "persian": "چطور گزارش بدهم؟",
        "rlo-override": "\u202eunem", "rlo-in-payload": "/answer\u202e{\"option\":\"a\"}",
        "lri-isolate": "\u2067evil\u2069 menu", "mixed-ltr-rtl": "menu עזרה help مساعدة",
        "rlm-marks": "\u200fnext\u200f", "trojan-source": "skip\u202e\u2066 // \u2069\u2066",
        "rtl-with-digits": "السؤال ٣ الجواب ب", "urdu": "مجھے مدد چاہیے",
    })


def sql_fragments(victim: str) -> list[Case]:
    return _messages("sql", {
        "drop-table": "'; DROP TABLE answers; --", "or-true": "' OR '1'='1",
        "union": "a' UNION SELECT * FROM cohorts--",
        "comment": "menu/* */--", "stacked": "1; DELETE FROM learners WHERE 1=1;",
        "update-victim": f"'; UPDATE answers SET correct=1 WHERE learner_id='{victim}'; --",
        "sqlite-attach": "'; ATTACH DATABASE '/tmp/x.db' AS x; --", "pragma": "PRAGMA writable_schema=1;",
        "load-extension": "SELECT load_extension('/tmp/evil');", "hex-blob": "X'414243'",
        "double-quote": '" OR ""="', "backslash": "\\'; --", "like-wildcards": "%%%___%%%",
        "semicolon-spam": ";" * 300, "sleep": "1' AND SLEEP(5)--", "nosql": '{"$gt": ""}',
    })


def html_and_script() -> list[Case]:
    return _messages("html", {
        "img-onerror": "<img src=x onerror=alert(1)>", "script": "<script>alert(document.cookie)</script>",
        "svg-onload": "<svg onload=alert(1)>", "iframe": "<iframe src=javascript:alert(1)>",
        "body-onload": "<body onload=alert(1)>", "a-javascript": '<a href="javascript:alert(1)">menu</a>',
        "details-ontoggle": "<details open ontoggle=alert(1)>", "style": "<style>*{display:none}</style>",
        "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "template-injection": "{{constructor.constructor('alert(1)')()}}", "jinja": "{{ config }} {% raw %}",
        "entity-encoded": "&lt;script&gt;alert(1)&lt;/script&gt;", "unclosed": "<img src=x onerror=alert(1)//",
        "attribute-break": '"><script>alert(1)</script>', "mathml": "<math><mtext><script>alert(1)</script>",
        "object-data": '<object data="data:text/html,<script>alert(1)</script>">',
        "form": '<form action="https://evil.example"><input name=token></form>',
        "base": '<base href="https://evil.example/">', "null-byte-tag": "<scr\x00ipt>alert(1)</script>",
        "case-mixed": "<ScRiPt>alert(1)</sCrIpT>",
    })


def markdown_injection() -> list[Case]:
    return _messages("markdown", {
        "js-link": "[click me](javascript:alert(1))", "data-link": "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "image": "![pic](https://evil.example/track.png)",
        "data-image": "![x](data:image/svg+xml,<svg onload=alert(1)>)",
        "autolink": "<javascript:alert(1)>", "reference": "[menu][1]\n\n[1]: javascript:alert(1)",
        "html-in-md": "**bold** <img src=x onerror=alert(1)>", "heading": "# I am the tutor now",
        "fake-bot-line": "✅ Right! You scored 10 of 10.", "table": "| a | b |\n|---|---|\n| <b>x</b> | y |",
        "code-fence": "```\n/answer{\"option\":\"a\"}\n```", "nested-brackets": "[[[[[[[[[[x]]]]]]]]]]" * 20,
        "emphasis-bomb": "*" * 5000, "link-title": '[x](https://ok.example "onmouseover=alert(1)")',
        "vbscript": "[x](vbscript:msgbox(1))", "encoded-js": "[x](&#106;avascript:alert(1))",
    })


def forged_payloads(content: Content, victim: str) -> list[Case]:
    quiz = content.modules["verify_leaks"].quiz
    posts = content.modules["verify_leaks"].practice_posts
    payloads = {
        "answer-later-question": f'/answer{{"option":"a","question":"{quiz[5].id}"}}',
        "answer-not-offered-q1": '/answer{"option":"a","question":"vl_q1"}',
        "answer-other-module": f'/answer{{"option":"b","question":"{content.modules["reporting_tools"].quiz[0].id}"}}',
        "answer-unknown-question": '/answer{"option":"a","question":"no_such_q"}',
        "answer-bad-option": f'/answer{{"option":"z","question":"{quiz[0].id}"}}',
        "answer-option-list": f'/answer{{"option":["a","b","c","d"],"question":"{quiz[0].id}"}}',
        "answer-correct-flag": f'/answer{{"option":"a","question":"{quiz[0].id}","correct":true}}',
        "answer-for-victim": f'/answer{{"option":"a","question":"{quiz[0].id}","learner_id":"{victim}"}}',
        "answer-sender-entity": f'/answer{{"option":"a","question":"{quiz[0].id}","sender":"{victim}"}}',
        "answer-confidence": f'/answer{{"option":"a","question":"{quiz[0].id}"}}@1.0',
        "answer-no-entities": "/answer",
        "answer-bad-json": '/answer{"option":',
        "answer-array-json": "/answer[1,2,3]",
        "answer-nested": '/answer{"option":{"$ne":null},"question":{"a":{"b":{"c":1}}}}',
        "answer-huge-entity": '/answer{"option":"' + "a" * 900 + '"}',
        "double-slash": f'//answer{{"option":"a","question":"{quiz[0].id}"}}',
        "space-slash": f' /answer{{"option":"a","question":"{quiz[0].id}"}}',
        "fullwidth-slash": f'／answer{{"option":"a","question":"{quiz[0].id}"}}',
        "inform-learner-id": f'/inform{{"learner_id":"{victim}"}}',
        "start-traversal": '/start_module{"module":"../../etc"}',
        "start-passwd": '/start_module{"module":"/etc/passwd"}',
        "start-unknown": '/start_module{"module":"admin"}',
        "start-list": '/start_module{"module":["verify_leaks","reporting_tools"]}',
        "next-skip-many": '/next{"steps":"100"}',
        "skip-victim": f'/skip{{"learner":"{victim}"}}',
        "stop-victim": f'/stop{{"sender_id":"{victim}"}}',
        "progress-victim": f'/progress{{"learner_id":"{victim}"}}',
        "join-with-cohort-id": '/join_cohort{"join_code":"ZZZZ-99","cohort":"1"}',
        "review-victim": f'/review{{"learner_id":"{victim}"}}',
        "slot-injection": '/greet{"requested_slot":"x","session_started_metadata":{"admin":true}}',
        "practice-move-not-offered": f'/practice_move{{"move":"account","question":"{posts[0].id}"}}',
        "practice-move-unknown-kind": f'/practice_move{{"move":"reveal_answer","question":"{posts[0].id}"}}',
        "practice-move-list": '/practice_move{"move":["account","coverage","replies"]}',
        "support-answer-not-offered": '/support_answer{"age_group":"adult","region":"uk"}',
        "support-answer-bad-age": '/support_answer{"age_group":"admin"}',
        "support-slot-injection": '/affected{"support_age":"adult","support_region":"uk","requested_slot":null}',
        "support-more-not-offered": '/support_more{"topic":"all_options"}',
        "restart": "/restart", "session-start": "/session_start", "back": "/back",
        "action-listen": "/action_listen", "nlu-fallback": "/nlu_fallback",
        "unknown-intent": "/make_me_admin", "unknown-intent-entities": '/grant{"role":"facilitator"}',
        "dunder-intent": "/__class__", "intent-only-slash-braces": "/{}",
        "multi-intent": "/answer+next", "uppercase-intent": "/ANSWER", "intent-with-newline": "/help\n/answer",
        "payload-then-text": f'/answer{{"option":"a","question":"{quiz[0].id}"}} please',
        # Last: the bot asks "delete your data?", and no later case may read as a yes.
        "delete-victim": f'/delete_data{{"learner_id":"{victim}"}}',
    }
    return _messages("forged", payloads, mid_quiz=True) + [
        Case("forged/affirm-without-question", message='/affirm{"learner_id":"' + victim + '"}')]


def other_learners_ids(victim: str) -> list[Case]:
    return _messages("other-id", {
        "my-id-is": f"my id is {victim}", "continue-as": f"continue as {victim}",
        "progress-of": f"show progress of {victim}", "delete-their-data": f"delete the data of {victim}",
        "id-only": victim, "join-as": f"my class code is {victim}",
        "json-text": json.dumps({"sender": victim, "message": "skip"}),
    }, mid_quiz=True)


def malformed_bodies() -> list[Case]:
    deep = b'{"sender": "hostile-deep", "message": "hi", "metadata": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    return _bodies("body", {
        "array": b"[]", "null": b"null", "empty": b"", "empty-string": b'""', "number": b"0", "true": b"true",
        "string": b'"hi"', "empty-object": b"{}", "not-json": b"{not json", "truncated": b'{"sender": "a", "mess',
        "trailing-garbage": b'{"sender": "hostile-b", "message": "hi"} trailing', "single-quotes": b"{'sender': 'a'}",
        "nan": b'{"sender": "hostile-b", "message": NaN}', "infinity": b'{"sender": "hostile-b", "message": 1e999}',
        "deeply-nested-metadata": deep, "deep-array": b"[" * 10_000 + b"]" * 10_000,
        "wide-object": json.dumps({f"k{i}": i for i in range(4000)}).encode(),
        "missing-sender": b'{"message": "hi"}', "missing-message": b'{"sender": "hostile-b"}',
        "sender-null": b'{"sender": null, "message": "hi"}', "sender-number": b'{"sender": 12345, "message": "hi"}',
        "sender-list": b'{"sender": ["a"], "message": "hi"}',
        "sender-object": b'{"sender": {"id": 1}, "message": "hi"}',
        "sender-empty": b'{"sender": "", "message": "hi"}', "sender-too-long": _body("s" * 129, "hi"),
        "sender-traversal": _body("../../etc/passwd", "hi"), "sender-sql": _body("x' OR '1'='1", "hi"),
        "sender-unicode": _body("lérner", "hi"), "sender-newline": _body("hostile\nb", "hi"),
        "sender-space": _body("hostile b", "hi"),
        "message-null": b'{"sender": "hostile-b", "message": null}',
        "message-number": b'{"sender": "hostile-b", "message": 42}',
        "message-bool": b'{"sender": "hostile-b", "message": true}',
        "message-list": b'{"sender": "hostile-b", "message": ["menu"]}',
        "message-object": b'{"sender": "hostile-b", "message": {"text": "menu"}}',
        "metadata-list": b'{"sender": "hostile-b", "message": "hi", "metadata": []}',
        "metadata-string": b'{"sender": "hostile-b", "message": "hi", "metadata": "x"}',
        "metadata-number": b'{"sender": "hostile-b", "message": "hi", "metadata": 7}',
        "utf8-bom": b'\xef\xbb\xbf{"sender": "hostile-b", "message": "hi"}',
    }, expected_status=400)


def odd_but_usable_bodies() -> list[Case]:
    """Bodies the channel can use: they get the bot's reply, and nothing but sender, message and message id counts."""
    return _bodies("odd-body", {
        "duplicate-sender": b'{"sender": "hostile-dup-1", "sender": "hostile-dup-2", "message": "hi"}',
        "duplicate-message": (b'{"sender": "hostile-dup-3", "message": "menu", '
                              b'"message": "/answer{\\"option\\":\\"a\\"}"}'),
        "extra-fields": b'{"sender": "hostile-x1", "message": "hi", "input_channel": "facebook", "admin": true}',
        "metadata-null": b'{"sender": "hostile-x2", "message": "hi", "metadata": null}',
        "metadata-forged": json.dumps({"sender": "hostile-x3", "message": "hi", "metadata": {
            "message_id": "../../x", "learner_id": "victim", "utter_action": "utter_data_deleted"}}).encode(),
        "message-id-number": b'{"sender": "hostile-x4", "message": "hi", "metadata": {"message_id": 5}}',
        "message-id-huge": json.dumps({"sender": "hostile-x5", "message": "hi",
                                       "metadata": {"message_id": "m" * 5000}}).encode(),
        "escaped-unicode": b'{"sender": "hostile-x6", "message": "\\u006d\\u0065\\u006e\\u0075"}',
        "escaped-nul": b'{"sender": "hostile-x7", "message": "\\u0000menu"}',
        "whitespace-around": b'  \n {"sender": "hostile-x8", "message": "menu"}  \n ',
    })


def content_types() -> list[Case]:
    body = _body("hostile-ct", "hi")
    return [Case(f"content-type/{name}", body=data, content_type=content_type) for name, data, content_type in [
        ("none", body, None), ("text-plain", body, "text/plain"),
        ("form-urlencoded", b"sender=hostile-ct&message=hi", "application/x-www-form-urlencoded"),
        ("multipart", b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--",
         "multipart/form-data; boundary=x"),
        ("xml", b"<message>hi</message>", "application/xml"), ("json-latin1-charset", body,
                                                               "application/json; charset=latin-1"),
        ("garbage", body, "garbage/;;;="), ("very-long", body, "application/json; x=" + "a" * 4000),
    ]]


def build_corpus(content: Content, *, victim: str) -> list[Case]:
    """Every case, in sending order."""
    cases = (empty_and_whitespace() + oversized() + control_characters() + invalid_utf8() + emoji_floods()
             + bidi_text() + sql_fragments(victim) + html_and_script() + markdown_injection()
             + forged_payloads(content, victim) + other_learners_ids(victim) + malformed_bodies()
             + odd_but_usable_bodies() + content_types())
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
