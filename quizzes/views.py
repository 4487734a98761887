"""Taking a quiz: the start page and what every page of an attempt shares.

The question page, answering, finishing and the summary also update or show the learner's
mastery and course completion, so they are served by progress/quiz_views.py, which uses the
helpers below (the access check, the question of a slot, the question page's context). One
view serves a page and its htmx fragment: an htmx answer gets the feedback swapped in place
("quizzes/question.html#answer").
"""

import codecs
from datetime import timedelta

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseLocation

from quizzes import grading, questiontypes, review
from quizzes.attempt_start import start_attempt
from quizzes.content_cache import course_content
from quizzes.forms import AnswerForm
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


def htmx_redirect(request, url):
    """Redirect a plain request; tell htmx to load the page instead of swapping it."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def move_on(request, url):
    """On to the next question (or the review page): with htmx, its main content is fetched
    and swapped in, and the URL pushed, without reloading the page and its assets."""
    if not request.htmx:
        return redirect(url)
    return HttpResponseLocation(  # htmx takes swap modifiers, which the stub's Literal lacks
        url,
        target="#main",
        select="#main",
        swap="outerHTML show:window:top",  # type: ignore[arg-type]
    )


def _shows_feedback(attempt):
    return (
        attempt.is_practice  # practice always gives feedback at once
        or attempt.quiz.feedback_mode == FeedbackMode.IMMEDIATE
        or attempt.finished_at is not None
    )


def question_result(question, response):
    """What the feedback shows for a question: the stored response with the feedback kept from
    its grading (a stored answer is never graded again on view; only answers stored before
    the feedback was kept are), and the correct answer of the version it answered.
    """
    version = response.version if response else question.current_version
    correct = ""
    feedback = ""
    try:
        correct = grading.correct_display(question.type, version.spec)
        if response is not None and response.feedback_html is not None:
            feedback = response.feedback_html
        elif response is not None:
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
        if review.uses_review(attempt):  # drafts count as answered; all given: the review
            answered = {attempt.question_ids[slot - 1] for slot in attempt.answered_slots}
            slot = review.first_open_slot(attempt, answered)
            url = summary_url(attempt) if slot is None else attempt.question_url(slot)
            return htmx_redirect(request, url)
        return htmx_redirect(request, attempt.question_url(attempt.first_unanswered_slot() or 1))
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
    return htmx_redirect(request, attempt.question_url(1))


# --- one question at a time ------------------------------------------------------------------


def question_context(attempt, question, slot, *, response=None, form=None, error=None):
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
        "result": question_result(question, response) if response else None,
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
    template = "quizzes/question.html#answer" if request.htmx else "quizzes/question.html"
    return render(request, template, context, status=status)
