"""A learner's standing in a course: mastery per objective, evidence, completion.

The glue between the stored rows (Response, Mastery, LessonCompletion, CourseCompletion) and the
pure mastery model in progress.mastery. Every page that shows levels reads them through here, with
a fixed number of queries whatever the number of objectives or answers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from courses.models import Course, Objective
from lib.cache import STANDING_SECONDS, standing_key
from progress import mastery
from progress.models import CourseCompletion, LessonCompletion, Mastery, mastery_params
from quizzes.content_cache import CourseContent
from quizzes.models import Question, Quiz, QuizKind, Response


def state_of(row: Mastery | None, objective: Objective) -> mastery.State:
    """The model state stored on a Mastery row (a fresh state when there is none)."""
    params = mastery_params(objective)
    if row is None or not row.state:
        return mastery.State(p=params.l0)
    return mastery.State.from_json(row.state, params)


@dataclass
class ObjectiveStatus:
    """What a page shows of one objective for one learner."""

    objective: Objective
    level: mastery.Level
    estimate: float
    review_due: bool = False
    review_due_at: datetime | None = None
    counted_answers: int = 0

    @property
    def label(self) -> str:
        return self.level.label

    @property
    def percent(self) -> int:
        return round(100 * self.estimate)

    @property
    def proficient(self) -> bool:
        return self.level >= mastery.Level.PROFICIENT

    @property
    def has_evidence(self) -> bool:
        """Whether any answer counts towards the estimate (before that it is only the prior)."""
        return self.counted_answers > 0 or self.level > mastery.Level.NOT_STARTED

    @property
    def shown_percent(self) -> int:
        """The estimate for people: rounded down, never 100 (mastery.display_percent)."""
        return mastery.display_percent(self.estimate)

    @property
    def estimate_words(self) -> str:
        return mastery.estimate_words(self.estimate)


def status_from_row(objective: Objective, row: Mastery | None, now: datetime) -> ObjectiveStatus:
    if row is None:
        return ObjectiveStatus(objective, mastery.Level.NOT_STARTED, mastery_params(objective).l0)
    scheduled = row.level == mastery.Level.MASTERED  # only Mastered has a review date
    return ObjectiveStatus(
        objective,
        mastery.Level(row.level),
        row.estimate,
        review_due=row.review_due(now),
        review_due_at=row.review_due_at if scheduled else None,
        counted_answers=row.counted_answers,
    )


def mastery_rows(user, objectives) -> dict[int, Mastery]:
    """The learner's Mastery rows of these objectives by objective id (one query, none if anon)."""
    if not user.is_authenticated:
        return {}
    ids = [objective.pk for objective in objectives]
    return {row.objective_id: row for row in Mastery.objects.filter(user=user, objective__in=ids)}


def attach_levels(user, objectives) -> None:
    """Set `objective.progress` (an ObjectiveStatus, or None for visitors) on each objective.

    One query for the learner's mastery rows, none for a visitor: for the course home and the
    lesson page, so their objective lists show levels without a query per objective.
    """
    objectives = list(objectives)
    rows = mastery_rows(user, objectives)
    now = timezone.now()
    for objective in objectives:
        objective.progress = (
            status_from_row(objective, rows.get(objective.pk), now)
            if user.is_authenticated
            else None
        )


@dataclass(frozen=True)
class Evidence:
    """One of the learner's answers in an objective's evidence: plain data, the values the
    progress page's table shows (kept in the standing cache; the page renders the table).

    The texts are worked out once per standing, not on every view of the page: the date in
    the site's time zone, the question's first words, the score and the estimate after it as
    whole percentages (the estimate rounded down, mastery.display_percent)."""

    graded_at: datetime
    when: str  # "7 Dec 2026, 09:30"
    prompt_words: str  # the question's prompt, its first 14 words
    revealed: bool
    counted: bool
    score_percent: int
    estimate_percent: int | None  # None before any estimate

    @classmethod
    def of(cls, response: Response, prompt_text: str) -> Evidence:
        return cls(
            graded_at=response.graded_at,
            when=dateformat.format(timezone.localtime(response.graded_at), "j M Y, H:i"),
            prompt_words=Truncator(prompt_text).words(14, truncate=" …"),
            revealed=response.revealed,
            counted=response.counted,
            score_percent=round(100 * response.score),
            estimate_percent=(
                None if response.p_after is None else mastery.display_percent(response.p_after)
            ),
        )


