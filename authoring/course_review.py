"""The course linter's report kept with each course.

Every import lints the course (authoring.lint) and `record()` stores the result in CourseReview,
so instructors see the linter's view of a course in the admin (reports/course_review.py, listed
beside item analysis on the reports page): its findings before any learner answers, item
analysis after.
"""

from django.utils import timezone

from authoring.lint import LintResult
from courses.models import Course
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
