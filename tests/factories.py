"""Small data-building helpers for tests (no big JSON fixtures)."""

import itertools

from django.contrib.auth import get_user_model

from courses.models import Course, Lesson, Objective
from courses.rendering import render

_seq = itertools.count(1)


def make_user(username=None, password="correct horse battery staple", **extra):
    username = username or f"learner{next(_seq)}"
    extra.setdefault("email", f"{username}@example.com")
    return get_user_model().objects.create_user(username=username, password=password, **extra)


def make_course(slug=None, *, objectives=2, lessons=3, **extra):
    """A course with `objectives` objectives and `lessons` lessons, each with a section."""
    slug = slug or f"course-{next(_seq)}"
    course = Course.objects.create(
        slug=slug,
        title=extra.pop("title", f"Course {slug}"),
        summary="A summary.",
        summary_html="<p>A summary.</p>",
        **extra,
    )
    objs = [
        Objective.objects.create(
            course=course, key=f"objective-{i + 1}", text=f"Objective {i + 1}", position=i
        )
        for i in range(objectives)
    ]
    for i in range(lessons):
        make_lesson(
            course, f"lesson-{i + 1}", position=i, objectives=[objs[i % len(objs)]] if objs else []
        )
    return course


def make_lesson(course, slug, *, position=0, objectives=(), body=None):
    body = body or f"Intro to {slug}.\n\n## Main point {{#main}}\n\nThe main point of {slug}.\n"
    rendered = render(body)
    lesson = Lesson.objects.create(
        course=course,
        slug=slug,
        title=slug.replace("-", " ").title(),
        position=position,
        minutes=2,
        body_markdown=body,
        body_html=rendered.html,
        toc=rendered.toc,
    )
    lesson.objectives.set(objectives)
    return lesson


# --- quizzes (questions built directly, in the spec shapes of quizzes/grading.py) ----------

_OPTION_TEXTS = ("400 billion", "17 billion", "70 billion", "2 trillion")


def default_spec(qtype):
    """A small valid spec for each question type (first option(s) correct where relevant)."""

    def option(i, correct):
        text = _OPTION_TEXTS[i]
        feedback = "" if correct else f"<p>Not {text}: think again.</p>"
        return {
            "key": "abcd"[i], "html": f"<p>{text}</p>", "text": text, "correct": correct,
            "feedback_html": feedback,
        }  # fmt: skip

    if qtype == "single":
        return {"options": [option(i, i == 0) for i in range(4)]}
    if qtype == "multiple":
        return {"options": [option(i, i < 2) for i in range(4)]}
    if qtype == "truefalse":
        return {
            "answer": True,
            "feedback_true_html": "<p>Yes, it is.</p>",
            "feedback_false_html": "<p>It is true, in fact.</p>",
        }
    if qtype == "numeric":
        return {"answer": 10_000_000.0, "tolerance": 0.0, "units": True, "unit_label": "tokens"}
    if qtype == "text":
        return {"accepted": ["Alexandr Wang"], "normalised": ["alexandr wang"]}
    if qtype == "matching":
        lefts = ("Maverick", "Scout", "Llama 3.3")
        rights = ("General assistant", "Long documents", "Cheap text", "Image generation")
        return {
            "pairs": [
                {"key": str(i + 1), "left_html": f"<p>{left}</p>", "left": left,
                 "right_key": f"r{i + 1}"}
                for i, left in enumerate(lefts)
            ],
            "rights": [{"key": f"r{i + 1}", "text": text} for i, text in enumerate(rights)],
        }  # fmt: skip
    raise ValueError(qtype)


def make_question(
    course, objective=None, *, type="single", key=None, spec=None, lesson=None, anchor="main",
    retired=False, prompt=None, explanation=None,
):  # fmt: skip
    """A Question with its first QuestionVersion (current), tied to a lesson section."""
    from quizzes.models import Question, QuestionVersion

    objective = objective or course.objectives.order_by("position").first()
    lesson = lesson or objective.lessons.order_by("position").first() or course.lessons.first()
    n = next(_seq)
    key = key or f"question-{n}"
    question = Question.objects.create(
        course=course, key=key, objective=objective, type=type, lesson=lesson, anchor=anchor,
        position=n, retired=retired,
    )  # fmt: skip
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        prompt_html=f"<p>{prompt or f'Prompt of {key}?'}</p>",
        explanation_html=f"<p>{explanation or f'Explanation of {key}.'}</p>",
        spec=spec or default_spec(type),
        content_hash=f"hash-{key}",
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return question


def make_quiz(course, objective=None, *, slug=None, **extra):
    """The objective's quiz, or the course test when no objective is given."""
    from quizzes.models import Quiz, QuizKind

    kind = QuizKind.OBJECTIVE if objective else QuizKind.COURSE
    return Quiz.objects.create(
        course=course,
        objective=objective,
        kind=kind,
        slug=slug or (objective.key if objective else "course-test"),
        title=extra.pop("title", f"Quiz: {objective.text}" if objective else "Course test"),
        **extra,
    )