@dataclass
class ObjectiveProgress:
    """One objective on the progress page: status, what is missing, the evidence."""

    status: ObjectiveStatus
    pool_size: int
    needs: list[str]
    evidence: list[Evidence] = field(default_factory=list)  # the latest EVIDENCE_SHOWN
    more_evidence: bool = False  # older answers exist (the objective's evidence page)
    quiz: Quiz | None = None
    hint: str = ""  # the next step towards the level above, one sentence
    # When a correct answer is "on another day" (a day after the first one), while Mastered
    # still needs it.
    another_day_from: datetime | None = None

    @property
    def objective(self) -> Objective:
        return self.status.objective

    @property
    def next_label(self) -> str | None:
        level = self.status.level
        return None if level == mastery.Level.MASTERED else mastery.Level(level + 1).label


@dataclass
class NextStep:
    kind: str  # "lesson", "quiz", "practice", "review" or "done"
    text: str
    url: str


@dataclass
class CourseProgress:
    course: Course
    objectives: list[ObjectiveProgress]
    lessons_total: int
    lessons_done: int
    completion: CourseCompletion | None
    next_step: NextStep | None
    # Names this computation of the standing, and nothing else: a new one for every computation
    # (course_progress), so the progress page keeps its rendered body under it and a
    # changed standing never shows an older rendering (front/views/progress.py).
    built: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def percent(self) -> int:
        """Course completion: the share of the completion rules met, one per lesson completed
        and one per objective at Proficient or above."""
        total = self.lessons_total + len(self.objectives)
        if self.completion is not None or not total:
            return 100 if self.completion is not None else 0
        met = self.lessons_done + sum(1 for item in self.objectives if item.status.proficient)
        return round(100 * met / total)


EVIDENCE_SHOWN = 10
"""Answers shown per objective on the progress page; the evidence page lists them all."""


def course_progress(
    user, course: Course, now: datetime | None = None, content: CourseContent | None = None
) -> CourseProgress:
    """Everything the progress page shows, in 8 queries whatever the course's size and the
    learner's history: objectives, lessons, the learner's lesson completions, mastery rows,
    the latest EVIDENCE_SHOWN responses per objective (with their versions), pool sizes,
    objective quizzes, and the course completion row.

    With `content` (the course's quizzes.content_cache.CourseContent), the objectives, lessons,
    pool sizes, quizzes and question versions come from it: 4 queries, the learner's rows.
    """
    now = now or timezone.now()
    if content is not None:
        objectives = [o for o in content.objectives.values() if not o.retired]
        lessons = [lesson for lesson in content.lessons.values() if not lesson.retired]
    else:
        objectives = list(course.objectives.active())
        lessons = list(course.lessons.for_outline())
    done = set(
        LessonCompletion.objects.filter(user=user, lesson__course=course).values_list(
            "lesson_id", flat=True
        )
    )
    rows = mastery_rows(user, objectives)
    evidence: dict[int, list[Evidence]] = {}
    fields = [
        "id", "objective_id", "question_id", "version_id", "score", "revealed", "graded_at",
        "counted", "p_after", "level_after",
    ]  # fmt: skip
    # The latest answers per objective (one query, each part reading EVIDENCE_SHOWN + 1 rows
    # of the (user, objective, graded_at) index), so the page does not grow with the history:
    # the full history is paged (front.views.progress.evidence).
    latest = Q(pk__in=[])
    for objective in objectives:
        answers = Response.objects.filter(user=user, objective=objective)
        newest = answers.order_by("-graded_at", "-id").values("pk")[: EVIDENCE_SHOWN + 1]
        latest |= Q(pk__in=newest)
    responses = Response.objects.filter(latest)
    if content is None:
        responses = responses.select_related("version").only(*fields, "version__prompt_html")
    else:
        responses = responses.only(*fields)
    for response in responses.order_by("graded_at", "id"):
        version = response.version if content is None else content.version_of(response)
        evidence.setdefault(response.objective_id, []).append(
            Evidence.of(response, version.prompt_text)
        )
    more = {key for key, answers in evidence.items() if len(answers) > EVIDENCE_SHOWN}
    for key in more:
        del evidence[key][0]  # the one beyond the latest EVIDENCE_SHOWN
    if content is not None:
        sizes = content.pools
        quizzes = {
            q.objective_id: q for q in content.quizzes.values() if q.kind == QuizKind.OBJECTIVE
        }
    else:
        sizes = Question.objects.pool_sizes([objective.pk for objective in objectives])
        quizzes = {
            quiz.objective_id: quiz
            for quiz in Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE).select_related(
                "course"
            )
        }
    completion = course_completion(user, course)

    items = []
    for objective in objectives:
        row = rows.get(objective.pk)
        size = sizes.get(objective.pk, 0)
        state = state_of(row, objective)
        items.append(
            ObjectiveProgress(
                status=status_from_row(objective, row, now),
                pool_size=size,
                needs=mastery.next_level_needs(state, pool_size=size),
                hint=mastery.next_level_hint(state, pool_size=size),
                another_day_from=(
                    state.next_day_from() if state.level == mastery.Level.PROFICIENT else None
                ),
                evidence=evidence.get(objective.pk, []),
                more_evidence=objective.pk in more,
                quiz=quizzes.get(objective.pk),
            )
        )

    next_step = _next_step(course, lessons, done, items, completion)
    return CourseProgress(
        course=course,
        objectives=items,
        lessons_total=len(lessons),
        lessons_done=sum(1 for lesson in lessons if lesson.pk in done),
        completion=completion,
        next_step=next_step,
    )


