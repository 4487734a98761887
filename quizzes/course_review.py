"""The course linter's report kept with each course, and the admin page that shows it.

Every import lints the course (quizzes.lint) and `record()` stores the result in CourseReview,
so instructors see the linter's view of a course in the admin ("Course review", listed beside
item analysis on the reports page): its findings before any learner answers, item analysis
after. The page is added to the admin by QuestionAdmin.get_urls, behind the admin's login and
the permission to view questions.
"""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.models import Course
from quizzes.lint import ERROR, LintResult
from quizzes.models import CourseReview


def record(course: Course, result: LintResult) -> CourseReview:
    """Store a course's lint result, replacing the one from its previous import."""
    review, _created = CourseReview.objects.update_or_create(
        course=course,
        defaults={
            "report": result.as_dict(),
            "errors": result.errors,
            "warnings": result.warnings,
            "linted_at": timezone.now(),
        },
    )
    return review


def urls(admin_site):
    view = admin_site.admin_view(require_GET(partial(course_review, admin_site)))
    return [path("review/<int:course_id>/", view, name="quizzes_course_review")]


def course_review(admin_site, request, course_id):
    if not request.user.has_perm("quizzes.view_question"):
        raise PermissionDenied("You may not view the question bank.")
    course = get_object_or_404(Course, pk=course_id)
    review = CourseReview.objects.filter(course=course).first()
    result = LintResult.from_dict(review.report) if review else None
    context = {
        **admin_site.each_context(request),
        "title": f"Course review: {course.title}",
        "course": course,
        "review": review,
        "result": result,
        "errors": [f for f in result.findings if f.severity == ERROR] if result else [],
        "warnings": [f for f in result.findings if f.severity != ERROR] if result else [],
    }
    return TemplateResponse(request, "admin/quizzes/reports/course_review.html", context)
