"""The learner's state: mastery per objective and completed lessons and courses.

These rows are derived from what the learner did: a Mastery row is a cache that
`manage.py recompute_mastery` rebuilds from the learner's responses; a completion is
recorded once when its rule is met (progress/standing.py).

The models moved here from `courses` and `quizzes` without touching the database: each keeps
its table (`db_table`), and the migrations only move them in Django's model state.
"""

import logging

from django.conf import settings
from django.db import models

from courses.models import Course, Lesson, Objective
from progress import mastery
from quizzes.models import Quiz

logger = logging.getLogger(__name__)


def mastery_params(objective):
    """The mastery model's parameters for an objective (defaults plus its `bkt_params`).

    The admin refuses bad overrides (progress/admin.py); one stored by other means (the shell,
    an older version) is logged and the defaults are used, so learners never get an error."""
    try:
        return mastery.Params.from_dict(objective.bkt_params or {})
    except (ValueError, TypeError, AttributeError) as error:
        logger.warning("Objective %s: bad bkt_params ignored (%s)", objective.pk, error)
        return mastery.DEFAULT_PARAMS


class LessonCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "courses_lessoncompletion"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="completion_unique_lesson"),
        ]

    def __str__(self):
        return f"{self.user} completed {self.lesson}"


class CourseCompletion(models.Model):
    """A learner completed the course: every lesson done and every objective Proficient+."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()

    class Meta:
        db_table = "courses_coursecompletion"
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="course_completion_unique"),
        ]

    def __str__(self):
        return f"{self.user} completed {self.course}"


class Mastery(models.Model):
    """The cached mastery state of one learner on one objective."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="masteries"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="masteries")
    estimate = models.FloatField(default=0.1)
    level = models.PositiveSmallIntegerField(
        choices=mastery.Level.choices(), default=mastery.Level.NOT_STARTED
    )
    counted_answers = models.PositiveIntegerField(default=0)
    review_box = models.PositiveSmallIntegerField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    state = models.JSONField(default=dict, help_text="The model's full state (progress.mastery).")
    params_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "quizzes_mastery"
        verbose_name_plural = "mastery"
        # Without it, a user who may view learners' records sees only the learners of the
        # classes they instruct (progress.scope): the global Instructors group holds it, the
        # Class instructors group (LTI instructors) does not.
        permissions = [
            ("view_every_learner", "Can view every learner's records, not only their classes'"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "objective"], name="mastery_unique"),
        ]
        indexes = [
            # The learners at a level (admin filters) and, with the due time, the class mastery
            # report's reviews due: an index range per objective.
            models.Index(fields=["objective", "level", "review_due_at"], name="mastery_level_due"),
            # The stuck learners (mastery.is_stuck: Attempted, counted answers at least so
            # many) of an objective, for the report's names: a range of this index.
            models.Index(fields=["objective", "level", "counted_answers"], name="mastery_stuck"),
            # The class's median estimate per objective (reports), read in estimate order.
            models.Index(fields=["objective", "estimate", "level"], name="mastery_estimate"),
        ]

    def __str__(self):
        return f"{self.user} · {self.objective.key} · {self.get_level_display()}"

    STATE_FIELDS = [
        "state", "estimate", "level", "counted_answers", "review_box", "review_due_at",
        "params_version",
    ]  # fmt: skip

    def set_state(self, state, *, params_version):
        """Copy a progress.mastery.State into this row's fields (STATE_FIELDS); does not save."""
        self.state = state.to_json()
        self.estimate = state.p
        self.level = int(state.level)
        self.counted_answers = state.n
        self.review_box = state.box
        self.review_due_at = state.due
        self.params_version = params_version

    def review_due(self, now):
        """Whether this objective is Mastered and its review is due at `now`."""
        return mastery.review_due(self.level, self.review_due_at, now)


class ItemTally(models.Model):
    """Running sums of a quiz's finished attempts for its item analysis (progress.itemtally).

    One row per quiz and choice of attempts ("first", "all", "latest"), updated by the answer
    that finishes an attempt, in its transaction; the report computes its figures from these
    sums (reports.itemstats.analyse_sums) without reading the answers. A cache, like Mastery:
    `manage.py rebuild_item_tallies` rebuilds it from the answers, and a deleted attempt or
    answer marks it stale, which rebuilds it on the next report.
    """

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=8)
    stale = models.BooleanField(default=True)
    sums = models.JSONField(default=dict, help_text="progress.itemsums.ItemSums, as JSON.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quiz", "mode"], name="item_tally_unique"),
        ]

    def __str__(self):
        return f"{self.quiz} · {self.mode}"


class MasteryTally(models.Model):
    """Running counts of a course's mastery rows for the class mastery report
    (progress.masterytally), split into shards by learner (user id modulo SHARDS) so that
    answers at once on PostgreSQL do not all wait for one row.

    A row with an objective holds, for the learners of its shard, how many are at each level
    above Not started on that objective and how many are stuck there; a row without one (the
    course's) holds how many learners have a mastery row on any of `objectives`, the course's
    objectives that were not retired when it was counted. Kept exact by the answer that
    changes them, in its transaction; created stale, and marked stale by writers that bypass
    the answer (bulk writes, deletions), so the next report rebuilds them.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    shard = models.PositiveSmallIntegerField()
    stale = models.BooleanField(default=True)
    attempted = models.IntegerField(default=0)
    familiar = models.IntegerField(default=0)
    proficient = models.IntegerField(default=0)
    mastered = models.IntegerField(default=0)
    stuck = models.IntegerField(default=0)
    learners = models.IntegerField(default=0)
    objectives = models.TextField(
        blank=True, help_text="The course's row: the objective ids counted, comma-separated."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "shard"],
                condition=models.Q(objective__isnull=False),
                name="mastery_tally_objective_unique",
            ),
            models.UniqueConstraint(
                fields=["course", "shard"],
                condition=models.Q(objective__isnull=True),
                name="mastery_tally_course_unique",
            ),
        ]

    def __str__(self):
        return f"{self.course_id} · {self.objective_id or 'course'} · shard {self.shard}"
