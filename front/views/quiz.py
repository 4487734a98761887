"""Taking a quiz: the quiz page and start, one question at a time, answering, finishing, and
the attempt's summary (the course test's review page before it is submitted).

One module, read top-down. The access helpers first (the attempt of the URL, the question of a
slot), then the page's context, then the views. An answer goes: this view, then the answer
form and its question type (quizzes.forms, which validates and grades it once: `form.grade`),
then the service that stores it with its mastery update (progress.services.record_answer),
then the template, which shows that same grade; nothing grades it again. One view serves a
page and its htmx fragment: an htmx answer gets the feedback swapped in place
("front/question.html#answer").
"""

import codecs
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from courses.models import Objective
from lib import htmx
from progress import review as review_submission
from progress.mastery import Level, display_percent
from progress.moments import completed_course_with
from progress.services import AttemptFinished, close_attempt, record_answer
from quizzes import grading, questiontypes, review
from quizzes.attempt_start import start_attempt
from quizzes.content_cache import course_content
from quizzes.forms import AnswerForm
from quizzes.grading import format_number
from quizzes.models import Attempt, FeedbackMode, Question, Quiz, QuizKind, Response

# --- access -------------------------------------------------------------------------------


def _get_quiz(course_slug, quiz_slug):
    return get_object_or_404(
        Quiz.objects.select_related("course", "objective"),
        course__slug=course_slug,
        course__retired=False,
        slug=quiz_slug,
    )


def get_attempt_for_user(request, course_slug, quiz_slug, pk):
    """The signed-in learner's attempt `pk` under the course and quiz of the URL, or 404.

    Another learner's attempt, or an attempt reached through another quiz's URL, is a 404
    exactly like one that does not exist; so is a retired course. One query, the attempt: its
    quiz and course come from the process's content cache (quizzes/content_cache.py), shared
    by every request, so they are read and never changed. `attempt.content` is that course
    content, `attempt.user` the signed-in user.
    """
    if not request.user.is_authenticated:
        raise Http404
    content = course_content(course_slug)
    if content is None or content.course.retired:
        raise Http404
    quiz = content.quizzes.get(quiz_slug)
    if quiz is None:
        raise Http404
    attempt = get_object_or_404(Attempt, pk=pk, user_id=request.user.pk, quiz_id=quiz.pk)
    attempt.quiz = quiz
    attempt.user = request.user
    attempt.content = content  # type: ignore[attr-defined]  # the course's cached content
    if review.LEGACY_SESSION_KEY in request.session:  # drafts kept by an earlier version
        review.adopt_session_drafts(request.session, attempt)
    return attempt


def question_for_slot(attempt, slot):
    """The question shown in `slot` (1-based) of an attempt of get_attempt_for_user, with its
    current version, objective and lesson, from the content cache (no query), or 404. Shared
    by every request of the process: read it, never change it."""
    if not 1 <= slot <= len(attempt.question_ids):
        raise Http404
    question = attempt.content.questions.get(attempt.question_ids[slot - 1])
    if question is None:
        raise Http404
    return question


def attempt_response(attempt, question):
    """The attempt's stored response to the question (with its version), or None."""
    responses = Response.objects.select_related("version").filter(
        attempt=attempt, question=question
    )
    return next(iter(responses), None)  # at most one: unique per attempt and question


# --- small helpers --------------------------------------------------------------------------


def _pools(quiz):
    """Active question ids per active objective that the quiz draws from (one query)."""
    questions = Question.objects.active().filter(course=quiz.course, objective__retired=False)
    if quiz.kind == QuizKind.OBJECTIVE:
        questions = questions.filter(objective=quiz.objective)
    pools: dict[int, list[int]] = {}
    for objective_id, question_id in questions.values_list("objective_id", "pk"):
        pools.setdefault(objective_id, []).append(question_id)
    return pools


def summary_url(attempt):
    quiz = attempt.quiz
    return reverse("quizzes:summary", args=[quiz.course.slug, quiz.slug, attempt.pk])


def next_url_for(attempt, slot):
    if slot < len(attempt.question_ids):
        return attempt.question_url(slot + 1)
    return summary_url(attempt)


def _shows_feedback(attempt):
    return (
        attempt.is_practice  # practice always gives feedback at once
        or attempt.quiz.feedback_mode == FeedbackMode.IMMEDIATE
        or attempt.finished_at is not None
    )


def question_result(question, response, grade=None):
    """What the feedback shows for a question: the response, the feedback of its grading and
    the correct answer of the version it answered.

    `grade` is the grading.Grade of the answer just stored, as the answer form computed it
    (AnswerForm.clean): the answer view passes it on, so the page shows that grading and
    nothing grades the answer again. A stored response shows the feedback kept from its
    grading (Response.feedback_html); only a response stored before the feedback was kept
    (feedback_html is None) is graded again, to show it.
    """
    version = response.version if response else question.current_version
    correct = ""
    feedback = ""
    try:
        correct = grading.correct_display(question.type, version.spec)
        if grade is not None:
            feedback = grade.feedback_html
        elif response is not None and response.feedback_html is not None:
            feedback = response.feedback_html
        elif response is not None:  # stored before the feedback was kept
            feedback = grading.grade(question.type, version.spec, response.answer).feedback_html
    except (grading.InvalidAnswer, KeyError, ValueError):
        pass
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
        "correct_display": correct,
        "feedback_html": feedback,
        "percent": round(100 * response.score) if response else 0,
        # Matching's pairs, a multiple select's options: shown part by part when the type says.
        "answer_table": questiontypes.get(question.type).answer_table(
            version.spec, response.answer if response else None
        ),
    }


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
    charset = request.content_params.get("charset")
    if charset is not None:
        try:
            codecs.lookup(charset)
        except LookupError:  # no browser sends a charset that does not exist
            return 400
    if any("\ufffd" in value for values in request.POST.lists() for value in values[1]):
        return 400  # bytes that were not UTF-8: a browser encodes what the learner typed
    for errors in form.errors.as_data().values():
        if any(error.code in TAMPERED_CODES for error in errors):
            return 400
    return 200


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
TAMPERED_CODES = {"invalid_choice", "invalid_list", "max_length", "null_characters_not_allowed"}


