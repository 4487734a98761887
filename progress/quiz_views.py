"""The quiz pages that change or show the learner's mastery: answering a question and the
attempt's summary.

They sit here rather than in quizzes/views.py because answering stores the response and
updates mastery in one transaction (progress.services.record_answer), and the summary shows
each objective's level before and after the attempt; assessment (quizzes) knows nothing of
mastery. Both reuse the quiz flow's helpers from quizzes/views.py.
"""

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from courses.models import Objective
from progress.mastery import Level
from progress.models import mastery_params
from progress.services import record_answer
from quizzes.forms import AnswerForm
from quizzes.grading import format_number
from quizzes.models import FeedbackMode, Question, Response
from quizzes.views import (
    attempt_response,
    duration_text,
    get_attempt_for_user,
    htmx_redirect,
    next_url_for,
    question_context,
    question_for_slot,
    question_result,
    render_question,
)


def _after_answer(request, attempt, question, slot, response):
    if not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END:
        # Feedback at the end: just move on (to the summary after the last question).
        return htmx_redirect(request, next_url_for(attempt, slot))
    if request.htmx:
        context = question_context(attempt, question, slot, response=response)
        context["just_answered"] = True
        return render_question(request, context)
    return redirect(attempt.question_url(slot))


@require_POST
@login_required
def answer(request, course_slug, quiz_slug, attempt_id, slot):
    """Grade an answer, store it and update the learner's mastery (a plain post redirects back
    to the question, an htmx post gets the feedback in place)."""
    # Queries: session, user, attempt (+quiz, course), question (+version, lesson, and what
    # record_answer needs: the objective and its pool size); then record_answer's transaction
    # (see its docstring).
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    questions = Question.objects.select_related("objective").with_pool_size()
    question = question_for_slot(attempt, slot, questions)
    if attempt.finished_at is not None:
        first = attempt_response(attempt, question)
        if first is not None:  # answered before the attempt was finished: show that result
            return _after_answer(request, attempt, question, slot, first)
        context = question_context(
            attempt,
            question,
            slot,
            error="This attempt is finished: answers can no longer be changed.",
        )
        return render_question(request, context, status=409)
    form = AnswerForm(
        request.POST, attempt=attempt, question=question, version=question.current_version
    )
    if not form.is_valid():
        first = attempt_response(attempt, question)
        if first is not None:  # a second submission stores nothing and shows the first result
            return _after_answer(request, attempt, question, slot, first)
        return render_question(request, question_context(attempt, question, slot, form=form), 400)
    try:
        response = record_answer(
            attempt=attempt, question=question, grade=form.grade, pool=question.pool_size or 0
        )
    except IntegrityError:  # already answered (a second submission): the first one stands
        response = attempt_response(attempt, question)
    return _after_answer(request, attempt, question, slot, response)


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
        p_before = objective.p_before
        if p_before is None:
            p_before = mastery_params(objective).l0
        changes.append(
            {
                "objective": objective,
                "level_before": Level(objective.level_before or Level.NOT_STARTED),
                "level_after": Level(after.level_after or Level.NOT_STARTED),
                "percent_before": round(100 * float(p_before)),
                "percent_after": round(100 * (after.p_after or 0)),
            }
        )
    return changes


@login_required
def summary(request, course_slug, quiz_slug, attempt_id):
    # Queries: session, user, attempt, its responses, its questions, objectives with mastery
    # before; with a limit on attempts, the learner's attempts at the quiz (for Retry).
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    quiz = attempt.quiz
    responses = {r.question_id: r for r in attempt.responses.select_related("version")}
    context = {"course": quiz.course, "quiz": quiz, "attempt": attempt}
    if attempt.finished_at is None:
        context["answered"] = len(responses)
        context["total"] = len(attempt.question_ids)
        slot = attempt.first_unanswered_slot(responses) or len(attempt.question_ids)
        context["continue_url"] = attempt.question_url(slot)
        return render(request, "quizzes/summary.html", context)
    questions = Question.objects.select_related("current_version", "lesson").in_bulk(
        attempt.question_ids
    )
    items = []
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = questions[question_id]
        question.course = quiz.course
        item = question_result(question, responses.get(question_id))
        item["slot"] = slot
        item["url"] = attempt.question_url(slot)
        items.append(item)
    context.update(
        items=items,
        percent=attempt.percent or 0,
        passed=(attempt.percent or 0) >= quiz.pass_mark,
        duration_text=duration_text(attempt.duration),
        score_text=format_number(round(attempt.score or 0, 2)),
        mastery_changes=_mastery_change(attempt, list(responses.values())),
        can_retry=quiz.learner_may_start_another(request.user),
    )
    return render(request, "quizzes/summary.html", context)
