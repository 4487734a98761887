"""`attempt_finished` (quizzes/signals.py) fires exactly once for each way an attempt can end,
after the transaction commits, and carries the score and the mastery changes."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from progress.models import Mastery
from quizzes.models import Attempt, FeedbackMode, Question
from quizzes.signals import MasteryChange, attempt_finished
from tests.factories import make_bank, make_course, make_question, make_quiz
from tests.quiz_helpers import answer_url, finish_url, post_data, start_url

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def received():
    """Every `attempt_finished` sent while the test runs, as (attempt id, kwargs)."""
    calls = []

    def receiver(sender, attempt, **kwargs):
        calls.append((attempt.pk, kwargs))

    attempt_finished.connect(receiver, sender=Attempt)
    yield calls
    attempt_finished.disconnect(receiver, sender=Attempt)


@pytest.fixture
def bank(db):
    course = make_course("signal-course", objectives=2)
    objective = course.objectives.get(position=0)
    return course, objective, make_bank(objective, 3)


def question_in(attempt, slot):
    return Question.objects.select_related("current_version").get(
        pk=attempt.question_ids[slot - 1]
    )


def answer_all(client, attempt, slots, *, correct=True, **headers):
    for slot in slots:
        attempt.refresh_from_db()
        client.post(
            answer_url(attempt, slot),
            post_data(attempt, question_in(attempt, slot), correct=correct),
            **headers,
        )


def test_the_last_answer_sends_it_once(
    bank, learner_client, learner, received, django_capture_on_commit_callbacks
):
    course, objective, questions = bank
    quiz = objective.quiz
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(learner_client, attempt, range(1, len(attempt.question_ids)), **HX)
    assert received == []  # not before the last answer
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(learner_client, attempt, [len(attempt.question_ids)], **HX)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    [(pk, kwargs)] = received
    assert pk == attempt.pk
    assert kwargs["score"] == attempt.score == len(attempt.question_ids)
    assert kwargs["max_score"] == len(attempt.question_ids)
    level = Mastery.objects.get(user=learner, objective=objective).level
    assert kwargs["mastery_changes"] == (
        MasteryChange(objective.pk, 0, level, kwargs["mastery_changes"][0].p_after),
    )
    assert kwargs["mastery_changes"][0].rose
    # Finish after the end (a second tab) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.post(finish_url(attempt))
    assert len(received) == 1


def test_finish_sends_it_once_with_the_level_before_from_earlier_attempts(
    bank, learner_client, learner, received, django_capture_on_commit_callbacks
):
    course, objective, questions = bank
    quiz = objective.quiz
    quiz.max_attempts = 0
    quiz.save()
    learner_client.post(start_url(quiz))
    first = Attempt.objects.get()
    answer_all(learner_client, first, range(1, len(first.question_ids) + 1), **HX)
    before = Mastery.objects.get(user=learner, objective=objective).level
    learner_client.post(start_url(quiz))
    second = Attempt.objects.exclude(pk=first.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(learner_client, second, [1], correct=False, **HX)
        response = learner_client.post(finish_url(second))
    assert response.status_code == 302
    second.refresh_from_db()
    [(pk, kwargs)] = received
    assert pk == second.pk and kwargs["score"] == second.score == 0
    [change] = kwargs["mastery_changes"]
    assert change.level_before == before
    assert change.level_after == Mastery.objects.get(user=learner, objective=objective).level


def test_the_course_test_submit_sends_it_once(
    learner_client, course, received, django_capture_on_commit_callbacks
):
    objective = course.objectives.get(key="objective-1")
    for qtype in ("single", "truefalse"):
        make_question(course, objective, type=qtype)
    quiz = make_quiz(course, objective, questions_per_attempt=2, feedback_mode=FeedbackMode.END)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(learner_client, attempt, [1, 2])
    assert received == []  # drafts until submitted
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.post(finish_url(attempt))
        learner_client.post(finish_url(attempt))  # submitted twice (another tab)
    attempt.refresh_from_db()
    [(pk, kwargs)] = received
    assert pk == attempt.pk and kwargs["score"] == attempt.score == 2


def test_a_practice_session_sends_it_once_when_every_question_was_asked(
    bank, learner_client, learner, received, django_capture_on_commit_callbacks
):
    course, objective, questions = bank
    learner_client.post(reverse("progress:practice", args=[course.slug, objective.key]))
    attempt = Attempt.objects.get(user=learner)
    next_url = reverse("progress:practice_next", args=[attempt.pk])
    with django_capture_on_commit_callbacks(execute=True):
        for slot in (1, 2, 3):
            answer_all(learner_client, attempt, [slot], **HX)
            assert received == []  # an answer never ends a practice session
            learner_client.post(next_url)
        learner_client.post(next_url)
    attempt.refresh_from_db()
    assert attempt.is_practice and attempt.finished_at is not None
    [(pk, kwargs)] = received
    assert pk == attempt.pk and kwargs["score"] == 3 and kwargs["max_score"] == 3


def test_a_rolled_back_finish_sends_nothing(
    bank, learner, received, django_capture_on_commit_callbacks
):
    course, objective, questions = bank
    attempt = Attempt.objects.create(
        user=learner,
        quiz=objective.quiz,
        seed=1,
        question_ids=[q.pk for q in questions],
        started_at=timezone.now(),
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert attempt.finish(score=0)
        raise RuntimeError
    assert received == []
    attempt.refresh_from_db()
    assert attempt.finished_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert attempt.finish(score=0)
        assert not attempt.finish(score=0)  # already finished: no second signal
    assert [pk for pk, _ in received] == [attempt.pk]


def test_a_failing_receiver_does_not_undo_the_answer(
    bank, learner_client, learner, django_capture_on_commit_callbacks, caplog
):
    course, objective, questions = bank

    def broken(sender, **kwargs):
        raise ValueError("receiver bug")

    attempt_finished.connect(broken, sender=Attempt)
    try:
        learner_client.post(start_url(objective.quiz))
        attempt = Attempt.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            answer_all(learner_client, attempt, range(1, len(attempt.question_ids)), **HX)
            attempt.refresh_from_db()
            last = len(attempt.question_ids)
            response = learner_client.post(
                answer_url(attempt, last), post_data(attempt, question_in(attempt, last)), **HX
            )
    finally:
        attempt_finished.disconnect(broken, sender=Attempt)
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert "attempt_finished receiver" in caplog.text


def test_the_mastery_changes_are_read_only_when_a_receiver_looks_at_them(
    bank, learner_client, received, django_capture_on_commit_callbacks, monkeypatch
):
    from quizzes import signals

    reads = []
    real = signals.mastery_changes
    monkeypatch.setattr(
        signals, "mastery_changes", lambda attempt: reads.append(1) or real(attempt)
    )
    course, objective, questions = bank
    learner_client.post(start_url(objective.quiz))
    attempt = Attempt.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        answer_all(learner_client, attempt, range(1, len(attempt.question_ids) + 1), **HX)
    [(pk, kwargs)] = received
    assert reads == []  # the receivers so far (the test's, the LMS passback) never looked
    changes = kwargs["mastery_changes"]
    assert len(changes) == 1 and changes[0].objective_id == objective.pk
    assert list(changes) == [changes[0]] and changes == tuple(changes)
    assert reads == [1]  # read once, then kept
