"""Taking a quiz: the start page, one question at a time, the answer, the summary.

Every answer is graded on the server (quizzes.grading through forms.AnswerForm) and stored
with the mastery update by services.record_answer. One view serves a page and its htmx
fragment: an htmx answer gets the feedback swapped in place ("quizzes/question.html#answer"),
a plain form post redirects back to the question, which then shows the stored result.
"""

import functools
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError, connection
from django.db.models import BooleanField, IntegerField, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseLocation

from courses.models import Objective
from quizzes import grading, matching_display, review
from quizzes.attempt_start import start_attempt
from quizzes.forms import AnswerForm
from quizzes.grading import format_number
from quizzes.mastery import display_percent
from quizzes.models import (
    Attempt,
    FeedbackMode,
    MasteryLevel,
    Question,
    Quiz,
    QuizKind,
    Response,
)
from quizzes.moments import completed_course_with
from quizzes.services import AttemptFinished, close_attempt, record_answer

# --- access -------------------------------------------------------------------------------


def _get_quiz(course_slug, quiz_slug):
    return get_object_or_404(
        Quiz.objects.select_related("course", "objective"),
        course__slug=course_slug,
        course__retired=False,
        slug=quiz_slug,
    )


def _get_attempt_for_user(request, pk, *, with_objective=True):
    """The signed-in learner's attempt `pk`, under the course and quiz of the URL, or 404.

    Another learner's attempt, or an attempt reached through another quiz's URL, is a 404
    exactly like one that does not exist. One query (attempt, quiz, course, and the quiz's
    objective unless `with_objective` is False: the question and answer views, the hot path,
    do not use it and skip the join).
    """
    if not request.user.is_authenticated:
        raise Http404
    url = request.resolver_match.kwargs
    if with_objective:
        attempts = Attempt.objects.select_related("quiz__course", "quiz__objective")
    else:
        attempts = Attempt.objects.select_related("quiz__course")
    attempt = get_object_or_404(attempts, pk=pk, user_id=request.user.pk)
    # Checked here rather than as filters on the joins: the same answer, less SQL to build.
    quiz = attempt.quiz
    if (
        quiz.slug != url["quiz_slug"]
        or quiz.course.slug != url["course_slug"]
        or quiz.course.retired
    ):
        raise Http404
    return attempt


@functools.cache
def _answer_subqueries():
    """SQL of the subqueries _question_for_slot adds to the question query."""
    name = connection.ops.quote_name
    question, response = name(Question._meta.db_table), name(Response._meta.db_table)
    return {
        # active questions of the question's objective
        "pool": f"SELECT COUNT(*) FROM {question} AS pool WHERE pool.objective_id = "
        f"{question}.objective_id AND pool.retired = %s",
        # is this question answered in the attempt?
        "answered": f"EXISTS(SELECT 1 FROM {response} AS r WHERE r.attempt_id = %s "
        f"AND r.question_id = {question}.id)",
        # for the question page: its response in the attempt (one at most), if any
        "response": f"SELECT r.id FROM {response} AS r WHERE r.attempt_id = %s "
        f"AND r.question_id = {question}.id",
    }


def _question_for_slot(attempt, slot, *, for_answer=False):
    """The question shown in `slot` (1-based) of the attempt, with what its page needs.

    Without `for_answer`, the same query also gives the id of the attempt's response to it,
    if any (`response_id`), so an unanswered question's page needs no query for it.

    `for_answer` adds, in the same query, what grading and storing an answer need: the
    objective's pool size (`pool`) and whether this question is answered in the attempt
    (`answered`).
    """
    if not 1 <= slot <= len(attempt.question_ids):
        raise Http404
    # The lesson only for its slug (source_url): not its whole text, HTML and contents.
    questions = Question.objects.select_related("current_version", "lesson").defer(
        "lesson__body_markdown", "lesson__body_html", "lesson__toc"
    )
    if for_answer:
        questions = questions.select_related("objective")  # record_answer needs it
        # Plain SQL subqueries: the same query as Subquery/Exists expressions would build,
        # without the ORM assembling four subqueries on every answer (a third of its time).
        sql = _answer_subqueries()
        questions = questions.annotate(
            pool=RawSQL(sql["pool"], [False], output_field=IntegerField()),
            answered=RawSQL(sql["answered"], [attempt.pk], output_field=BooleanField()),
        )
    else:
        questions = questions.annotate(
            response_id=RawSQL(_answer_subqueries()["response"], [attempt.pk])
        )
    question = get_object_or_404(questions, pk=attempt.question_ids[slot - 1])
    question.course = attempt.quiz.course  # source_url() without another query
    return question


