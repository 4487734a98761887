from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from authoring.lint import format_text, lint


class Command(BaseCommand):
    help = (
        "Check the teaching quality of course documents and their question banks: form cues and "
        "a test-wise guesser, true/false key lean, give-aways, duplicates, weak distractors, "
        "source pointers, coverage and balance (docs/course-format.md). Writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="course Markdown files")
        parser.add_argument(
            "--strict", action="store_true", help="exit non-zero when any error is found"
        )

    def handle(self, *args: Any, paths: list[Path], strict: bool, **options: Any) -> None:
        errors = invalid = 0
        for index, path in enumerate(paths):
            if index:
                self.stdout.write("")
            try:
                doc = parse_course_file(path, unpointed=True)
            except CourseFileError as error:
                for problem in error.problems:
                    self.stderr.write(str(problem))
                self.stderr.write(f"{path}: the course does not import; fix these first.")
                invalid += 1
                continue
            result = lint(doc)
            errors += result.errors
            self.stdout.write(format_text(result))
        if invalid:
            raise CommandError(f"{invalid} file(s) could not be read.", returncode=2)
        if strict and errors:
            raise CommandError(f"{errors} error(s) found (--strict).", returncode=1)
