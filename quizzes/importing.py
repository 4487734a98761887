"""A course file with its question bank: the two parsers composed, for `import_course`.

courses/importer.py reads the course document (lessons, objectives) and knows nothing of
questions; quizzes/bank.py reads the question bank the document names. This module is the one
place that runs both, so neither parser imports the other.
"""

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from courses.importer import CourseDoc, ImportReport, apply_course, parse_course
from courses.models import Course
from quizzes.bank import apply_bank, parse_bank


def parse_course_file(path: Path) -> CourseDoc:
    """Read and validate a course file and its question bank; raise CourseFileError."""
    doc = parse_course(path)
    if doc.questions_path is not None:
        doc.bank = parse_bank(doc)  # raises CourseFileError with the bank's problems
    return doc


@transaction.atomic
def import_course(doc: CourseDoc, report: ImportReport | None = None) -> Course:
    """Write a parsed course file and its bank to the database, in one transaction."""
    report = report if report is not None else ImportReport()
    applied = apply_course(doc, report)
    if doc.questions_path is not None:
        apply_bank(doc, applied.course, applied.objectives, applied.lessons, report)
    if report.changes:
        applied.course.imported_at = timezone.now()
        applied.course.save(update_fields=["imported_at"])
    return applied.course
