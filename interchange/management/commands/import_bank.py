import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authoring.importer import CourseFileError
from interchange.common import InterchangeError, course_file, dump_items, load_bank
from interchange.convert import convert


def append(bank: Path, text: str) -> None:
    """Add YAML list items to a bank file, keeping what it holds (comments too); an empty
    flow list (`[]`) gives way. Written to a temporary file first, then renamed into place."""
    current = bank.read_text(encoding="utf-8") if bank.exists() else ""
    lines = current.split("\n")
    content = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if content == ["[]"]:
        current = "\n".join(line for line in lines if line.strip() != "[]")
    if current and not current.endswith("\n"):
        current += "\n"
    if current.strip():
        current += "\n"
    temporary = bank.with_name(f".{bank.name}.import")
    temporary.write_text(current + text, encoding="utf-8")
    os.replace(temporary, bank)


class Command(BaseCommand):
    help = (
        "Read a GIFT, Moodle XML or QTI (3.0, 2.1) file and append its questions to a course's "
        "question bank as YAML. Nothing is written to the database: import the course after "
        "reviewing them. Questions without a lesson pointer (source) come in as drafts."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--course", required=True, help="a course slug or its .md file")
        parser.add_argument(
            "--objective", help="the objective for questions whose category names none"
        )
        parser.add_argument("--dry-run", action="store_true", help="print the YAML, write nothing")

    def handle(self, *args, file, course, objective, dry_run, **options):
        try:
            path = course_file(course)
            doc, existing = load_bank(path)
        except InterchangeError as error:
            raise CommandError(str(error), returncode=1) from None
        except CourseFileError as error:
            raise CommandError(
                f"the course is invalid; fix it first: {error.problems[0]}", returncode=1
            ) from None
        if objective is not None and objective not in doc.objective_keys:
            raise CommandError(f'--objective: the course has no objective "{objective}"')
        if doc.questions_path is None:
            raise CommandError(
                f"{path}: the course names no question bank (add questions: FILE to its "
                "front matter)",
                returncode=1,
            )
        keys = {str(item.get("key")) for item in existing if isinstance(item, dict)}
        try:
            items, questions, imported, problems = convert(file, doc, keys, objective)
        except InterchangeError as error:
            raise CommandError(str(error), returncode=1) from None
        for refusal in imported.refused:
            self.stderr.write(f"not converted: {refusal}")
        for warning in imported.warnings:
            self.stderr.write(f"warning: {warning}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problem(s); nothing was written.", returncode=1)
        drafts = sum(1 for item in items if not item.get("source"))
        text = dump_items(items)
        if dry_run:
            self.stdout.write(text)
        elif items:
            append(doc.questions_path, text)
        done = "read" if dry_run else f"added to {doc.questions_path}"
        summary = f"{len(questions)} question(s) {done}, {len(imported.refused)} not converted"
        if drafts:
            summary += (
                f"; {drafts} draft(s) without a lesson pointer: add source: lesson-slug#section "
                "to each before importing the course"
            )
        self.stderr.write(summary)
