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
