"""Rotate the tool's signing key: a new key signs, the old one stays published until retired."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from lti.models import ToolKey


class Command(BaseCommand):
    help = (
        "Make a new signing key (the previous ones stay in the key set, so platforms that "
        "cached it keep verifying), or with --retire-older-than HOURS retire every key but "
        "the newest that is older than that."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retire-older-than", type=int, metavar="HOURS")
        parser.add_argument("--dry-run", action="store_true")

    @transaction.atomic
    def handle(self, *args, **options):
        hours = options["retire_older_than"]
        if hours is None:
            if options["dry_run"]:
                self.stdout.write("Would make a new signing key.")
                return
            key = ToolKey.generate()
            self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid} published."))
            return
        newest = ToolKey.objects.published().first()
        old = ToolKey.objects.published().filter(
            created_at__lt=timezone.now() - timedelta(hours=hours)
        )
        if newest is not None:
            old = old.exclude(pk=newest.pk)
        kids = list(old.values_list("kid", flat=True))
        if not options["dry_run"]:
            old.update(retired_at=timezone.now())
        verb = "Would retire" if options["dry_run"] else "Retired"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(kids)} key(s): {', '.join(kids)}"))
