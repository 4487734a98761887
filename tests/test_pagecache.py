"""Anonymous course pages come from a cache, never touch the session, never reach signed-in
learners, and change as soon as the course content does (config/pagecache.py)."""

import time
from unittest import mock

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.pagecache import VERSION_MEMO_SECONDS
from lib.cache import CONTENT_VERSION_KEY, content_version
from tests.factories import make_course


def page_urls(course):
    return [
        reverse("courses:catalogue"),
        course.get_absolute_url(),
        reverse("courses:lesson", args=[course.slug, "lesson-1"]),
    ]


def varies_on_cookie(response):
    return "cookie" in response.get("Vary", "").lower()


@pytest.mark.django_db
@pytest.mark.parametrize("page", [0, 1, 2], ids=["catalogue", "course", "lesson"])
def test_a_second_anonymous_visit_is_served_without_a_query(
    client, course, page, django_assert_num_queries
):
    url = page_urls(course)[page]
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    # The outer middleware still adds the security headers to a cached page.
    assert "frame-ancestors 'none'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"
    assert second["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("page", [0, 1, 2], ids=["catalogue", "course", "lesson"])
def test_anonymous_pages_neither_vary_on_cookie_nor_set_one(client, course, page):
    url = page_urls(course)[page]
    for response in (client.get(url), client.get(url)):
        assert not varies_on_cookie(response)
        assert not response.cookies
        # Kept by browsers only, never by a shared cache that could hand it to a signed-in user.
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.django_db
def test_signed_in_pages_are_never_served_from_the_anonymous_cache(client, course, learner):
    url = reverse("courses:lesson", args=[course.slug, "lesson-1"])
    client.get(url)
    client.get(url)  # cached for anonymous visitors now
    client.force_login(learner)
    signed_in = client.get(url)
    body = signed_in.content.decode()
    assert "Mark complete" in body
    assert learner.username in body
    assert varies_on_cookie(signed_in)
    assert "private, no-cache" not in signed_in.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_signed_in_visit_does_not_fill_the_anonymous_cache(client, course, learner):
    url = reverse("courses:lesson", args=[course.slug, "lesson-1"])
    client.force_login(learner)
    client.get(url)
    client.logout()
    body = client.get(url).content.decode()
    assert learner.username not in body
    assert "Mark complete" not in body
    assert "to track your progress" in body


@pytest.mark.django_db
def test_saving_course_content_renews_every_cached_page(
    client, course, django_capture_on_commit_callbacks
):
    lesson = course.lessons.get(slug="lesson-1")
    url = lesson.get_absolute_url()
    assert "Lesson 1" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "A retitled lesson"
        lesson.save()
    assert "A retitled lesson" in client.get(url).content.decode()
    assert "A retitled lesson" in client.get(course.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_reimport_stamp_renews_the_cache(
    client, course, django_capture_on_commit_callbacks, django_assert_num_queries
):
    url = course.get_absolute_url()
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        course.summary_html = "<p>Fresh from the document.</p>"
        course.save(update_fields=["summary_html"])
    response = client.get(url)
    assert "Fresh from the document." in response.content.decode()
    with django_assert_num_queries(0):
        client.get(url)


@pytest.mark.django_db
def test_nothing_is_renewed_when_the_transaction_rolls_back(
    course, django_capture_on_commit_callbacks
):
    version = content_version()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_course("another")
        raise RuntimeError("the import failed")
    assert callbacks == []
    assert content_version() == version


def rendered_afresh(client, url, **extra):
    """True when the page was rendered by the view (it queried the database)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(queries) > 0 and "Cache-Control" not in response


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [{"QUERY_STRING": "next=/"}, {"HTTP_HX_REQUEST": "true"}],
    ids=["query-string", "htmx"],
)
def test_query_strings_and_htmx_requests_bypass_the_cache(client, course, extra):
    url = course.get_absolute_url()
    client.get(url)
    assert rendered_afresh(client, url, **extra)
    assert rendered_afresh(client, url, **extra)


@pytest.mark.django_db
def test_a_visitor_with_a_messages_cookie_gets_a_fresh_page(client, course):
    url = course.get_absolute_url()
    client.get(url)
    client.cookies[CookieStorage.cookie_name] = "something"
    assert rendered_afresh(client, url)


@pytest.mark.django_db
def test_the_cache_can_be_turned_off(client, course, settings):
    settings.ANON_PAGE_CACHE_SECONDS = 0
    url = course.get_absolute_url()
    client.get(url)
    assert rendered_afresh(client, url)


@pytest.mark.django_db
def test_another_workers_renewal_is_seen_within_a_second(client, course):
    url = course.get_absolute_url()
    now = time.monotonic()
    with mock.patch("lib.cache.time.monotonic", return_value=now):
        client.get(url)
        caches["default"].set(CONTENT_VERSION_KEY, "renewed-by-another-worker", None)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)  # this worker still uses the version it has just read
    assert len(queries) == 0
    later = now + VERSION_MEMO_SECONDS + 0.1
    with (
        mock.patch("lib.cache.time.monotonic", return_value=later),
        CaptureQueriesContext(connection) as queries,
    ):
        client.get(url)
    assert len(queries) > 0
