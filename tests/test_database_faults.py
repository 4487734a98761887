"""A database outage as the learner and the operator see it (config/dbfaults.py): a 503 with
Retry-After that says nothing was lost, rendered without the session or the database, an htmx
fragment for the form's script, one log line at the start and one at the end of an outage, the
database timeouts in the settings, and the content cache riding out a shared-cache outage."""

import contextlib
import json
import logging
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.utils.functional import SimpleLazyObject

from config import dbfaults
from config.sharedcache import FailSoftRedisCache
from config.views import server_error
from lib import cache as cache_map
from quizzes import content_cache
from quizzes.models import Attempt, Response
from tests.factories import make_course, make_question, make_quiz, make_user, objectives_of
from tests.quiz_helpers import answer_url, post_data, slot_url, start_url
from tests.test_production import production_env, run

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@contextlib.contextmanager
def database_refuses(error=None):
    """Every query of this thread fails as when the database server refuses connections."""
    error = error or OperationalError(REFUSED)
    with mock.patch.object(connection, "ensure_connection", side_effect=error):
        yield


@pytest.fixture(autouse=True)
def _no_outage_before():
    dbfaults.OUTAGE.since = None
    yield
    dbfaults.OUTAGE.since = None


@pytest.fixture
def learner_at_a_question(db):
    course = make_course()
    objective = objectives_of(course)[0]
    question = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective)
    user = make_user("ada")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.post(start_url(quiz)).status_code == 302
    attempt = Attempt.objects.get(user=user, quiz=quiz)
    assert client.get(slot_url(attempt, 1)).status_code == 200  # sessions and user now cached
    return client, attempt, question


def test_an_answer_during_an_outage_is_a_503_saying_it_was_not_saved(learner_at_a_question):
    client, attempt, question = learner_at_a_question
    with database_refuses():
        response = client.post(answer_url(attempt, 1), post_data(attempt, question))
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbfaults.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "What you just sent was not saved." in page
    assert "briefly unavailable" in page
    assert "Nothing was lost" in page
    # A neutral header: the learner is still signed in, so no "Log in" / "Sign up", and the
    # page knows nothing of the session (no name, no "Log out" either).
    for text in ("Log in", "Sign up", "Log out", "ada"):
        assert text not in page
    assert not Response.objects.exists()


def test_an_htmx_request_gets_only_the_message_for_the_form(learner_at_a_question):
    client, attempt, question = learner_at_a_question
    with database_refuses(InterfaceError("connection already closed")):
        response = client.post(
            answer_url(attempt, 1), post_data(attempt, question), headers={"HX-Request": "true"}
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbfaults.RETRY_AFTER_SECONDS)
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "data-unavailable" in fragment
    assert "briefly unavailable" in fragment and "Nothing was lost" in fragment


def test_a_page_read_during_an_outage_is_a_503_without_the_not_saved_line(learner_at_a_question):
    client, attempt, _question = learner_at_a_question
    with database_refuses():
        response = client.get(slot_url(attempt, 1))
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode()
    assert "not saved" not in response.content.decode()


def test_a_bug_is_still_a_500_without_retry_after(learner_at_a_question):
    client, attempt, _question = learner_at_a_question
    with mock.patch("front.views.quiz.question_context", side_effect=ValueError("a bug")):
        response = client.get(slot_url(attempt, 1))
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    assert "Log in" not in response.content.decode()


def test_the_error_page_reads_neither_the_session_nor_the_database(django_assert_num_queries, db):
    def explode():
        raise AssertionError("the error page read the session or the user")

    request = RequestFactory().post("/courses/x/quizzes/y/attempts/1/q/1/answer")
    request.session = SimpleLazyObject(explode)
    request.user = SimpleLazyObject(explode)
    with django_assert_num_queries(0):
        try:
            raise OperationalError(REFUSED)
        except OperationalError:
            response = server_error(request)
    assert response.status_code == 503


def test_a_timeout_chained_under_another_error_counts_as_an_outage():
    try:
        try:
            raise OperationalError("canceling statement due to statement timeout")
        except OperationalError:
            raise AttributeError("'SessionStore' object has no attribute '_session_cache'")  # noqa: B904
    except AttributeError as error:
        assert isinstance(dbfaults.unavailable_error(error), OperationalError)
    assert dbfaults.unavailable_error(ValueError("a bug")) is None


