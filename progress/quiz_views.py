"""The quiz pages that change or show the learner's progress: the question page, answering,
finishing and the attempt's summary.

They sit here rather than in quizzes/views.py because answering stores the response and
updates mastery in one transaction (progress.services.record_answer), finishing a course test
submits its drafts the same way, and the question page and the summary show each objective's
level before and after and celebrate the answer that completed the course; assessment
(quizzes) knows nothing of mastery. All of them reuse the quiz flow's helpers from
quizzes/views.py.
"""

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from courses.models import Objective
from progress import review as review_submission
from progress.mastery import Level, display_percent
from progress.moments import completed_course_with
from progress.services import AttemptFinished, close_attempt, record_answer
from quizzes import review
from quizzes.forms import AnswerForm
from quizzes.grading import format_number
from quizzes.models import FeedbackMode, Question, Response
from quizzes.views import (
    attempt_response,
    duration_text,
    form_error_status,
    get_attempt_for_user,
    htmx_redirect,
    move_on,
    next_url_for,
    question_context,
    question_for_slot,
    question_result,
    render_question,
    summary_url,
)

FINISHED_ERROR = "This attempt is finished: answers can no longer be changed."


def _with_completion(context, attempt, response):
    """Celebrate on the page of the answer that completed the course (no query otherwise)."""
    if response is not None and context["show_feedback"]:
        context["course_completed"] = completed_course_with(
            attempt.user_id, attempt.quiz.course, [response]
        )
    return context


@login_required
def question_page(request, course_slug, quiz_slug, attempt_id, slot):
    # Queries: the attempt (the session and the user come from caches, the quiz and the
    # question from the content cache); only if the slot is answered, its response (+version).
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    question = question_for_slot(attempt, slot)
    response = attempt_response(attempt, question) if attempt.is_answered(slot) else None
    context = question_context(attempt, question, slot, response=response)
    _with_completion(context, attempt, response)
    if response is None and attempt.finished_at is None and review.uses_review(attempt):
        _add_draft(request, context, attempt, question, slot)
    return render(request, "quizzes/question.html", context)


# A question opened with "Change" from the review page goes back there when saved (the form
# carries it on as a hidden field), not on to the next question.
FROM_REVIEW = "review"


def _add_draft(request, context, attempt, question, slot):
    """Feedback at the end: the answer form shows the draft given so far, if any, with links
    to the other questions (moving needs no save) and back to the review page."""
    draft = review.drafts(attempt).get(slot)
    _add_review_links(context, attempt, slot, from_review=request.GET.get("from") == FROM_REVIEW)
    if draft is not None:
        context["form"] = review.draft_form(attempt, question, draft)
        context["draft_saved"] = True


def _add_review_links(context, attempt, slot, *, from_review):
    context["review_url"] = summary_url(attempt)
    context["from_review"] = from_review
    if slot > 1:
        context["previous_url"] = attempt.question_url(slot - 1)


def _after_answer(request, attempt, question, slot, response):
    if not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END:
        # Feedback at the end: just move on (to the summary after the last question).
        return htmx_redirect(request, next_url_for(attempt, slot))
    if request.htmx:
        context = question_context(attempt, question, slot, response=response)
        _with_completion(context, attempt, response)
        context["just_answered"] = True
        return render_question(request, context)
    return redirect(attempt.question_url(slot))


