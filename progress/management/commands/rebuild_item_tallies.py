"""Rebuild the item analysis sums (progress.itemtally) of every quiz from the answers.

The sums are kept up to date by every finished attempt; this is for data written in bulk
(seed_demo_data and the benchmark call the same rebuild) or to check them: with --check it
writes nothing and exits non-zero if a stored row differs from the answers.
"""

from django.core.management.base import BaseCommand, CommandError

from progress import itemtally
from progress.management import checking
from progress.models import ItemTally
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Rebuild the item analysis sums of every quiz (or of --quiz ID) from the answers. "
        "With --check, write nothing, report each difference and exit non-zero if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report differences only")
        parser.add_argument("--quiz", type=int, metavar="ID", help="only this quiz")

    def handle(self, *args, check, quiz, **options):
        quizzes = Quiz.objects.order_by("pk")
        if quiz is not None:
            quizzes = quizzes.filter(pk=quiz)
            if not quizzes.exists():
                raise CommandError(f"No quiz with id {quiz}.")
        differences = 0
        for one in quizzes:
            stored = {
                row.mode: row.sums for row in ItemTally.objects.filter(quiz=one, stale=False)
            }
            rebuilt = checking.rebuilt(itemtally.rebuild, one.pk, check=check)
            for mode, sums in rebuilt.items():
                if mode in stored and stored[mode] != sums.to_json():
                    differences += 1
                    self.stdout.write(f"{one.slug} ({one.pk}), {mode}: the stored sums differ")
            if not check:
                self.stdout.write(f"{one.slug}: {rebuilt['all'].attempts} finished attempts")
        if check and differences:
            raise CommandError(f"{differences} stored sums differ from the answers.")
        if check:
            self.stdout.write("The stored item analysis sums match the answers.")
