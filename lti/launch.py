"""What a checked launch does here: the account, the class, the placement and where it lands.

Only called after pylti1p3 has checked the launch (signature, audience, expiry, nonce,
deployment), so nothing here is written for a launch that is refused.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from lti.models import GradedLearner, LtiClass, LtiIdentity, Member, Platform, ResourceLink
from quizzes.models import Quiz
from reports.roles import ensure_class_instructors_group

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
TARGET_PARAM = "coursework_target"


def claim(body: dict[str, Any], name: str, default: Any = None) -> Any:
    """A claim of the LTI namespace: claim(body, "context") is
    body["https://purl.imsglobal.org/spec/lti/claim/context"]."""
    return body.get(f"https://purl.imsglobal.org/spec/lti/claim/{name}", default)


class LaunchRefused(Exception):
    """A launch that was checked but cannot be served (a role or a target we do not know)."""


@dataclass(frozen=True)
class Roles:
    instructor: bool  # Instructor or TeachingAssistant in the context
    learner: bool

    @classmethod
    def of(cls, launch) -> "Roles":
        instructor = launch.check_teacher_access() or launch.check_teaching_assistant_access()
        return cls(instructor=instructor, learner=launch.check_student_access())


@dataclass(frozen=True)
class Target:
    """Where a launch lands: a course, one of its lessons, or one of its quizzes."""

    course: Course
    quiz: Quiz | None = None
    lesson_slug: str | None = None

    def url(self) -> str:
        if self.quiz is not None:
            return reverse("quizzes:quiz", args=[self.course.slug, self.quiz.slug])
        if self.lesson_slug is not None:
            return reverse("courses:lesson", args=[self.course.slug, self.lesson_slug])
        return reverse("courses:course", args=[self.course.slug])

    def param(self) -> str:
        """The custom parameter a placement carries to land here (deep linking writes it)."""
        if self.quiz is not None:
            return f"quiz:{self.course.slug}/{self.quiz.slug}"
        if self.lesson_slug is not None:
            return f"lesson:{self.course.slug}/{self.lesson_slug}"
        return f"course:{self.course.slug}"


def parse_target(value: str) -> Target | None:
    """`course:SLUG`, `lesson:COURSE/LESSON` or `quiz:COURSE/QUIZ`; None if no such page."""
    kind, _, rest = (value or "").strip().partition(":")
    course_slug, _, inner = rest.partition("/")
    course = Course.objects.published().filter(slug=course_slug).first()
    if course is None:
        return None
    if kind == "course" and not inner:
        return Target(course)
    if kind == "quiz" and inner:
        quiz = Quiz.objects.filter(course=course, slug=inner).first()
        return Target(course, quiz=quiz) if quiz else None
    if kind == "lesson" and inner and course.lessons.published().filter(slug=inner).exists():
        return Target(course, lesson_slug=inner)
    return None


def _username(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:20]
    return f"lti-{digest}"


def account_for(platform: Platform, body: dict[str, Any]) -> tuple[Any, bool]:
    """The account of (iss, sub), made on the first launch with no usable password."""
    issuer, subject = body["iss"], body["sub"]
    identity = LtiIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject)
    found = identity.first()
    if found is not None:
        return found.user, False
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(
                username=_username(issuer, subject),
                first_name=str(body.get("given_name", ""))[:150],
                last_name=str(body.get("family_name", ""))[:150],
                email=str(body.get("email", ""))[:254],
            )
            user.set_unusable_password()
            user.save()
            LtiIdentity.objects.create(
                platform=platform, issuer=issuer, subject=subject, user=user
            )
    except IntegrityError:  # the same person's first launch, twice at once: one won
        return LtiIdentity.objects.select_related("user").get(
            issuer=issuer, subject=subject
        ).user, False
    return user, True


def class_for(platform: Platform, body: dict[str, Any]) -> LtiClass | None:
    context = claim(body, "context") or {}
    context_id = str(context.get("id", "")).strip()
    if not context_id:
        return None
    title = str(context.get("title", ""))[:255]
    label = str(context.get("label", ""))[:255]
    memberships_url = str((body.get(NRPS_CLAIM) or {}).get("context_memberships_url", ""))
    lti_class = LtiClass.objects.filter(platform=platform, context_id=context_id).first()
    if lti_class is None:
        digest = hashlib.sha256(f"{platform.pk}\n{context_id}".encode()).hexdigest()[:8]
        name = f"Class: {title or label or context_id}"[:140] + f" #{digest}"
        try:
            with transaction.atomic():
                group = Group.objects.create(name=name)
                return LtiClass.objects.create(
                    platform=platform,
                    context_id=context_id,
                    title=title,
                    label=label,
                    memberships_url=memberships_url,
                    group=group,
                )
        except IntegrityError:  # made meanwhile by another launch
            lti_class = LtiClass.objects.get(platform=platform, context_id=context_id)
    changed = {
        field: value
        for field, value in (
            ("title", title),
            ("label", label),
            ("memberships_url", memberships_url),
        )
        if value and getattr(lti_class, field) != value
    }
    if changed:
        for field, value in changed.items():
            setattr(lti_class, field, value)
        lti_class.save(update_fields=list(changed))
    return lti_class


def join_class(lti_class: LtiClass, user, body: dict[str, Any], roles: Roles) -> None:
    name = str(body.get("name") or f"{body.get('given_name', '')} {body.get('family_name', '')}")
    Member.objects.update_or_create(
        lti_class=lti_class,
        subject=body["sub"],
        defaults={
            "user": user,
            "name": name.strip()[:255],
            "roles": "\n".join(str(role) for role in claim(body, "roles", [])),
            "is_instructor": roles.instructor,
            "status": "Active",
            "launched_at": timezone.now(),
        },
    )
    if roles.learner and not roles.instructor:
        user.groups.add(lti_class.group)


def make_instructor(user) -> None:
    """Instructors and teaching assistants see the reports of the classes they instruct (the
    Class instructors group: view only, scoped by progress.scope). Membership of the global
    Instructors group is an administrator's choice, neither given nor taken here."""
    user.groups.add(ensure_class_instructors_group())
    if not user.is_staff:
        get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True


def resource_link_for(lti_class: LtiClass, body: dict[str, Any], target: Target | None):
    link_claim = claim(body, "resource_link") or {}
    link_id = str(link_claim.get("id", "")).strip()
    if not link_id:
        return None
    ags = body.get(AGS_CLAIM) or {}
    link, _ = ResourceLink.objects.get_or_create(lti_class=lti_class, resource_link_id=link_id)
    link.title = str(link_claim.get("title", ""))[:255]
    link.course = target.course if target else None
    link.quiz = target.quiz if target else None
    link.lineitem_url = str(ags.get("lineitem", ""))[:1024]
    link.set_scopes(ags.get("scope", []))
    link.save()
    return link


@transaction.atomic
def accept(platform: Platform, body: dict[str, Any], roles: Roles):
    """Account, class, placement and grading for a checked resource-link launch.
    Returns (user, target or None, the class or None)."""
    target = parse_target(str((claim(body, "custom") or {}).get(TARGET_PARAM, "")))
    user, _ = account_for(platform, body)
    if not user.is_active:
        raise LaunchRefused("This account has been deactivated here.")
    lti_class = class_for(platform, body)
    if lti_class is not None:
        join_class(lti_class, user, body, roles)
        link = resource_link_for(lti_class, body, target)
        if link is not None and link.graded and roles.learner:
            GradedLearner.objects.get_or_create(
                link=link, user=user, defaults={"subject": body["sub"]}
            )
    if roles.instructor:
        make_instructor(user)
    return user, target, lti_class