@require_POST
@login_required
def answer(request, course_slug, quiz_slug, attempt_id, slot):
    """Grade an answer, store it and update the learner's mastery (a plain post redirects back
    to the question, an htmx post gets the feedback in place). In a course test the answer is
    a draft until the learner submits all of them on the review page."""
    # Queries: the attempt (the session and the user come from caches; the quiz, the question
    # and its objective's pool size from the content cache); then record_answer's transaction
    # (see its docstring).
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    question = question_for_slot(attempt, slot)
    if attempt.finished_at is not None:
        first = attempt_response(attempt, question)
        if first is not None:  # answered before the attempt was finished: show that result
            return _after_answer(request, attempt, question, slot, first)
        context = question_context(attempt, question, slot, error=FINISHED_ERROR)
        return render_question(request, context, status=409)
    if attempt.is_answered(slot):  # answered before (another tab): not graded again
        first = attempt_response(attempt, question)
        if first is not None:
            return _after_answer(request, attempt, question, slot, first)
    form = AnswerForm(
        request.POST, attempt=attempt, question=question, version=question.current_version
    )
    if not form.is_valid():
        first = attempt_response(attempt, question)
        if first is not None:  # a second submission stores nothing and shows the first result
            return _after_answer(request, attempt, question, slot, first)
        context = question_context(attempt, question, slot, form=form)
        if review.uses_review(attempt):
            from_review = request.POST.get("then") == FROM_REVIEW
            _add_review_links(context, attempt, slot, from_review=from_review)
        return render_question(request, context, form_error_status(request, form))
    if review.uses_review(attempt):  # a draft until the learner submits on the review page
        back_to_review = request.POST.get("then") == FROM_REVIEW
        try:
            review.save_draft(attempt, slot, form, request.POST)
        except review.DraftTooLarge as error:
            message = f"This answer is too large to keep ({error}). Shorten it and try again."
            context = question_context(attempt, question, slot, form=form, error=message)
            _add_review_links(context, attempt, slot, from_review=back_to_review)
            return render_question(request, context, status=413)
        return move_on(
            request, summary_url(attempt) if back_to_review else next_url_for(attempt, slot)
        )
    try:
        response = record_answer(
            attempt=attempt,
            question=question,
            grade=form.grade,
            pool=attempt.content.pools.get(question.objective_id, 0),
        )
    except (AttemptFinished, IntegrityError):
        # Another request got there first: this question answered at once from another tab
        # (the first answer stands and is shown), or the attempt finished meanwhile (409).
        response = attempt_response(attempt, question)
        if response is None:
            attempt.refresh_from_db(fields=["finished_at", "score", "max_score"])
            context = question_context(attempt, question, slot, error=FINISHED_ERROR)
            return render_question(request, context, status=409)
    return _after_answer(request, attempt, question, slot, response)


@require_POST
@login_required
def finish(request, course_slug, quiz_slug, attempt_id):
    """Finish an attempt now; questions left unanswered score 0. A course test's drafts are
    graded and stored first."""
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    if attempt.finished_at is None and review.uses_review(attempt):
        review_submission.submit(attempt)
    elif attempt.finished_at is None:
        close_attempt(attempt)
    return htmx_redirect(request, summary_url(attempt))


def _mastery_change(attempt, responses):
    """Per objective the attempt touched: level and estimate before and after it.

    Before = the state after the learner's last answer to the objective before this attempt
    (Response.p_after/level_after), or Not started with no evidence; after = the state after
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
        changes.append(
            {
                "objective": objective,
                "level_before": Level(objective.level_before or Level.NOT_STARTED),
                "level_after": Level(after.level_after or Level.NOT_STARTED),
                "percent_before": None if p_before is None else display_percent(float(p_before)),
                "percent_after": display_percent(after.p_after or 0),
            }
        )
    return changes


@login_required
def summary(request, course_slug, quiz_slug, attempt_id):
    # Queries: the attempt, its responses, objectives with mastery before (the session and the
    # user from caches, the questions from the content cache); with a limit on attempts, the
    # learner's attempts at the quiz (for Retry).
    attempt = get_attempt_for_user(request, course_slug, quiz_slug, attempt_id)
    quiz = attempt.quiz
    responses = {r.question_id: r for r in attempt.responses.select_related("version")}
    context = {"course": quiz.course, "quiz": quiz, "attempt": attempt}
    if attempt.finished_at is None:
        context["answered"] = len(responses)
        context["total"] = len(attempt.question_ids)
        slot = attempt.first_unanswered_slot() or len(attempt.question_ids)
        context["continue_url"] = attempt.question_url(slot)
        if review.uses_review(attempt):
            _add_review(request, context, attempt, responses)
        return render(request, "quizzes/summary.html", context)
    questions = attempt.content.questions  # shared: read, never changed
    items = []
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = questions[question_id]
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
        course_completed=completed_course_with(attempt.user_id, quiz.course, responses.values()),
        can_retry=quiz.learner_may_start_another(request.user),
    )
    return render(request, "quizzes/summary.html", context)


def _add_review(request, context, attempt, responses):
    """The review page before submitting: every question with the answer given so far."""
    questions = Question.objects.select_related("current_version").in_bulk(attempt.question_ids)
    items = review.review_items(attempt, responses, questions)
    for item in items:
        item["url"] = attempt.question_url(item["slot"])
        item["change_url"] = f"{item['url']}?from={FROM_REVIEW}"
    context["review_items"] = items
    context["answered"] = sum(1 for item in items if item["answer"])
    missing = next((item for item in items if not item["answer"]), items[0])
    context["continue_url"] = missing["url"]
