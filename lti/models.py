"""LTI 1.3: the platforms registered here, the tool's own keys, and what launches leave behind.

- `ToolKey`: the tool's RSA key pairs. The newest unretired key signs; every unretired key is
  published in the JSON Web Key Set (`/lti/jwks.json`), so a platform that cached the previous
  set still verifies until the old key is retired (`manage.py lti_rotate_key`, docs/lti.md).
- `Platform` and `Deployment`: one registration per (issuer, client id), with its deployments.
- `LtiIdentity`: a person of a platform, matched by (issuer, subject), and the account made for
  them on their first launch.
- `LtiClass` and `Member`: an LTI context is a class, with a Django group of its learners (the
  reports' class filter) and its roster (from launches and from Names and Roles). A member
  who is an instructor of a class sees its learners' records (`taught_groups`, given to
  progress.scope), and no other class's unless made a global instructor.
- `ResourceLink` and `GradedLearner`: a placement in the platform, what it opens here and its
  line item; who launched a graded placement, so their attempts' scores go to its line item.
- `ScoreOutbox`: a score waiting to be sent (`manage.py lti_send_scores`), one per attempt and
  line item.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from courses.models import Course
from quizzes.models import Attempt, Quiz


def origin_of(url: str) -> str | None:
    """The scheme://host[:port] of an absolute http(s) URL, else None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class ToolKeyQuerySet(models.QuerySet):
    def published(self):
        """The keys in the tool's key set: every key not retired, newest first."""
        return self.filter(retired_at__isnull=True).order_by("-created_at", "-pk")


class ToolKey(models.Model):
    kid = models.CharField(max_length=100, unique=True, editable=False)
    private_key = models.TextField(editable=False)
    public_key = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = ToolKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        state = "retired" if self.retired_at else "published"
        return f"{self.kid} ({state})"

    @classmethod
    def generate(cls) -> "ToolKey":
        """A new 2048-bit RSA key pair, saved and published (it signs from now on)."""
        # Imported here, not at startup: see lti_errors in lti/views.py.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from pylti1p3.registration import Registration

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        kid = Registration.get_jwk(public_pem)["kid"]
        return cls.objects.create(kid=kid, private_key=private_pem, public_key=public_pem)

    @classmethod
    def signing(cls) -> "ToolKey":
        """The key that signs: the newest published one (one is made if there is none)."""
        key = cls.objects.published().first()
        return key if key is not None else cls.generate()

    def jwk(self) -> dict:
        from pylti1p3.registration import Registration

        return dict(Registration.get_jwk(self.public_key))


class PlatformQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Platform(models.Model):
    name = models.CharField(max_length=200, help_text="For people: the LMS and its institution.")
    issuer = models.CharField(
        max_length=255,
        help_text="The platform's issuer (iss), e.g. https://canvas.instructure.com",
    )
    client_id = models.CharField(max_length=255, help_text="The client id the platform gave.")
    oidc_login_url = models.URLField(
        "OIDC authentication URL", max_length=1024, help_text="The platform's OIDC auth endpoint."
    )
    token_url = models.URLField(
        "access token URL", max_length=1024, help_text="The platform's OAuth2 token endpoint."
    )
    key_set_url = models.URLField(
        "key set URL", max_length=1024, help_text="The platform's public JSON Web Key Set."
    )
    token_audience = models.CharField(
        max_length=1024,
        blank=True,
        help_text="The audience of token requests, if the platform asks for one (else the "
        "token URL is used).",
    )
    frame_origins = models.TextField(
        blank=True,
        help_text="Other origins whose pages frame the tool, one per line (e.g. "
        "https://school.instructure.com when the issuer is https://canvas.instructure.com). "
        "The issuer's and the OIDC URL's origins are always allowed.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PlatformQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "client_id"], name="lti_platform_issuer_client"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        for line in self.frame_origins.splitlines():
            if line.strip() and origin_of(line) != line.strip().rstrip("/"):
                raise ValidationError(
                    {
                        "frame_origins": f"{line.strip()!r} is not an origin like https://lms.example"
                    }
                )

    def origins(self) -> list[str]:
        """The origins allowed to frame the tool for this platform (CSP frame-ancestors)."""
        found = [origin_of(self.issuer), origin_of(self.oidc_login_url)]
        found += [origin_of(line) for line in self.frame_origins.splitlines() if line.strip()]
        return sorted({origin for origin in found if origin})


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)

    class Meta:
        ordering = ["platform", "deployment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"], name="lti_deployment_unique"
            ),
        ]

    def __str__(self):
        return f"{self.platform}: {self.deployment_id}"


