import random
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authoring.importer import CourseDoc, CourseFileError
from authoring.importing import parse_course_file
from authoring.review_pack import SheetError, format_score, read_sheet, score, write_pack


class Command(BaseCommand):
    help = (
        "Write a blind review pack of a course's questions (no keys, levels, feedback or "
        "explanations) and an answer sheet for a colleague; with --score, score the filled sheet "
        "against the keys (docs/course-format.md, Blind review)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course", type=Path, help="the course Markdown file")
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="the pack's Markdown file (default: <course-slug>-review.md); the answer sheet "
            "is written beside it as <name>.answers.yaml",
        )
        parser.add_argument(
            "--seed", type=int, help="the order of questions and options (default: random)"
        )
        parser.add_argument(
            "--score", type=Path, metavar="ANSWERS", help="score this filled answer sheet"
        )

    def handle(
        self,
        *args: Any,
        course: Path,
        output: Path | None,
        seed: int | None,
        score: Path | None,
        **options: Any,
    ) -> None:
        try:
            doc = parse_course_file(course)
        except CourseFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{course}: the course does not import; fix it first.") from None
        if score is not None:
            self._score(doc, score)
            return
        if seed is None:
            seed = random.SystemRandom().randrange(1, 1_000_000)
        pack_path = output or Path(f"{doc.slug}-review.md")
        sheet_path = pack_path.with_name(f"{pack_path.stem}.answers.yaml")
        exam, sheet = write_pack(doc, seed, sheet_path.name)
        try:
            pack_path.write_text(exam, encoding="utf-8")
            sheet_path.write_text(sheet, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write the pack: {error}") from None
        self.stdout.write(
            f"Wrote {pack_path} ({len(doc.bank)} questions, seed {seed}) and its answer sheet "
            f"{sheet_path}. Give both to the reviewer, with the lessons; score the filled sheet "
            f"with: .venv/bin/python manage.py review_pack {course} --score {sheet_path}"
        )

    def _score(self, doc: CourseDoc, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read the answer sheet {path}: {error}") from None
        try:
            report = score(doc, read_sheet(text))
        except SheetError as error:
            for problem in error.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{path}: the answer sheet cannot be scored ({len(error.problems)} problem(s)).",
                returncode=2,
            ) from None
        self.stdout.write(format_score(report))
