"""Bad input on the quiz pages: a clear message in place (htmx) or on the page, never a 500,
and nothing stored; another learner's attempt is a 404 that gives nothing away.

An answer the learner can correct (nothing chosen, not a number) is shown again with its
message as a normal page (200); what the served form cannot send (a value it never offered, a
text past the input's maxlength, a NUL character: a tampered request) is a 400."""

import re

import pytest

from progress.models import Mastery
from quizzes.forms import AnswerForm
from quizzes.models import Attempt, Response
from tests.factories import make_quiz, make_user
from tests.quiz_helpers import (
    answer_url,
    finish_url,
    post_data,
    slot_url,
    start_url,
    summary_url,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def questions(questions):
    """The shared questions (tests/conftest.py) by type."""
    return {question.type: question for question in questions}


@pytest.fixture
def attempt(learner_client, quiz):
    learner_client.post(start_url(quiz))
    return Attempt.objects.get()


def slot_of(attempt, question):
    return attempt.question_ids.index(question.pk) + 1


def assert_nothing_stored():
    assert not Response.objects.exists()
    assert not Mastery.objects.exists()


def tokens(attempt, question):
    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    return form


BAD_ANSWERS = [
    ("single", {}, "Choose one option.", 200),
    ("single", {"choice": "o0000000000000000000"}, "not part of this question", 400),
    ("single", {"choice": "a"}, "not part of this question", 400),  # the author's key
    ("multiple", {}, "Choose at least one option.", 200),
    ("multiple", {"choice": ["nope"]}, "not part of this question", 400),
    ("truefalse", {"value": "maybe"}, "Choose true or false.", 400),
    ("truefalse", {}, "Choose true or false.", 200),
    ("numeric", {"text": "ten million"}, "Enter a number", 200),
    ("numeric", {"text": "   "}, "Enter a number.", 200),
    ("text", {"text": ""}, "Type your answer.", 200),
    ("text", {"text": "x" * 501}, "under 500 characters", 400),  # past the input's maxlength
    ("text", {"text": "Alexandr\x00 Wang"}, "Null characters are not allowed", 400),
    ("matching", {}, "Match every item on the left.", 200),
    ("matching", {"pair-1": "bogus", "pair-2": "bogus", "pair-3": "bogus"}, "not part of", 400),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("qtype", "data", "message", "status"), BAD_ANSWERS)
def test_bad_answers_are_shown_on_the_page_and_store_nothing(
    learner_client, attempt, questions, qtype, data, message, status
):
    slot = slot_of(attempt, questions[qtype])
    response = learner_client.post(answer_url(attempt, slot), data)
    body = response.content.decode()
    assert response.status_code == status
    assert message in body
    assert "<html" in body and 'role="alert"' in body
    assert f'action="{answer_url(attempt, slot)}"' in body  # the form, to answer again
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(("qtype", "data", "message", "status"), BAD_ANSWERS)
def test_bad_answers_get_a_fragment_in_place_with_htmx(
    learner_client, attempt, questions, qtype, data, message, status
):
    slot = slot_of(attempt, questions[qtype])
    response = learner_client.post(answer_url(attempt, slot), data, **HX)
    body = response.content.decode()
    assert response.status_code == status
    assert message in body
    assert "<html" not in body and 'role="alert"' in body
    assert f'hx-post="{answer_url(attempt, slot)}"' in body
    assert_nothing_stored()


@pytest.mark.django_db
def test_an_option_of_another_question_is_refused(learner_client, attempt, questions):
    single, multiple = questions["single"], questions["multiple"]
    other_token = next(iter(tokens(attempt, multiple).option_keys))
    response = learner_client.post(
        answer_url(attempt, slot_of(attempt, single)), {"choice": other_token}
    )
    assert response.status_code == 400
    assert "not part of this question" in response.content.decode()
    assert_nothing_stored()


@pytest.mark.django_db
def test_an_option_token_from_another_attempt_is_refused(learner_client, quiz, questions):
    learner_client.post(start_url(quiz))
    first = Attempt.objects.get()
    learner_client.post(finish_url(first))
    learner_client.post(start_url(quiz))
    second = Attempt.objects.latest("started_at")
    single = questions["single"]
    old_token = next(iter(tokens(first, single).option_keys))
    response = learner_client.post(
        answer_url(second, slot_of(second, single)), {"choice": old_token}
    )
    assert response.status_code == 400
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_rejected_answer_keeps_the_learners_valid_choices(learner_client, attempt, questions):
    matching = questions["matching"]
    form = tokens(attempt, matching)
    first_right = next(iter(form.right_keys))
    response = learner_client.post(
        answer_url(attempt, slot_of(attempt, matching)), {"pair-1": first_right}
    )
    assert response.status_code == 200
    assert f'value="{first_right}" selected' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("slot", [0, 7, 999])
def test_a_slot_outside_the_attempt_is_404(learner_client, attempt, slot):
    assert learner_client.get(slot_url(attempt, slot)).status_code == 404
    assert learner_client.post(answer_url(attempt, slot), {"text": "1"}).status_code == 404
    assert_nothing_stored()


def without_tokens(body):
    return re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", body)


@pytest.mark.django_db
def test_another_learners_attempt_is_a_404_like_one_that_does_not_exist(client, quiz, questions):
    owner = make_user()
    client.force_login(owner)
    client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    intruder = make_user()
    client.force_login(intruder)
    missing = Attempt(pk=attempt.pk + 1000, quiz=quiz)
    single = questions["single"]
    data = post_data(attempt, single)
    for url_of in (
        lambda a: slot_url(a, 1),
        summary_url,
    ):
        theirs, nothing = client.get(url_of(attempt)), client.get(url_of(missing))
        assert theirs.status_code == nothing.status_code == 404
        assert without_tokens(theirs.content.decode()) == without_tokens(nothing.content.decode())
    for url_of in (lambda a: answer_url(a, slot_of(attempt, single)), finish_url):
        theirs, nothing = client.post(url_of(attempt), data), client.post(url_of(missing), data)
        assert theirs.status_code == nothing.status_code == 404
        assert without_tokens(theirs.content.decode()) == without_tokens(nothing.content.decode())
    attempt.refresh_from_db()
    assert attempt.finished_at is None
    assert_nothing_stored()


@pytest.mark.django_db
def test_an_attempt_under_another_quizs_url_is_404(learner_client, course, attempt, questions):
    other_objective = course.objectives.get(key="objective-2")
    other = make_quiz(course, other_objective)
    attempt.quiz = other  # only to build the URL with the other quiz's slug
    slot = slot_of(attempt, questions["single"])
    assert learner_client.get(slot_url(attempt, slot)).status_code == 404
    data = {"choice": next(iter(tokens(attempt, questions["single"]).option_keys))}
    assert learner_client.post(answer_url(attempt, slot), data).status_code == 404
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_finished_attempt_takes_no_more_answers(learner_client, attempt, questions):
    assert learner_client.post(finish_url(attempt)).status_code == 302
    single = questions["single"]
    url = answer_url(attempt, slot_of(attempt, single))
    response = learner_client.post(url, post_data(attempt, single))
    assert response.status_code == 409
    assert "This attempt is finished" in response.content.decode()
    response = learner_client.post(url, post_data(attempt, single), **HX)
    assert response.status_code == 409
    assert "This attempt is finished" in response.content.decode()
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_second_submission_stores_nothing_and_shows_the_first_result(
    learner_client, learner, attempt, questions
):
    single = questions["single"]
    url = answer_url(attempt, slot_of(attempt, single))
    learner_client.post(url, post_data(attempt, single, correct=True))
    again = learner_client.post(url, post_data(attempt, single, correct=False), **HX)
    assert again.status_code == 200
    assert "✓</span> Correct" in again.content.decode()
    plain = learner_client.post(url, post_data(attempt, single, correct=False))
    assert plain.status_code == 302
    assert "✓</span> Correct" in learner_client.get(plain["Location"]).content.decode()
    assert Response.objects.get().score == 1.0
    assert Mastery.objects.get(user=learner).counted_answers == 1


@pytest.mark.django_db
def test_post_endpoints_reject_get(learner_client, quiz, attempt):
    assert learner_client.get(start_url(quiz)).status_code == 405
    assert learner_client.get(answer_url(attempt, 1)).status_code == 405
    assert learner_client.get(finish_url(attempt)).status_code == 405
    assert Attempt.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.finished_at is None
    assert_nothing_stored()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_stored(client, quiz, questions):
    owner = make_user()
    client.force_login(owner)
    client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    client.logout()
    single = questions["single"]
    response = client.post(answer_url(attempt, 1), post_data(attempt, single))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(slot_url(attempt, 1))["Location"].startswith("/accounts/login/")
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_body_that_is_not_a_form_post_is_a_400(learner_client, attempt, questions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = answer_url(attempt, slot_of(attempt, questions["text"]))
    as_json = learner_client.generic("POST", url, '{"text": "x"}', content_type="application/json")
    assert as_json.status_code == 400
    upload = SimpleUploadedFile("x.bin", b"\x00\x01", "application/octet-stream")
    assert learner_client.post(url, {"upload": upload}).status_code == 400
    assert_nothing_stored()
