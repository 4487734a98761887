"""Rebuild the class mastery counts (progress.masterytally) of every course from its mastery
rows.

The counts are kept up to date by every answer, and marked stale by the other writers of
mastery rows (the next report rebuilds them); this is for data written in bulk or to check
them: with --check it writes nothing and exits non-zero if the fresh stored counts of a course
differ from its mastery rows (stale ones are rebuilt by the next report anyway).
"""

from django.core.management.base import BaseCommand, CommandError

from courses.models import Course
from progress import masterytally
from progress.management import checking


class Command(BaseCommand):
    help = (
        "Rebuild the class mastery counts of every course (or of --course SLUG) from the "
        "mastery rows. With --check, write nothing, report each difference and exit non-zero "
        "if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences only")
        parser.add_argument("--course", metavar="SLUG", help="only this course")

    def handle(self, *args, check, course, **options):
        courses = Course.objects.order_by("pk")
        if course is not None:
            courses = courses.filter(slug=course)
            if not courses.exists():
                raise CommandError(f'No course "{course}".')
        differences = 0
        for one in courses:
            ids = list(one.objectives.filter(retired=False).values_list("pk", flat=True))
            stored = masterytally.stored_counts(one.pk, ids) if ids else None
            rebuilt = checking.rebuilt(masterytally.rebuild, one.pk, ids, check=check)
            if stored is not None and stored != rebuilt:
                differences += 1
                self.stdout.write(f"{one.slug}: the stored counts differ from the mastery rows")
            if not check:
                self.stdout.write(f"{one.slug}: {rebuilt.learners} learners")
        if check and differences:
            raise CommandError(f"{differences} course(s) with stored counts that differ.")
        if check:
            self.stdout.write("The stored class mastery counts match the mastery rows.")
