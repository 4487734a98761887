"""A class's roster from the platform (Names and Role Provisioning Services), and who started.

`load()` asks the platform for the context's members (every page) and keeps them as `Member`
rows; members who have launched the tool are linked to their account (by issuer and subject).
`standing()` lists the members with what they have done here, learners who have not started
first."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from lti.models import LtiClass, LtiIdentity, Member
from quizzes.models import Attempt

INSTRUCTOR_ROLES = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator")


class RosterUnavailable(Exception):
    pass


def _is_instructor(roles) -> bool:
    return any(
        str(role).rsplit("#", 1)[-1].rsplit("/", 1)[-1] in INSTRUCTOR_ROLES for role in roles
    )


def fetch(lti_class: LtiClass) -> list[Any]:
    # The protocol library is imported when first used, not at startup (lti/views.py).
    import requests
    from pylti1p3.exception import LtiException
    from pylti1p3.names_roles import NamesRolesProvisioningService

    from lti.protocol import service_connector

    if not lti_class.memberships_url:
        raise RosterUnavailable(
            "The platform did not offer its roster service (Names and Role Provisioning) "
            "for this class: enable it in the tool's settings in the LMS, then launch again."
        )
    service = NamesRolesProvisioningService(
        service_connector(lti_class.platform),
        {"context_memberships_url": lti_class.memberships_url},
    )
    try:
        return list(service.get_members())
    except (LtiException, requests.RequestException, ValueError) as error:
        raise RosterUnavailable(f"The platform's roster could not be loaded: {error}") from None


@transaction.atomic
def store(lti_class: LtiClass, members: list[Any]) -> int:
    issuer = lti_class.platform.issuer
    subjects = [str(member.get("user_id", "")) for member in members if member.get("user_id")]
    users = dict(
        LtiIdentity.objects.filter(issuer=issuer, subject__in=subjects).values_list(
            "subject", "user_id"
        )
    )
    for member in members:
        subject = str(member.get("user_id", ""))
        if not subject:
            continue
        roles = member.get("roles") or []
        name = member.get("name") or " ".join(
            part for part in (member.get("given_name"), member.get("family_name")) if part
        )
        Member.objects.update_or_create(
            lti_class=lti_class,
            subject=subject,
            defaults={
                "user_id": users.get(subject),
                "name": str(name or "")[:255],
                "roles": "\n".join(str(role) for role in roles),
                "is_instructor": _is_instructor(roles),
                "status": str(member.get("status") or "Active")[:20],
            },
        )
    lti_class.roster_loaded_at = timezone.now()
    lti_class.save(update_fields=["roster_loaded_at"])
    return len(subjects)


def load(lti_class: LtiClass) -> int:
    return store(lti_class, fetch(lti_class))


@dataclass(frozen=True)
class RosterRow:
    name: str
    subject: str
    is_instructor: bool
    status: str
    attempts: int
    last_activity: object

    @property
    def started(self) -> bool:
        return self.attempts > 0


def standing(lti_class: LtiClass) -> list[RosterRow]:
    """Every member, learners who have not started first, then by name. Two queries."""
    members = list(lti_class.members.all())
    activity: dict[int | None, Any] = {
        row["user_id"]: row
        for row in Attempt.objects.filter(
            user_id__in=[m.user_id for m in members if m.user_id], is_practice=False
        )
        .values("user_id")
        .annotate(count=Count("pk"), last=Max("started_at"))
    }
    rows = [
        RosterRow(
            name=member.name or member.subject,
            subject=member.subject,
            is_instructor=member.is_instructor,
            status=member.status,
            attempts=activity.get(member.user_id, {}).get("count", 0),
            last_activity=activity.get(member.user_id, {}).get("last"),
        )
        for member in members
    ]
    return sorted(rows, key=lambda r: (r.is_instructor, r.started, r.name.casefold()))
