"""A whole class answering at once, through a real server (live_server, one thread per request).

Every learner answers every question of an attempt, all learners at the same moment, and 16 of
them submit each answer from a second connection too (a double submit, as from two tabs),
bounded in time: no 5xx, no
"database is locked", each answer stored exactly once, and the mastery rows equal to what
`recompute_mastery` rebuilds from the answers. 16 learners on SQLite, 64 on PostgreSQL.
"""

import http.client
import secrets
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from progress.models import Mastery
from quizzes.models import Attempt, Question, Response
from tests.factories import make_course, make_question, make_quiz, make_user
from tests.quiz_helpers import answer_url, post_data, start_url
from tests.waiting import HTTP_SECONDS, WAIT_SECONDS

# One xdist group with the database-timeout tests (tests/test_database_timeouts.py): each loads
# both CPUs for seconds, and run side by side (twice in CI on PostgreSQL)
# a second tab's answer here waited past the 5 s lock timeout behind its first tab's.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("database-load"),
]

QUESTIONS = 5
# Learners who also submit every answer from a second tab at the same moment. (Each request
# in flight holds a database connection: 64 + 16 stays under PostgreSQL's 100.)
DOUBLE_SUBMITTERS = 16
# Bounds that end a hung run, not targets: a busy machine only makes the run slower.
DEADLINE_SECONDS = 600


def learner_count():
    return 64 if connection.vendor == "postgresql" else 16


def sign_in_and_start(user, quiz):
    """A started attempt and the cookies of a signed-in browser (session and CSRF)."""
    client = Client()
    client.force_login(user)
    assert client.post(start_url(quiz)).status_code == 302
    attempt = Attempt.objects.get(user=user, quiz=quiz)
    csrf = secrets.token_hex(16)  # a 32-character secret; the header may carry it unmasked
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    return attempt, {"Cookie": cookie, "X-CSRFToken": csrf, "HX-Request": "true"}


def open_connection(server):
    """A keep-alive connection the server has accepted and answered once (its listen queue is
    short: connections opened all at once could be reset), so the answers start together."""
    host = urlsplit(server)
    for attempt in range(50):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=HTTP_SECONDS)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return conn
        except (ConnectionError, http.client.HTTPException):
            pass
        conn.close()
        time.sleep(0.05 * (attempt + 1))
    raise ConnectionError(f"{server} did not accept a connection")


def post_answers(server, jobs, headers, barrier, outcomes):
    """Post each (url, body) in turn on one keep-alive connection; record status and body."""
    conn = None
    try:
        conn = open_connection(server)
        barrier.wait(timeout=WAIT_SECONDS)
        for url, body in jobs:
            conn.request(
                "POST",
                url,
                body=body,
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            outcomes.append((url, response.status, response.read().decode(errors="replace")))
    except Exception as error:  # reported by the test, never lost in a thread
        outcomes.append(("thread", 0, repr(error)))
    finally:
        if conn is not None:
            conn.close()


def test_a_class_answering_at_once_stores_each_answer_once_with_consistent_mastery(
    live_server,
):
    course = make_course("class-course", objectives=1, lessons=1)
    objective = course.objectives.get()
    for _ in range(QUESTIONS + 3):
        make_question(course, objective)
    quiz = make_quiz(course, objective, questions_per_attempt=QUESTIONS)
    learners = [make_user(f"learner-{i:02d}") for i in range(learner_count())]

    work = []
    for user in learners:
        attempt, headers = sign_in_and_start(user, quiz)
        jobs = []
        for slot, question_id in enumerate(attempt.question_ids, 1):
            question = Question.objects.get(pk=question_id)
            data = post_data(attempt, question, correct=slot % 3 != 0)
            jobs.append((answer_url(attempt, slot), urlencode(data, doseq=True)))
        work.append((jobs, headers))
        if len(work) < 2 * DOUBLE_SUBMITTERS:
            work.append((jobs, headers))  # a second tab submitting the same answers

    barrier = threading.Barrier(len(work))
    outcomes = []
    threads = [
        threading.Thread(
            target=post_answers, args=(live_server.url, jobs, headers, barrier, outcomes)
        )
        for jobs, headers in work
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, DEADLINE_SECONDS - (time.monotonic() - started)))
    assert not any(thread.is_alive() for thread in threads), (
        "answers still running at the deadline"
    )

    failures = [(url, status, body[:300]) for url, status, body in outcomes if status != 200]
    assert failures == []
    assert len(outcomes) == len(work) * QUESTIONS
    assert not any("database is locked" in body for _, _, body in outcomes)

    assert Response.objects.count() == len(learners) * QUESTIONS
    for attempt in Attempt.objects.all():
        stored = sorted(Response.objects.filter(attempt=attempt).values_list("slot", flat=True))
        assert stored == list(range(1, QUESTIONS + 1))
    assert Mastery.objects.count() == len(learners)
    call_command("recompute_mastery", "--check")  # raises CommandError on any difference
