"""Multiple-select feedback option by option: ✓/✗ on each option (in words for screen
readers, not by colour alone), each chosen option's feedback beside it, and the partial rule
worked out (quizzes/choice_display.py)."""

import re

import pytest

from quizzes.choice_display import option_rows, score_rule
from quizzes.forms import AnswerForm
from quizzes.models import Attempt
from tests.factories import choice_spec, make_question, make_quiz
from tests.quiz_helpers import answer_url, slot_url, start_url, summary_url

HX = {"HTTP_HX_REQUEST": "true"}


def feedback(key, text, is_correct):
    return f"<p>{'Yes' if is_correct else 'No'}: {text}.</p>"


@pytest.fixture
def attempt(learner_client, course, objective):
    labels = {"a": "WhatsApp", "b": "Instagram", "c": "Hugging Face", "d": "Kaggle"}
    spec = choice_spec("abcd", "ab", label=labels.get, feedback=feedback)
    make_question(course, objective, type="multiple", key="apps", spec=spec)
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    learner_client.post(start_url(quiz))
    return Attempt.objects.get()


def post_keys(attempt, keys):
    question = attempt.quiz.course.questions.get(key="apps")
    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    return {"choice": [token for token, key in form.option_keys.items() if key in keys]}


def rows_of(body):
    table = body.split('class="table choices-table"', 1)[1].split("</table>", 1)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in table.split("<tbody>", 1)[1].split("</tr>")[:-1]
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_each_option_is_marked_with_its_own_feedback(learner_client, attempt, htmx):
    response = learner_client.post(
        answer_url(attempt, 1), post_keys(attempt, {"a", "c"}), **(HX if htmx else {})
    )
    body = (response if htmx else learner_client.get(slot_url(attempt, 1))).content.decode()
    assert rows_of(body) == [
        "WhatsApp Yes: WhatsApp. ✓ Right: Chosen Correct: choose it",
        "Instagram ✗ Wrong: Not chosen Correct: choose it",
        "Hugging Face No: Hugging Face. ✗ Wrong: Chosen Not correct: leave it out",
        "Kaggle Not chosen Not correct: leave it out",
    ]
    # The marks are words for screen readers, the symbols hidden from them.
    assert '<span class="visually-hidden">Right: </span>' in body
    assert '<span class="pairs-table__mark" aria-hidden="true">✗</span>' in body
    # The rule behind "Not quite": 1 right - 1 wrong = 0 of 2.
    assert "Score: 1 right pick − 1 wrong pick, out of 2 correct options: 0% (never below 0)." in (
        re.sub(r"\s+", " ", body)
    )
    assert 'class="result__feedback"' not in body  # no feedback box detached from its option


def test_the_rows_and_rule_follow_the_answer():
    spec = choice_spec("abc", "ab")
    rows = option_rows(spec, {"choices": ["a", "b"]})
    assert [row["mark"] for row in rows] == ["right", "right", ""]
    assert score_rule(rows)["percent"] == 100
    rows = option_rows(spec, {"choices": ["a"]})
    assert [row["mark"] for row in rows] == ["right", "wrong", ""]
    assert score_rule(rows) == {"right": 1, "wrong": 0, "total": 2, "percent": 50}


@pytest.mark.django_db
def test_each_answer_table_on_the_results_page_has_its_own_label(
    learner_client, course, objective
):
    """Two multiple-select answers on one results page: two regions, two names (axe's
    landmark-unique)."""
    for key in ("apps-one", "apps-two"):
        make_question(course, objective, type="multiple", key=key)
    quiz = make_quiz(course, objective, questions_per_attempt=2)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    for slot in (1, 2):
        question = objective.questions.get(pk=attempt.question_ids[slot - 1])
        form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
        learner_client.post(answer_url(attempt, slot), {"choice": list(form.option_keys)[:1]})
    body = learner_client.get(summary_url(attempt)).content.decode()
    labels = re.findall(r'role="region" aria-label="([^"]+)"', body)
    assert labels == ["Your choices, question 1", "Your choices, question 2"]
