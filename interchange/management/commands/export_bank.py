from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interchange.common import FORMATS, InterchangeError, course_file
from interchange.convert import export


class Command(BaseCommand):
    help = (
        "Write a course's question bank as GIFT, Moodle XML, or a QTI 3.0 or 2.1 package. "
        "What other tools lose is printed as warnings (docs/interchange.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("course", help="a course slug, or the course's .md file")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument(
            "-o", "--output", type=Path, help="the file to write (default: standard output)"
        )

    def handle(self, *args, course, format, output, **options):
        try:
            exported = export(course_file(course), format)
        except InterchangeError as error:
            raise CommandError(str(error), returncode=1) from None
        for warning in exported.warnings:
            self.stderr.write(f"warning: {warning}")
        if output is None:
            if format.startswith("qti"):
                raise CommandError("a QTI package is a zip file: give -o FILE", returncode=1)
            self.stdout.write(exported.content.decode("utf-8"), ending="")
            return
        try:
            output.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(
                f"{output}: cannot be written: {error.strerror}", returncode=1
            ) from None
        self.stderr.write(f"wrote {output} ({len(exported.content)} bytes)")
