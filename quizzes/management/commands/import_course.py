from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.importer import CourseFileError, ImportReport
from quizzes.importing import import_course, parse_course_file


class Command(BaseCommand):
    help = (
        "Validate course documents and import them: lessons, objectives, questions and quizzes. "
        "Nothing is written unless every file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="course Markdown files")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what would change, write nothing"
        )

    def handle(self, *args, paths, dry_run, **options):
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
                    f'{doc.path}:1: another file also has the course slug "{doc.slug}"'
                )
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(problems)} problem(s) found; nothing was imported.", returncode=1
            )

        reports = []
        with transaction.atomic():
            for doc in docs:
                report = ImportReport()
                import_course(doc, report)
                reports.append((doc, report))
            if dry_run:
                transaction.set_rollback(True)

        for doc, report in reports:
            if not report.changes:
                self.stdout.write(f"{doc.path}: no changes.")
                continue
            verb = "would change" if dry_run else "imported"
            self.stdout.write(
                self.style.SUCCESS(f"{doc.path}: {verb} {len(report.changes)} item(s):")
            )
            for change in report.changes:
                self.stdout.write(f"  {change}")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
