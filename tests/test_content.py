from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.learning.content import MODULE_IDS, load_content
from bot.learning.support import PLATFORMS
from bot.errors import ContentError
from tests.conftest import FIXTURE_CONTENT, LEARNING_CONTENT, SHIPPED_CONTENT


def test_shipped_content_loads_with_enough_lessons_and_questions():
    content = load_content(SHIPPED_CONTENT)
    assert list(content.modules) == list(MODULE_IDS)
    for module in content.modules.values():
        assert len(module.lessons) >= 5, module.id
        assert len(module.quiz) >= 8, module.id
        assert {"scenario", "free_text", "practice"} <= {question.type for question in module.quiz}
        assert all(lesson.source.startswith("https://") for lesson in module.lessons)
        assert 3 <= len(module.pre_check) == len(module.post_check) <= 4, module.id
    judgements = content.modules["verify_leaks"].judgement_items
    assert len(judgements) >= 4 and sum(item.truth == "genuine" for item in judgements) == len(judgements) / 2
    assert set(content.support.platforms) == set(PLATFORMS)
    assert content.support.offers == {"share_request": "resist_resharing", "check_content": "verify_leaks",
                                      "reporting": "reporting_tools"}


def test_refusing_to_share_ends_by_inviting_someone_whose_own_images_these_are():
    # The action puts a "They're of me: I need help" button on this message (a misread `affected` is one tap away).
    assert "of you" in load_content(SHIPPED_CONTENT).support.share_request[-1]


def test_fixture_content_loads_in_menu_order(content):
    assert list(content.modules) == ["verify_leaks", "resist_resharing"]
    question = content.modules["verify_leaks"].quiz[0]
    assert [option.letter for option in question.options] == ["a", "b", "c"]
    assert question.correct_option.text == "Stop"


@pytest.fixture
def broken_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture content, to break in each test."""
    target = tmp_path / "quizzes"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def edit_module(directory: Path, name: str, change) -> None:
    path = directory / f"{name}.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def two_correct(data):
    data["quiz"][0]["options"][0]["correct"] = True


def duplicate_id(data):
    data["quiz"][1]["id"] = "t_q1"


def missing_prompt(data):
    del data["quiz"][0]["prompt"]


def http_source(data):
    data["lessons"][0]["source"] = "http://example.org"


def long_lesson(data):
    data["lessons"][1]["text"] = "x" * 701


def bad_true_false(data):
    data["quiz"][1]["options"][0]["text"] = "Yes"


def bad_type(data):
    data["quiz"][0]["type"] = "essay"


def one_option(data):
    data["quiz"][0]["options"] = data["quiz"][0]["options"][:1]
    data["quiz"][0]["options"][0]["correct"] = True


def wrong_id(data):
    data["id"] = "verify"


@pytest.mark.parametrize("change, expected", [
    (two_correct, "quizzes/verify_leaks.yml: quiz[0] (t_q1): options: exactly one option must have "
                  "`correct: true`, found 2"),
    (duplicate_id, "verify_leaks.yml: t_q1: id is already used in verify_leaks.yml; ids must be unique"),
    (missing_prompt, "quizzes/verify_leaks.yml: quiz[0] (t_q1): missing required key `prompt`"),
    (http_source, "quizzes/verify_leaks.yml: lessons[0] (t_l1): `source` must be one https:// link, "
                  "got 'http://example.org'"),
    (long_lesson, "quizzes/verify_leaks.yml: lessons[1] (t_l2): text: is 701 characters; the limit is 700"),
    (bad_true_false, "quiz[1] (t_q2): options: a true_false question has exactly two options, `True` and `False`"),
    (bad_type, "quiz[0] (t_q1): `type` is 'essay'; use one of: single_choice, true_false, scenario"),
    (one_option, "quiz[0] (t_q1): options: has 1 options; a question needs 2 to 4"),
    (wrong_id, "quizzes/verify_leaks.yml: id: is 'verify' but the file is verify_leaks.yml"),
])
def test_content_errors_name_file_item_and_fix(broken_dir, change, expected):
    edit_module(broken_dir, "verify_leaks", change)
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_every_problem_is_reported_at_once(broken_dir):
    edit_module(broken_dir, "verify_leaks", two_correct)
    edit_module(broken_dir, "resist_resharing", missing_prompt)
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert len(raised.value.problems) == 2
    assert "Content is invalid (2 problems)" in str(raised.value)


def test_invalid_yaml_names_the_line(broken_dir):
    (broken_dir / "resist_resharing.yml").write_text("id: resist_resharing\ntitle: [unclosed\n")
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert raised.value.problems[0].startswith("quizzes/resist_resharing.yml: line 3: is not valid YAML")


def test_support_file_must_list_every_platform(broken_dir):
    support = yaml.safe_load((broken_dir / "support.yml").read_text())
    del support["reporting"]["platforms"]["reddit"]
    support["reporting"]["platforms"]["myspace"] = {"name": "MySpace", "steps": "?"}
    (broken_dir / "support.yml").write_text(yaml.safe_dump(support))
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert raised.value.problems == [
        "quizzes/support.yml: reporting.platforms: missing platform `reddit`",
        "quizzes/support.yml: reporting.platforms: unknown platform `myspace`; platforms: " + ", ".join(PLATFORMS),
    ]


def test_wording_file_names_the_key_and_the_fields_it_takes(broken_dir):
    path = broken_dir / "wording.yml"
    wording = yaml.safe_load(path.read_text())
    wording["buttons"]["start_module"] = "Start now"
    wording["phrases"]["your_answer"] = "your {answer}"
    del wording["phrases"]["practice_hint"]
    path.write_text(yaml.safe_dump(wording, allow_unicode=True))
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert raised.value.problems == [
        "quizzes/wording.yml: buttons.start_module: must use {title} and no other {field}; write a literal brace as "
        "{{ or }}",
        "quizzes/wording.yml: phrases: missing required key `practice_hint`",
        "quizzes/wording.yml: phrases.your_answer: takes no {field}; write a literal brace as {{ or }}",
    ]


def test_missing_wording_file_says_what_it_holds(broken_dir):
    (broken_dir / "wording.yml").unlink()
    with pytest.raises(ContentError) as raised:
        load_content(broken_dir)
    assert raised.value.problems == ["quizzes/wording.yml: file not found; it holds the chat's button titles and "
                                     "phrases (see quizzes/README.md)"]


def test_missing_folder_says_which_setting_to_fix(tmp_path):
    with pytest.raises(ContentError, match="set PAUSECHECK_CONTENT_DIR"):
        load_content(tmp_path / "nowhere")


@pytest.fixture
def learning_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture with checks, judgement items and a free-text question."""
    target = tmp_path / "quizzes"
    shutil.copytree(LEARNING_CONTENT, target)
    return target


