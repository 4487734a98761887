"""Every learner page is served by the front app, and an answer is graded once and walked
top-down: the view, then the form and its question type, then the service, then the template;
nothing calls back into view code."""

import sys

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from quizzes import questiontypes
from quizzes.models import Attempt
from tests.quiz_helpers import answer_url, post_data, start_url

HX = {"HTTP_HX_REQUEST": "true"}
LEARNER_NAMESPACES = ("courses", "quizzes", "progress")
DOMAIN_APPS = ("courses", "quizzes", "progress")


def _views(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _views(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def test_every_learner_page_is_served_by_the_front_app():
    views = dict(_views(get_resolver().url_patterns))
    learner = {
        name: view
        for name, view in views.items()
        if name.split(":")[0] in LEARNER_NAMESPACES or name == "accounts:my_progress"
    }
    assert len(learner) == 17  # 4 course pages, 6 of a quiz, 6 of progress, My progress
    for name, view in learner.items():
        module = getattr(view, "__module__", "")
        assert module.startswith("front.views."), f"{name} is served by {module}"


def test_the_domain_apps_have_no_view_modules():
    for app in DOMAIN_APPS:
        for name in ("views", "course_views", "quiz_views"):
            with pytest.raises(ModuleNotFoundError):
                __import__(f"{app}.{name}")


def start(client, quiz):
    client.post(start_url(quiz))
    return Attempt.objects.filter(quiz=quiz).latest("started_at")


@pytest.fixture
def grading_calls(monkeypatch):
    """Every grading of an answer, by any question type: (type name, the Grade returned)."""
    calls = []
    for question_type in questiontypes.all():

        def counted(spec, data, _grade=question_type.grade, _name=question_type.name):
            grade = _grade(spec, data)
            calls.append((_name, grade))
            return grade

        monkeypatch.setattr(question_type, "grade", counted)
    return calls


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_an_answer_is_graded_once_and_its_grade_is_what_the_page_shows(
    learner_client, quiz, questions, grading_calls, htmx
):
    attempt = start(learner_client, quiz)
    by_id = {question.pk: question for question in questions}
    headers = HX if htmx else {}
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = by_id[question_id]
        grading_calls.clear()
        data = post_data(attempt, question, correct=slot % 2 == 0)
        response = learner_client.post(answer_url(attempt, slot), data, **headers)
        assert response.status_code == (200 if htmx else 302)
        if not htmx:
            response = learner_client.get(response["Location"])
        assert [name for name, _ in grading_calls] == [question.type], question.type
        (_, grade) = grading_calls[0]
        page = response.content.decode()
        assert ("Not quite" if grade.score == 0 else "Correct") in page
        if grade.feedback_html and question.type != "multiple":  # multiple: per option
            assert grade.feedback_html in page
        # The same answer again (another tab): the first result, graded by nobody.
        grading_calls.clear()
        again = learner_client.post(answer_url(attempt, slot), data, **headers)
        assert again.status_code == (200 if htmx else 302)
        assert grading_calls == []


def _our_module(frame):
    name = frame.f_globals.get("__name__", "")
    root = name.split(".")[0]
    if root in {"front", "courses", "quizzes", "progress", "lib"}:
        return name
    return None


@pytest.mark.django_db
def test_the_answer_walk_enters_its_view_module_once_and_never_climbs_back(
    learner_client, quiz, questions
):
    """Traced: each call into one of our modules from another module is an entry. The view
    module is entered once (by Django's handler); no domain module calls a front function;
    the domain apps are entered only from below front (never front from them)."""
    attempt = start(learner_client, quiz)
    question = next(q for q in questions if q.pk == attempt.question_ids[0])
    data = post_data(attempt, question)
    entries = []

    def profile(frame, event, arg):
        if event != "call":
            return
        callee = _our_module(frame)
        if callee is None:
            return
        caller = frame.f_back
        while caller is not None and _our_module(caller) is None and caller.f_back is not None:
            if caller.f_globals.get("__name__", "").startswith("django.core.handlers"):
                break
            caller = caller.f_back
        origin = _our_module(caller) if caller is not None else None
        if origin != callee:
            entries.append((origin, callee))

    sys.setprofile(profile)
    try:
        response = learner_client.post(answer_url(attempt, 1), data, **HX)
    finally:
        sys.setprofile(None)
    assert response.status_code == 200
    view_entries = [(a, b) for a, b in entries if b.startswith("front.views")]
    assert view_entries == [(None, "front.views.quiz")]
    climbs = [(a, b) for a, b in entries if b.startswith("front") and a is not None]
    assert climbs == []
    entered = {callee.split(".")[0] for _, callee in entries}
    assert {"quizzes", "progress"} <= entered  # the form and its type, then the service


@pytest.mark.django_db
def test_my_progress_is_a_learner_page_under_the_accounts_name(learner_client, course):
    response = learner_client.get(reverse("accounts:my_progress"))
    assert response.status_code == 302  # one course: straight to its progress page
    assert response["Location"] == reverse("progress:progress", args=[course.slug])
    assert Client().get(reverse("accounts:my_progress")).status_code == 302  # to log in
