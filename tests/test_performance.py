"""The performance design: the signed-in user from the shared cache with Django's session
check, the merged response-headers middleware, the attempt's own state, the content cache
(renewed on import in every worker)."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lib.cache import CONTENT_VERSION_KEY
from progress import masterytally
from progress.models import Mastery
from quizzes import content_cache
from quizzes.models import Attempt, Question, QuestionVersion
from tests.factories import make_question, make_quiz, make_user
from tests.quiz_helpers import answer_url, finish_url, post_data, slot_url, start_url

PASSWORD = "correct horse battery staple"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(course):
    return course.objectives.get(key="objective-1")


@pytest.fixture
def quiz(course, objective):
    for _ in range(6):
        make_question(course, objective)
    return make_quiz(course, objective, questions_per_attempt=3)


def start(client, quiz):
    client.post(start_url(quiz))
    return Attempt.objects.filter(quiz=quiz).latest("started_at")


# --- who is asking ----------------------------------------------------------------------------


def signed_in(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_a_password_change_logs_the_other_sessions_out(course):
    user = make_user("grace", password=PASSWORD)
    here, elsewhere = signed_in(user), signed_in(user)
    assert elsewhere.get("/accounts/settings/").status_code == 200  # its user now cached
    response = here.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another sturdy passphrase",
            "new_password2": "another sturdy passphrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/accounts/settings/").status_code == 200  # kept by update_session_auth_hash
    assert elsewhere.get("/accounts/settings/").status_code == 302  # logged out


@pytest.mark.django_db
def test_a_deactivated_learner_is_signed_out_on_the_next_request(course):
    user = make_user("alan", password=PASSWORD)
    client = signed_in(user)
    assert client.get("/accounts/settings/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/accounts/settings/").status_code == 302


@pytest.mark.django_db
def test_the_signed_in_user_is_read_once_then_from_the_cache(course):
    user = make_user("ada", password=PASSWORD)
    client = signed_in(user)
    client.get("/accounts/settings/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/settings/").context["user"] == user
    assert not any('"auth_user"' in q["sql"] for q in queries.captured_queries)
    get_user_model().objects.filter(pk=user.pk).delete()
    assert client.get("/accounts/settings/").status_code == 302


# --- the merged response-headers middleware -----------------------------------------------------


@pytest.mark.django_db
def test_every_response_has_the_policy_and_frame_headers(client, learner_client, course, settings):
    from django.utils.csp import build_policy

    for response in (
        client.get("/"),
        client.get(course.get_absolute_url()),
        learner_client.get("/accounts/settings/"),
        client.get("/no-such-page/"),
    ):
        assert response["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
        assert response["X-Frame-Options"] == "DENY"
        # exactly str, as WSGI servers require (wsgiref refuses a StrEnum header name)
        assert all(type(name) is str for name in response.headers)
    settings.SECURE_CSP = {"default-src": ["'self'"]}
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'self'"


@pytest.mark.django_db
def test_htmx_requests_are_recognised(learner_client, quiz):
    attempt = start(learner_client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])
    page = learner_client.post(answer_url(attempt, 1), post_data(attempt, question), **HX)
    assert page.status_code == 200 and "<html" not in page.content.decode()  # the fragment


# --- the attempt's own state ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_attempt_keeps_its_answered_slots_count_and_score(learner_client, quiz):
    attempt = start(learner_client, quiz)
    questions = Question.objects.in_bulk(attempt.question_ids)
    for slot, right in ((2, True), (1, False)):
        question = questions[attempt.question_ids[slot - 1]]
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question, correct=right))
    attempt.refresh_from_db()
    assert attempt.answered_slots == [2, 1]
    assert attempt.answered_count == 2
    assert attempt.score_so_far == 1.0
    assert attempt.finished_at is None
    assert attempt.is_answered(2) and not attempt.is_answered(3)
    question = questions[attempt.question_ids[2]]
    learner_client.post(answer_url(attempt, 3), post_data(attempt, question))
    attempt.refresh_from_db()
    assert attempt.finished_at is not None and attempt.score == 2.0 and attempt.max_score == 3
    assert attempt.answered_count == 3


@pytest.mark.django_db
def test_finishing_early_scores_the_answers_in_the_state(learner_client, quiz):
    attempt = start(learner_client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[1])
    learner_client.post(answer_url(attempt, 2), post_data(attempt, question))
    learner_client.post(finish_url(attempt))
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert (attempt.score, attempt.max_score, attempt.answered_slots) == (1.0, 3, [2])


@pytest.mark.django_db
def test_the_migration_fills_the_state_in_from_the_responses(learner_client, quiz):
    from django.apps import apps

    attempt = start(learner_client, quiz)
    questions = Question.objects.in_bulk(attempt.question_ids)
    for slot in (3, 1):
        question = questions[attempt.question_ids[slot - 1]]
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    Attempt.objects.update(answered_slots=[], answered_count=0, score_so_far=0)
    migration = importlib.import_module("quizzes.migrations.0005_attempt_state")
    migration.backfill(apps, None)
    attempt.refresh_from_db()
    assert (attempt.answered_slots, attempt.answered_count, attempt.score_so_far) == (
        [3, 1], 2, 2.0,
    )  # fmt: skip


# --- the content cache --------------------------------------------------------------------------

CONTENT_TABLES = (
    "courses_course", "courses_objective", "courses_lesson", "quizzes_quiz",
    "quizzes_question", "quizzes_questionversion",
)  # fmt: skip


def tables_read(queries):
    return {t for q in queries for t in CONTENT_TABLES + ("auth_user",) if f'"{t}"' in q["sql"]}


def new_version(question, prompt):
    """A new current version written the way another process's import would be seen here:
    no signal in this process (a queryset update)."""
    current = question.current_version
    [version] = QuestionVersion.objects.bulk_create([QuestionVersion(
        question=question, number=current.number + 1, prompt_html=f"<p>{prompt}</p>",
        explanation_html=current.explanation_html, spec=current.spec, content_hash="new",
    )])  # fmt: skip
    Question.objects.filter(pk=question.pk).update(current_version=version)


@pytest.mark.django_db
def test_the_question_page_and_the_answer_read_no_content_rows_and_no_user_row(
    learner_client, quiz
):
    attempt = start(learner_client, quiz)
    learner_client.get(slot_url(attempt, 1))  # warm the caches
    with CaptureQueriesContext(connection) as page:
        assert learner_client.get(slot_url(attempt, 2)).status_code == 200
    data = post_data(attempt, Question.objects.get(pk=attempt.question_ids[0]))
    with CaptureQueriesContext(connection) as post:
        response = learner_client.post(answer_url(attempt, 1), data, **HX)
        assert response.status_code == 200
    assert tables_read(page.captured_queries) == set()
    assert tables_read(post.captured_queries) == set()


@pytest.mark.django_db(transaction=True)
def test_the_answer_makes_six_queries_and_one_on_a_level_change_outside_a_transaction(
    learner_client, quiz
):
    """As in production: no test transaction around the request, so record_answer's atomic
    block is a real transaction, not a savepoint pair."""
    attempt = start(learner_client, quiz)
    questions = Question.objects.in_bulk(attempt.question_ids)
    first, second = (questions[attempt.question_ids[i]] for i in (0, 1))
    masterytally.rebuild(quiz.course_id)  # the class mastery counts, as after any report
    learner_client.post(answer_url(attempt, 1), post_data(attempt, first), **HX)
    data = post_data(attempt, second)
    before = Mastery.objects.get().level
    with CaptureQueriesContext(connection) as post:
        learner_client.post(answer_url(attempt, 2), data, **HX)
    # the attempt; the attempt row locked with its state; the mastery row locked; insert the
    # response; update the mastery row; update the attempt's state; and around the last five
    # the transaction's BEGIN (BEGIN IMMEDIATE on SQLite) and COMMIT, which Django logs too.
    # An answer that changes the row's level (or stuck state) adds one UPDATE of the class
    # mastery counts (progress.masterytally); this one does (Attempted to Familiar).
    statements = [q["sql"] for q in post.captured_queries]
    assert statements.pop(1) in ("BEGIN", "BEGIN IMMEDIATE") and statements.pop() == "COMMIT"
    assert Mastery.objects.get().level != before
    assert len(statements) == 6 + 1, statements
    assert sum('"progress_masterytally"' in sql for sql in statements) == 1


@pytest.mark.django_db
def test_another_workers_reimport_shows_on_the_next_request(learner_client, quiz):
    attempt = start(learner_client, quiz)
    url = slot_url(attempt, 1)
    question = Question.objects.get(pk=attempt.question_ids[0])
    assert "Prompt after the import" not in learner_client.get(url).content.decode()
    new_version(question, "Prompt after the import")
    # This process still has the old content: nothing here told it (the page read no rows).
    assert "Prompt after the import" not in learner_client.get(url).content.decode()
    # What another worker's import does once its transaction commits: renew the shared
    # version (here, as another process would, in the shared cache only).
    caches["default"].set(CONTENT_VERSION_KEY, "another-workers-version", None)
    assert "Prompt after the import" in learner_client.get(url).content.decode()


@pytest.mark.django_db
def test_a_save_in_this_process_empties_its_copy_at_once(learner_client, quiz):
    attempt = start(learner_client, quiz)
    url = slot_url(attempt, 1)
    learner_client.get(url)
    quiz.title = "A retitled quiz"
    quiz.save()  # no commit in this test's transaction, so no renewal: the save itself counts
    assert "A retitled quiz" in learner_client.get(url).content.decode()


@pytest.mark.django_db
def test_a_reimport_renews_the_content_on_commit(
    learner_client, quiz, django_capture_on_commit_callbacks
):
    attempt = start(learner_client, quiz)
    learner_client.get(slot_url(attempt, 1))
    before = content_cache.course_content(quiz.course.slug)
    with django_capture_on_commit_callbacks(execute=True):
        quiz.course.imported_at = timezone.now()
        quiz.course.save(update_fields=["imported_at"])
    after = content_cache.course_content(quiz.course.slug)
    assert after is not before and after.version != before.version


@pytest.mark.django_db
def test_question_versions_are_kept_by_id(quiz):
    version = QuestionVersion.objects.first()
    first = content_cache.question_version(version.pk)
    with CaptureQueriesContext(connection) as queries:
        assert content_cache.question_version(version.pk) is first
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_retired_course_or_another_quizs_url_is_a_404(learner_client, quiz, course):
    attempt = start(learner_client, quiz)
    other = make_quiz(course, course.objectives.get(key="objective-2"))
    wrong = reverse("quizzes:question", args=[course.slug, other.slug, attempt.pk, 1])
    assert learner_client.get(wrong).status_code == 404
    course.retired = True
    course.save()
    assert learner_client.get(slot_url(attempt, 1)).status_code == 404


# --- the learner's standing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_progress_page_is_kept_until_the_learners_next_answer(learner_client, quiz):
    url = reverse("progress:progress", args=[quiz.course.slug])
    learner_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        before = learner_client.get(url).content.decode()
    assert len(queries) == 0
    attempt = start(learner_client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])
    learner_client.post(answer_url(attempt, 1), post_data(attempt, question))
    prompt = question.current_version.prompt_html.removeprefix("<p>").removesuffix("</p>")
    after = learner_client.get(url).content.decode()
    assert prompt not in before and prompt in after
    # another learner's answer leaves this learner's standing cached
    other = Client()
    other.force_login(make_user())
    attempt = start(other, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])
    other.post(answer_url(attempt, 1), post_data(attempt, question))
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(url)
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_completed_lesson_drops_the_standing(learner_client, course):
    url = reverse("progress:progress", args=[course.slug])
    lesson = course.lessons.order_by("position").first()
    before = learner_client.get(url).context["progress"].lessons_done
    learner_client.post(reverse("courses:complete", args=[course.slug, lesson.slug]))
    assert learner_client.get(url).context["progress"].lessons_done == before + 1
