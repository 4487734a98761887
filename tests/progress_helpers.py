"""Data-building helpers for the progress, practice, completion and account-data tests."""

import itertools
from datetime import UTC, datetime, timedelta

from progress.services import record_answer
from quizzes.grading import Grade
from quizzes.models import Attempt, Question, QuestionVersion, Quiz, QuizKind

_seq = itertools.count(1)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, winter time in London
DAY = timedelta(days=1)


def make_question(objective, key=None, *, options=4, position=None, retired=False, prompt=None):
    """A single-choice question of `objective` (option "a" is correct) with its version."""
    n = next(_seq)
    course = objective.course
    lesson = objective.lessons.first() or course.lessons.first()
    question = Question.objects.create(
        course=course,
        key=key or f"q-{n}",
        objective=objective,
        type="single",
        lesson=lesson,
        anchor="main",
        position=n if position is None else position,
        retired=retired,
    )
    spec = {
        "options": [
            {"key": k, "html": f"<p>{k}</p>", "text": k, "correct": k == "a", "feedback_html": ""}
            for k in "abcdefgh"[:options]
        ]
    }
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        prompt_html=prompt or f"<p>Question {question.key} &amp; its prompt</p>",
        explanation_html="<p>Because.</p>",
        spec=spec,
        content_hash=f"hash-{n}",
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return question


def make_quiz(objective):
    """The objective's quiz (one per objective)."""
    quiz, _ = Quiz.objects.get_or_create(
        objective=objective,
        defaults={
            "course": objective.course,
            "kind": QuizKind.OBJECTIVE,
            "slug": f"quiz-{objective.key}",
            "title": f"Quiz: {objective.text}",
            "position": objective.position,
        },
    )
    return quiz


def make_bank(objective, count, **options):
    """`count` questions and the objective's quiz."""
    make_quiz(objective)
    return [make_question(objective, **options) for _ in range(count)]


def answer(user, question, score, at, *, attempt=None, is_practice=False):
    """Record an answer through the live path (services.record_answer) at time `at`."""
    question = Question.objects.select_related("current_version", "objective").get(pk=question.pk)
    if attempt is None:
        attempt = Attempt.objects.create(
            user=user,
            quiz=make_quiz(question.objective),
            is_practice=is_practice,
            seed=next(_seq),
            question_ids=[question.pk],
            started_at=at,
        )
    grade = Grade(
        score=score,
        correct=score == 1.0,
        answer_display="a" if score == 1.0 else "b",
        correct_display="a",
        feedback_html="",
        answer={"choices": ["a" if score == 1.0 else "b"]},
    )
    return record_answer(attempt=attempt, question=question, grade=grade, now=at)
