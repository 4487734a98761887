"""`attempt_finished`: the one seam for what must happen when an attempt ends.

An attempt ends only through `Attempt.finish`, whichever way it ends:

- its last answer (`progress.services.record_answer`);
- the learner's Finish (`progress.services.close_attempt`);
- a course test's submit (`progress.review`, which closes it the same way);
- a practice session that has asked every question (`progress.practice.finish_practice`).

`Attempt.finish` sends `attempt_finished` once, after the transaction that finished the attempt
commits (at once when no transaction is open), and never for an attempt already finished: the
UPDATE that finishes it is conditional on it being open, so of two requests racing to finish
one attempt only the winner sends. A rolled-back finish sends nothing.

Receivers are called with `sender=Attempt` and these keyword arguments:

- `attempt`: the finished Attempt (`score`, `max_score` and `finished_at` set);
- `score`: the sum of its answers' scores (unanswered questions score 0), out of `max_score`;
- `max_score`: one point per question asked;
- `mastery_changes`: a tuple of `MasteryChange`, one per objective the attempt answered, in
  objective order: the learner's level before the attempt's first answer on it and after its
  last (the mastery model's levels, 0 to 3, from the answers' own records), and the model's
  probability after. A sequence read from the answers' records when a receiver first looks
  at it (then kept): a receiver that does not (the LMS grade passback) costs no query.

Receivers run with `send_robust`: a receiver that raises is logged and does not undo the
attempt, which has been committed, nor stop the other receivers. A receiver that must not lose
its work (a grade sent to an LMS) should write it to a durable outbox in its own transaction
and do any network call later, never in the learner's request.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.db.models import Q
from django.dispatch import Signal

logger = logging.getLogger(__name__)

attempt_finished = Signal()


@dataclass(frozen=True)
class MasteryChange:
    objective_id: int
    level_before: int
    level_after: int
    p_after: float | None

    @property
    def rose(self) -> bool:
        return self.level_after > self.level_before


def mastery_changes(attempt) -> tuple[MasteryChange, ...]:
    """Per objective the attempt answered: the learner's level before its first answer there
    (from their latest earlier answer on that objective, else 0) and after its last. One
    query for the attempt's answers, then one per objective it answered (index
    `response_evidence`), each reading a single row."""
    from quizzes.models import Response

    answers = (
        Response.objects.filter(attempt=attempt)
        .order_by("graded_at", "id")
        .values("id", "objective_id", "graded_at", "level_after", "p_after")
    )
    first: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for answer in answers:
        first.setdefault(answer["objective_id"], answer)
        last[answer["objective_id"]] = answer
    changes = []
    for objective_id in sorted(first):
        start = first[objective_id]
        earlier = (
            Response.objects.filter(user_id=attempt.user_id, objective_id=objective_id)
            .filter(
                Q(graded_at__lt=start["graded_at"])
                | Q(graded_at=start["graded_at"], id__lt=start["id"])
            )
            .order_by("-graded_at", "-id")
            .values_list("level_after", flat=True)
            .first()
        )
        changes.append(
            MasteryChange(
                objective_id=objective_id,
                level_before=earlier or 0,
                level_after=last[objective_id]["level_after"] or 0,
                p_after=last[objective_id]["p_after"],
            )
        )
    return tuple(changes)


class MasteryChanges(Sequence[MasteryChange]):
    """The attempt's mastery_changes, read when first used and then kept."""

    def __init__(self, attempt) -> None:
        self._attempt = attempt
        self._changes: tuple[MasteryChange, ...] | None = None

    def _read(self) -> tuple[MasteryChange, ...]:
        if self._changes is None:
            self._changes = mastery_changes(self._attempt)
        return self._changes

    @overload
    def __getitem__(self, index: int) -> MasteryChange: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[MasteryChange, ...]: ...
    def __getitem__(self, index):
        return self._read()[index]

    def __len__(self) -> int:
        return len(self._read())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, MasteryChanges)):
            return self._read() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"MasteryChanges({self._read()!r})"


def send_attempt_finished(attempt) -> None:
    """Send `attempt_finished` for a finished attempt (called on commit by Attempt.finish)."""
    if not attempt_finished.has_listeners(type(attempt)):
        return
    changes = MasteryChanges(attempt)
    results = attempt_finished.send_robust(
        sender=type(attempt),
        attempt=attempt,
        score=attempt.score,
        max_score=attempt.max_score,
        mastery_changes=changes,
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "attempt_finished receiver %r failed for attempt %s",
                receiver,
                attempt.pk,
                exc_info=result,
            )