def duration_text(duration):
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
        attempts = list(Attempt.objects.counted_at(request.user, quiz))
    for attempt in attempts:
        attempt.quiz = quiz
        attempt.duration_text = duration_text(attempt.duration)
        attempt.passed = attempt.percent is not None and attempt.percent >= quiz.pass_mark
    used = len(attempts)
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
        "attempts_left": quiz.attempts_left(used),
        "can_start": pool > 0 and quiz.may_start_another(used),
        "pools": pools,
    }


def quiz_page(request, course_slug, quiz_slug):
    quiz = _get_quiz(course_slug, quiz_slug)
    return render(request, "front/quiz.html", _quiz_context(request, quiz))


@require_POST
def start(request, course_slug, quiz_slug):
    """Start an attempt (or resume the open one): draw its questions with a fresh seed."""
    quiz = _get_quiz(course_slug, quiz_slug)
    if not request.user.is_authenticated:
        return htmx.login_redirect(request, quiz.get_absolute_url())
    context = _quiz_context(request, quiz)
    if context["open_attempt"] is not None:
        attempt = context["open_attempt"]
        if review.uses_review(attempt):  # drafts count as answered; all given: the review
            answered = {attempt.question_ids[slot - 1] for slot in attempt.answered_slots}
            slot = review.first_open_slot(attempt, answered)
            url = summary_url(attempt) if slot is None else attempt.question_url(slot)
            return htmx.redirect(request, url)
        return htmx.redirect(request, attempt.question_url(attempt.first_unanswered_slot() or 1))
    if not context["can_start"]:
        if context["question_count"] == 0:
            context["error"] = "This quiz has no questions yet."
            status = 409
        else:
            context["error"] = (
                f"You have used all {quiz.attempts_allowed} attempts allowed at this quiz."
            )
            status = 403
        return render(request, "front/quiz.html", context, status=status)
    attempt = start_attempt(user=request.user, quiz=quiz, pools=context["pools"])
    if attempt is None:  # a start at the same moment used the last attempt allowed
        context = _quiz_context(request, quiz)
        context["error"] = (
            f"You have used all {quiz.attempts_allowed} attempts allowed at this quiz."
        )
        return render(request, "front/quiz.html", context, status=403)
    return htmx.redirect(request, attempt.question_url(1))


# --- one question at a time ------------------------------------------------------------------


def question_context(attempt, question, slot, *, response=None, grade=None, form=None, error=None):
    """The question page's context; with `response` (and the `grade` it was just stored
    with, if this request graded it), its result."""
    context = {
        "course": attempt.quiz.course,
        "quiz": attempt.quiz,
        "attempt": attempt,
        "question": question,
        "version": response.version if response else question.current_version,
        "slot": slot,
        "total": len(attempt.question_ids),
        "is_last": slot == len(attempt.question_ids),
        "next_url": next_url_for(attempt, slot),
        "answer_url": reverse(
            "quizzes:answer",
            args=[attempt.quiz.course.slug, attempt.quiz.slug, attempt.pk, slot],
        ),
        "form": form,
        "error": error,
        "response": response,
        "show_feedback": _shows_feedback(attempt),
        "result": question_result(question, response, grade) if response else None,
    }
    if response is None and form is None and attempt.finished_at is None:
        context["form"] = AnswerForm(
            attempt=attempt, question=question, version=question.current_version
        )
    if response is None and attempt.finished_at is not None:
        context["result"] = question_result(question, None)  # finished without answering it
    return context


def render_question(request, context, status=200):
    """The question page, or only its answer area for htmx."""
    template = "front/question.html#answer" if request.htmx else "front/question.html"
    return render(request, template, context, status=status)


# --- answering, finishing, the summary ----------------------------------------------------

FINISHED_ERROR = "This attempt is finished: answers can no longer be changed."


def _with_completion(context, attempt, response):
    """Celebrate on the page of the answer that completed the course. An answer just stored
    says so itself (record_answer's `completed_course`); a stored one is looked up, only if it
    reached Proficient (progress.moments)."""
    if response is not None and context["show_feedback"]:
        completed = response.completed_course
        if completed is None:
            completed = completed_course_with(attempt.user_id, attempt.quiz.course, [response])
        context["course_completed"] = completed
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
    return render(request, "front/question.html", context)


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


def _after_answer(request, attempt, question, slot, response, grade=None):
    """The page after an answer: the feedback (htmx), the question page again (a plain
    post), or the next question (feedback at the end). `grade` is the form's grading of
    the answer when this request stored it, shown as it is."""
    if not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END:
        # Feedback at the end: just move on (to the summary after the last question).
        return htmx.redirect(request, next_url_for(attempt, slot))
    if request.htmx:
        context = question_context(attempt, question, slot, response=response, grade=grade)
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
        return htmx.swap_main(
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
        return _after_answer(request, attempt, question, slot, response)  # its own grading
    return _after_answer(request, attempt, question, slot, response, form.grade)


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
    return htmx.redirect(request, summary_url(attempt))


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
        return render(request, "front/summary.html", context)
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
    return render(request, "front/summary.html", context)


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
