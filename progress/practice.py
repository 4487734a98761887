"""Adaptive practice: which objective to practise and which question to ask next.

The choices are pure functions of plain data (`weakest_objective`, `pick_question`) with their
own tests; the small functions below them read that data and write the practice Attempt.

A practice session is an Attempt with is_practice=True on the objective's quiz whose
question_ids grow one question at a time, so the quiz's question page, answer form and in-place
feedback serve practice unchanged. A question appears at most once per session (a response is
unique per attempt and question); when none is left the session ends.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from progress.mastery import COOLDOWN
from quizzes.draw import new_seed
from quizzes.models import Attempt, Question, Quiz, Response


@dataclass(frozen=True)
class ObjectiveChoice:
    """What the choice of an objective looks at."""

    objective_id: int
    level: int
    review_due: bool
    estimate: float
    position: int


def weakest_objective(choices: Iterable[ObjectiveChoice]) -> int | None:
    """The objective to practise: lowest level first, then a review due, then the lowest
    estimate, then course order. None when there is nothing to choose from."""
    ranked = sorted(
        choices, key=lambda c: (c.level, not c.review_due, c.estimate, c.position, c.objective_id)
    )
    return ranked[0].objective_id if ranked else None


@dataclass(frozen=True)
class Seen:
    """The learner's latest answer to a question."""

    at: datetime
    score: float


def pick_question(
    candidates: Sequence[int],
    seen: Mapping[int, Seen],
    now: datetime,
    *,
    exclude: Collection[int] = (),
    rng: random.Random | None = None,
) -> int | None:
    """The next practice question among `candidates` (question ids in course order).

    - never one in `exclude` (already asked in this session); None when nothing is left;
    - no question answered within a day (mastery.COOLDOWN, 20 h) while others remain;
    - unseen questions before seen ones (a random unseen one, drawn with `rng`);
    - among seen ones, those last answered wrongly or partly before those answered right, then
      the least recently answered.
    """
    available = [q for q in candidates if q not in exclude]
    if not available:
        return None
    rested = [q for q in available if q not in seen or now - seen[q].at >= COOLDOWN]
    pool = rested or available
    unseen = [q for q in pool if q not in seen]
    if unseen:
        return (rng or random.Random()).choice(unseen)
    return min(pool, key=lambda q: (seen[q].score == 1.0, seen[q].at, q))


def seen_questions(user, objective) -> dict[int, Seen]:
    """The learner's latest answer per question of the objective (one query)."""
    latest = {}
    rows = (
        Response.objects.filter(user=user, objective=objective)
        .order_by("graded_at", "id")
        .values_list("question_id", "graded_at", "score", "revealed")
    )
    for question_id, at, score, revealed in rows:
        latest[question_id] = Seen(at, 0.0 if revealed else score)
    return latest


def _candidates(objective) -> list[int]:
    return list(
        Question.objects.active()
        .filter(objective=objective)
        .order_by("position", "id")
        .values_list("id", flat=True)
    )


def _next_id(attempt, objective, now) -> int | None:
    rng = random.Random(attempt.seed + len(attempt.question_ids))
    return pick_question(
        _candidates(objective),
        seen_questions(attempt.user, objective),
        now,
        exclude=set(attempt.question_ids),
        rng=rng,
    )


def start_practice(user, quiz: Quiz, now: datetime | None = None) -> Attempt | None:
    """A new practice session on an objective quiz with its first question; None if the
    objective has no question to ask."""
    now = now or timezone.now()
    attempt = Attempt(
        user=user,
        quiz=quiz,
        is_practice=True,
        seed=new_seed(),
        question_ids=[],
        started_at=now,
    )
    first = _next_id(attempt, quiz.objective, now)
    if first is None:
        return None
    attempt.question_ids = [first]
    attempt.save(force_insert=True)
    return attempt


@transaction.atomic
def extend_practice(attempt: Attempt, now: datetime | None = None) -> int | None:
    """Add the next question to an open practice session; returns its slot (1-based), or None
    when every question of the objective has been asked in this session (the session is then
    finished). Idempotent while the last question is unanswered: it returns that slot."""
    now = now or timezone.now()
    attempt = (
        # Lock the attempt row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer join to the quiz's objective.
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz__objective")
        .get(pk=attempt.pk)
    )
    if attempt.question_ids and not attempt.is_answered(len(attempt.question_ids)):
        return len(attempt.question_ids)
    next_id = _next_id(attempt, attempt.quiz.objective, now)
    if next_id is None:
        finish_practice(attempt, now)
        return None
    attempt.question_ids = [*attempt.question_ids, next_id]
    attempt.save(update_fields=["question_ids"])
    return len(attempt.question_ids)


def finish_practice(attempt: Attempt, now: datetime | None = None) -> None:
    """Close a practice session with the sum of its scores (every question asked is answered
    by then: the session only grows after an answer)."""
    attempt.finish(now=now, score=attempt.score_so_far)
