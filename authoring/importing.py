"""A course file with its question bank: the two parsers composed, for `import_course`.

authoring/importer.py reads the course document (lessons, objectives) and knows nothing of
questions; authoring/bank.py reads the question bank the document names. This module is the one
place that runs both, so neither parser imports the other.
"""

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from authoring.bank import apply_bank, parse_bank
from authoring.importer import (
    CourseDoc,
    CourseFileError,
    ImportReport,
    Problem,
    apply_course,
    check_objectives_used,
    parse_course,
)
from courses.models import Course


def parse_course_file(path: Path, *, unpointed: bool = False) -> CourseDoc:
    """Read and validate a course file and its question bank; raise CourseFileError.

    Problems in the course file do not hide those of its bank: the bank is checked against as
    much of the document as could be read, and every problem of both is raised together.
    `unpointed` (for the linter) reads a question without a lesson pointer instead of
    refusing it, so the linter can report it among its findings.
    """
    problems: list[Problem] = []
    try:
        doc = parse_course(path)
    except CourseFileError as error:
        if error.doc is None:  # not even the document's outline could be read
            raise
        doc, problems = error.doc, list(error.problems)
    if doc.questions_path is not None:
        try:
            doc.bank = parse_bank(doc, unpointed=unpointed)
        except CourseFileError as error:
            problems.extend(error.problems)
    if not problems:
        check_objectives_used(doc, problems)
    if problems:
        raise CourseFileError(problems)
    return doc


@transaction.atomic
def import_course(
    doc: CourseDoc, report: ImportReport | None = None, *, replace: bool = False
) -> Course:
    """Write a parsed course file and its bank to the database, in one transaction.

    Raises CourseFileError (writing nothing) if the course's slug belongs to a course imported
    from another file, unless `replace` (authoring.importer.apply_course)."""
    report = report if report is not None else ImportReport()
    applied = apply_course(doc, report, replace=replace)
    if doc.questions_path is not None:
        apply_bank(doc, applied.course, applied.objectives, applied.lessons, report)
    if report.changes:
        applied.course.imported_at = timezone.now()
        applied.course.save(update_fields=["imported_at"])
    return applied.course
