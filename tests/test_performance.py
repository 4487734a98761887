"""The performance design: the signed-in user from the shared cache with Django's session
check, the merged response-headers middleware, the attempt's own state."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quizzes.models import Attempt, Question
from tests.factories import make_question, make_quiz, make_user
from tests.quiz_helpers import answer_url, finish_url, post_data, start_url

PASSWORD = "correct horse battery staple"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(course):
    return course.objectives.get(key="objective-1")


@pytest.fixture
def quiz(course, objective):
    for _ in range(6):
        make_question(course, objective)
    return make_quiz(course, objective, questions_per_attempt=3)


def start(client, quiz):
    client.post(start_url(quiz))
    return Attempt.objects.filter(quiz=quiz).latest("started_at")


# --- who is asking ----------------------------------------------------------------------------


def signed_in(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_a_password_change_logs_the_other_sessions_out(course):
    user = make_user("grace", password=PASSWORD)
    here, elsewhere = signed_in(user), signed_in(user)
    assert elsewhere.get("/accounts/settings/").status_code == 200  # its user now cached
    response = here.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another sturdy passphrase",
            "new_password2": "another sturdy passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/accounts/settings/").status_code == 200  # kept by update_session_auth_hash
    assert elsewhere.get("/accounts/settings/").status_code == 302  # logged out


@pytest.mark.django_db
def test_a_deactivated_learner_is_signed_out_on_the_next_request(course):
    user = make_user("alan", password=PASSWORD)
    client = signed_in(user)
    assert client.get("/accounts/settings/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/accounts/settings/").status_code == 302


@pytest.mark.django_db
def test_the_signed_in_user_is_read_once_then_from_the_cache(course):
    user = make_user("ada", password=PASSWORD)
    client = signed_in(user)
    client.get("/accounts/settings/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/settings/").context["user"] == user
    assert not any('"auth_user"' in q["sql"] for q in queries.captured_queries)
    get_user_model().objects.filter(pk=user.pk).delete()
    assert client.get("/accounts/settings/").status_code == 302


# --- the merged response-headers middleware -----------------------------------------------------


@pytest.mark.django_db
def test_every_response_has_the_policy_and_frame_headers(client, learner_client, course, settings):
    from django.utils.csp import build_policy

    for response in (
        client.get("/"),
        client.get(course.get_absolute_url()),
        learner_client.get("/accounts/settings/"),
        client.get("/no-such-page/"),
    ):
        assert response["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
        assert response["X-Frame-Options"] == "DENY"
        # exactly str, as WSGI servers require (wsgiref refuses a StrEnum header name)
        assert all(type(name) is str for name in response.headers)
    settings.SECURE_CSP = {"default-src": ["'self'"]}
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'self'"


@pytest.mark.django_db
def test_htmx_requests_are_recognised(learner_client, quiz):
    attempt = start(learner_client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])
    page = learner_client.post(answer_url(attempt, 1), post_data(attempt, question), **HX)
    assert page.status_code == 200 and "<html" not in page.content.decode()  # the fragment


# --- the attempt's own state ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_attempt_keeps_its_answered_slots_count_and_score(learner_client, quiz):
    attempt = start(learner_client, quiz)
    questions = Question.objects.in_bulk(attempt.question_ids)
    for slot, right in ((2, True), (1, False)):
        question = questions[attempt.question_ids[slot - 1]]
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question, correct=right))
    attempt.refresh_from_db()
    assert attempt.answered_slots == [2, 1]
    assert attempt.answered_count == 2
    assert attempt.score_so_far == 1.0
    assert attempt.finished_at is None
    assert attempt.is_answered(2) and not attempt.is_answered(3)
    question = questions[attempt.question_ids[2]]
    learner_client.post(answer_url(attempt, 3), post_data(attempt, question))
    attempt.refresh_from_db()
    assert attempt.finished_at is not None and attempt.score == 2.0 and attempt.max_score == 3
    assert attempt.answered_count == 3


@pytest.mark.django_db
def test_finishing_early_scores_the_answers_in_the_state(learner_client, quiz):
    attempt = start(learner_client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[1])
    learner_client.post(answer_url(attempt, 2), post_data(attempt, question))
    learner_client.post(finish_url(attempt))
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert (attempt.score, attempt.max_score, attempt.answered_slots) == (1.0, 3, [2])


@pytest.mark.django_db
def test_the_migration_fills_the_state_in_from_the_responses(learner_client, quiz):
    from django.apps import apps

    attempt = start(learner_client, quiz)
    questions = Question.objects.in_bulk(attempt.question_ids)
    for slot in (3, 1):
        question = questions[attempt.question_ids[slot - 1]]
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    Attempt.objects.update(answered_slots=[], answered_count=0, score_so_far=0)
    migration = importlib.import_module("quizzes.migrations.0005_attempt_state")
    migration.backfill(apps, None)
    attempt.refresh_from_db()
    assert (attempt.answered_slots, attempt.answered_count, attempt.score_so_far) == (
        [3, 1], 2, 2.0,
    )  # fmt: skip
