"""The mastery row is updated with each graded answer, in the same transaction, and agrees
with a replay of the learner's responses (progress.mastery.replay)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from progress import mastery
from progress.models import Mastery, mastery_params
from progress.services import record_answer, stored_answer
from quizzes.grading import grade
from quizzes.models import Attempt, Question, Response
from tests.factories import make_quiz, make_user
from tests.quiz_helpers import answer_url, post_data, start_url, summary_url
from tests.waiting import WAIT_SECONDS


def replayed(user, objective):
    responses = Response.objects.filter(user=user, objective=objective).select_related(
        "question", "version"
    )
    answers = [stored_answer(r) for r in responses]
    return mastery.replay(
        answers,
        pool_size=Question.objects.pool_size(objective.pk),
        params=mastery_params(objective),
    )


def assert_row_matches_replay(user, objective):
    state, outcomes = replayed(user, objective)
    row = Mastery.objects.get(user=user, objective=objective)
    assert row.state == state.to_json()
    assert row.estimate == pytest.approx(state.p, abs=1e-12)
    assert row.level == state.level
    assert row.counted_answers == state.n
    assert row.review_box == state.box
    assert row.review_due_at == state.due
    by_id = {answer.id: outcome for answer, outcome in outcomes}
    for response in Response.objects.filter(user=user, objective=objective):
        outcome = by_id[response.pk]
        assert response.counted == outcome.counted
        assert response.p_after == pytest.approx(outcome.p, abs=1e-12)
        assert response.level_after == outcome.level
    return row


def take_quiz(client, quiz, questions, *, right):
    """Start an attempt and answer every question through the test client; right(slot)."""
    client.post(start_url(quiz))
    attempt = Attempt.objects.filter(quiz=quiz).latest("started_at")
    by_id = {q.pk: q for q in questions}
    for slot, question_id in enumerate(attempt.question_ids, 1):
        data = post_data(attempt, by_id[question_id], correct=right(slot))
        assert client.post(answer_url(attempt, slot), data).status_code == 302
    attempt.refresh_from_db()
    return attempt


@pytest.mark.django_db
def test_mastery_row_equals_replay_after_a_full_quiz(
    learner_client, learner, course, objective, questions
):
    quiz = make_quiz(course, objective, questions_per_attempt=6)
    take_quiz(learner_client, quiz, questions, right=lambda slot: slot != 3)
    row = assert_row_matches_replay(learner, objective)
    assert row.counted_answers == 6
    assert row.estimate > mastery.DEFAULT_PARAMS.l0


@pytest.mark.django_db
def test_a_retry_within_a_day_is_stored_but_not_counted(
    learner_client, learner, course, objective, questions
):
    quiz = make_quiz(course, objective, questions_per_attempt=6)
    take_quiz(learner_client, quiz, questions, right=lambda slot: False)
    take_quiz(learner_client, quiz, questions, right=lambda slot: True)
    assert Response.objects.filter(user=learner).count() == 12
    assert Response.objects.filter(user=learner, counted=True).count() == 6
    row = assert_row_matches_replay(learner, objective)
    assert row.counted_answers == 6


@pytest.mark.django_db
def test_the_summary_shows_the_level_and_estimate_before_and_after(
    learner_client, learner, course, objective, questions
):
    quiz = make_quiz(course, objective, questions_per_attempt=6)
    first = take_quiz(learner_client, quiz, questions, right=lambda slot: True)
    body = learner_client.get(summary_url(first)).content.decode()
    row = Mastery.objects.get(user=learner, objective=objective)
    assert "Not started" in body and "no evidence yet" in body  # before: no answer
    assert f"estimate {int(100 * row.estimate)}%" in body  # rounded down, never 100
    assert row.get_level_display() in body

    # Move the first attempt's answers a day back so the retry counts.
    Response.objects.filter(attempt=first).update(
        graded_at=timezone.now() - timedelta(days=1, hours=1)
    )
    Mastery.objects.filter(user=learner).delete()
    second = take_quiz(learner_client, quiz, questions, right=lambda slot: slot > 1)
    before = Response.objects.filter(attempt=first).order_by("graded_at", "id").last()
    after = Response.objects.filter(attempt=second).order_by("graded_at", "id").last()
    body = learner_client.get(summary_url(second)).content.decode()
    change = body.split('id="mastery-heading"')[1].split("</table>")[0]
    before_cell, after_cell = change.split("<td>")[1:3]
    assert f"estimate {int(100 * before.p_after)}%" in before_cell
    assert mastery.LEVEL_LABELS[before.level_after] in before_cell
    assert f"estimate {int(100 * after.p_after)}%" in after_cell
    assert mastery.LEVEL_LABELS[after.level_after] in after_cell


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_to_the_same_objective_lose_no_update(course, objective, questions):
    quiz = make_quiz(course, objective, questions_per_attempt=6)
    learner = make_user()
    first, second = questions[0], questions[2]  # single choice and true/false
    attempts = [
        Attempt.objects.create(
            user=learner, quiz=quiz, seed=seed, question_ids=[q.pk], started_at=timezone.now()
        )
        for seed, q in ((1, first), (2, second))
    ]
    grades = [
        grade(first.type, first.current_version.spec, {"choices": ["a"]}),  # right
        grade(second.type, second.current_version.spec, {"value": "false"}),  # wrong
    ]
    barrier = threading.Barrier(2)
    errors = []

    def answer(attempt, question, result):
        try:
            barrier.wait(timeout=WAIT_SECONDS)
            record_answer(attempt=attempt, question=question, grade=result)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=answer, args=args)
        for args in zip(attempts, (first, second), grades, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "an answer is still being recorded"
    assert errors == []
    row = assert_row_matches_replay(learner, objective)
    assert row.counted_answers == 2
    assert set(row.state["last"]) == {str(first.pk), str(second.pk)}
    # each attempt had one question: its answer finished it
    assert Attempt.objects.filter(finished_at__isnull=False).count() == 2