def _next_step(course, lessons, done, items, completion) -> NextStep | None:
    """The next lesson to read, else the weakest objective below Proficient, else a review."""
    lesson = next((lesson for lesson in lessons if lesson.pk not in done), None)
    if lesson is not None:
        return NextStep(
            "lesson", f"Read the next lesson: {lesson.title}", lesson.get_absolute_url()
        )
    below = [item for item in items if not item.status.proficient and item.pool_size]
    if below:
        weakest = min(
            below, key=lambda i: (i.status.level, i.status.estimate, i.objective.position)
        )
        if weakest.status.level == mastery.Level.NOT_STARTED and weakest.quiz is not None:
            return NextStep(
                "quiz", f"Take the quiz: {weakest.objective.text}", weakest.quiz.get_absolute_url()
            )
        return NextStep(
            "practice",
            f"Practise your weakest objective: {weakest.objective.text}",
            reverse("progress:practice", args=[course.slug, weakest.objective.key]),
        )
    due = [item for item in items if item.status.review_due]
    if due:
        item = min(due, key=lambda i: i.status.review_due_at)
        return NextStep(
            "review",
            f"Review due: {item.objective.text}",
            reverse("progress:practice", args=[course.slug, item.objective.key]),
        )
    if completion is None:
        return None
    return NextStep(
        "done",
        "Course completed: see your certificate",
        reverse("progress:certificate", args=[course.slug]),
    )


def course_completion(user, course: Course) -> CourseCompletion | None:
    """The learner's completion of the course, or None (one query, none for a visitor)."""
    if not user.is_authenticated:
        return None
    return CourseCompletion.objects.filter(user=user, course=course).first()


def completion_rule_text(course: Course) -> str:
    """What earning the course's certificate took, in words, from the rules that grant it.

    The course is complete when every published lesson is marked complete and every active
    objective is at Proficient or above (check_course_completion); Proficient's rule (estimate
    and different questions answered correctly, no second day) comes from quizzes.mastery.
    Two queries: lessons and objectives with their pool sizes.
    """
    lessons = course.lessons.published().count()
    objectives = list(course.objectives.active())
    p_min, distinct = mastery.THRESHOLDS[mastery.Level.PROFICIENT]
    fewer = any(
        size < distinct
        for size in Question.objects.pool_sizes([o.pk for o in objectives]).values()
    )
    questions = f"at least {distinct} different questions" + (
        " (every question, where an objective has fewer)" if fewer else ""
    )
    lesson_text = "the lesson" if lessons == 1 else f"all {lessons} lessons"
    objective_text = (
        "its learning objective"
        if len(objectives) == 1
        else f"each of its {len(objectives)} learning objectives"
    )
    return (
        f"having completed {lesson_text} and reached Proficient or above on {objective_text}: "
        f"an estimated mastery of at least {round(100 * p_min)}% from correct answers to "
        f"{questions}"
    )