# --- small helpers --------------------------------------------------------------------------


def _pools(quiz):
    """Active question ids per active objective that the quiz draws from (one query)."""
    questions = Question.objects.active().filter(course=quiz.course, objective__retired=False)
    if quiz.kind == QuizKind.OBJECTIVE:
        questions = questions.filter(objective=quiz.objective)
    pools = {}
    for objective_id, question_id in questions.values_list("objective_id", "pk"):
        pools.setdefault(objective_id, []).append(question_id)
    return pools


def _slot_url(attempt, slot):
    quiz = attempt.quiz
    return reverse("quizzes:question", args=[quiz.course.slug, quiz.slug, attempt.pk, slot])


def _summary_url(attempt):
    quiz = attempt.quiz
    return reverse("quizzes:summary", args=[quiz.course.slug, quiz.slug, attempt.pk])


def _next_url(attempt, slot):
    if slot < len(attempt.question_ids):
        return _slot_url(attempt, slot + 1)
    return _summary_url(attempt)


def _redirect(request, url):
    """Redirect a plain request; tell htmx to load the page instead of swapping it."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _move_on(request, url):
    """On to the next question (or the review page): with htmx, its main content is fetched
    and swapped in, and the URL pushed, without reloading the page and its assets."""
    if not request.htmx:
        return redirect(url)
    return HttpResponseLocation(
        url, target="#main", select="#main", swap="outerHTML show:window:top"
    )


def _shows_feedback(attempt):
    return (
        attempt.is_practice  # practice always gives feedback at once
        or attempt.quiz.feedback_mode == FeedbackMode.IMMEDIATE
        or attempt.finished_at is not None
    )


def _result(question, response):
    """What the feedback shows for a question: the stored response regraded for its texts.

    Grading is pure, so grading the stored answer against the version it answered gives back
    the same score, the correct answer and the feedback for the option chosen.
    """
    version = response.version if response else question.current_version
    grade = None
    try:
        if response is not None:
            grade = grading.grade(question.type, version.spec, response.answer)
        else:
            grade = grading.grade(
                question.type, version.spec, grading.model_answer(question.type, version.spec)
            )
    except (grading.InvalidAnswer, KeyError, ValueError):
        grade = None
    if response is None:
        outcome = "unanswered"
    elif response.score == 1:
        outcome = "correct"
    elif response.score > 0:
        outcome = "partial"
    else:
        outcome = "incorrect"
    return {
        "question": question,
        "version": version,
        "response": response,
        "outcome": outcome,
        "answer_display": response.answer_display if response else "",
        "correct_display": grade.correct_display if grade else "",
        "feedback_html": grade.feedback_html if grade and response else "",
        "percent": round(100 * response.score) if response else 0,
        "pairs": _pairs(question, version, response),
    }


def _pairs(question, version, response):
    """A matching question's answer as rows (quizzes.matching_display), else None."""
    if question.type != "matching":
        return None
    return matching_display.pair_rows(version.spec, response.answer if response else None)


def form_error_status(request, form):
    """The status of a page that shows an answer form's errors again.

    An answer the learner can correct (nothing chosen, not a number, too long) is a normal
    page, 200, like any Django form shown again with its errors: a 4xx there would be taken by
    htmx's error handling (and by django-htmx's debug script under DEBUG, which replaces the
    whole page with the fragment). What the served form cannot send can only come from a
    tampered request, and is a 400: a value it never offered (an option token of another
    question or attempt), a text longer than the input's maxlength, a NUL character, or a body
    that is not a form post at all (JSON, a file upload).
    """
    if request.FILES or request.content_type not in FORM_CONTENT_TYPES:
        return 400
    for errors in form.errors.as_data().values():
        if any(error.code in TAMPERED_CODES for error in errors):
            return 400
    return 200


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
TAMPERED_CODES = {"invalid_choice", "invalid_list", "max_length", "null_characters_not_allowed"}


