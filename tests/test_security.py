"""Security: headers and a strict CSP, HTTPS settings, CSRF on every POST, the admin closed to
learners, login throttling, and each learner's quiz data kept to themselves."""

import re
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from progress.models import LessonCompletion, Mastery
from quizzes.models import Attempt, Question, Response
from tests.factories import make_question, make_quiz, make_user
from tests.quiz_helpers import answer_url, finish_url, post_data, slot_url, start_url, summary_url

PASSWORD = "correct horse battery staple"


# --- fixtures: a quiz that learner A has started and answered once ----------------------------


@pytest.fixture
def quiz(course):
    objective = course.objectives.order_by("position").first()
    for _ in range(3):
        make_question(course, objective)
    return make_quiz(course, objective, questions_per_attempt=3)


def start_and_answer(client, quiz, slots=1):
    """Start an attempt through the start POST and answer its first `slots` questions."""
    response = client.post(start_url(quiz))
    assert response.status_code == 302
    attempt = Attempt.objects.filter(quiz=quiz).latest("started_at")
    for slot in range(1, slots + 1):
        question = Question.objects.get(pk=attempt.question_ids[slot - 1])
        response = client.post(answer_url(attempt, slot), post_data(attempt, question))
        assert response.status_code == 302
    return attempt


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def alice_attempt(client, alice, quiz):
    client.force_login(alice)
    attempt = start_and_answer(client, quiz)
    client.logout()
    return attempt


@pytest.fixture
def bob_client(db):
    client = Client()
    client.force_login(make_user("bob"))
    return client


# --- headers and the Content-Security-Policy ----------------------------------------------------

INLINE_CODE = [
    re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),  # an inline script
    re.compile(r"<style\b", re.I),  # an inline style sheet
    re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),  # a style attribute
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),  # an event handler attribute
    re.compile(r"javascript:", re.I),
]


def anonymous_urls(course):
    lesson = reverse("courses:lesson", args=[course.slug, "lesson-1"])
    return ["/", course.get_absolute_url(), lesson, reverse("login"), reverse("accounts:signup")]


def assert_strict_headers(response):
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "nonce-" not in csp  # nothing inline, so cached pages stay valid
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_no_inline_code(response):
    body = response.content.decode()
    for pattern in INLINE_CODE:
        assert not pattern.search(body), (pattern.pattern, pattern.search(body).group(0))


@pytest.mark.django_db
def test_anonymous_pages_send_a_strict_csp_and_carry_no_inline_code(client, course):
    for url in anonymous_urls(course):
        for _ in range(2):  # rendered, then from the anonymous page cache
            response = client.get(url)
            assert response.status_code == 200, url
            assert_strict_headers(response)
            assert_no_inline_code(response)