def problems_after(directory: Path, change) -> list[str]:
    edit_module(directory, "verify_leaks", change)
    with pytest.raises(ContentError) as error:
        load_content(directory)
    return error.value.problems


def test_learning_fixture_loads():
    module = load_content(LEARNING_CONTENT).modules["verify_leaks"]
    judgement, genuine, free_text, _ = module.quiz
    assert [(option.letter, option.text, option.correct) for option in judgement.options] == [
        ("a", "Likely genuine", False), ("b", "Likely fabricated or misleading", True)]
    assert judgement.options[1].feedback == "Yes, recycled." and genuine.options[0].correct
    assert free_text.options == () and free_text.free_text.concepts[0].phrases == ("stop", "pause")
    assert [item.skill for item in module.pre_check] == [item.skill for item in module.post_check]
    assert module.synonyms == {"pause": ("wait", "hold on")}
    assert (module.plan(1).total, module.plan(2).total, module.plan(1).quiz_start) == (11, 8, 4)


@pytest.mark.parametrize("change, problem", [
    (lambda data: data["quiz"][0].update(options=[{"text": "x"}]), "quiz[0] (c_q1): a judgement item has no `options`"),
    (lambda data: data["quiz"][0].update(truth="maybe"), "`truth` must be `genuine` or `fabricated`, got 'maybe'"),
    (lambda data: data["quiz"][0].pop("feedback"), "missing required key `feedback` (a mapping with right, wrong)"),
    (lambda data: data["quiz"].pop(1), "has 0 genuine and 1 fabricated judgement items"),
    (lambda data: data["quiz"][2].pop("concepts"), "quiz[2] (c_q3): missing required key `concepts` (a list)"),
    (lambda data: data["quiz"][2]["concepts"][0].update(phrases=["one two three four five six seven"]),
     "phrases[0]: has 7 words; a phrase is 1 to 6 words"),
    (lambda data: data["quiz"][2]["feedback"].pop("partial"), "feedback: missing required key `partial`"),
    (lambda data: data["post_check"].pop(), "post_check: has 2 items but pre_check has 3"),
    (lambda data: data["post_check"][0].update(skill="other"),
     "tests skill 'other' but pre_check[0] tests 'first_step'"),
    (lambda data: data["post_check"][0].update(prompt="What comes first?"), "repeats the pre-check question"),
    (lambda data: data["pre_check"][0].pop("skill"), "pre_check[0] (c_pre1): missing required key `skill`"),
    (lambda data: (data["pre_check"].pop(), data["post_check"].pop()), "pre_check: has 2 items; a check has 3 or 4"),
    (lambda data: data.update(synonyms={"pause": "wait"}), "synonyms: pause: must map a word to a non-empty list"),
    (lambda data: data["post_check"][0].update(id="c_q1"), "c_q1: id is already used"),
])
def test_learning_content_problems_are_explained(learning_dir, change, problem):
    found = problems_after(learning_dir, change)
    assert any(problem in item for item in found), found