def _duration_text(duration):
    if duration is None:
        return ""
    seconds = max(0, int(duration / timedelta(seconds=1)))
    minutes, seconds = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


# --- the quiz start page ---------------------------------------------------------------------


def _quiz_context(request, quiz):
    pools = _pools(quiz)
    pool = sum(len(ids) for ids in pools.values())
    attempts = []
    if request.user.is_authenticated:
        attempts = list(
            Attempt.objects.for_user(request.user).filter(quiz=quiz, is_practice=False)
        )
    for attempt in attempts:
        attempt.quiz = quiz
        attempt.duration_text = _duration_text(attempt.duration)
        attempt.passed = attempt.percent is not None and attempt.percent >= quiz.pass_mark
    used = len(attempts)
    allowed = quiz.attempts_allowed
    if quiz.kind == QuizKind.OBJECTIVE:
        objectives = [quiz.objective]
    else:
        objectives = [o for o in quiz.course.objectives.active() if o.pk in pools]
    return {
        "course": quiz.course,
        "quiz": quiz,
        "objectives": objectives,
        "question_count": min(quiz.questions_per_attempt, pool),
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.finished_at is None), None),
        "attempts_used": used,
        "attempts_left": None if allowed is None else max(0, allowed - used),
        "can_start": pool > 0 and (allowed is None or used < allowed),
        "pools": pools,
    }


def quiz_page(request, course_slug, quiz_slug):
    quiz = _get_quiz(course_slug, quiz_slug)
    return render(request, "quizzes/quiz.html", _quiz_context(request, quiz))


@require_POST
def start(request, course_slug, quiz_slug):
    """Start an attempt (or resume the open one): draw its questions with a fresh seed."""
    quiz = _get_quiz(course_slug, quiz_slug)
    if not request.user.is_authenticated:
        login = redirect_to_login(quiz.get_absolute_url())
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    context = _quiz_context(request, quiz)
    if context["open_attempt"] is not None:
        attempt = context["open_attempt"]
        answered = set(attempt.responses.values_list("question_id", flat=True))
        if review.uses_review(attempt):  # drafts count as answered; all given: the review
            slot = review.first_open_slot(attempt, request.session, answered)
            url = _summary_url(attempt) if slot is None else _slot_url(attempt, slot)
            return _redirect(request, url)
        slot = next((i for i, qid in enumerate(attempt.question_ids, 1) if qid not in answered), 1)
        return _redirect(request, _slot_url(attempt, slot))
    if not context["can_start"]:
        if context["question_count"] == 0:
            context["error"] = "This quiz has no questions yet."
            status = 409
        else:
            context["error"] = (
                f"You have used all {quiz.attempts_allowed} attempts allowed at this quiz."
            )
            status = 403
        return render(request, "quizzes/quiz.html", context, status=status)
    attempt = start_attempt(user=request.user, quiz=quiz, pools=context["pools"])
    if attempt is None:  # a start at the same moment used the last attempt allowed
        context = _quiz_context(request, quiz)
        context["error"] = (
            f"You have used all {quiz.attempts_allowed} attempts allowed at this quiz."
        )
        return render(request, "quizzes/quiz.html", context, status=403)
    return _redirect(request, _slot_url(attempt, 1))


# --- one question at a time ------------------------------------------------------------------


def _question_context(attempt, question, slot, *, response=None, form=None, error=None):
    context = {
        "course": attempt.quiz.course,
        "quiz": attempt.quiz,
        "attempt": attempt,
        "question": question,
        "version": response.version if response else question.current_version,
        "slot": slot,
        "total": len(attempt.question_ids),
        "is_last": slot == len(attempt.question_ids),
        "next_url": _next_url(attempt, slot),
        "answer_url": reverse(
            "quizzes:answer",
            args=[attempt.quiz.course.slug, attempt.quiz.slug, attempt.pk, slot],
        ),
        "form": form,
        "error": error,
        "response": response,
        "show_feedback": _shows_feedback(attempt),
        "result": _result(question, response) if response else None,
    }
    if response is None and form is None and attempt.finished_at is None:
        context["form"] = AnswerForm(
            attempt=attempt, question=question, version=question.current_version
        )
    if response is None and attempt.finished_at is not None:
        context["result"] = _result(question, None)  # finished without answering it
    if response is not None and context["show_feedback"]:
        context["course_completed"] = completed_course_with(
            attempt.user_id, attempt.quiz.course, [response]
        )
    return context