class LtiIdentity(models.Model):
    """A person of a platform: the account made for (issuer, subject) on their first launch."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identity"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "LTI identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="lti_identity_unique"),
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class LtiClass(models.Model):
    """An LTI context (a course section in the LMS): a class here."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="classes")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    label = models.CharField(max_length=255, blank=True)
    memberships_url = models.URLField(max_length=1024, blank=True, editable=False)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="lti_class", editable=False
    )
    roster_loaded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "class"
        verbose_name_plural = "classes"
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "context_id"], name="lti_class_unique"),
        ]

    def __str__(self):
        return self.title or self.label or self.context_id


class Member(models.Model):
    lti_class = models.ForeignKey(LtiClass, on_delete=models.CASCADE, related_name="members")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(max_length=255, blank=True)
    roles = models.TextField(blank=True, help_text="The LTI role URIs, one per line.")
    is_instructor = models.BooleanField(default=False)
    status = models.CharField(max_length=20, default="Active")
    launched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["lti_class", "subject"], name="lti_member_unique"),
        ]

    def __str__(self):
        return self.name or self.subject


def taught_classes(user) -> models.QuerySet[LtiClass]:
    """The classes `user` instructs: those where a member row of theirs says so (from a launch
    as Instructor or TeachingAssistant, or from the platform's roster)."""
    return LtiClass.objects.filter(members__user=user.pk, members__is_instructor=True).distinct()


def taught_groups(user) -> models.QuerySet[Group]:
    """The learners' groups of the classes `user` instructs (progress.scope asks this)."""
    return Group.objects.filter(lti_class__in=taught_classes(user).values("pk"))


class ResourceLink(models.Model):
    """A placement of the tool in the platform: what it opens here, and its line item."""

    lti_class = models.ForeignKey(LtiClass, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True)
    quiz = models.ForeignKey(Quiz, on_delete=models.SET_NULL, null=True, blank=True)
    lineitem_url = models.URLField(max_length=1024, blank=True)
    ags_scopes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lti_class", "resource_link_id"], name="lti_resource_link_unique"
            ),
        ]

    def __str__(self):
        return self.title or self.resource_link_id

    @property
    def platform(self) -> Platform:
        return self.lti_class.platform

    def scopes(self) -> list[str]:
        return [scope for scope in self.ags_scopes.split() if scope]

    def set_scopes(self, scopes) -> None:
        self.ags_scopes = " ".join(str(scope) for scope in scopes or ())

    @property
    def graded(self) -> bool:
        return bool(
            self.quiz_id
            and self.lineitem_url
            and "https://purl.imsglobal.org/spec/lti-ags/scope/score" in self.scopes()
        )


class GradedLearner(models.Model):
    """A learner who launched a graded placement: their attempts of its quiz are sent to its
    line item, as `subject` (the platform's id for them)."""

    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="learners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    subject = models.CharField(max_length=255)
    first_launch_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "user"], name="lti_graded_learner_unique"),
        ]

    def __str__(self):
        return f"{self.subject} in {self.link}"


class ScoreOutboxQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(sent_at__isnull=True, next_try_at__lte=now).filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)
        )


class ScoreOutbox(models.Model):
    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="scores")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="lti_scores")
    subject = models.CharField(max_length=255)
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    finished_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    tries = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = ScoreOutboxQuerySet.as_manager()

    class Meta:
        verbose_name = "score to send"
        verbose_name_plural = "scores to send"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "link"], name="lti_score_once"),
        ]
        indexes = [models.Index(fields=["sent_at", "next_try_at"], name="lti_score_due")]

    def __str__(self):
        return f"{self.score_given:g}/{self.score_maximum:g} for {self.subject} ({self.link})"

    def payload(self) -> str:
        """The AGS score, as JSON (for the admin)."""
        return json.dumps(
            {
                "userId": self.subject,
                "scoreGiven": self.score_given,
                "scoreMaximum": self.score_maximum,
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded",
                "timestamp": self.finished_at.isoformat(),
            }
        )
