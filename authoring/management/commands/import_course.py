import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from authoring import lint
from authoring.course_review import record
from authoring.import_summary import summarise
from authoring.importer import CourseFileError, ImportReport, Problem
from authoring.importing import import_course, parse_course_file

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Validate course documents and import them: lessons, objectives, questions and quizzes. "
        "Nothing is written unless every file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="course Markdown files")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change, write nothing"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="let these files take over the courses whose slugs they use even if those "
            "were imported from other files (a moved or renamed course file)",
        )

    def handle(
        self, *args: Any, paths: list[Path], dry_run: bool, replace: bool, **options: Any
    ) -> None:
        docs, problems = [], []
        for path in paths:
            try:
                docs.append(parse_course_file(path))
            except CourseFileError as error:
                problems.extend(error.problems)
        slugs = [doc.slug for doc in docs]
        for doc in docs:
            if slugs.count(doc.slug) > 1:
                problems.append(
                    Problem(doc.path, 1, f'another file also has the course slug "{doc.slug}"')
                )
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(problems)} problem(s) found; nothing was imported.", returncode=1
            )

        reports, lints = [], []
        try:
            with transaction.atomic():
                for doc in docs:
                    report = ImportReport()
                    course = import_course(doc, report, replace=replace)
                    reports.append((doc, report))
                    # The course linter's findings never stop an import: they are warnings (on
                    # stderr), kept for the admin's course review. lint_course --strict refuses.
                    try:
                        result = lint.lint(doc)
                    except Exception:  # a fault in the linter must never stop an import
                        logger.exception("the course linter failed on %s", doc.path)
                        continue
                    record(course, result)
                    lints.append(result)
                if dry_run:
                    transaction.set_rollback(True)
        except CourseFileError as error:  # a slug taken by another file's course
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was imported.", returncode=1
            ) from None

        for doc, report in reports:
            if not report.changes:
                self.stdout.write(f"{doc.path}: no changes.")
                continue
            # One line per course, and a line for each change out of the ordinary; every change
            # on its own line with -v 2 (the same with --dry-run, which says so).
            summary, notable = summarise(report.changes)
            verb = "would have " if dry_run else ""
            self.stdout.write(self.style.SUCCESS(f"{doc.path}: {verb}{summary or 'changed'}."))
            detail = report.changes if options["verbosity"] >= 2 else notable
            for change in detail:
                self.stdout.write(f"  {change}")
            if dry_run and len(detail) < len(report.changes):
                self.stdout.write("  (-v 2 lists every change)")
        # The linter's findings: its errors always, its warnings (coverage, balance) with -v 2;
        # `manage.py lint_course` shows them all with the coverage map.
        for result in lints:
            if result.findings:
                self.stderr.write(
                    self.style.WARNING(
                        f"{result.path}: the course linter found {result.errors} error(s) and "
                        f"{result.warnings} warning(s); .venv/bin/python manage.py lint_course "
                        f"{result.path} shows them with the coverage map."
                    )
                )
                for finding in result.findings:
                    if finding.severity == lint.ERROR or options["verbosity"] >= 2:
                        self.stderr.write(f"  {finding}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
