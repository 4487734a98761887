"""Class mastery kept up to date: running counts of a course's mastery rows.

The class mastery report (reports.views.class_mastery) shows, for every learner with a mastery
row on any of the course's objectives (not retired), how many are at each level per objective
and how many are stuck (progress.mastery.is_stuck). Counting those rows on every report grows
with the class; instead `progress.MasteryTally` keeps the counts, as ItemTally keeps the item
analysis sums (progress.itemtally), and the report reads a few rows whatever the class size:

- per objective, the learners at each level above Not started and the stuck ones (Not started
  is the rest of the class);
- per course, the learners with a row on any of its objectives not retired (the class size,
  which the report's pages also use), with the ids of the objectives counted.

Each is split into SHARDS rows by learner (user id modulo SHARDS) and summed when read, so two
answers at once on PostgreSQL seldom wait for the same row.

The answer (progress.services.record_answer) keeps them exact in its own transaction with
`mastery_written`: one UPDATE with F() expressions when the row's level or stuck state
changed, nothing otherwise (most answers); and when the answer created the learner's row, the
course's count of learners goes up if it is the learner's first row on the course's
objectives (the course row locked, an EXISTS, an UPDATE).

The rows are a cache of the mastery rows. They are created stale, and every other writer of
mastery rows marks them stale, so the next report rebuilds them once (`rebuild`: one pass over
the course's mastery rows, then flat again; `manage.py rebuild_mastery_tallies [--check]`
rebuilds or checks every course's). The writers that bypass the answer are:

- `Mastery.save()` outside the answer (the admin, the shell, test factories) and every delete
  of a mastery row, by hand or by cascade (a learner, an objective or a course deleted): the
  post_save and post_delete signals below;
- bulk writes, which send no signal: `recompute_mastery` (marks stale), `seed_demo_data` and
  the benchmark's scale seeding (`bench/scale.py`), which rebuild the course at once;
- an objective retired or restored (the importer saves `retired`): the course's count of
  learners depends on which objectives count, so its rows are marked stale (and the report
  also rebuilds when the ids it counted are not the course's current ones).

Concurrency: the answer UPDATEs the rows whether stale or not, so it holds their lock until
commit; a rebuild locks them (in a fixed order: the course's rows, then the objectives' rows,
as the answer takes them) before it reads the mastery rows, so it waits for an answer that
touched them and then sees its row, or the answer waits for the rebuild and then adds its
change to the fresh counts. A row missing when the answer comes is created (stale) first, so
the same holds. On SQLite every write transaction holds the database's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q

from courses.models import Objective
from progress.mastery import STUCK_MIN_ANSWERS, Level, is_stuck
from progress.models import Mastery, MasteryTally

SHARDS = 8
# The stuck rows (progress.mastery.is_stuck) as a query: the counts' rebuild and the class
# mastery report's names read them.
STUCK_ROWS = Q(level=Level.ATTEMPTED, counted_answers__gte=STUCK_MIN_ANSWERS)
LEVEL_COLUMNS = {
    Level.ATTEMPTED: "attempted",
    Level.FAMILIAR: "familiar",
    Level.PROFICIENT: "proficient",
    Level.MASTERED: "mastered",
}
_COLUMNS = ("objective_id", "shard", "stale", *LEVEL_COLUMNS.values(), "stuck", "learners")


@dataclass
class ClassCounts:
    """A course's counts summed over the shards: the class size (`learners`), and per
    objective id the learners at each level (index = level; Not started is the rest) and the
    stuck learners."""

    learners: int = 0
    levels: dict[int, list[int]] = field(default_factory=dict)
    stuck: dict[int, int] = field(default_factory=dict)


def shard_of(user_id: int) -> int:
    return user_id % SHARDS


def _key(objective_ids: list[int]) -> str:
    return ",".join(str(pk) for pk in sorted(objective_ids))


def _tally_rows(course_id: int, objective_ids: list[int]):
    return MasteryTally.objects.filter(
        Q(objective_id__in=objective_ids) | Q(objective__isnull=True), course_id=course_id
    )


def counts_for(course_id: int, objective_ids: list[int]) -> ClassCounts:
    """The course's counts for these objectives (the course's not retired ones), rebuilt first
    if any row is stale or missing, or counted other objectives. One query when fresh."""
    if not objective_ids:
        return ClassCounts()
    counts = stored_counts(course_id, objective_ids)
    return counts if counts is not None else rebuild(course_id, objective_ids)


def stored_counts(course_id: int, objective_ids: list[int]) -> ClassCounts | None:
    """The stored counts, or None if any row is stale or missing, or counted other objectives
    (one query)."""
    rows = list(_tally_rows(course_id, objective_ids).values_list(*_COLUMNS, "objectives"))
    key = _key(objective_ids)
    fresh = len(rows) == SHARDS * (len(objective_ids) + 1) and not any(
        row[2] or (row[0] is None and row[-1] != key) for row in rows
    )
    return _summed(objective_ids, rows) if fresh else None


def _summed(objective_ids: list[int], rows) -> ClassCounts:
    """The counts summed over the shards, from rows (objective id, shard, stale, the level
    columns, stuck, learners, ...) of these objectives and of the course."""
    counts = ClassCounts(
        levels={pk: [0] * len(Level) for pk in objective_ids},
        stuck=dict.fromkeys(objective_ids, 0),
    )
    for objective_id, _, _, *levels, stuck, learners in (row[: len(_COLUMNS)] for row in rows):
        if objective_id is None:
            counts.learners += learners
            continue
        for level, n in zip(LEVEL_COLUMNS, levels, strict=True):
            counts.levels[objective_id][level] += n
        counts.stuck[objective_id] += stuck
    return counts


def _locked(
    course_id: int, objective_ids: list[int]
) -> dict[tuple[int | None, int], MasteryTally]:
    """The course's rows and these objectives' rows, locked until commit in a fixed order
    (the course's first, then by objective and shard); missing ones created stale first."""
    rows = _tally_rows(course_id, objective_ids).select_for_update()
    rows = rows.order_by(F("objective_id").asc(nulls_first=True), "shard")
    found = {(row.objective_id, row.shard): row for row in rows}
    wanted = [(pk, shard) for pk in [None, *objective_ids] for shard in range(SHARDS)]
    if len(found) < len(wanted):
        MasteryTally.objects.bulk_create(
            [
                MasteryTally(course_id=course_id, objective_id=pk, shard=shard)
                for pk, shard in wanted
                if (pk, shard) not in found
            ],
            ignore_conflicts=True,
        )
        found = {(row.objective_id, row.shard): row for row in rows.all()}
    return found


def rebuild(course_id: int, objective_ids: list[int] | None = None) -> ClassCounts:
    """Count the course's mastery rows again (for `objective_ids`, by default the course's
    objectives not retired) and store the counts, fresh: one pass over the rows."""
    if objective_ids is None:
        objective_ids = list(
            Objective.objects.filter(course_id=course_id, retired=False).values_list(
                "pk", flat=True
            )
        )
    if not objective_ids:
        return ClassCounts()
    with transaction.atomic():
        locked = _locked(course_id, objective_ids)
        masteries = Mastery.objects.filter(objective_id__in=objective_ids).annotate(
            shard=F("user_id") % SHARDS
        )
        by_level = (
            masteries.filter(level__gt=Level.NOT_STARTED)
            .values_list("objective_id", "shard", "level")
            .annotate(n=Count("id"))
            .order_by()
        )
        stuck = (
            masteries.filter(STUCK_ROWS)
            .values_list("objective_id", "shard")
            .annotate(n=Count("id"))
            .order_by()
        )
        learners = (
            masteries.values_list("shard").annotate(n=Count("user_id", distinct=True)).order_by()
        )
        for row in locked.values():
            row.stale = False
            row.stuck = row.learners = 0
            for column in LEVEL_COLUMNS.values():
                setattr(row, column, 0)
        for objective_id, shard, level, n in by_level:
            setattr(locked[objective_id, shard], LEVEL_COLUMNS[Level(level)], n)
        for objective_id, shard, n in stuck:
            locked[objective_id, shard].stuck = n
        for shard, n in learners:
            locked[None, shard].learners = n
        key = _key(objective_ids)
        for shard in range(SHARDS):
            locked[None, shard].objectives = key
        MasteryTally.objects.bulk_update(
            list(locked.values()),
            ["stale", *LEVEL_COLUMNS.values(), "stuck", "learners", "objectives", "updated_at"],
        )
    rows = [tuple(getattr(row, name) for name in _COLUMNS) for row in locked.values()]
    return _summed(objective_ids, rows)


def _update(course_id: int, objective_id: int | None, shard: int, **changes) -> None:
    """Apply F() `changes` to one row (stale or not: its lock is what counts); a missing row
    is created stale first, and then updated (a rebuild that created it meanwhile has
    counted before this answer)."""
    rows = MasteryTally.objects.filter(course_id=course_id, shard=shard)
    if objective_id is None:
        rows = rows.filter(objective__isnull=True)
    else:
        rows = rows.filter(objective_id=objective_id)
    if not rows.update(**changes):
        MasteryTally.objects.bulk_create(
            [MasteryTally(course_id=course_id, objective_id=objective_id, shard=shard)],
            ignore_conflicts=True,
        )
        rows.update(**changes)


def _first_row(user_id: int, objective) -> None:
    """The answer created the learner's row on `objective`: count the learner in the course if
    it is their first row on the course's objectives not retired. The course's row of the
    learner's shard is locked first, so two first answers of one learner at once are counted
    one after the other (the second sees the first's row)."""
    course_id = objective.course_id
    rows = MasteryTally.objects.filter(
        course_id=course_id, objective=None, shard=shard_of(user_id)
    )
    stale = list(rows.select_for_update().values_list("stale", flat=True))
    if not stale:  # no row yet: create it (stale, rebuilt by the next report), and hold it
        _update(course_id, None, shard_of(user_id), stale=True)
        return
    if stale[0]:
        return  # the rebuild will count it (it waits for this transaction)
    others = Mastery.objects.filter(
        user_id=user_id, objective__course_id=course_id, objective__retired=False
    ).exclude(objective_id=objective.pk)
    if not others.exists():
        rows.update(learners=F("learners") + 1)


def mastery_written(row: Mastery, level_before: int, counted_before: int, *, created: bool):
    """Count an answer's change to its mastery row (`row` as saved, with its objective; the
    level and counted answers it had before; `created`: the answer created it), in the
    answer's transaction. No statement unless the level or the stuck state changed (then one
    UPDATE) or the answer created the row (then _first_row: two or three)."""
    objective = row.objective
    shard = shard_of(row.user_id)
    if created and not objective.retired:
        _first_row(row.user_id, objective)
    changes = {}
    if row.level != level_before:
        if level_before != Level.NOT_STARTED:
            column = LEVEL_COLUMNS[Level(level_before)]
            changes[column] = F(column) - 1
        if row.level != Level.NOT_STARTED:
            column = LEVEL_COLUMNS[Level(row.level)]
            changes[column] = F(column) + 1
    stuck_before, stuck_now = (
        is_stuck(level_before, counted_before),
        is_stuck(row.level, row.counted_answers),
    )
    if stuck_before != stuck_now:
        changes["stuck"] = F("stuck") + (1 if stuck_now else -1)
    if changes:
        _update(objective.course_id, objective.pk, shard, **changes)


def mark_stale(**course_filters) -> int:
    """Mark the counts of the courses matching `course_filters` (all if none) stale: the next
    report rebuilds them. For writers of mastery rows in bulk (no signals)."""
    rows = MasteryTally.objects.filter(stale=False)
    if course_filters:
        rows = rows.filter(**{f"course__{k}": v for k, v in course_filters.items()})
    return rows.update(stale=True)


def _mastery_changed(sender, instance, **kwargs):
    if getattr(instance, "_tallied", False):  # the answer counted it (mastery_written)
        return
    course = Objective.objects.filter(pk=instance.objective_id).values("course_id")
    MasteryTally.objects.filter(course_id__in=course, stale=False).update(stale=True)


def _objective_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or (update_fields is not None and "retired" not in update_fields):
        return
    MasteryTally.objects.filter(course_id=instance.course_id, objective=None, stale=False).update(
        stale=True
    )


def connect_signals():
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_mastery_changed, sender=Mastery, dispatch_uid="masterytally-save")
    post_delete.connect(_mastery_changed, sender=Mastery, dispatch_uid="masterytally-delete")
    post_save.connect(_objective_saved, sender=Objective, dispatch_uid="masterytally-objective")
