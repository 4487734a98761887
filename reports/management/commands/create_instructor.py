"""Create an instructor, or promote an existing account to one.

    manage.py create_instructor ada@example.com   # password generated and printed once
    printf '%s\n' "$PASSWORD" | manage.py create_instructor ada@example.com --password-stdin

A new account is named after the address. An existing account is matched by its email
(case-insensitively) or by the username a new account would take. Sign-up does not prove that
a learner owns the address they typed, so an existing account that is not staff yet may belong
to someone else: the command refuses it, says whose it is and when it signed up, and promotes
it only when run again with --promote-existing. A staff account is promoted without asking. An
existing account keeps its password unless --password-stdin gives a new one. Every conflict
ends with a message and a non-zero exit; nothing is changed then. There are no default
credentials anywhere.
"""

import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.utils import timezone

from reports.roles import INSTRUCTORS, make_instructor


def describe(user) -> str:
    """Whose account it is: username, email, when it signed up, staff or not."""
    joined = timezone.localtime(user.date_joined)
    role = "staff" if user.is_staff else "learner"
    return (
        f'"{user.get_username()}" ({role}, email {user.email or "(none)"}, '
        f"signed up {joined:%Y-%m-%d %H:%M})"
    )


class Command(BaseCommand):
    help = "Create or promote an instructor (staff, in the Instructors group)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )
        parser.add_argument(
            "--promote-existing",
            action="store_true",
            help="Promote the existing account that uses this email or username, even if it "
            "is not staff yet (check whose it is first: the command tells you).",
        )

    def handle(self, *args, email, password_stdin, promote_existing, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        user = self.existing_account(email, promote_existing)
        password, generated = None, False
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        elif user is None:
            password, generated = secrets.token_urlsafe(18), True
        if password is not None and not generated:
            candidate = user or get_user_model()(username=email.lower(), email=email.lower())
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        whose = describe(user) if user is not None else ""  # as it was before the promotion
        already = (
            user is not None
            and user.is_staff
            and user.is_active
            and user.groups.filter(name=INSTRUCTORS).exists()
        )
        try:
            user, created = make_instructor(email, password, user=user)
        except IntegrityError:  # an account took the name between the check and the save
            raise CommandError(
                f'The username "{email.lower()}" was taken while this ran; nothing was '
                "changed. Run the command again."
            ) from None
        if created:
            message = f"Created {user.get_username()} (staff, in the {INSTRUCTORS} group)."
        elif already:
            changed = "; password changed" if password is not None else ""
            message = (
                f"{user.get_username()} is already an instructor (staff, in the {INSTRUCTORS} "
                f"group){changed}."
            )
        else:
            message = f"Promoted {whose}: now staff, in the {INSTRUCTORS} group."
        self.stdout.write(self.style.SUCCESS(message))
        if generated:
            self.stdout.write(f"Password (shown once, not stored anywhere): {password}")

    def existing_account(self, email, promote_existing):
        """The one account to promote, None to create one; CommandError on any conflict."""
        User = get_user_model()
        username = email.lower()
        matches = User.objects.filter(email__iexact=email) | User.objects.filter(
            username__iexact=username
        )
        accounts = list(matches.distinct().order_by("date_joined"))
        if not accounts:
            limit = User._meta.get_field(User.USERNAME_FIELD).max_length  # type: ignore[union-attr]
            if limit is not None and len(username) > limit:
                raise CommandError(
                    f"The address is longer than a username may be ({limit} characters); "
                    "nothing was changed."
                )
            return None
        if len(accounts) > 1:
            listed = "\n".join(f"  {describe(account)}" for account in accounts)
            raise CommandError(
                f"{len(accounts)} accounts use {email} as their email or username:\n{listed}\n"
                "Nothing was changed. Use another address for the instructor, or change or "
                "delete the accounts that should not have it (in the admin)."
            )
        user = accounts[0]
        if user.is_staff or promote_existing:
            return user
        raise CommandError(
            f"An account already uses {email}: {describe(user)}. Nothing was changed.\n"
            "Anyone can sign up with any address, so it may not be the instructor's. If it is "
            "theirs, run the command again with --promote-existing."
        )
