"""Item analysis kept up to date: the running sums of each quiz's finished attempts.

`attempt_finished` adds an attempt to its quiz's sums (progress.itemsums) in the transaction
that finishes it, for each choice of attempts the report offers: "all" finished attempts, each
learner's "first" (earliest started) and "latest" (latest started). When a new attempt
becomes a learner's first or latest, the one it replaces is taken out again. The report then
reads one row (`sums_for`) whatever the number of answers, as Moodle's cron-computed
statistics do, but always current.

The rows are a cache of the answers. `rebuild` recomputes a quiz's rows from them (the
command `rebuild_item_tallies`; bulk writers such as seed_demo_data call it), and deleting a
finished attempt or one of its answers marks the quiz's rows stale, so the next report rebuilds
them.

Concurrency: both writers lock the quiz's rows first (SELECT ... FOR UPDATE; on SQLite every
write transaction holds the database's write lock), and a row is created stale. An attempt
finishing while its quiz's rows are stale leaves them alone: the rebuild, which locks them
before it reads the answers, sees that attempt once it has committed, or the attempt waits for
the rebuild's commit and then finds them fresh and adds itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

from django.db import transaction
from django.utils import timezone

from progress.itemsums import ItemSums
from progress.models import ItemTally
from quizzes import questiontypes
from quizzes.models import Attempt, Response

MODES = ("first", "all", "latest")
CHUNK = 2000

# (attempt id, marks, choices) of one attempt, as ItemSums.add takes them; keyed by question id.
Contribution = tuple[int, list[tuple[str, float]], dict[str, tuple[str, ...]]]

_COLUMNS = ("attempt_id", "question_id", "score", "answer", "question__type")


def _chosen(question_type: str, answer: object) -> tuple[str, ...]:
    kind = questiontypes.get(question_type)
    if not kind.analyses_options or not isinstance(answer, dict):
        return ()
    return tuple(kind.chosen(answer))


def _contributions(rows: Iterable[tuple]) -> Iterable[Contribution]:
    """One Contribution per attempt from response rows (_COLUMNS) ordered by attempt, slot."""
    for attempt_id, group in groupby(rows, key=lambda row: row[0]):
        marks, choices = [], {}
        for _, question_id, score, answer, question_type in group:
            key = str(question_id)
            marks.append((key, score))
            chosen = _chosen(question_type, answer)
            if chosen:
                choices[key] = chosen
        yield attempt_id, marks, choices


def _read(attempt_ids: list[int]) -> dict[int, Contribution]:
    rows = (
        Response.objects.filter(attempt_id__in=attempt_ids)
        .order_by("attempt_id", "slot")
        .values_list(*_COLUMNS)
    )
    return {item[0]: item for item in _contributions(rows)}


def _locked_rows(quiz_id: int) -> dict[str, ItemTally]:
    """The quiz's rows, one per mode, locked until commit; created (stale) if missing."""
    rows = {row.mode: row for row in ItemTally.objects.select_for_update().filter(quiz_id=quiz_id)}
    if len(rows) < len(MODES):
        ItemTally.objects.bulk_create(
            [ItemTally(quiz_id=quiz_id, mode=mode) for mode in MODES if mode not in rows],
            ignore_conflicts=True,
        )
        rows = {
            row.mode: row for row in ItemTally.objects.select_for_update().filter(quiz_id=quiz_id)
        }
    return rows


def attempt_finished(attempt: Attempt) -> None:
    """Add a just-finished quiz attempt to its quiz's sums; call it in the transaction that
    finished it. Practice sessions are not analysed. Queries: the rows (locked; created
    first if missing, then left for the rebuild), the learner's other finished attempts at the
    quiz, the answers of this attempt (and of the first or latest attempt it replaces), one
    UPDATE of the rows."""
    if attempt.is_practice:
        return
    with transaction.atomic(savepoint=False):
        rows = _locked_rows(attempt.quiz_id)
        fresh = {mode: row for mode, row in rows.items() if not row.stale}
        if not fresh:
            return
        others = sorted(
            Attempt.objects.filter(
                quiz_id=attempt.quiz_id,
                user_id=attempt.user_id,
                finished_at__isnull=False,
                is_practice=False,
            )
            .exclude(pk=attempt.pk)
            .values_list("started_at", "pk")
        )
        this = (attempt.started_at, attempt.pk)
        now = timezone.now()
        replaced = {}  # mode -> attempt id taken out
        added = {"all"}
        if not others:
            added |= {"first", "latest"}
        else:
            if this < others[0]:
                added.add("first")
                replaced["first"] = others[0][1]
            if this > others[-1]:
                added.add("latest")
                replaced["latest"] = others[-1][1]
        contributions = _read([attempt.pk, *replaced.values()])
        _, marks, choices = contributions.get(attempt.pk, (attempt.pk, [], {}))
        changed = []
        for mode, row in fresh.items():
            if mode not in added:
                continue
            sums = ItemSums(row.sums)
            if mode in replaced:
                _, old_marks, old_choices = contributions.get(replaced[mode], (0, [], {}))
                sums.add(old_marks, old_choices, sign=-1)
                sums.add(marks, choices)
            else:
                sums.add(marks, choices, learners=0 if others else 1)
            row.sums = sums.to_json()
            row.updated_at = now
            changed.append(row)
        ItemTally.objects.bulk_update(changed, ["sums", "updated_at"])


