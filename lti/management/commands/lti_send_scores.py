"""Send the scores waiting in the outbox to the platforms (run it every minute or so)."""

from django.core.management.base import BaseCommand

from lti import passback


class Command(BaseCommand):
    help = (
        "Queue finished attempts that have no score row yet, then send every score that is "
        "due to its platform's line item. A failed send is retried later with back-off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many sends.")

    def handle(self, *args, **options):
        result = passback.drain(limit=options["limit"])
        for failure in result.failed:
            self.stderr.write(f"Not sent (will retry): {failure}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sent} score(s) sent, {len(result.failed)} to retry, "
                f"{result.queued} queued by the sweep."
            )
        )
