"""Register a learning platform (or update one), with its deployment ids."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lti.models import Deployment, Platform, ToolKey


class Command(BaseCommand):
    help = (
        "Register an LTI 1.3 platform by its issuer and client id (an existing registration "
        "is updated), with one or more deployment ids."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="For people, e.g. 'Canvas (Acme U)'.")
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--oidc-url", required=True, help="The platform's OIDC auth URL.")
        parser.add_argument("--token-url", required=True)
        parser.add_argument("--key-set-url", required=True)
        parser.add_argument(
            "--deployment", action="append", default=[], help="A deployment id (repeatable)."
        )
        parser.add_argument("--token-audience", default="")
        parser.add_argument(
            "--frame-origin", action="append", default=[], help="Another origin that frames it."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check, change nothing.")

    def handle(self, *args, **options):
        if not options["deployment"]:
            raise CommandError("Give at least one --deployment id (the platform shows it).")
        try:
            with transaction.atomic():
                platform = (
                    Platform.objects.filter(
                        issuer=options["issuer"], client_id=options["client_id"]
                    ).first()
                    or Platform()
                )
                created = platform.pk is None
                platform.name = options["name"]
                platform.issuer = options["issuer"]
                platform.client_id = options["client_id"]
                platform.oidc_login_url = options["oidc_url"]
                platform.token_url = options["token_url"]
                platform.key_set_url = options["key_set_url"]
                platform.token_audience = options["token_audience"]
                platform.frame_origins = "\n".join(options["frame_origin"])
                platform.is_active = True
                platform.full_clean()
                platform.save()
                for deployment_id in options["deployment"]:
                    Deployment.objects.get_or_create(
                        platform=platform, deployment_id=deployment_id
                    )
                ToolKey.signing()  # the tool has a key to publish from now on
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as error:
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            raise CommandError(f"The registration is not valid: {problems}") from None
        verb = "Would register" if options["dry_run"] else ("Registered" if created else "Updated")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {options['name']} ({options['issuer']}, client {options['client_id']}) "
                f"with deployments {', '.join(options['deployment'])}."
            )
        )
