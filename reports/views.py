"""Instructor reports as admin views: class mastery, item analysis, per-objective, CSV exports.

The views are served under /admin/reports/ (reports/urls.py, included by config/urls.py),
each wrapped in the admin site's admin_view, and render templates that extend
"admin/base_site.html". Each report fetches its rows once (values_list, joined in SQL)
and computes in Python with the pure modules (reports.itemstats), so its query count does not
grow with the class. Only users who may view responses and mastery rows see them, and a class
instructor (progress.scope: an instructor from a learning platform) sees only the learners of
the classes they instruct, in every figure and export.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from courses.models import Course, Objective
from lib.csvfiles import streaming_csv
from lib.dates import iso
from progress import itemtally, masterytally
from progress.admin import evidence_url
from progress.mastery import STUCK_MIN_ANSWERS, Level
from progress.models import Mastery
from progress.scope import learners_seen_by, scoped, sees_every_learner, taught_groups
from quizzes import questiontypes
from quizzes.models import Attempt, Question, Quiz, Response
from reports import itemstats
from reports.course_review import course_review
from reports.roles import CLASS_INSTRUCTORS, INSTRUCTORS

LEVELS = list(Level)
PROFICIENT = Level.PROFICIENT
STUCK_SHOWN = 20
GRID_PAGE_SIZE = 100
CSV_CHUNK = 2000

SELECTORS = {
    "first": "each learner's first completed attempt",
    "all": "all completed attempts",
    "latest": "each learner's latest completed attempt",
}
REPORT_PERMISSIONS = ("quizzes.view_response", "progress.view_mastery", "quizzes.view_attempt")


def urls(admin_site):
    """The reports' URL patterns, each behind the admin's login and staff check, GET only."""

    def view(func):
        return admin_site.admin_view(require_GET(partial(func, admin_site)))

    return [
        path("", view(reports_index), name="index"),
        path("mastery/<int:course_id>/", view(class_mastery), name="mastery"),
        path("items/<int:quiz_id>/", view(item_analysis), name="items"),
        path("objectives/<int:course_id>/", view(objective_report), name="objectives"),
        path("review/<int:course_id>/", view(course_review), name="course_review"),
        path("export/responses.csv", view(export_responses), name="export_responses"),
        path("export/mastery.csv", view(export_mastery), name="export_mastery"),
    ]


def _check(request):
    if not request.user.has_perms(REPORT_PERMISSIONS):
        raise PermissionDenied("You may not view learners' results.")


def _render(request, admin_site, template, title, context):
    context = {**admin_site.each_context(request), "title": title, **context}
    return TemplateResponse(request, f"admin/reports/{template}", context)


def full_name(first_name, last_name):
    """The name the learner gave (the one on their certificate), or "" if none."""
    return f"{first_name} {last_name}".strip()


def learner_name(username, first_name, last_name):
    name = full_name(first_name, last_name)
    return f"{name} ({username})" if name else username


def _median(values):
    return statistics.median(values) if values else None


# --- index -------------------------------------------------------------------------------


def reports_index(admin_site, request):
    _check(request)
    courses = list(Course.objects.order_by("position", "title"))
    quizzes = defaultdict(list)
    for quiz in Quiz.objects.order_by("course", "position"):
        quizzes[quiz.course_id].append(quiz)
    rows = [(course, quizzes[course.pk]) for course in courses]
    return _render(request, admin_site, "index.html", "Reports", {"rows": rows})


# --- class mastery -----------------------------------------------------------------------


@dataclass
class ObjectiveSummary:
    objective: Objective
    counts: list[int]  # learners at each level, index = level
    learners: int
    share_proficient: float | None  # percent at Proficient or above
    median_estimate: float | None  # of learners who started
    reviews_due: int
    stuck: list[tuple[str, str]] = field(default_factory=list)  # (learner, evidence url)
    stuck_count: int = 0  # all of them; `stuck` names the first STUCK_SHOWN by username

    @property
    def stuck_more(self):
        """Stuck learners not named (beyond the first STUCK_SHOWN)."""
        return self.stuck_count - len(self.stuck)

    @property
    def segments(self):
        """(level, label, count, percent, x offset) for the stacked bar, in level order."""
        out, x = [], 0.0
        for level in LEVELS:
            count = self.counts[level]
            width = 100 * count / self.learners if self.learners else 0.0
            out.append((int(level), level.label, count, round(width, 3), round(x, 3)))
            x += width
        return out


def summarise_mastery(objectives, now, total, group=None, counts=None):
    """Per-objective summaries of the learners' mastery rows, aggregated in the database.

    The class is every learner with a row on any of the objectives (``total`` of them); a
    learner without a row on an objective is Not started there. For every learner, ``counts``
    (progress.masterytally.ClassCounts, kept by the answers) gives the learners at each level
    and the stuck ones; for one class (`group`, bounded), they are counted from its rows. The
    reviews due are counted on the (objective, level, review due) index; the median estimate of
    those who started reads one or two rows per objective (ORDER BY estimate with an offset);
    the stuck learners named are the first STUCK_SHOWN by username, read on the index of the
    stuck rows (stuck_names). Nothing is read per learner in Python.
    """
    base = reverse("admin:quizzes_response_changelist")
    rows = Mastery.objects.filter(objective__in=objectives)
    if group is not None:  # one class: its learners only (a learner who leaves it drops out)
        rows = rows.filter(user__groups=group)
    stuck_rows = rows.filter(masterytally.STUCK_ROWS)
    if counts is None:
        counts = masterytally.ClassCounts(
            learners=total, levels={objective.pk: [0] * len(LEVELS) for objective in objectives}
        )
        by_level = rows.values_list("objective_id", "level").annotate(n=Count("id")).order_by()
        for objective_id, level, n in by_level:
            if level != Level.NOT_STARTED:
                counts.levels[objective_id][level] += n
        counts.stuck = dict(
            stuck_rows.values_list("objective_id").annotate(n=Count("id")).order_by()
        )
    due = dict(  # COUNT(*): on PostgreSQL an index-only scan, where COUNT(id) reads the table
        rows.filter(level=Level.MASTERED, review_due_at__lte=now)
        .values_list("objective_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    summaries = []
    for objective in objectives:
        level_counts = list(counts.levels[objective.pk])
        started = sum(level_counts[Level.NOT_STARTED + 1 :])
        level_counts[Level.NOT_STARTED] = total - started
        middle = []
        if started:
            started_rows = rows.filter(objective=objective, level__gt=Level.NOT_STARTED)
            estimates = started_rows.order_by("estimate").values_list("estimate", flat=True)
            middle = list(estimates[(started - 1) // 2 : started // 2 + 1])
        stuck_count = counts.stuck.get(objective.pk, 0)
        stuck = []
        if stuck_count:
            for user_id, username, first, last in stuck_names(
                stuck_rows.filter(objective=objective), stuck_count, total
            ):
                name = learner_name(username, first, last)
                stuck.append((name, evidence_url(user_id, objective.pk, base)))
        summaries.append(
            ObjectiveSummary(
                objective=objective,
                counts=level_counts,
                learners=total,
                share_proficient=(100 * sum(level_counts[PROFICIENT:]) / total if total else None),
                median_estimate=_median(middle),
                reviews_due=due.get(objective.pk, 0),
                stuck=stuck,
                stuck_count=stuck_count,
            )
        )
    return summaries


def stuck_names(stuck_rows, count, total):
    """(user id, username, first name, last name) of the first STUCK_SHOWN of the `count`
    learners of `stuck_rows` (one objective's stuck rows, in a class of `total`) by username.

    Bounded whatever the class: when they are few (count² <= STUCK_SHOWN x total), their rows
    are read on the index of stuck rows and the database sorts those; when they are many, the
    learners are walked in username order (the unique index) until STUCK_SHOWN stuck ones are
    found, about STUCK_SHOWN x total / count of them. Either way at most about
    sqrt(STUCK_SHOWN x total) rows, against every stuck row sorted by username before.
    """
    User = get_user_model()
    if count * count <= STUCK_SHOWN * total:
        learners = User.objects.filter(pk__in=list(stuck_rows.values_list("user_id", flat=True)))
    else:
        learners = User.objects.filter(Exists(stuck_rows.filter(user_id=OuterRef("pk"))))
    return learners.order_by("username").values_list("pk", "username", "first_name", "last_name")[
        :STUCK_SHOWN
    ]


def class_learners(objectives, group=None):
    """The learners with a mastery row on any of the objectives (in `group` if given), by
    username (the unique, indexed column, so a page of the grid reads only its own learners),
    as (user id, username, first name, last name)."""
    User = get_user_model()
    rows = Mastery.objects.filter(user_id=OuterRef("pk"), objective__in=objectives)
    learners = User.objects.filter(Exists(rows))
    if group is not None:
        learners = learners.filter(groups=group)
    return learners.order_by("username").values_list("pk", "username", "first_name", "last_name")


class CountedPaginator(Paginator):
    """A Paginator told the number of items (the class size, from the counts) instead of
    counting them."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def grid_cells(objectives, learners):
    """(learner, [(level, label, evidence url)]) for the grid rows of one page of learners."""
    base = reverse("admin:quizzes_response_changelist")
    labels = {int(level): level.label for level in LEVELS}
    ids = [user_id for user_id, *_ in learners]
    levels = {
        (user_id, objective_id): level
        for user_id, objective_id, level in Mastery.objects.filter(
            objective__in=objectives, user_id__in=ids
        ).values_list("user_id", "objective_id", "level")
    }
    out = []
    for user_id, username, first, last in learners:
        cells = []
        for objective in objectives:
            level = levels.get((user_id, objective.pk), Level.NOT_STARTED)
            cells.append((level, labels[level], evidence_url(user_id, objective.pk, base)))
        out.append((learner_name(username, first, last), cells))
    return out


def classes(user=None):
    """The groups of learners a report can be narrowed to: every group but the instructors'
    roles (a class from a learning platform is one, lti/); for a class instructor (`user`
    not seeing every learner), only the classes they instruct."""
    if user is not None and not sees_every_learner(user):
        return taught_groups(user).order_by("name")
    return Group.objects.exclude(name__in=(INSTRUCTORS, CLASS_INSTRUCTORS)).order_by("name")


def _class_of(request, offered):
    """The class (group) chosen with ?class=ID among `offered`, or None for every learner;
    404 if unknown. A class instructor has no "every learner": without a choice, their first
    class; 403 if they instruct none."""
    value = request.GET.get("class", "")
    everyone = sees_every_learner(request.user)
    if not value:
        if everyone:
            return None
        first = offered.first()
        if first is None:
            raise PermissionDenied("You instruct no class here: there is no learner to show.")
        return first
    if not value.isdigit():
        raise Http404("No such class.")
    return get_object_or_404(offered, pk=int(value))


def class_mastery(admin_site, request, course_id):
    _check(request)
    course = get_object_or_404(Course, pk=course_id)
    offered = classes(request.user)
    chosen = _class_of(request, offered)
    objectives = list(course.objectives.filter(retired=False).order_by("position"))
    learners = class_learners(objectives, chosen)
    counts = None
    paginator: Paginator
    if chosen is None:  # every learner: the running counts (a class is counted live)
        counts = masterytally.counts_for(course.pk, [objective.pk for objective in objectives])
        paginator = CountedPaginator(learners, GRID_PAGE_SIZE, counts.learners)
    else:
        paginator = Paginator(learners, GRID_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    summaries = summarise_mastery(objectives, timezone.now(), paginator.count, chosen, counts)
    return _render(
        request,
        admin_site,
        "class_mastery.html",
        f"Class mastery: {course.title}",
        {
            "course": course,
            "objectives": objectives,
            "summaries": summaries,
            "page": page,
            "grid": grid_cells(objectives, list(page.object_list)),
            "levels": [(int(level), level.label) for level in LEVELS],
            "stuck_min": STUCK_MIN_ANSWERS,
            "classes": offered,
            "chosen": chosen,
            "every_learner": sees_every_learner(request.user),
        },
    )


# --- item analysis -----------------------------------------------------------------------


def counted_attempts(mode, **filters):
    """Finished, non-practice attempts matching ``filters``, narrowed by the selector.

    "first" keeps each learner's earliest finished attempt at the quiz, "latest" the most
    recent; ties in start time are broken by id. "all" keeps every finished attempt.
    """
    base = Attempt.objects.filter(finished_at__isnull=False, is_practice=False)
    attempts = base.filter(**filters)
    if mode == "all":
        return attempts
    same = base.filter(quiz_id=OuterRef("quiz_id"), user_id=OuterRef("user_id"))
    if mode == "first":
        other = same.filter(
            Q(started_at__lt=OuterRef("started_at"))
            | Q(started_at=OuterRef("started_at"), pk__lt=OuterRef("pk"))
        )
    else:
        other = same.filter(
            Q(started_at__gt=OuterRef("started_at"))
            | Q(started_at=OuterRef("started_at"), pk__gt=OuterRef("pk"))
        )
    return attempts.filter(~Exists(other))


def question_info(question):
    """itemstats.QuestionInfo from a question and its current version."""
    spec = question.current_version.spec if question.current_version else {}
    question_type = questiontypes.get(question.type)
    guess = question_type.guess_score(spec)
    return itemstats.QuestionInfo(
        key=question.key,
        option_keys=question_type.option_keys(spec),
        random_guess=None if guess is None else guess * 100,
    )


def _chosen(question_type, answer):
    if not isinstance(answer, dict):
        return ()
    return question_type.chosen(answer)


def attempt_rows(rows, questions):
    """itemstats.AttemptRow per attempt from response rows ordered by attempt, then slot.

    ``rows`` are (attempt_id, user_id, question_id, score, answer), the answer as stored (a
    dict) or None; ``questions`` maps a question id to the Question. Only choice questions'
    answers are read.
    """
    info = {}  # question id -> (key, its QuestionType if options are analysed else None)
    for question_id, question in questions.items():
        question_type = questiontypes.get(question.type)
        choice = question_type if question_type.analyses_options else None
        info[question_id] = (question.key, choice)
    out = []
    last: int | None = None
    last_user = 0
    marks: list[tuple[str, float]] = []
    choices: dict[str, tuple[str, ...]] = {}
    for attempt_id, user_id, question_id, score, answer in rows:
        if attempt_id != last:
            if last is not None:
                out.append(itemstats.AttemptRow(last, last_user, tuple(marks), choices))
            last, last_user, marks, choices = attempt_id, user_id, [], {}
        key, choice = info.get(question_id) or (f"#{question_id}", None)
        marks.append((key, score))
        if choice is not None:
            choices[key] = _chosen(choice, answer)
    if last is not None:
        out.append(itemstats.AttemptRow(last, last_user, tuple(marks), choices))
    return out


def _spec(question):
    return question.current_version.spec if question.current_version else {}


def _questions_for(queryset):
    return list(
        queryset.select_related("course", "lesson", "current_version").order_by("position")
    )


def _item_analysis_figures(quiz, mode, questions, learners=None):
    """(QuizStats, keys of the questions shown, attempts used, learners) for the report.

    From the quiz's running sums (progress.itemtally, kept up to date by every finished
    attempt), so the cost does not grow with the answers: one row read, and figures computed
    from counts of distinct marks. The question pool is read live, so a re-imported question
    shows its current options at once. For some `learners` only (a class instructor's classes,
    progress.scope), the same sums are computed from their answers.
    """
    if learners is None:
        sums = itemtally.sums_for(quiz.pk, mode)
    else:
        sums = itemtally.sums_of_learners(quiz.pk, mode, learners)
    names = {str(question.pk): question.key for question in questions}
    sums.questions = {
        names.get(question_id, f"#{question_id}"): entry
        for question_id, entry in sums.questions.items()
    }
    answered = sums.keys()
    shown = [q for q in questions if not q.retired or q.key in answered]
    stats = itemstats.analyse_sums(sums, [question_info(q) for q in shown])
    return stats, {q.key for q in shown}, sums.attempts, sums.learners


def item_analysis(admin_site, request, quiz_id):
    _check(request)
    quiz = get_object_or_404(Quiz.objects.select_related("course", "objective"), pk=quiz_id)
    mode = request.GET.get("attempts", "first")
    if mode not in SELECTORS:
        mode = "first"
    pool = Question.objects.filter(course=quiz.course_id)
    if quiz.objective_id:
        pool = pool.filter(objective=quiz.objective_id)
    questions = _questions_for(pool)
    seen = learners_seen_by(request.user)
    stats, shown_keys, attempts_used, learners = _item_analysis_figures(
        quiz, mode, questions, seen
    )
    shown = [question for question in questions if question.key in shown_keys]
    table = []
    for question, qstats in zip(shown, stats.questions, strict=True):
        question_type = questiontypes.get(question.type)
        labels = question_type.option_labels(_spec(question))
        correct = question_type.correct_keys(_spec(question))
        table.append(
            {
                "question": question,
                "stats": qstats,
                "distractors": [
                    (row, labels.get(row.option_key, ""), row.option_key in correct)
                    for row in qstats.distractors
                ],
            }
        )
    return _render(
        request,
        admin_site,
        "item_analysis.html",
        f"Item analysis: {quiz.title}",
        {
            "quiz": quiz,
            "mode": mode,
            "mode_label": SELECTORS[mode],
            "selectors": SELECTORS.items(),
            "stats": stats,
            "table": table,
            "attempts_used": attempts_used,
            "learners": learners,
            "min_attempts": itemstats.MIN_ATTEMPTS,
            "every_learner": seen is None,
        },
    )


# --- per objective -----------------------------------------------------------------------


@dataclass
class ObjectiveFigures:
    objective: Objective
    counts: list[int]
    learners: int
    share_proficient: float | None
    median_estimate: float | None
    alpha: itemstats.Figure
    alpha_attempts: int
    guidance: str
    misconceptions: list[tuple[Question | None, str, str, int]]  # question, key, answer, count

    @property
    def quiz(self):
        """The objective's quiz, if it has one (selected with the objective)."""
        return getattr(self.objective, "quiz", None)


def objective_figures(objectives, questions, mastery_rows, first_rows, wrong_rows):
    """Per-objective figures from rows fetched once.

    ``mastery_rows``: (user_id, objective_id, level, estimate) of the course's objectives.
    ``first_rows``: (objective_id, attempt_id, user_id, question_id, score) of first attempts
    at objective quizzes, ordered by (attempt, slot).
    ``wrong_rows``: (objective_id, question_id, answer_display, score) with score below 1.
    """
    by_id = {question.pk: question for question in questions}
    by_key = {question.key: question for question in questions}
    learners = {row[0] for row in mastery_rows}
    levels = defaultdict(list)
    for _, objective_id, level, estimate in mastery_rows:
        levels[objective_id].append((level, estimate))
    attempts_by_objective = defaultdict(list)
    for objective_id, *row in first_rows:
        attempts_by_objective[objective_id].append((*row, None))  # alpha needs no choices
    wrong_by_objective = defaultdict(list)
    for objective_id, question_id, answer_display, score in wrong_rows:
        question = by_id.get(question_id)
        wrong_by_objective[objective_id].append(
            (question.key if question else f"#{question_id}", answer_display, score)
        )
    out = []
    for objective in objectives:
        counts = [0] * len(LEVELS)
        estimates = []
        for level, estimate in levels.get(objective.pk, ()):
            counts[level] += 1
            if level > Level.NOT_STARTED:
                estimates.append(estimate)
        counts[0] += len(learners) - len(levels.get(objective.pk, ()))
        pool = [q for q in questions if q.objective_id == objective.pk]
        attempts = attempt_rows(attempts_by_objective.get(objective.pk, ()), by_id)
        stats = itemstats.analyse(attempts, [question_info(q) for q in pool])
        misconceptions = [
            (by_key.get(key), key, label, count)
            for key, label, count in itemstats.top_wrong_answers(
                wrong_by_objective.get(objective.pk, ())
            )
        ]
        out.append(
            ObjectiveFigures(
                objective=objective,
                counts=counts,
                learners=len(learners),
                share_proficient=(
                    100 * sum(counts[PROFICIENT:]) / len(learners) if learners else None
                ),
                median_estimate=_median(estimates),
                alpha=stats.alpha,
                alpha_attempts=stats.S,
                guidance=stats.guidance,
                misconceptions=misconceptions,
            )
        )
    return out


def objective_report(admin_site, request, course_id):
    _check(request)
    course = get_object_or_404(Course, pk=course_id)
    objectives = list(
        course.objectives.filter(retired=False).select_related("quiz").order_by("position")
    )
    questions = _questions_for(Question.objects.filter(course=course))
    mine = partial(scoped, user=request.user)  # a class instructor: their classes' learners
    mastery_rows = list(
        mine(
            Mastery.objects.filter(objective__course=course, objective__retired=False)
        ).values_list("user_id", "objective_id", "level", "estimate")
    )
    first = mine(counted_attempts("first", quiz__course=course, quiz__kind="objective"))
    first_rows = list(
        Response.objects.filter(attempt__in=first.values("pk"))
        .order_by("attempt_id", "slot")
        .values_list(
            "attempt__quiz__objective_id",
            "attempt_id",
            "user_id",
            "question_id",
            "score",
        )
    )
    wrong_rows = list(
        mine(Response.objects.filter(objective__course=course, score__lt=1)).values_list(
            "objective_id", "question_id", "answer_display", "score"
        )
    )
    figures = objective_figures(objectives, questions, mastery_rows, first_rows, wrong_rows)
    return _render(
        request,
        admin_site,
        "objectives.html",
        f"Objectives: {course.title}",
        {
            "course": course,
            "figures": figures,
            "every_learner": sees_every_learner(request.user),
            "levels": [(int(level), level.label) for level in LEVELS],
        },
    )


# --- CSV exports -------------------------------------------------------------------------


def _course_filter(request, prefix):
    course_id = request.GET.get("course")
    if not course_id:
        return {}, "all"
    if not course_id.isdigit():
        raise Http404("Unknown course.")
    course = get_object_or_404(Course, pk=int(course_id))
    return {prefix: course}, course.slug


RESPONSE_HEADER = [
    "learner",
    "name",
    "email",
    "quiz",
    "attempt",
    "slot",
    "question",
    "objective",
    "answer",
    "score",
    "counted",
    "time",
]


def export_responses(admin_site, request):
    """Every response (optionally of one course, ?course=ID), streamed in chunks; a class
    instructor's: their classes' learners' only."""
    _check(request)
    filters, label = _course_filter(request, "objective__course")
    rows = (
        scoped(Response.objects.filter(**filters), request.user)
        .order_by("id")
        .values_list(
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__email",
            "attempt__quiz__slug",
            "attempt_id",
            "slot",
            "question__key",
            "objective__key",
            "answer_display",
            "score",
            "counted",
            "graded_at",
        )
        .iterator(chunk_size=CSV_CHUNK)
    )

    def convert(row):
        username, first, last, *head, score, counted, graded_at = row
        return [
            username,
            full_name(first, last),
            *head,
            f"{score:g}",
            "yes" if counted else "no",
            iso(graded_at),
        ]

    return streaming_csv(f"responses-{label}.csv", RESPONSE_HEADER, map(convert, rows))


MASTERY_HEADER = [
    "learner",
    "name",
    "email",
    "course",
    "objective",
    "level",
    "estimate",
    "counted answers",
    "review box",
    "review due",
    "updated",
]


def export_mastery(admin_site, request):
    """Every mastery row (learner x objective, optionally of one course), streamed; a class
    instructor's: their classes' learners' only."""
    _check(request)
    filters, label = _course_filter(request, "objective__course")
    rows = (
        scoped(Mastery.objects.filter(**filters), request.user)
        .order_by("user__username", "objective__course_id", "objective__position")
        .values_list(
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__email",
            "objective__course__slug",
            "objective__key",
            "level",
            "estimate",
            "counted_answers",
            "review_box",
            "review_due_at",
            "updated_at",
        )
        .iterator(chunk_size=CSV_CHUNK)
    )

    def convert(row):
        username, first, last, *head, level, estimate, counted, box, due, updated = row
        return [
            username,
            full_name(first, last),
            *head,
            Level(level).label,
            f"{estimate:.4f}",
            counted,
            box or "",
            iso(due),
            iso(updated),
        ]

    return streaming_csv(f"mastery-{label}.csv", MASTERY_HEADER, map(convert, rows))