def check_course_completion(user, course: Course, now: datetime | None = None):
    """Record the course as completed when every published lesson is complete and every active
    objective is at Proficient or above. Returns the CourseCompletion row, or None.

    Called after a lesson is marked complete and after each recorded answer. A completion, once
    earned, is kept (with its date) even if a level later drops.
    """
    existing = course_completion(user, course)
    if not user.is_authenticated or existing is not None:
        return existing
    lessons = set(course.lessons.published().values_list("id", flat=True))
    done = set(
        LessonCompletion.objects.filter(user=user, lesson_id__in=lessons).values_list(
            "lesson_id", flat=True
        )
    )
    if lessons - done:
        return None
    objectives = set(course.objectives.active().values_list("id", flat=True))
    proficient = set(
        Mastery.objects.filter(
            user=user, objective_id__in=objectives, level__gte=mastery.Level.PROFICIENT
        ).values_list("objective_id", flat=True)
    )
    if objectives - proficient:
        return None
    with transaction.atomic():
        completion, _ = CourseCompletion.objects.get_or_create(
            user=user, course=course, defaults={"completed_at": now or timezone.now()}
        )
    return completion


# --- the learner's standing, kept until it changes ----------------------------------------------
#
# The progress page is built from the learner's rows (lesson completions, mastery rows, answers,
# course completion) and the course's content, which comes from the process's content cache
# (quizzes/content_cache.py). The result, data only (the page renders it on every request), is
# kept in the shared "default" cache per learner and course under a key with the code version
# (lib.cache.standing_key), with the content version it was built from, and deleted when one
# of the learner's rows changes:
#
# - an answer stored, a mastery row saved, a lesson or the course completed (post_save and
#   post_delete of Response, Mastery, LessonCompletion and CourseCompletion delete it at once
#   and again when the transaction commits, so a standing built meanwhile in another worker from
#   the rows before the commit does not stay);
# - a re-import renews the content version: a standing built from older content is not used;
# - at the latest after STANDING_SECONDS, or when the first review falls due (a mastered
#   objective's review turns due with time alone, no row changing), whichever comes first.
#   Rows written in bulk without signals (seeding, `recompute_mastery`) show after that delay.


def course_standing(user, content: CourseContent) -> CourseProgress:
    """The learner's CourseProgress for the course of `content`, from the cache or computed
    (four queries: the learner's rows) and kept."""
    cache = caches["default"]
    key = standing_key(user.pk, content.course.pk)
    cached = cache.get(key)
    if cached is not None and cached[0] == content.version:
        return cached[1]
    now = timezone.now()
    standing = course_progress(user, content.course, now=now, content=content)
    seconds = STANDING_SECONDS
    due = [
        item.status.review_due_at
        for item in standing.objectives
        if item.status.review_due_at is not None and item.status.review_due_at > now
    ]
    if due:
        seconds = max(1, min(seconds, int((min(due) - now).total_seconds()) + 1))
    cache.set(key, (content.version, standing), seconds)
    return standing


def forget_standing(user_id, course_id) -> None:
    """Drop the learner's cached standing in the course (one of their rows changed). A delete,
    not a write: the cheapest operation of the file cache, and it runs on every answer."""
    caches["default"].delete(standing_key(user_id, course_id))


def _course_of(instance):
    if hasattr(instance, "course_id"):  # CourseCompletion
        return instance.course_id
    if hasattr(instance, "lesson_id"):  # LessonCompletion
        return instance.lesson.course_id
    return instance.objective.course_id  # Response, Mastery


def _row_changed(sender, instance, using=None, **kwargs):
    user_id, course_id = instance.user_id, _course_of(instance)
    forget_standing(user_id, course_id)
    transaction.on_commit(lambda: forget_standing(user_id, course_id), using=using)


def connect_signals() -> None:
    for model in (
        "quizzes.Response",
        "progress.Mastery",
        "progress.LessonCompletion",
        "progress.CourseCompletion",
    ):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"standing-save-{model}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"standing-del-{model}")
