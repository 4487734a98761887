"""Questions, quizzes, and learners' attempts and answers.

Questions are versioned: editing a question in the course document makes a new
QuestionVersion and past responses stay tied to the version they answered. Responses are
immutable once graded; the learner's mastery built from them lives in progress/models.py.
"""

import html
from functools import partial

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from courses.models import Course, Lesson, Objective
from quizzes import questiontypes, signals

# Questions a new objective quiz draws per attempt (the bank's quizzes; the linter warns about
# an objective with fewer questions than this).
OBJECTIVE_QUIZ_SIZE = 5


class QuestionQuerySet(models.QuerySet):
    def active(self):
        """The questions in their objectives' pools: every one not retired (the rule; a
        question loaded already says it with `Question.in_pool`)."""
        return self.filter(retired=False)

    def pool_sizes(self, objective_ids) -> dict[int, int]:
        """The size of each objective's question pool: its active questions (one query).

        The pool caps the mastery model's distinct-question minimums (docs/specs/mastery.md);
        objectives without active questions are absent.
        """
        rows = (
            self.active()
            .filter(objective_id__in=objective_ids)
            .order_by()
            .values("objective_id")
            .annotate(n=Count("id"))
        )
        return {row["objective_id"]: row["n"] for row in rows}

    def pool_size(self, objective_id) -> int:
        """The size of one objective's question pool (see pool_sizes)."""
        return self.pool_sizes([objective_id]).get(objective_id, 0)


class QuestionLevel(models.TextChoices):
    RECALL = "recall", "Recall"
    APPLY = "apply", "Apply"
    ANALYSE = "analyse", "Analyse"


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=120)
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="questions")
    # The registered question types (quizzes.questiontypes): a new type needs no migration.
    type = models.CharField(max_length=16, choices=questiontypes.choices)
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="questions", help_text="Source lesson."
    )
    anchor = models.CharField(max_length=120, help_text="Section id in the source lesson.")
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False, help_text="Removed from the question bank.")
    current_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    # From the bank's optional `level` and `inference` fields, for the course linter and reports.
    level = models.CharField(
        max_length=8,
        choices=QuestionLevel.choices,
        default=QuestionLevel.RECALL,
        help_text="What the question asks of the learner: recall, apply or analyse.",
    )
    inference = models.BooleanField(
        default=False,
        help_text="The answer is reasoned from its source section, not stated there.",
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="question_unique_key"),
        ]

    @property
    def in_pool(self) -> bool:
        """Whether the question is in its objective's pool (`QuestionQuerySet.active`)."""
        return not self.retired

    def __str__(self):
        return self.key

    def source_url(self):
        """The lesson passage that teaches this question."""
        return reverse("courses:lesson", args=[self.course.slug, self.lesson.slug]) + (
            f"#{self.anchor}" if self.anchor else ""
        )


class QuestionVersion(models.Model):
    """One immutable version of a question's text, options and answer."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    prompt_html = models.TextField()
    explanation_html = models.TextField()
    # The normalised author data: options with keys, correctness and feedback, accepted
    # answers, tolerance... (see each type's module in quizzes/questiontypes/ for its shape).
    spec = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="version_unique_number"),
        ]

    def __str__(self):
        return f"{self.question.key} v{self.number}"

    @property
    def prompt_text(self):
        """The prompt as plain text (tags dropped, entities decoded), for tables and exports."""
        return html.unescape(strip_tags(self.prompt_html)).strip()


class CourseReview(models.Model):
    """The course linter's findings and coverage map (authoring.lint) from the last import.

    Written by every import, read by the admin's course review; kept apart from Course, which
    every page loads, because the report is large.
    """

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="review")
    # authoring.lint.LintResult.as_dict(); the help text keeps the module's old name, which
    # the migrations hold (changing it would be a migration for a comment).
    report = models.JSONField(help_text="quizzes.lint.LintResult.as_dict()")
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    linted_at = models.DateTimeField()

    def __str__(self):
        return f"{self.course} · {self.errors} error(s), {self.warnings} warning(s)"


class QuizKind(models.TextChoices):
    OBJECTIVE = "objective", "Objective quiz"
    COURSE = "course", "Course test"


class FeedbackMode(models.TextChoices):
    IMMEDIATE = "immediate", "After each question"
    END = "end", "At the end"


class Quiz(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes")
    objective = models.OneToOneField(
        Objective, on_delete=models.CASCADE, null=True, blank=True, related_name="quiz"
    )
    kind = models.CharField(max_length=16, choices=QuizKind.choices)
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    questions_per_attempt = models.PositiveSmallIntegerField(default=OBJECTIVE_QUIZ_SIZE)
    attempts_allowed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty for unlimited attempts."
    )
    feedback_mode = models.CharField(
        max_length=16, choices=FeedbackMode.choices, default=FeedbackMode.IMMEDIATE
    )
    pass_mark = models.PositiveSmallIntegerField(default=80, help_text="Percent.")

    class Meta:
        ordering = ["course", "position"]
        verbose_name_plural = "quizzes"
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="quiz_unique_slug"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="objective", objective__isnull=False)
                    | models.Q(kind="course", objective__isnull=True)
                ),
                name="quiz_objective_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(questions_per_attempt__gte=1), name="quiz_questions_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(pass_mark__lte=100), name="quiz_pass_mark_percent"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quizzes:quiz", args=[self.course.slug, self.slug])

    def attempts_left(self, used):
        """Attempts the learner may still start after `used` ones; None when unlimited."""
        if self.attempts_allowed is None:
            return None
        return max(0, self.attempts_allowed - used)

    def may_start_another(self, used):
        """Whether a learner who has started `used` attempts may start one more."""
        return self.attempts_allowed is None or used < self.attempts_allowed

    def learner_may_start_another(self, user):
        """may_start_another for this learner (counts their attempts only if there is a limit)."""
        if self.attempts_allowed is None:
            return True
        return self.may_start_another(Attempt.objects.counted_at(user, self).count())


def course_test_slug():
    """A subquery giving a course's test slug, to annotate Course rows without a query."""
    tests = Quiz.objects.filter(course=OuterRef("pk"), kind=QuizKind.COURSE)
    return Subquery(tests.order_by("position").values("slug")[:1])


class AttemptQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def counted_at(self, user, quiz):
        """The learner's attempts at the quiz that count toward attempts_allowed (practice
        sessions do not)."""
        return self.filter(user=user, quiz=quiz, is_practice=False)


class Attempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    is_practice = models.BooleanField(default=False)
    seed = models.BigIntegerField()
    # Question ids in the order shown (slot 1 first), drawn with the seed at the start.
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Sum of the question scores.")
    max_score = models.PositiveSmallIntegerField(default=0)
    # The attempt's own state, kept by the answer transaction (progress.services.record_answer)
    # so that no page counts its responses: the slots answered so far, in the order they were
    # answered, how many, and the sum of their scores.
    answered_slots = models.JSONField(default=list, editable=False)
    answered_count = models.PositiveSmallIntegerField(default=0, editable=False)
    score_so_far = models.FloatField(default=0.0, editable=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["quiz", "user", "started_at"], name="attempt_quiz_user"),
            models.Index(fields=["user", "started_at"], name="attempt_user"),
        ]

    def __str__(self):
        # In the site's time zone, as every date-time field of the admin shows it.
        return f"{self.user} · {self.quiz} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def percent(self):
        if self.score is None or not self.max_score:
            return None
        return round(100 * self.score / self.max_score)

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def question_url(self, slot):
        """The page of the question in `slot` (1-based); needs quiz and course loaded."""
        quiz = self.quiz
        return reverse("quizzes:question", args=[quiz.course.slug, quiz.slug, self.pk, slot])

    def is_answered(self, slot):
        """Whether the question in `slot` has a stored answer (from the attempt's state)."""
        return slot in self.answered_slots

    def first_unanswered_slot(self):
        """The first slot without a stored answer (from the attempt's state), else None."""
        answered = set(self.answered_slots)
        return next((s for s in range(1, len(self.question_ids) + 1) if s not in answered), None)

    def finish(self, *, now=None, score=None, **state):
        """Close the attempt: its score is the sum of its response scores (unanswered questions
        score 0) out of one point per question. The only way an attempt ends (see
        quizzes.signals). One UPDATE, plus one query for the sum unless `score` is given;
        `state` is more of the attempt's own columns written by the same UPDATE (the last
        answer's `answered_slots`...). Returns False, changing nothing, if it was already
        finished; otherwise sends `attempt_finished` once the transaction commits.
        """
        if score is None:
            score = self.responses.aggregate(total=Sum("score"))["total"] or 0.0
        values = {
            **state,
            "finished_at": now or timezone.now(),
            "score": score,
            "max_score": len(self.question_ids),
        }
        done = Attempt.objects.filter(pk=self.pk, finished_at__isnull=True).update(**values)
        if done:
            for name, value in values.items():
                setattr(self, name, value)
            transaction.on_commit(partial(signals.send_attempt_finished, self))
        return bool(done)


class Response(models.Model):
    """A graded answer. Immutable once stored."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responses"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="responses"
    )
    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="responses")
    slot = models.PositiveSmallIntegerField()
    answer = models.JSONField(help_text="The answer as given (option keys, text, number...).")
    answer_display = models.TextField(help_text="The answer in words, for reports.")
    score = models.FloatField()
    revealed = models.BooleanField(default=False, help_text="The answer was shown first.")
    graded_at = models.DateTimeField()
    # The author's feedback for this answer, kept from its grading so that showing the answer
    # again never grades it again; None on answers stored before it was kept (graded on view).
    feedback_html = models.TextField(null=True, blank=True, editable=False)
    # The mastery model's view of this answer, filled in the same transaction.
    counted = models.BooleanField(default=False)
    p_after = models.FloatField(null=True, blank=True)
    level_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # Not a column: on the response an answer has just stored, whether that answer completed
    # its course (set by the service that stores answers); None on a response read back.
    completed_course: bool | None = None

    class Meta:
        ordering = ["graded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="response_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="response_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "objective", "graded_at"], name="response_evidence"),
            models.Index(fields=["question", "graded_at"], name="response_question"),
        ]

    def __str__(self):
        return f"{self.user} · {self.question.key} · {round(100 * self.score)}%"


class AttemptDraft(models.Model):
    """A course test's answer given but not yet submitted (quizzes.review): the answer form's
    own fields as posted, on the server, so it survives a logout and shows on a second
    device; the answer in words is kept with it, so the review page grades nothing."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="drafts")
    slot = models.PositiveSmallIntegerField()
    data = models.JSONField(help_text="The answer form's fields: name -> list of values.")
    answer_text = models.TextField(help_text="The answer in words, for the review page.")
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "slot"], name="draft_once_per_slot")
        ]

    def __str__(self):
        return f"{self.attempt} · slot {self.slot}"
