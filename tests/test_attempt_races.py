"""Starting, answering and finishing an attempt from several requests at once (real threads,
each with its own database connection, on the SQLite file and on PostgreSQL).

Each race is made certain rather than left to luck: a wrapper on the thread's database
connection holds the request at the moment the race needs (before the attempt's INSERT, or
before its answer transaction begins), so without the locks the bad outcome happens every time.
"""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from quizzes.models import Attempt, Question, Response
from tests.factories import make_course, make_question, make_quiz, make_user
from tests.quiz_helpers import answer_url, finish_url, post_data, start_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PARALLEL_STARTS = 16


@pytest.fixture
def quiz(db):
    course = make_course("race-course", objectives=1, lessons=1)
    objective = course.objectives.get()
    for _ in range(4):
        make_question(course, objective)
    return make_quiz(course, objective, questions_per_attempt=3)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def run_threads(targets, timeout=60):
    """Run each callable in its own thread (closing its connection after); re-raise errors."""
    errors = []

    def run(target):
        try:
            target()
        except Exception as error:  # reported below, never lost in a thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "requests still running"
    assert errors == []


def slow_attempt_insert(execute, sql, params, many, context):
    """Wait before creating an attempt: every request that is not held back by a lock has
    counted the learner's attempts by the time the first one is stored."""
    if sql.lstrip().upper().startswith("INSERT") and "quizzes_attempt" in sql:
        time.sleep(1.0)
    return execute(sql, params, many, context)


def start_in_parallel(quiz, user, count=PARALLEL_STARTS):
    clients = [signed_in(user) for _ in range(count)]
    barrier = threading.Barrier(count)
    statuses = []

    def start(client):
        barrier.wait(timeout=30)
        with connection.execute_wrapper(slow_attempt_insert):
            statuses.append(client.post(start_url(quiz)).status_code)

    run_threads([lambda client=client: start(client) for client in clients])
    return statuses


@pytest.mark.parametrize("allowed", [1, 2])
def test_parallel_starts_never_exceed_the_attempts_allowed(quiz, allowed):
    quiz.attempts_allowed = allowed
    quiz.save(update_fields=["attempts_allowed"])
    learner = make_user("racer")
    if allowed > 1:  # an earlier, finished attempt counts too
        Attempt.objects.create(
            user=learner, quiz=quiz, seed=1, question_ids=[], started_at=timezone.now(),
            finished_at=timezone.now(), score=0,
        )  # fmt: skip
    statuses = start_in_parallel(quiz, learner)
    assert statuses == [302] * PARALLEL_STARTS  # all sent to the one open attempt
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == allowed
    assert Attempt.objects.filter(user=learner, finished_at__isnull=True).count() == 1


def test_parallel_starts_without_a_limit_open_one_attempt(quiz):
    learner = make_user("racer")
    start_in_parallel(quiz, learner)
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 1


def test_parallel_starts_of_two_learners_do_not_hold_each_other_to_one_attempt(quiz):
    quiz.attempts_allowed = 1
    quiz.save(update_fields=["attempts_allowed"])
    ada, bob = make_user("ada"), make_user("bob")
    clients = [signed_in(ada), signed_in(bob)]
    run_threads([lambda client=client: client.post(start_url(quiz)) for client in clients])
    assert (
        Attempt.objects.filter(user=ada).count() == Attempt.objects.filter(user=bob).count() == 1
    )


def hold_before_the_answer_transaction(arrived, go):
    """An execute wrapper: before the first statement of the answer's transaction (SQLite's
    BEGIN IMMEDIATE, or PostgreSQL's first query in the atomic block), report arrival and wait
    for `go`. By then the view has read the attempt and its answers outside the transaction."""
    held = []

    def wrapper(execute, sql, params, many, context):
        starting = sql.lstrip().upper().startswith("BEGIN") or connection.in_atomic_block
        if starting and not held:
            held.append(True)
            arrived()
            assert go.wait(timeout=30)
        return execute(sql, params, many, context)

    return wrapper


def started_attempt(user, quiz):
    client = signed_in(user)
    assert client.post(start_url(quiz)).status_code == 302
    return client, Attempt.objects.get(user=user, quiz=quiz)


def answer(client, attempt, slot):
    question = Question.objects.get(pk=attempt.question_ids[slot - 1])
    return client.post(answer_url(attempt, slot), post_data(attempt, question))


def test_an_answer_racing_a_finish_is_refused_and_the_score_counts_every_stored_answer(quiz):
    learner = make_user("racer")
    client, attempt = started_attempt(learner, quiz)
    assert answer(client, attempt, 1).status_code == 302
    reached, go, statuses = threading.Event(), threading.Event(), []

    def late_answer():
        with connection.execute_wrapper(hold_before_the_answer_transaction(reached.set, go)):
            statuses.append(answer(client, attempt, 2).status_code)

    def finish_meanwhile():
        assert reached.wait(timeout=30)
        signed_in(learner).post(finish_url(attempt))
        go.set()

    run_threads([late_answer, finish_meanwhile])
    assert statuses == [409]
    attempt.refresh_from_db()
    stored = Response.objects.filter(attempt=attempt)
    assert list(stored.values_list("slot", flat=True)) == [1]
    assert attempt.finished_at is not None
    assert attempt.score == sum(stored.values_list("score", flat=True)) == 1


def test_two_last_answers_at_once_finish_the_attempt(quiz):
    learner = make_user("racer")
    client, attempt = started_attempt(learner, quiz)
    assert answer(client, attempt, 1).status_code == 302
    both = threading.Barrier(2)
    go = threading.Event()

    def arrived():
        if both.wait(timeout=30) == 0:
            go.set()

    def last_answer(slot):
        other = signed_in(learner)  # another tab
        with connection.execute_wrapper(hold_before_the_answer_transaction(arrived, go)):
            assert answer(other, attempt, slot).status_code == 302

    run_threads([lambda: last_answer(2), lambda: last_answer(3)])
    attempt.refresh_from_db()
    assert Response.objects.filter(attempt=attempt).count() == 3
    assert attempt.finished_at is not None
    assert (attempt.score, attempt.max_score) == (3, 3)
