"""A matching answer as a table (feedback, results, export), and no silent repeat of one
right-hand option when each option fits one item only."""

import csv
import io
import json

import pytest
from django.urls import reverse

from quizzes import matching_display
from quizzes.forms import AnswerForm
from quizzes.models import Attempt, Response
from tests.factories import make_question, make_quiz
from tests.quiz_helpers import answer_url, finish_url, post_data, start_url

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def matching(course):
    return make_question(course, type="matching")


@pytest.fixture
def attempt(learner_client, course, matching):
    quiz = make_quiz(course, matching.objective, questions_per_attempt=1)
    learner_client.post(start_url(quiz))
    return Attempt.objects.get()


def test_pair_rows_mark_each_pair_and_give_the_correct_match():
    spec = {
        "pairs": [
            {"key": "1", "left": "Maverick", "right_key": "r1"},
            {"key": "2", "left": "Scout", "right_key": "r2"},
        ],
        "rights": [{"key": "r1", "text": "Assistant"}, {"key": "r2", "text": "Long documents"}],
    }
    rows = matching_display.pair_rows(spec, {"pairs": {"1": "r1", "2": "r1"}})
    assert [(r["left"], r["chosen"], r["correct"], r["is_right"]) for r in rows] == [
        ("Maverick", "Assistant", "Assistant", True),
        ("Scout", "Assistant", "Long documents", False),
    ]
    assert matching_display.pairs_text(rows) == (
        "✓ Maverick → Assistant\n✗ Scout → Assistant (correct: Long documents)"
    )
    assert matching_display.duplicate_choice(spec, {"1": "r1", "2": "r1"}) == "Assistant"
    shared = {**spec, "pairs": [{**p, "right_key": "r1"} for p in spec["pairs"]]}
    assert not matching_display.rights_unique(shared)
    assert matching_display.duplicate_choice(shared, {"1": "r1", "2": "r1"}) is None


@pytest.mark.django_db
def test_the_feedback_is_a_table_with_a_row_per_pair(learner_client, attempt, matching):
    body = learner_client.post(
        answer_url(attempt, 1), post_data(attempt, matching, correct=False), **HX
    ).content.decode()
    assert '<table class="table pairs-table">' in body
    assert body.count('class="is-wrong"') == 3 and "is-right" not in body
    assert '<th scope="row">Maverick</th>' in body
    assert "General assistant; " not in body  # not the old run-on line


@pytest.mark.django_db
def test_one_option_chosen_for_two_items_is_refused(learner_client, attempt, matching):
    form = AnswerForm(attempt=attempt, question=matching, version=matching.current_version)
    token = next(iter(form.right_keys))
    data = dict.fromkeys(form.left_keys, token)
    response = learner_client.post(answer_url(attempt, 1), data, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "for more than one item. Each option fits one item only" in body
    assert not Response.objects.exists()
    page = learner_client.get(response.wsgi_request.path.replace("/answer", "/")).content
    assert "(each option fits one item only)" in page.decode()


@pytest.mark.django_db
def test_the_export_has_the_prompt_the_pairs_and_the_attempt_score(
    learner_client, attempt, matching
):
    learner_client.post(answer_url(attempt, 1), post_data(attempt, matching, correct=False))
    learner_client.post(finish_url(attempt))
    rows = list(
        csv.DictReader(
            io.StringIO(
                learner_client.get(reverse("accounts:export_answers_csv")).content.decode()
            )
        )
    )
    assert len(rows) == 1
    assert rows[0]["prompt"] and "<" not in rows[0]["prompt"]
    assert rows[0]["answer"].splitlines()[0].startswith("✗ Maverick → ")
    assert rows[0]["attempt_score"] == "0 / 1 (0%)"
    assert rows[0]["practice"] == "no"
    data = json.loads(learner_client.get(reverse("accounts:export_json")).content)
    assert data["attempts"][0]["score_text"] == "0 / 1 (0%)"
    assert data["attempts"][0]["quiz"] == attempt.quiz.slug
