"""Data-building helpers for the admin, report, export and seeding tests.

Rows are built directly (no grading, no services) so each test states exactly the scores and
choices its figures are worked out from.
"""

import itertools
from datetime import UTC, datetime, timedelta

from courses.models import Course, Objective
from progress.models import Mastery
from quizzes.models import Attempt, Question, QuestionVersion, Quiz, QuizKind, Response
from reports.roles import make_instructor
from tests.factories import make_user

_seq = itertools.count(1)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_choice_question(objective, key=None, *, options="abcd", correct="a", qtype="single"):
    """A single (or multiple) choice question; options keyed by letter, text "Option X"."""
    n = next(_seq)
    course = objective.course
    lesson = objective.lessons.first() or course.lessons.first()
    question = Question.objects.create(
        course=course,
        key=key or f"rq-{n}",
        objective=objective,
        type=qtype,
        lesson=lesson,
        anchor="main",
        position=n,
    )
    spec = {
        "options": [
            {
                "key": k,
                "html": f"<p>Option {k.upper()}</p>",
                "text": f"Option {k.upper()}",
                "correct": k in correct,
                "feedback_html": "",
            }
            for k in options
        ]
    }
    return _version(question, spec, n)


def make_truefalse_question(objective, key=None, *, answer=True):
    n = next(_seq)
    course = objective.course
    question = Question.objects.create(
        course=course,
        key=key or f"rq-{n}",
        objective=objective,
        type="truefalse",
        lesson=objective.lessons.first() or course.lessons.first(),
        anchor="main",
        position=n,
    )
    return _version(question, {"answer": answer}, n)


def _version(question, spec, n):
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        prompt_html=f"<p>Prompt of <em>{question.key}</em></p>",
        explanation_html="<p>Because.</p>",
        spec=spec,
        content_hash=f"report-hash-{n}",
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return question


def make_objective_quiz(objective, **settings):
    return Quiz.objects.create(
        course=objective.course,
        objective=objective,
        kind=QuizKind.OBJECTIVE,
        slug=f"quiz-{objective.key}",
        title=f"Quiz {objective.key}",
        position=objective.position,
        **settings,
    )


def make_course_quiz(course, **settings):
    return Quiz.objects.create(
        course=course, kind=QuizKind.COURSE, slug="course-test", title="Course test", **settings
    )


def _choice_answer(question, choice):
    if question.type == "truefalse":
        return {"value": choice}, choice.capitalize()
    keys = list(choice)
    return {"choices": keys}, "; ".join(f"Option {k.upper()}" for k in keys)


def make_attempt(user, quiz, answers, *, started_at=None, finished=True, practice=False):
    """An attempt with one response per (question, choice, score) in slot order.

    ``choice`` is option letters ("a", "ab") for choice questions or "true"/"false".
    """
    started_at = started_at or T0
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        is_practice=practice,
        seed=1,
        question_ids=[question.pk for question, _, _ in answers],
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=3, seconds=7) if finished else None,
        score=sum(score for _, _, score in answers) if finished else None,
        max_score=len(answers),
    )
    for slot, (question, choice, score) in enumerate(answers, start=1):
        answer, display = _choice_answer(question, choice)
        Response.objects.create(
            attempt=attempt,
            user=user,
            question=question,
            version=question.current_version,
            objective=question.objective,
            slot=slot,
            answer=answer,
            answer_display=display,
            score=score,
            graded_at=started_at + timedelta(seconds=30 * slot),
            counted=True,
        )
    return attempt


def make_mastery(user, objective, level, *, estimate=0.5, counted=1, due=None, box=None):
    return Mastery.objects.create(
        user=user,
        objective=objective,
        level=level,
        estimate=estimate,
        counted_answers=counted,
        review_due_at=due,
        review_box=box,
    )


def make_staff_instructor(email="teacher@example.com"):
    user, _ = make_instructor(email, "a long instructor passphrase")
    return user


def make_learners(n, prefix="pupil"):
    return [
        make_user(f"{prefix}{next(_seq)}", first_name=f"First{i}", last_name="Last")
        for i in range(n)
    ]


def objectives_of(course: Course) -> list[Objective]:
    return list(course.objectives.order_by("position"))
