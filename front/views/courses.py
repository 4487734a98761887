"""The course pages: the catalogue, a course's home, a lesson, and marking a lesson complete.

They show the content (courses) beside the learner's state (progress): levels per objective,
completed lessons, the course completion, and links to the quizzes.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from authoring.preview import course_home_context  # the author's live preview, if running
from courses.models import Course, Lesson, Objective, outline_prefetch
from lib import htmx
from progress.models import LessonCompletion
from progress.standing import attach_levels, check_course_completion, course_completion
from quizzes.models import course_test_slug


def get_course(slug):
    """A published course by its slug, or 404 (every course page starts here)."""
    return get_object_or_404(Course.objects.published(), slug=slug)


def _get_lesson(course, slug):
    objectives = Objective.objects.select_related("quiz")  # with their quiz links, no query
    return get_object_or_404(
        course.lessons.published().prefetch_related(Prefetch("objectives", objectives)),
        slug=slug,
    )


def _completed_ids(user, course):
    if not user.is_authenticated:
        return set()
    return set(
        LessonCompletion.objects.filter(user=user, lesson__course=course).values_list(
            "lesson_id", flat=True
        )
    )


def catalogue(request):
    courses = Course.objects.listed().prefetch_related(outline_prefetch())
    return render(request, "front/catalogue.html", {"courses": courses})


def course_home(request, slug):
    course = get_object_or_404(
        Course.objects.published().annotate(test_slug=course_test_slug()), slug=slug
    )
    lessons = list(course.lessons.for_outline())
    objectives = list(course.objectives.active().select_related("quiz"))
    attach_levels(request.user, objectives)  # objective.progress: one query for the levels
    completed = _completed_ids(request.user, course)
    next_lesson = next((lesson for lesson in lessons if lesson.pk not in completed), None)
    context = {
        "course": course,
        "lessons": lessons,
        "objectives": objectives,
        "completed": completed,
        "next_lesson": next_lesson,
        "started": bool(completed),
        "total_minutes": sum(lesson.minutes for lesson in lessons),
        "course_completion": course_completion(request.user, course),
        **course_home_context(course),  # the linter's findings, while an author previews
    }
    return render(request, "front/course.html", context)


def lesson_page(request, slug, lesson_slug):
    course = get_course(slug)
    lesson = _get_lesson(course, lesson_slug)
    outline = list(course.lessons.for_outline())
    index = next(i for i, item in enumerate(outline) if item.pk == lesson.pk)
    completed = _completed_ids(request.user, course)
    context = {
        "course": course,
        "lesson": lesson,
        "outline": outline,
        "completed": completed,
        "is_complete": lesson.pk in completed,
        "previous": outline[index - 1] if index > 0 else None,
        "next": outline[index + 1] if index + 1 < len(outline) else None,
        "objectives": list(lesson.objectives.all()),
    }
    attach_levels(request.user, context["objectives"])  # one query for the learner's levels
    if "completed" in request.GET:  # after Mark complete without JavaScript (mark_complete)
        context["course_just_completed"] = course_completion(request.user, course) is not None
    return render(request, "front/lesson.html", context)


@require_POST
def mark_complete(request, slug, lesson_slug):
    course = get_course(slug)
    lesson = get_object_or_404(Lesson.objects.published(), course=course, slug=lesson_slug)
    if not request.user.is_authenticated:
        return htmx.login_redirect(request, lesson.get_absolute_url())
    was_completed = course_completion(request.user, course) is not None
    LessonCompletion.objects.get_or_create(user=request.user, lesson=lesson)
    # This click completes the course when the completion appears now: say so right here.
    just_completed = not was_completed and check_course_completion(request.user, course)
    if request.htmx:
        return render(
            request,
            "front/lesson.html#completion",
            {
                "course": course,
                "lesson": lesson,
                "is_complete": True,
                "just_completed": True,
                "course_just_completed": bool(just_completed),
            },
        )
    if just_completed:
        return redirect(lesson.get_absolute_url() + "?completed=course#completion")
    return redirect(lesson)