def test_an_outage_is_logged_once_at_its_start_and_once_at_its_end(learner_at_a_question, caplog):
    client, attempt, question = learner_at_a_question
    caplog.set_level(logging.INFO)
    with database_refuses():
        for _ in range(3):
            assert client.post(answer_url(attempt, 1), {"choice": "x"}).status_code == 503
            assert client.get(slot_url(attempt, 1)).status_code == 503
    # The database answers again, a moment after the last failure: the same outage still.
    assert client.get(slot_url(attempt, 1)).status_code == 200
    assert dbfaults.OUTAGE.on
    dbfaults.OUTAGE.last -= dbfaults.QUIET_SECONDS  # and now quiet for long enough
    assert client.get(slot_url(attempt, 1)).status_code == 200
    assert not dbfaults.OUTAGE.on
    assert dbfaults._watch not in connection.execute_wrappers  # free again outside an outage
    assert client.get(slot_url(attempt, 1)).status_code == 200
    records = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    ours = [record for record in records if record[0] == "config.dbfaults"]
    assert len(ours) == 2, records
    assert ours[0][1] == "ERROR"
    assert "Database unavailable" in ours[0][2] and "Connection refused" in ours[0][2]
    assert ours[1][1] == "WARNING"
    assert "Database back after" in ours[1][2] and "6 requests answered 503" in ours[1][2]
    # No traceback per request: Django's request logger said nothing about the 503s.
    assert not [r for r in caplog.records if r.name == "django.request"], records
    assert not any(r.exc_info for r in caplog.records)


def test_healthz_answers_503_when_the_answer_tables_cannot_be_written(client, db):
    with database_refuses():
        assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_postgresql_connections_have_connect_statement_and_lock_timeouts(tmp_path):
    env = production_env(
        tmp_path,
        DATABASE_URL="postgres://app:pw@db.internal:5432/courses?options=-c%20search_path%3Dapp",
        DJANGO_DB_STATEMENT_TIMEOUT_MS="8000",
    )
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["connect_timeout"] == 5
    assert options["options"] == (
        "-c statement_timeout=8000 -c lock_timeout=5000 -c search_path=app"
    )
    bad = run(["-c", code], {**env, "DJANGO_DB_LOCK_TIMEOUT_MS": "0"})
    assert bad.returncode != 0
    assert "DJANGO_DB_LOCK_TIMEOUT_MS must be a positive whole number" in bad.stderr


# --- the content cache while the shared cache (Redis) cannot be read -------------------------


def dead_redis():
    """A fail-soft Redis cache on a port nothing listens on: every operation fails fast."""
    return FailSoftRedisCache(
        "redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2}}
    )


def test_the_content_cache_keeps_the_last_known_version_while_redis_is_down(
    db, django_assert_num_queries, monkeypatch
):
    course = make_course()
    make_question(course)
    working = LocMemCache("content-version-test", {})
    monkeypatch.setattr(cache_map, "caches", {"default": working})
    first = content_cache.course_content(course.slug)
    monkeypatch.setattr(cache_map, "caches", {"default": dead_redis()})
    with django_assert_num_queries(0):  # Redis gone: the version last read still holds
        for _ in range(3):
            assert content_cache.course_content(course.slug) is first
    # After FALLBACK_SECONDS the worker rebuilds once, then keeps that copy again.
    monkeypatch.setattr(cache_map, "FALLBACK_SECONDS", 0.0)
    cache_map._known.at -= 1
    second = content_cache.course_content(course.slug)
    assert second is not first
    monkeypatch.setattr(cache_map, "FALLBACK_SECONDS", 60.0)
    with django_assert_num_queries(0):
        assert content_cache.course_content(course.slug) is second


def test_a_missing_version_in_a_working_cache_is_still_created_and_shared(db, monkeypatch):
    course = make_course()
    working = LocMemCache("content-version-test-2", {})
    monkeypatch.setattr(cache_map, "caches", {"default": working})
    content = content_cache.course_content(course.slug)
    assert working.get(cache_map.CONTENT_VERSION_KEY) == content.version