@pytest.mark.django_db
def test_signed_in_pages_send_a_strict_csp_and_carry_no_inline_code(client, alice, quiz):
    client.force_login(alice)
    attempt = start_and_answer(client, quiz)
    course = quiz.course
    urls = [
        "/",
        course.get_absolute_url(),
        reverse("courses:lesson", args=[course.slug, "lesson-1"]),
        quiz.get_absolute_url(),
        slot_url(attempt, 1),  # answered: the feedback
        slot_url(attempt, 2),  # the answer form
        reverse("progress:progress", args=[course.slug]),
        reverse("accounts:settings"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_headers(response)
        assert_no_inline_code(response)
    htmx = client.post(
        answer_url(attempt, 2),
        post_data(attempt, Question.objects.get(pk=attempt.question_ids[1])),
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 200
    assert_no_inline_code(htmx)


# --- HTTPS when debug is off ----------------------------------------------------------------


@pytest.fixture
def https_settings(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(client, https_settings):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_https_responses_carry_hsts(client, https_settings):
    response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_the_session_is_http_only(https_settings, alice):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"), secure=True)
    assert page.cookies["csrftoken"]["secure"] is True
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_scheme_counts_as_https(client, https_settings):
    https_settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


# --- CSRF: every POST needs the token (htmx included) ------------------------------------------


@pytest.fixture
def csrf_client(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def csrf_token(client):
    client.get(reverse("accounts:settings"))
    return client.cookies["csrftoken"].value


@pytest.mark.django_db
def test_mark_complete_needs_the_csrf_token(csrf_client, alice, course):
    url = reverse("courses:complete", args=[course.slug, "lesson-1"])
    assert csrf_client.post(url).status_code == 403
    assert csrf_client.post(url, HTTP_HX_REQUEST="true").status_code == 403
    assert not LessonCompletion.objects.filter(user=alice).exists()
    token = csrf_token(csrf_client)
    response = csrf_client.post(url, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200  # the htmx header that base.html sets is enough
    assert LessonCompletion.objects.filter(user=alice).count() == 1


@pytest.mark.django_db
def test_logout_needs_the_csrf_token(csrf_client):
    assert csrf_client.post(reverse("logout")).status_code == 403
    assert SESSION_KEY in csrf_client.session


@pytest.mark.django_db
def test_signup_and_login_need_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    signup = {
        "username": "mallory",
        "email": "mallory@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    assert client.post(reverse("accounts:signup"), signup).status_code == 403
    login = {"username": "alice", "password": PASSWORD}
    assert client.post(reverse("login"), login).status_code == 403
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_quiz_posts_need_the_csrf_token(csrf_client, alice, quiz):
    assert csrf_client.post(start_url(quiz)).status_code == 403
    assert not Attempt.objects.exists()
    token = csrf_token(csrf_client)
    assert csrf_client.post(start_url(quiz), HTTP_X_CSRFTOKEN=token).status_code == 302
    attempt = Attempt.objects.get(user=alice)
    data = post_data(attempt, Question.objects.get(pk=attempt.question_ids[0]))
    url = answer_url(attempt, 1)
    assert csrf_client.post(url, data).status_code == 403
    assert csrf_client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    assert csrf_client.post(finish_url(attempt)).status_code == 403
    assert not Response.objects.exists()
    attempt.refresh_from_db()
    assert attempt.finished_at is None
    answered = csrf_client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert answered.status_code == 200
    assert Response.objects.filter(attempt=attempt).count() == 1


@pytest.mark.django_db
def test_account_deletion_needs_the_csrf_token(csrf_client, alice):
    response = csrf_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 403
    alice.refresh_from_db()  # still there


# --- the admin is for staff ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_learner_cannot_reach_the_admin_or_its_reports(learner_client, quiz):
    for url in [
        reverse("admin:index"),
        reverse("admin:quizzes_attempt_changelist"),
        reverse("reports:items", args=[quiz.pk]),
        reverse("reports:export_responses"),
    ]:
        response = learner_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.django_db
def test_an_anonymous_visitor_cannot_reach_the_admin(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- login throttling -------------------------------------------------------------------------


def try_login(client, username, password, address="198.51.100.7", **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


@pytest.mark.django_db
def test_five_failed_logins_lock_that_username_and_address_with_a_clear_message(
    client, alice, settings, frozen_clock
):
    frozen_clock("accounts.throttle")  # Retry-After is exact: no second may pass meanwhile
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert try_login(client, "alice", "wrong").status_code == 200
    locked = try_login(client, "alice", "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.LOGIN_LOCKOUT_SECONDS
    assert "Too many failed logins" in locked.content.decode()
    assert "try again in 15 minutes" in locked.content.decode()
    # Even the right password is refused while locked, without being checked.
    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        assert try_login(client, "ALICE", PASSWORD).status_code == 429
    authenticate.assert_not_called()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_the_lock_is_per_username_and_address(client, alice, settings):
    make_user("carol")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, "alice", "wrong")
    assert try_login(client, "alice", PASSWORD, address="203.0.113.9").status_code == 302
    client.logout()
    assert try_login(client, "carol", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_ends_after_the_lockout(client, alice, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, "alice", "wrong")
    later = __import__("time").time() + settings.LOGIN_LOCKOUT_SECONDS + 1
    with mock.patch("accounts.throttle.time.time", return_value=later):
        assert try_login(client, "alice", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_login_clears_the_failures(client, alice, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        try_login(client, "alice", "wrong")
    assert try_login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert try_login(client, "alice", "wrong").status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_address_is_throttled(client, alice, settings):
    settings.BEHIND_PROXY = True
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, "alice", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.20")
    # Same proxy (REMOTE_ADDR), another client: not locked.
    other = try_login(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(client, alice, settings):
    url = reverse("admin:login")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "alice", "password": "x"}).status_code == 200
    assert client.post(url, {"username": "alice", "password": "x"}).status_code == 429


# --- each learner's data is their own -------------------------------------------------------


@pytest.mark.django_db
def test_a_learner_cannot_see_another_learners_attempt(bob_client, alice_attempt):
    for url in [
        slot_url(alice_attempt, 1),
        slot_url(alice_attempt, 2),
        summary_url(alice_attempt),
    ]:
        assert bob_client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_learner_cannot_answer_or_finish_another_learners_attempt(bob_client, alice_attempt):
    question = Question.objects.get(pk=alice_attempt.question_ids[1])
    data = post_data(alice_attempt, question)
    assert bob_client.post(answer_url(alice_attempt, 2), data).status_code == 404
    htmx = bob_client.post(answer_url(alice_attempt, 2), data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 404
    assert bob_client.post(finish_url(alice_attempt)).status_code == 404
    assert Response.objects.count() == 1  # Alice's only
    assert not Mastery.objects.exclude(user=alice_attempt.user).exists()
    alice_attempt.refresh_from_db()
    assert alice_attempt.finished_at is None


@pytest.mark.django_db
def test_a_learners_progress_and_exports_show_only_their_own_answers(bob_client, alice_attempt):
    answered = Question.objects.get(pk=alice_attempt.question_ids[0])
    exports = [
        reverse("accounts:export_answers_csv"),
        reverse("accounts:export_mastery_csv"),
        reverse("accounts:export_json"),
    ]
    for url in exports:
        response = bob_client.get(url)
        assert response.status_code == 200
        body = b"".join(response) if response.streaming else response.content
        assert answered.key.encode() not in body, url
        assert b"alice" not in body, url
    progress = bob_client.get(reverse("progress:progress", args=[alice_attempt.quiz.course.slug]))
    assert progress.status_code == 200
    assert b"alice" not in progress.content


@pytest.mark.django_db
def test_deleting_an_account_leaves_other_learners_data_alone(bob_client, alice_attempt):
    response = bob_client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert Attempt.objects.filter(pk=alice_attempt.pk).exists()
    assert Response.objects.filter(user=alice_attempt.user).count() == 1
    assert Mastery.objects.filter(user=alice_attempt.user).exists()
