"""Course-test drafts (quizzes/review.py) live on the server, on the attempt: only the answer
form's own fields, bounded in size, surviving a logout and shown on a second device; nothing of
them in the session."""

import random
import string

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from quizzes import review
from quizzes.models import Attempt, AttemptDraft, FeedbackMode, Response
from tests.factories import PASSWORD, make_question, make_quiz
from tests.quiz_helpers import answer_url, finish_url, post_data, slot_url, start_url, summary_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_attempt(course, objective, learner):
    text = make_question(course, objective, type="text")
    single = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective, questions_per_attempt=2, feedback_mode=FeedbackMode.END)
    client = Client()
    assert client.login(username=learner.username, password=PASSWORD)
    client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    return client, attempt, {q.pk: q for q in (text, single)}


def slot_of(attempt, questions, qtype):
    return next(
        slot for slot, qid in enumerate(attempt.question_ids, 1) if questions[qid].type == qtype
    )


def test_900_stray_fields_are_not_kept(test_attempt):
    """The probe's bloat: 900 random fields of 2,400 characters beside the answer."""
    client, attempt, questions = test_attempt
    rng = random.Random(7)
    junk = {"".join(rng.choices(string.ascii_lowercase, k=12)): "x" * 2400 for _ in range(900)}
    slot = slot_of(attempt, questions, "text")
    response = client.post(answer_url(attempt, slot), {"text": "Wang", **junk})
    assert response.status_code == 302
    draft = AttemptDraft.objects.get(attempt=attempt, slot=slot)
    assert draft.data == {"text": ["Wang"]}
    session = Session.objects.get().get_decoded()
    assert len(str(session)) < 1000 and "quiz-drafts" not in session


def test_a_draft_survives_logout_and_shows_on_a_second_device(test_attempt, learner):
    client, attempt, questions = test_attempt
    slot = slot_of(attempt, questions, "text")
    client.post(answer_url(attempt, slot), {"text": "Alexandr Wang"})
    client.post("/accounts/logout/")
    other = Client()
    assert other.login(username=learner.username, password=PASSWORD)
    page = other.get(slot_url(attempt, slot)).content.decode()
    assert 'value="Alexandr Wang"' in page
    review_page = other.get(summary_url(attempt)).content.decode()
    assert "Alexandr Wang" in review_page and "You have answered 1 of 2" in review_page
    # Answered on the second device, submitted there: both drafts graded, then gone.
    single = slot_of(attempt, questions, "single")
    data = post_data(attempt, questions[attempt.question_ids[single - 1]])
    other.post(answer_url(attempt, single), data)
    assert other.post(finish_url(attempt)).status_code == 302
    assert sorted(Response.objects.values_list("score", flat=True)) == [1.0, 1.0]
    assert not AttemptDraft.objects.exists()


def test_a_draft_over_the_size_bound_is_refused_with_a_message(test_attempt, monkeypatch):
    client, attempt, questions = test_attempt
    monkeypatch.setattr(review, "MAX_DRAFT_BYTES", 20)
    slot = slot_of(attempt, questions, "text")
    response = client.post(answer_url(attempt, slot), {"text": "a rather long answer here"})
    assert response.status_code == 413
    assert "too large to keep" in response.content.decode()
    assert not AttemptDraft.objects.exists()


def test_the_review_page_grades_no_draft(test_attempt, monkeypatch):
    client, attempt, questions = test_attempt
    client.post(answer_url(attempt, slot_of(attempt, questions, "text")), {"text": "Wang"})
    from quizzes import grading

    def refuse(*args, **kwargs):
        raise AssertionError("graded on view")

    monkeypatch.setattr(grading, "grade", refuse)
    assert "Wang" in client.get(summary_url(attempt)).content.decode()


def test_drafts_an_earlier_version_kept_in_the_session_move_onto_the_attempt(test_attempt):
    """After the upgrade, a learner's open course test keeps the drafts the session held:
    moved to the attempt once (only the form's fields), then gone from the session."""
    client, attempt, questions = test_attempt
    slot = slot_of(attempt, questions, "text")
    session = client.session
    session[review.LEGACY_SESSION_KEY] = {
        str(attempt.pk): {str(slot): {"text": ["Wang"], "junk": ["x" * 2400]}, "99": {}},
        "12345": {"1": {"text": ["someone else's"]}},
    }
    session.save()
    page = client.get(slot_url(attempt, slot)).content.decode()
    assert 'value="Wang"' in page
    assert AttemptDraft.objects.get(attempt=attempt, slot=slot).data == {"text": ["Wang"]}
    assert AttemptDraft.objects.count() == 1
    assert str(attempt.pk) not in client.session[review.LEGACY_SESSION_KEY]
    assert "Wang" in client.get(summary_url(attempt)).content.decode()
