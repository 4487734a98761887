"""A learner's own data, for download: their answers, mastery and completions.

One query per kind of record, whatever their number; only the signed-in learner's rows.
"""

from lib.dates import iso
from progress.mastery import LEVEL_LABELS
from progress.models import CourseCompletion, LessonCompletion, Mastery
from quizzes import questiontypes
from quizzes.humanize import score_text
from quizzes.models import Attempt, Response


def _answer(response):
    """The answer in words; one part a line, marked right or wrong, when its type shows it in
    parts (a matching pair)."""
    qtype = questiontypes.get(response.question.type)
    lines = qtype.answer_lines(response.version.spec, response.answer, marked=True)
    return "\n".join(lines) if lines else response.answer_display


ANSWER_FIELDS = [
    "answered_at", "course", "objective", "question", "prompt", "question_version", "quiz",
    "attempt", "attempt_score", "practice", "answer", "score", "answer_shown_first", "counted",
    "estimate_after", "level_after",
]  # fmt: skip
MASTERY_FIELDS = [
    "course", "objective", "objective_text", "level", "estimate", "counted_answers",
    "review_box", "review_due_at", "updated_at",
]  # fmt: skip


def answer_rows(user):
    responses = (
        Response.objects.filter(user=user)
        .select_related("question", "version", "objective__course", "attempt__quiz")
        .order_by("graded_at", "id")
    )
    return [
        {
            "answered_at": iso(r.graded_at),
            "course": r.objective.course.slug,
            "objective": r.objective.key,
            "question": r.question.key,
            "prompt": r.version.prompt_text,
            "question_version": r.version.number,
            "quiz": r.attempt.quiz.slug,
            "attempt": r.attempt_id,
            "attempt_score": "" if r.attempt.is_practice else score_text(r.attempt),
            "practice": r.attempt.is_practice,
            "answer": _answer(r),
            "score": r.score,
            "answer_shown_first": r.revealed,
            "counted": r.counted,
            "estimate_after": None if r.p_after is None else round(r.p_after, 4),
            "level_after": None if r.level_after is None else LEVEL_LABELS[r.level_after],
        }
        for r in responses
    ]


def attempt_rows(user):
    """The learner's quiz attempts with their scores (practice sessions are not scored)."""
    attempts = (
        Attempt.objects.filter(user=user, is_practice=False)
        .select_related("quiz__course")
        .order_by("started_at", "id")
    )
    return [
        {
            "attempt": a.pk,
            "course": a.quiz.course.slug,
            "quiz": a.quiz.slug,
            "quiz_title": a.quiz.title,
            "started_at": iso(a.started_at),
            "finished_at": iso(a.finished_at),
            "score": None if a.score is None else round(a.score, 4),
            "max_score": a.max_score,
            "percent": a.percent,
            "score_text": score_text(a),
        }
        for a in attempts
    ]


def mastery_rows(user):
    rows = (
        Mastery.objects.filter(user=user)
        .select_related("objective__course")
        .order_by("objective__course__position", "objective__course_id", "objective__position")
    )
    return [
        {
            "course": row.objective.course.slug,
            "objective": row.objective.key,
            "objective_text": row.objective.text,
            "level": LEVEL_LABELS[row.level],
            "estimate": round(row.estimate, 4),
            "counted_answers": row.counted_answers,
            "review_box": row.review_box,
            "review_due_at": iso(row.review_due_at),
            "updated_at": iso(row.updated_at),
        }
        for row in rows
    ]


def everything(user):
    """All of the learner's data as one JSON-serialisable dict."""
    lessons = LessonCompletion.objects.filter(user=user).select_related("lesson__course")
    courses = CourseCompletion.objects.filter(user=user).select_related("course")
    return {
        "user": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": iso(user.date_joined),
        },
        "attempts": attempt_rows(user),
        "answers": answer_rows(user),
        "mastery": mastery_rows(user),
        "lessons_completed": [
            {
                "course": c.lesson.course.slug,
                "lesson": c.lesson.slug,
                "completed_at": iso(c.completed_at),
            }
            for c in lessons.order_by("completed_at", "id")
        ],
        "courses_completed": [
            {"course": c.course.slug, "completed_at": iso(c.completed_at)}
            for c in courses.order_by("completed_at", "id")
        ],
    }
