"""The learner's progress: My progress (every course), a course's progress page, every answer
on one objective (the evidence page), the certificate, and practice sessions."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import Course
from front.views.courses import get_course
from lib.cache import STANDING_SECONDS
from progress import practice
from progress.standing import (
    Evidence,
    completion_rule_text,
    course_completion,
    course_standing,
    mastery_rows,
    status_from_row,
)
from quizzes.content_cache import course_content
from quizzes.models import Attempt, Question, Quiz, QuizKind, Response


@login_required
def my_progress(request):
    """The header's "My progress": the learner's course progress pages.

    With one course (or one the learner has started), straight to its progress page;
    otherwise a list of courses, the started ones first."""
    published = list(Course.objects.published())
    started = set(
        Course.objects.filter(lessons__completions__user=request.user).values_list("pk", flat=True)
    ) | set(
        Course.objects.filter(objectives__responses__user=request.user).values_list(
            "pk", flat=True
        )
    )
    # The catalogue's courses, and any hidden one the learner has started.
    courses = [c for c in published if not c.hidden or c.pk in started]
    if len(courses) == 1 or len(started) == 1:
        course = next(c for c in courses if len(courses) == 1 or c.pk in started)
        return redirect("progress:progress", course.slug)
    courses.sort(key=lambda course: course.pk not in started)
    return render(request, "front/my_progress.html", {"courses": courses, "started": started})


@login_required
def progress(request, slug):
    # The course from the content cache, the learner's standing from the standing cache: no
    # query until the learner's next answer (progress.standing.course_standing).
    #
    # The page's body (the summary and the objectives) is rendered once per computation of the
    # standing and kept in the shared cache under its name (`built`, new whenever the standing
    # changes) and the learner's CSRF secret, from which the tokens of its Practise buttons are
    # masked: a new sign-in, which rotates the secret, renders it again. Not under debug (make
    # run, make author), where a template edit shows at once. See docs/performance.md.
    content = course_content(slug)
    if content is None or content.course.retired:
        raise Http404
    data = course_standing(request.user, content)
    if "CSRF_COOKIE" not in request.META:  # a client without a CSRF cookie: its secret, now
        get_token(request)
    context = {
        "course": content.course,
        "progress": data,
        "csrf_secret": request.META["CSRF_COOKIE"],
        "standing_seconds": 0 if settings.DEBUG else STANDING_SECONDS,
    }
    return render(request, "front/progress.html", context)


EVIDENCE_PAGE_SIZE = 50
EVIDENCE_FIELDS = [
    "id", "objective_id", "question_id", "version_id", "score", "revealed", "graded_at",
    "counted", "p_after",
]  # fmt: skip


@login_required
def evidence(request, slug, objective_key):
    """Every answer the learner gave on an objective, newest first, paged: the history the
    progress page summarises (it shows the latest few)."""
    content = course_content(slug)
    if content is None or content.course.retired:
        raise Http404
    objective = next(
        (o for o in content.objectives.values() if o.key == objective_key and not o.retired), None
    )
    if objective is None:
        raise Http404
    answers = Response.objects.filter(user=request.user, objective=objective)
    answers = answers.order_by("-graded_at", "-id").only(*EVIDENCE_FIELDS)
    page = Paginator(answers, EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [Evidence.of(r, content.version_of(r).prompt_text) for r in page.object_list]
    context = {"course": content.course, "objective": objective, "page": page, "rows": rows}
    return render(request, "front/evidence.html", context)


@login_required
def certificate(request, slug):
    course = get_course(slug)
    completion = course_completion(request.user, course)
    if completion is None:
        messages.info(request, "The certificate appears once you have completed the course.")
        return redirect("progress:progress", course.slug)
    context = {"course": course, "completion": completion, "rule": completion_rule_text(course)}
    return render(request, "front/certificate.html", context)


def _practice_quizzes(course):
    """The course's objective quizzes whose objective is active, with their objectives."""
    return Quiz.objects.filter(
        course=course, kind=QuizKind.OBJECTIVE, objective__retired=False
    ).select_related("objective", "course")


def _start(request, quiz):
    attempt = practice.start_practice(request.user, quiz)
    if attempt is None:
        messages.info(request, "This objective has no questions to practise yet.")
        return redirect("progress:progress", quiz.course.slug)
    return redirect(attempt.question_url(1))


@login_required
@require_http_methods(["GET", "POST"])
def practice_objective(request, slug, objective_key):
    """GET: a page with the Start button (a link can point here); POST: start a session."""
    course = get_course(slug)
    quiz = get_object_or_404(_practice_quizzes(course), objective__key=objective_key)
    if request.method == "POST":
        return _start(request, quiz)
    return render(request, "front/practice_start.html", {"course": course, "quiz": quiz})


@login_required
@require_POST
def practice_weakest(request, slug):
    """Start a session on the weakest objective (lowest level, then a review due...)."""
    course = get_course(slug)
    quizzes = {quiz.objective_id: quiz for quiz in _practice_quizzes(course)}
    sizes = Question.objects.pool_sizes(list(quizzes))
    objectives = [quiz.objective for quiz in quizzes.values() if sizes.get(quiz.objective_id)]
    rows = mastery_rows(request.user, objectives)
    now = timezone.now()
    choices = []
    for objective in objectives:
        status = status_from_row(objective, rows.get(objective.pk), now)
        choices.append(
            practice.ObjectiveChoice(
                objective.pk, status.level, status.review_due, status.estimate, objective.position
            )
        )
    chosen = practice.weakest_objective(choices)
    if chosen is None:
        messages.info(request, "This course has no questions to practise yet.")
        return redirect("progress:progress", course.slug)
    return _start(request, quizzes[chosen])


@login_required
@require_POST
def practice_next(request, pk):
    """Add the next question to a practice session and go to it (or end the session)."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz__course"), pk=pk, user=request.user, is_practice=True
    )
    if attempt.finished_at is not None:
        raise Http404("This practice session is over.")
    slot = practice.extend_practice(attempt)
    if slot is None:
        messages.success(
            request, "You have practised every question of this objective in this session."
        )
        return redirect("progress:progress", attempt.quiz.course.slug)
    return redirect(attempt.question_url(slot))