def _render_question(request, context, status=200):
    """The question page, or only its answer area for htmx."""
    template = "quizzes/question.html#answer" if request.htmx else "quizzes/question.html"
    return render(request, template, context, status=status)


@login_required
def question_page(request, course_slug, quiz_slug, attempt_id, slot):
    # Queries: user, attempt (+quiz, course), question (+version, lesson, objective, the id
    # of its response in this attempt); only if answered, that response (+version).
    attempt = _get_attempt_for_user(request, attempt_id, with_objective=False)
    question = _question_for_slot(attempt, slot)
    response = None
    if question.response_id is not None:
        response = Response.objects.select_related("version").get(pk=question.response_id)
    context = _question_context(attempt, question, slot, response=response)
    if response is None and attempt.finished_at is None and review.uses_review(attempt):
        _add_draft(request, context, attempt, question, slot)
    return render(request, "quizzes/question.html", context)


def _add_draft(request, context, attempt, question, slot):
    """Feedback at the end: the answer form shows the draft given so far, if any."""
    draft = review.drafts(request.session, attempt).get(slot)
    context["review_url"] = _summary_url(attempt)
    if draft is not None:
        context["form"] = review.draft_form(attempt, question, draft)
        context["draft_saved"] = True


def _after_answer(request, attempt, question, slot, response):
    if not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END:
        # Feedback at the end: just move on (to the summary after the last question).
        return _redirect(request, _next_url(attempt, slot))
    if request.htmx:
        context = _question_context(attempt, question, slot, response=response)
        context["just_answered"] = True
        return _render_question(request, context)
    return redirect(_slot_url(attempt, slot))


FINISHED_ERROR = "This attempt is finished: answers can no longer be changed."


@require_POST
@login_required
def answer(request, course_slug, quiz_slug, attempt_id, slot):
    # Queries: user; attempt; question (+version, lesson, objective, pool size, answered?);
    # then record_answer's transaction.
    attempt = _get_attempt_for_user(request, attempt_id, with_objective=False)
    question = _question_for_slot(attempt, slot, for_answer=True)
    if question.answered:  # a second submission stores nothing and shows the first result
        first = Response.objects.select_related("version").get(attempt=attempt, question=question)
        return _after_answer(request, attempt, question, slot, first)
    if attempt.finished_at is not None:
        context = _question_context(attempt, question, slot, error=FINISHED_ERROR)
        return _render_question(request, context, status=409)
    form = AnswerForm(
        request.POST, attempt=attempt, question=question, version=question.current_version
    )
    if not form.is_valid():
        return _render_question(
            request,
            _question_context(attempt, question, slot, form=form),
            form_error_status(request, form),
        )
    if review.uses_review(attempt):  # a draft until the learner submits on the review page
        review.save_draft(request.session, attempt, slot, request.POST)
        return _move_on(request, _next_url(attempt, slot))
    try:
        response = record_answer(
            attempt=attempt,
            question=question,
            grade=form.grade,
            pool=question.pool or 0,
            finish_if_complete=not attempt.is_practice,
        )
    except (AttemptFinished, IntegrityError):
        # Another request got there first: this question answered at once from another tab
        # (the first answer stands and is shown), or the attempt finished meanwhile (409).
        response = (
            Response.objects.select_related("version")
            .filter(attempt=attempt, question=question)
            .first()
        )
        if response is None:
            attempt.refresh_from_db(fields=["finished_at", "score", "max_score"])
            context = _question_context(attempt, question, slot, error=FINISHED_ERROR)
            return _render_question(request, context, status=409)
    return _after_answer(request, attempt, question, slot, response)


@require_POST
@login_required
def finish(request, course_slug, quiz_slug, attempt_id):
    """Finish an attempt now; questions left unanswered score 0."""
    attempt = _get_attempt_for_user(request, attempt_id)
    if attempt.finished_at is None and review.uses_review(attempt):
        review.submit(attempt, request.session)  # grade and store the drafts, then finish
    elif attempt.finished_at is None:
        close_attempt(attempt, now=timezone.now())
    return _redirect(request, _summary_url(attempt))


