"""Grade passback (LTI Assignment and Grade Services): an outbox, drained by a command.

Which score goes: the attempt's own score, `score` out of `max_score` (what the learner got on
that quiz attempt, as the summary page shows it), sent as `scoreGiven`/`scoreMaximum` with
`activityProgress: Completed`, `gradingProgress: FullyGraded` and the attempt's end as
`timestamp`. Each finished attempt sends one score; the platform keeps the latest by timestamp
(its gradebook may be set to keep the highest instead). Practice sessions send nothing.

1. `attempt_finished` (sent after the attempt's transaction commits) runs `enqueue()`: one
   `ScoreOutbox` row per graded placement the learner launched for that quiz, in its own short
   transaction. The learner's request makes no HTTP call.
2. `manage.py lti_send_scores` (cron, a systemd timer; docs/lti.md) first sweeps: finished
   attempts of the last SWEEP_DAYS of learners of graded placements that have no row yet (the
   process died between the commit and the receiver, or the database refused the row) get
   theirs. The unique (attempt, link) constraint makes the receiver and the sweep agree: a row
   is created once whoever comes first.
3. It then sends each due row: it claims the row with a conditional UPDATE (two drains running
   at once never send one row twice), posts the score, and marks it sent; a failure (the
   platform down, a 5xx, a refused token) schedules the next try with exponential back-off
   (BACKOFF_START doubling, capped at BACKOFF_CAP) and keeps the error for the admin.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from lti.models import GradedLearner, ScoreOutbox
from quizzes.models import Attempt
from quizzes.signals import attempt_finished

logger = logging.getLogger(__name__)

SWEEP_DAYS = 7
BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
CLAIM_FOR = timedelta(minutes=5)


def connect() -> None:
    attempt_finished.connect(on_attempt_finished, sender=Attempt, dispatch_uid="lti-passback")


def on_attempt_finished(sender, attempt, score, max_score, **kwargs):
    enqueue(attempt)


def enqueue(attempt) -> int:
    """Outbox rows for a finished attempt: one per graded placement its learner launched for
    its quiz. Returns how many were created (0 if they existed already)."""
    if attempt.is_practice or attempt.finished_at is None or not attempt.max_score:
        return 0
    learners = GradedLearner.objects.filter(
        user_id=attempt.user_id,
        link__quiz_id=attempt.quiz_id,
        first_launch_at__lte=attempt.finished_at,
    ).select_related("link")
    created = 0
    for learner in learners:
        if not learner.link.graded:
            continue
        try:
            with transaction.atomic():
                ScoreOutbox.objects.create(
                    link=learner.link,
                    attempt=attempt,
                    subject=learner.subject,
                    score_given=float(attempt.score or 0),
                    score_maximum=float(attempt.max_score),
                    finished_at=attempt.finished_at,
                )
                created += 1
        except IntegrityError:
            pass  # queued already (the receiver and the sweep met)
    return created


def sweep(now, days=SWEEP_DAYS) -> int:
    """Queue the finished attempts (of the last `days`) of graded learners that are missing a
    row for one of their placements. One query finds them."""
    missing_row = GradedLearner.objects.filter(
        user_id=OuterRef("user_id"),
        link__quiz_id=OuterRef("quiz_id"),
        first_launch_at__lte=OuterRef("finished_at"),
    ).filter(
        ~Exists(
            ScoreOutbox.objects.filter(
                attempt_id=OuterRef(OuterRef("pk")), link_id=OuterRef("link_id")
            )
        )
    )
    attempts = Attempt.objects.filter(
        is_practice=False, finished_at__gte=now - timedelta(days=days)
    ).filter(Exists(missing_row))
    return sum(enqueue(attempt) for attempt in attempts)


def backoff(tries: int) -> timedelta:
    return min(BACKOFF_START * (2 ** max(tries - 1, 0)), BACKOFF_CAP)


def claim(row: ScoreOutbox, now) -> bool:
    """Take the row for this drain; False if another drain has it or it was sent."""
    taken = (
        ScoreOutbox.objects.filter(pk=row.pk, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )
    return taken == 1


def post_score(row: ScoreOutbox) -> None:
    """POST the score to the placement's line item; raises on any failure."""
    # The protocol library is imported when first used, not at startup (lti/views.py).
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.grade import Grade

    from lti.protocol import service_connector

    link = row.link
    grade = (
        Grade()
        .set_score_given(row.score_given)
        .set_score_maximum(row.score_maximum)
        .set_timestamp(row.finished_at)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(row.subject)
    )
    service = AssignmentsGradesService(
        service_connector(link.lti_class.platform),
        {"scope": link.scopes(), "lineitem": link.lineitem_url},  # type: ignore[typeddict-item]
    )
    service.put_grade(grade)


@dataclass
class DrainResult:
    queued: int = 0
    sent: int = 0
    failed: list[str] = field(default_factory=list)


def drain(now=None, *, limit=500) -> DrainResult:
    """Sweep, then send every due score once; failures wait for their back-off."""
    import requests
    from pylti1p3.exception import LtiException

    result = DrainResult(queued=sweep(now or timezone.now()))
    now = now or timezone.now()  # after the sweep: the rows it made are due
    due = ScoreOutbox.objects.due(now).select_related("link__lti_class__platform")[:limit]
    for row in due:
        if not claim(row, now):
            continue
        try:
            post_score(row)
        except (LtiException, requests.RequestException, KeyError, ValueError) as error:
            message = _describe(error)
            tries = row.tries + 1
            ScoreOutbox.objects.filter(pk=row.pk).update(
                tries=F("tries") + 1,
                next_try_at=timezone.now() + backoff(tries),
                claimed_until=None,
                last_error=message[:2000],
            )
            logger.warning("LTI score %s not sent (try %s): %s", row.pk, tries, message)
            result.failed.append(f"{row}: {message}")
        else:
            ScoreOutbox.objects.filter(pk=row.pk).update(
                sent_at=timezone.now(), tries=F("tries") + 1, claimed_until=None, last_error=""
            )
            result.sent += 1
    return result


def _describe(error: Exception) -> str:
    import requests

    response = error.args[1] if len(error.args) > 1 else None
    if isinstance(response, requests.Response):
        return f"{error.args[0]} (HTTP {response.status_code} from {response.url})"
    return str(error) or type(error).__name__
