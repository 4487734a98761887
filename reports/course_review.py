"""The course review page: the course linter's findings and coverage map (authoring.lint),
stored at each import (authoring.course_review), shown to instructors beside item analysis: the
linter's view of a course before any learner answers, item analysis after."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from authoring.lint import ERROR, LintResult
from courses.models import Course
from quizzes.models import CourseReview


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
    return TemplateResponse(request, "admin/reports/course_review.html", context)
