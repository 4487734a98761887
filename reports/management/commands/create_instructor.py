"""Create an instructor, or promote an existing user to one.

    manage.py create_instructor ada@example.com   # password generated and printed once
    printf '%s\n' "$PASSWORD" | manage.py create_instructor ada@example.com --password-stdin

An existing user (matched by email, case-insensitively) keeps their password unless
--password-stdin gives a new one. There are no default credentials anywhere.
"""

import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from reports.roles import INSTRUCTORS, make_instructor


class Command(BaseCommand):
    help = "Create or promote an instructor (staff, in the Instructors group)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )

    def handle(self, *args, email, password_stdin, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        exists = get_user_model().objects.filter(email__iexact=email).exists()
        generated = False
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        elif not exists:
            password = secrets.token_urlsafe(18)
            generated = True
        if password is not None and not generated:
            candidate = get_user_model()(username=email.lower(), email=email.lower())
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        user, created = make_instructor(email, password)
        verb = "Created" if created else "Promoted"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {user.username} (staff, in the {INSTRUCTORS} group).")
        )
        if generated:
            self.stdout.write(f"Password (shown once, not stored anywhere): {password}")
