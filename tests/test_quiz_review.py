"""The review step of a quiz with feedback at the end (quizzes/review.py): answers are drafts
until submitted, can be changed on the way, and are graded together on submission."""

import pytest

from progress.models import Mastery
from quizzes.models import Attempt, FeedbackMode, Response
from tests.factories import make_question, make_quiz
from tests.quiz_helpers import (
    ALL_TYPES,
    answer_url,
    finish_url,
    post_data,
    slot_url,
    start_url,
    summary_url,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(course):
    return course.objectives.get(key="objective-1")


@pytest.fixture
def questions(course, objective):
    return {t: make_question(course, objective, type=t) for t in ALL_TYPES}


@pytest.fixture
def attempt(learner_client, course, objective, questions):
    quiz = make_quiz(course, objective, questions_per_attempt=3, feedback_mode=FeedbackMode.END)
    learner_client.post(start_url(quiz))
    return Attempt.objects.get()


def question_at(attempt, slot, questions):
    return next(q for q in questions.values() if q.pk == attempt.question_ids[slot - 1])


@pytest.mark.django_db
def test_answers_are_drafts_shown_again_and_changeable(learner_client, attempt, questions):
    first = question_at(attempt, 1, questions)
    response = learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    assert response["Location"] == slot_url(attempt, 2)
    assert not Response.objects.exists() and not Mastery.objects.exists()
    page = learner_client.get(slot_url(attempt, 1)).content.decode()
    assert "You can change it until you submit the test" in page
    assert "Save my change" in page
    assert " checked" in page or " selected" in page or 'value="' in page
    # Changed to a wrong answer: the draft is replaced, still nothing graded.
    wrong = post_data(attempt, first, correct=False)
    learner_client.post(answer_url(attempt, 1), wrong, **HX)
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_last_answer_leads_to_the_review_page_not_the_results(
    learner_client, attempt, questions
):
    for slot in (1, 2):
        question = question_at(attempt, slot, questions)
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    page = learner_client.get(summary_url(attempt)).content.decode()
    assert "Review your answers" in page
    assert "You have answered 2 of 3 questions" in page
    assert "Not answered" in page
    assert page.count("Change<span") == 2 and "Answer<span" in page
    assert "Correct answer" not in page and "%" not in page.split("<main")[1].split("</main>")[0]
    attempt.refresh_from_db()
    assert attempt.finished_at is None


@pytest.mark.django_db
def test_submitting_grades_every_draft_and_finishes(learner_client, attempt, questions):
    for slot in (1, 2, 3):
        question = question_at(attempt, slot, questions)
        learner_client.post(
            answer_url(attempt, slot), post_data(attempt, question, correct=slot != 3)
        )
    response = learner_client.post(finish_url(attempt))
    assert response["Location"] == summary_url(attempt)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert Response.objects.count() == 3
    assert attempt.score == pytest.approx(2.0)
    assert Mastery.objects.exists()
    assert "67%" in learner_client.get(summary_url(attempt)).content.decode()
    # A second submission (another tab) changes nothing.
    learner_client.post(finish_url(attempt))
    assert Response.objects.count() == 3


@pytest.mark.django_db
def test_an_empty_answer_is_still_refused_in_place(learner_client, attempt):
    response = learner_client.post(answer_url(attempt, 1), {}, **HX)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not attempt.drafts.exists()


@pytest.mark.django_db
def test_starting_again_resumes_after_the_drafts_then_at_the_review(
    learner_client, attempt, questions
):
    first = question_at(attempt, 1, questions)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    response = learner_client.post(start_url(attempt.quiz))
    assert response["Location"] == slot_url(attempt, 2)
    for slot in (2, 3):
        question = question_at(attempt, slot, questions)
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    response = learner_client.post(start_url(attempt.quiz))
    assert response["Location"] == summary_url(attempt)


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_change_from_the_review_page_returns_to_the_review(
    learner_client, attempt, questions, htmx
):
    for slot in (1, 2, 3):
        question = question_at(attempt, slot, questions)
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    review = learner_client.get(summary_url(attempt)).content.decode()
    change = f"{slot_url(attempt, 2)}?from=review"
    assert f'href="{change}"' in review
    page = learner_client.get(change).content.decode()
    assert '<input type="hidden" name="then" value="review">' in page
    second = question_at(attempt, 2, questions)
    data = {**post_data(attempt, second, correct=False), "then": "review"}
    response = learner_client.post(answer_url(attempt, 2), data, **(HX if htmx else {}))
    where = response["HX-Location"] if htmx else response["Location"]
    assert summary_url(attempt) in where and slot_url(attempt, 3) not in where
    # The change is kept, and the hidden field is not part of the draft.
    assert not Response.objects.exists()
    learner_client.post(finish_url(attempt))
    assert Response.objects.get(question=second).score < 1


@pytest.mark.django_db
def test_an_invalid_change_keeps_the_way_back_to_the_review(learner_client, attempt):
    response = learner_client.post(answer_url(attempt, 2), {"then": "review"})
    assert response.status_code == 200  # an empty answer is shown again with its error
    assert '<input type="hidden" name="then" value="review">' in response.content.decode()


@pytest.mark.django_db
def test_course_test_questions_link_to_their_neighbours_without_saving(learner_client, attempt):
    page = learner_client.get(slot_url(attempt, 2)).content.decode()
    assert f'href="{slot_url(attempt, 1)}" rel="prev"' in page
    assert f'href="{slot_url(attempt, 3)}" rel="next"' in page
    first = learner_client.get(slot_url(attempt, 1)).content.decode()
    assert 'rel="prev"' not in first and f'href="{slot_url(attempt, 2)}" rel="next"' in first
    last = learner_client.get(slot_url(attempt, 3)).content.decode()
    assert 'rel="next"' not in last