def rebuild(quiz_id: int) -> dict[str, ItemSums]:
    """Recompute the quiz's sums from its finished attempts' answers and store them: one pass
    over the answers, read in chunks, holding one learner's attempts at a time."""
    with transaction.atomic():
        rows = _locked_rows(quiz_id)
        sums = _computed(_finished_answers(quiz_id))
        for mode, row in rows.items():
            row.sums = sums[mode].to_json()
            row.stale = False
            row.save(update_fields=["sums", "stale", "updated_at"])
    return sums


def _finished_answers(quiz_id: int):
    """The answers of the quiz's finished attempts (practice aside), as _computed reads them."""
    return (
        Response.objects.filter(
            attempt__quiz_id=quiz_id,
            attempt__finished_at__isnull=False,
            attempt__is_practice=False,
        )
        .order_by("attempt__user_id", "attempt__started_at", "attempt_id", "slot")
        .values_list("attempt__user_id", *_COLUMNS)
    )


def _computed(answers) -> dict[str, ItemSums]:
    """The sums of every mode from answer rows (user id, *_COLUMNS) ordered by user, attempt
    start, attempt and slot: one pass, holding one learner's attempts at a time."""
    sums = {mode: ItemSums() for mode in MODES}
    by_user = groupby(answers.iterator(chunk_size=CHUNK), key=lambda row: row[0])
    for _, user_rows in by_user:
        attempts = list(_contributions(row[1:] for row in user_rows))
        for number, (_, marks, choices) in enumerate(attempts):
            sums["all"].add(marks, choices, learners=0 if number else 1)
        sums["first"].add(attempts[0][1], attempts[0][2], learners=1)
        sums["latest"].add(attempts[-1][1], attempts[-1][2], learners=1)
    return sums


def sums_of_learners(quiz_id: int, mode: str, learners: object) -> ItemSums:
    """The quiz's sums for a choice of attempts over some learners only (`learners`: a query
    of user ids, e.g. a class's, progress.scope), computed from their answers and not kept:
    a class is small, and the kept rows are every learner's."""
    answers = _finished_answers(quiz_id).filter(attempt__user_id__in=learners)
    return _computed(answers)[mode]


def sums_for(quiz_id: int, mode: str) -> ItemSums:
    """The quiz's sums for a choice of attempts (MODES), rebuilt first if stale or missing."""
    row = ItemTally.objects.filter(quiz_id=quiz_id, mode=mode).first()
    if row is None or row.stale:
        return rebuild(quiz_id)[mode]
    return ItemSums(row.sums)


def mark_stale(**quiz_filters) -> int:
    """Mark the sums of the quizzes matching ``quiz_filters`` stale (rebuilt on next use)."""
    return ItemTally.objects.filter(**{f"quiz__{k}": v for k, v in quiz_filters.items()}).update(
        stale=True
    )


def _attempt_deleted(sender, instance, **kwargs):
    if instance.finished_at is not None and not instance.is_practice:
        ItemTally.objects.filter(quiz_id=instance.quiz_id).update(stale=True)


def _response_deleted(sender, instance, **kwargs):
    ItemTally.objects.filter(
        quiz__attempts=instance.attempt_id,
        quiz__attempts__finished_at__isnull=False,
        quiz__attempts__is_practice=False,
    ).update(stale=True)


def connect_signals():
    from django.db.models.signals import post_delete

    post_delete.connect(_attempt_deleted, sender=Attempt, dispatch_uid="itemtally-attempt")
    post_delete.connect(_response_deleted, sender=Response, dispatch_uid="itemtally-response")