# --- the summary ----------------------------------------------------------------------------


def _mastery_change(attempt, responses):
    """Per objective the attempt touched: level and estimate before and after it.

    Before = the state after the learner's last answer to the objective before this attempt
    (Response.p_after/level_after), or Not started with the prior; after = the state after
    this attempt's last answer to it. One query.
    """
    if not responses:
        return []
    first = min(responses, key=lambda r: (r.graded_at, r.pk))
    earlier = (
        Response.objects.filter(
            user_id=attempt.user_id, objective=OuterRef("pk"), graded_at__lt=first.graded_at
        )
        .exclude(attempt=attempt)
        .order_by("-graded_at", "-id")
    )
    last = {}
    for response in sorted(responses, key=lambda r: (r.graded_at, r.pk)):
        last[response.objective_id] = response
    objectives = Objective.objects.filter(pk__in=last).annotate(
        p_before=Subquery(earlier.values("p_after")[:1]),
        level_before=Subquery(earlier.values("level_after")[:1]),
    )
    changes = []
    for objective in objectives:
        after = last[objective.pk]
        p_before = objective.p_before  # None: no answer before this attempt, no evidence
        level_before = objective.level_before or MasteryLevel.NOT_STARTED
        level_after = after.level_after or MasteryLevel.NOT_STARTED
        changes.append(
            {
                "objective": objective,
                "level_before": MasteryLevel(level_before),
                "level_after": MasteryLevel(level_after),
                "percent_before": None if p_before is None else display_percent(float(p_before)),
                "percent_after": display_percent(after.p_after or 0),
            }
        )
    return changes


@login_required
def summary(request, course_slug, quiz_slug, attempt_id):
    # Queries: user, attempt, its questions, its responses, objectives with mastery before.
    attempt = _get_attempt_for_user(request, attempt_id)
    quiz = attempt.quiz
    responses = {r.question_id: r for r in attempt.responses.select_related("version")}
    context = {"course": quiz.course, "quiz": quiz, "attempt": attempt}
    if attempt.finished_at is None:
        context["answered"] = len(responses)
        context["total"] = len(attempt.question_ids)
        context["continue_url"] = _slot_url(
            attempt,
            next(
                (i for i, q in enumerate(attempt.question_ids, 1) if q not in responses),
                len(attempt.question_ids),
            ),
        )
        if review.uses_review(attempt):
            _add_review(request, context, attempt, responses)
        return render(request, "quizzes/summary.html", context)
    questions = Question.objects.select_related("current_version", "lesson").in_bulk(
        attempt.question_ids
    )
    items = []
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = questions[question_id]
        question.course = quiz.course
        item = _result(question, responses.get(question_id))
        item["slot"] = slot
        item["url"] = _slot_url(attempt, slot)
        items.append(item)
    context.update(
        items=items,
        percent=attempt.percent or 0,
        passed=(attempt.percent or 0) >= quiz.pass_mark,
        duration_text=_duration_text(attempt.duration),
        score_text=format_number(round(attempt.score or 0, 2)),
        mastery_changes=_mastery_change(attempt, list(responses.values())),
        course_completed=completed_course_with(attempt.user_id, quiz.course, responses.values()),
        can_retry=quiz.attempts_allowed is None
        or Attempt.objects.for_user(request.user).filter(quiz=quiz, is_practice=False).count()
        < quiz.attempts_allowed,
    )
    return render(request, "quizzes/summary.html", context)


def _add_review(request, context, attempt, responses):
    """The review page before submitting: every question with the answer given so far."""
    questions = Question.objects.select_related("current_version").in_bulk(attempt.question_ids)
    items = review.review_items(attempt, request.session, responses, questions)
    for item in items:
        item["url"] = _slot_url(attempt, item["slot"])
    context["review_items"] = items
    context["answered"] = sum(1 for item in items if item["answer"])
    missing = next((item for item in items if not item["answer"]), items[0])
    context["continue_url"] = missing["url"]


# --- links from the course pages -------------------------------------------------------------


def course_test_slug():
    """A subquery giving a course's test slug, to annotate Course rows without a query."""
    tests = Quiz.objects.filter(course=OuterRef("pk"), kind=QuizKind.COURSE)
    return Subquery(tests.order_by("position").values("slug")[:1])
