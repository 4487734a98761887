"""Taking a quiz through the test client: start, answer one question at a time (with and
without htmx), feedback, the summary, feedback at the end, and the pages' query counts."""

import json
import re

import pytest
from django.urls import reverse

from progress import itemtally, masterytally
from progress.models import Mastery
from quizzes.models import Attempt, FeedbackMode, Response
from tests.factories import make_question, make_quiz, make_user
from tests.quiz_helpers import (
    answer_url,
    finish_url,
    post_data,
    quiz_url,
    slot_url,
    start_url,
    summary_url,
)

HX = {"HTTP_HX_REQUEST": "true"}


def start(client, quiz):
    response = client.post(start_url(quiz))
    attempt = Attempt.objects.filter(quiz=quiz).latest("started_at")
    assert response.status_code == 302
    assert response["Location"] == slot_url(attempt, 1)
    return attempt


def question_in(attempt, slot, questions):
    return next(q for q in questions if q.pk == attempt.question_ids[slot - 1])


@pytest.mark.django_db
def test_anonymous_visitors_see_the_quiz_and_a_log_in_link(client, quiz):
    body = client.get(quiz_url(quiz)).content.decode()
    assert quiz.title in body and "Objective 1" in body
    assert "Pass mark</dt><dd>80%" in body
    assert "Questions</dt><dd>6" in body
    assert f"/accounts/login/?next={quiz_url(quiz)}" in body
    assert start_url(quiz) not in body


@pytest.mark.django_db
def test_starting_needs_a_log_in(client, quiz):
    response = client.post(start_url(quiz))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Attempt.objects.exists()


@pytest.mark.django_db
def test_start_draws_from_the_objectives_active_questions_only(learner_client, course, objective):
    mine = [make_question(course, objective) for _ in range(7)]
    make_question(course, objective, retired=True)
    make_question(course, course.objectives.get(key="objective-2"))
    quiz = make_quiz(course, objective)  # 5 per attempt
    attempt = start(learner_client, quiz)
    assert len(attempt.question_ids) == 5
    assert len(set(attempt.question_ids)) == 5
    assert set(attempt.question_ids) <= {q.pk for q in mine}
    assert attempt.finished_at is None


@pytest.mark.django_db
def test_the_course_test_mixes_every_objective(learner_client, course):
    first, second = course.objectives.order_by("position")
    ids = {
        first.pk: {make_question(course, first).pk for _ in range(6)},
        second.pk: {make_question(course, second).pk for _ in range(6)},
    }
    quiz = make_quiz(course, questions_per_attempt=6)
    attempt = start(learner_client, quiz)
    assert len(set(attempt.question_ids) & ids[first.pk]) == 3
    assert len(set(attempt.question_ids) & ids[second.pk]) == 3
    body = learner_client.get(quiz_url(quiz)).content.decode()
    assert "Objective 1" in body and "Objective 2" in body


@pytest.mark.django_db
def test_full_quiz_without_javascript_posts_redirects_and_shows_the_stored_result(
    learner_client, learner, quiz, questions
):
    attempt = start(learner_client, quiz)
    for slot in range(1, 7):
        question = question_in(attempt, slot, questions)
        page = learner_client.get(slot_url(attempt, slot)).content.decode()
        assert f"Question {slot} of 6" in page
        assert question.current_version.prompt_html in page
        assert 'aria-live="polite"' in page
        assert f'action="{answer_url(attempt, slot)}"' in page
        assert f'hx-post="{answer_url(attempt, slot)}"' in page
        response = learner_client.post(
            answer_url(attempt, slot), post_data(attempt, question, correct=slot != 2)
        )
        assert response.status_code == 302
        assert response["Location"] == slot_url(attempt, slot)
        page = learner_client.get(response["Location"]).content.decode()
        assert ("Not quite" if slot == 2 else "✓</span> Correct") in page
        assert question.current_version.explanation_html in page
        assert f'href="{question.source_url()}">Review this in the lesson' in page
        assert "/lessons/lesson-1/#main" in question.source_url()
        assert "<form" not in page.split('id="answer"')[1]  # no second chance to answer
        expected_next = summary_url(attempt) if slot == 6 else slot_url(attempt, slot + 1)
        assert f'href="{expected_next}"' in page
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert attempt.score == 5 and attempt.max_score == 6
    assert Response.objects.filter(attempt=attempt, user=learner).count() == 6
    assert Mastery.objects.get(user=learner).counted_answers == 6

    summary = learner_client.get(summary_url(attempt)).content.decode()
    assert "83%" in summary and "5 out of 6" in summary
    assert "Passed" in summary and "pass mark 80%" in summary
    assert "Time taken:" in summary
    assert summary.count("Review this in the lesson") == 6
    assert summary.count("Correct answer") == 6
    assert f'action="{start_url(quiz)}"' in summary and ">Retry<" in summary
    assert f'href="{slot_url(attempt, 1)}"' in summary
    assert "Your mastery" in summary


@pytest.mark.django_db
def test_full_quiz_with_htmx_swaps_the_feedback_in_place(learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    for slot in range(1, 7):
        question = question_in(attempt, slot, questions)
        response = learner_client.post(
            answer_url(attempt, slot), post_data(attempt, question, correct=slot > 2), **HX
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body and "<form" not in body
        assert "data-autofocus" in body  # focus moves to the result (static/js/app.js)
        assert question.current_version.explanation_html in body
        assert "Review this in the lesson" in body
        assert "Correct answer" in body
        if slot < 6:
            assert f'href="{slot_url(attempt, slot + 1)}">Next question' in body
        else:
            assert f'href="{summary_url(attempt)}">See your results' in body
    attempt.refresh_from_db()
    assert attempt.score == 4 and attempt.finished_at is not None
    assert "Not passed" in learner_client.get(summary_url(attempt)).content.decode()


@pytest.mark.django_db
def test_a_wrong_choice_shows_its_feedback_and_the_correct_answer(
    learner_client, course, objective
):
    question = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective)
    attempt = start(learner_client, quiz)
    data = post_data(attempt, question, correct=False)  # option "b": 17 billion
    body = learner_client.post(answer_url(attempt, 1), data, **HX).content.decode()
    assert "Not quite" in body
    assert "<dt>Your answer</dt><dd>17 billion</dd>" in body
    assert "<dt>Correct answer</dt><dd>400 billion</dd>" in body
    assert "<p>Not 17 billion: think again.</p>" in body


@pytest.mark.django_db
def test_partial_credit_is_shown_as_partly_correct(learner_client, course, objective):
    question = make_question(course, objective, type="multiple")
    quiz = make_quiz(course, objective)
    attempt = start(learner_client, quiz)
    from quizzes.forms import AnswerForm

    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    token_a = next(t for t, key in form.option_keys.items() if key == "a")
    body = learner_client.post(answer_url(attempt, 1), {"choice": [token_a]}, **HX)
    assert "Partly correct (50%)" in body.content.decode()
    assert Response.objects.get().score == 0.5


@pytest.mark.django_db
def test_feedback_at_the_end_moves_on_and_shows_everything_in_the_summary(
    learner_client, course, objective, questions
):
    quiz = make_quiz(course, objective, questions_per_attempt=3, feedback_mode=FeedbackMode.END)
    attempt = start(learner_client, quiz)
    first = question_in(attempt, 1, questions)
    response = learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    assert response["Location"] == slot_url(attempt, 2)
    page = learner_client.get(slot_url(attempt, 1)).content.decode()
    assert "Your answer is saved" in page
    assert "Correct answer" not in page and first.current_version.explanation_html not in page
    second = question_in(attempt, 2, questions)
    response = learner_client.post(answer_url(attempt, 2), post_data(attempt, second), **HX)
    assert response.status_code == 200
    assert json.loads(response["HX-Location"])["path"] == slot_url(attempt, 3)
    third = question_in(attempt, 3, questions)
    wrong = post_data(attempt, third, correct=False)
    response = learner_client.post(answer_url(attempt, 3), wrong)
    assert response["Location"] == summary_url(attempt)
    assert not Response.objects.exists()  # drafts until submitted: nothing graded yet
    review = learner_client.get(summary_url(attempt)).content.decode()
    assert "Review your answers" in review and "Submit my answers" in review
    assert "Correct answer" not in review
    learner_client.post(finish_url(attempt))
    summary = learner_client.get(summary_url(attempt)).content.decode()
    assert "67%" in summary and "Not passed" in summary
    assert summary.count("Correct answer") == 3
    for question in (first, second, third):
        assert question.current_version.explanation_html in summary
    # Once finished, the question pages show the feedback too (review).
    assert "✓</span> Correct" in learner_client.get(slot_url(attempt, 1)).content.decode()


@pytest.mark.django_db
def test_starting_again_resumes_the_open_attempt(learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    first = question_in(attempt, 1, questions)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    response = learner_client.post(start_url(quiz))
    assert response["Location"] == slot_url(attempt, 2)
    assert Attempt.objects.count() == 1
    assert "Continue your attempt" in learner_client.get(quiz_url(quiz)).content.decode()


@pytest.mark.django_db
def test_finishing_early_scores_unanswered_questions_zero(learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    first = question_in(attempt, 1, questions)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    progress = learner_client.get(summary_url(attempt)).content.decode()
    assert "You have answered 1 of 6" in progress
    assert "Correct answer" not in progress  # no answers before the attempt is finished
    response = learner_client.post(finish_url(attempt))
    assert response["Location"] == summary_url(attempt)
    attempt.refresh_from_db()
    assert attempt.score == 1 and attempt.max_score == 6
    summary = learner_client.get(summary_url(attempt)).content.decode()
    assert summary.count("Not answered") == 5
    assert summary.count("Correct answer") == 6
    assert "<dd>10,000,000 tokens</dd>" in summary  # the numeric question's answer
    assert "17%" in summary


@pytest.mark.django_db
def test_attempts_allowed_are_enforced(learner_client, course, objective):
    question = make_question(course, objective)
    quiz = make_quiz(course, objective, attempts_allowed=1)
    attempt = start(learner_client, quiz)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, question))
    page = learner_client.get(quiz_url(quiz)).content.decode()
    assert "1 used of 1 allowed" in page
    assert "You have used all the attempts" in page
    assert ">Retry<" not in learner_client.get(summary_url(attempt)).content.decode()
    response = learner_client.post(start_url(quiz))
    assert response.status_code == 403
    assert "You have used all 1 attempts allowed" in response.content.decode()
    assert Attempt.objects.count() == 1


@pytest.mark.django_db
def test_a_quiz_without_questions_cannot_start(learner_client, course, objective):
    quiz = make_quiz(course, objective)
    response = learner_client.post(start_url(quiz))
    assert response.status_code == 409
    assert "no questions yet" in response.content.decode()
    assert not Attempt.objects.exists()


@pytest.mark.django_db
def test_past_attempts_are_listed_on_the_quiz_page(learner_client, course, objective):
    question = make_question(course, objective)
    quiz = make_quiz(course, objective)
    attempt = start(learner_client, quiz)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, question))
    page = learner_client.get(quiz_url(quiz)).content.decode()
    assert "Your attempts" in page and "100%" in page and "Passed" in page
    assert f'href="{summary_url(attempt)}"' in page
    assert ">Try again<" in page


@pytest.mark.django_db
def test_course_home_and_lesson_link_each_objectives_quiz_and_the_course_test(
    client, course, objective
):
    quiz = make_quiz(course, objective)
    test = make_quiz(course)
    home = client.get(course.get_absolute_url()).content.decode()
    assert f'href="{quiz_url(quiz)}">Take the quiz' in home
    assert home.count("Take the quiz<") == 1  # objective-2 has no quiz
    assert f'href="{quiz_url(test)}">Take the course test' in home
    lesson = client.get(reverse("courses:lesson", args=[course.slug, "lesson-1"]))
    assert f'href="{quiz_url(quiz)}">Take the quiz' in lesson.content.decode()


@pytest.mark.django_db
def test_question_page_query_count(django_assert_num_queries, learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    url = slot_url(attempt, 1)
    learner_client.get(url)  # warm the session cache
    # the attempt (the user and the session from caches; the quiz, the question and its
    # version from the content cache); nothing answered (the attempt's state says so), so no
    # query for the response
    with django_assert_num_queries(1):
        assert learner_client.get(url).status_code == 200
    first = question_in(attempt, 1, questions)
    learner_client.post(answer_url(attempt, 1), post_data(attempt, first))
    with django_assert_num_queries(2):  # the same, then the stored response + version
        assert "Review this in the lesson" in learner_client.get(url).content.decode()


@pytest.mark.django_db
def test_answer_post_query_count(django_assert_num_queries, learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    learner_client.get(slot_url(attempt, 1))  # warm the session cache
    masterytally.rebuild(quiz.course_id)  # the class mastery counts, as after any report
    first, second = question_in(attempt, 1, questions), question_in(attempt, 2, questions)
    # the attempt (the quiz, the question and its pool size from the content cache);
    # savepoint (the test's transaction; none in production); attempt row for update, with
    # its state (finished? answered so far, score); mastery row for update, missing: insert
    # or ignore, select again; insert response; update mastery; the class mastery counts
    # (progress.masterytally), as the row is new: the course's row of the learner's shard
    # locked, whether the learner has a row on another objective, the course's learners + 1,
    # and the new level's count + 1; update the attempt's state; release savepoint
    with django_assert_num_queries(14):
        learner_client.post(answer_url(attempt, 1), post_data(attempt, first), **HX)
    # the same with the learner's mastery row already there: no insert, no second select;
    # the row went from Attempted to Familiar: one UPDATE of the class mastery counts
    with django_assert_num_queries(9):
        learner_client.post(answer_url(attempt, 2), post_data(attempt, second), **HX)
    assert Mastery.objects.get().level == 2
    assert Response.objects.count() == 2
    # (an answer that changes neither the level nor the stuck state touches no count: the
    # next test's answers 11 and 12)


@pytest.mark.django_db
def test_answer_post_query_count_does_not_grow_with_the_attempt(
    django_assert_num_queries, learner_client, course, objective
):
    questions = [make_question(course, objective) for _ in range(12)]
    quiz = make_quiz(course, objective, questions_per_attempt=12)
    masterytally.rebuild(course.pk)  # the class mastery counts, as after any report
    attempt = start(learner_client, quiz)
    for slot in range(1, 11):
        learner_client.post(
            answer_url(attempt, slot), post_data(attempt, question_in(attempt, slot, questions))
        )
    # as above, mastery row present (its level stays as it is: no class mastery count changes)
    level = Mastery.objects.get().level
    with django_assert_num_queries(8):
        learner_client.post(
            answer_url(attempt, 11), post_data(attempt, question_in(attempt, 11, questions))
        )
    assert Mastery.objects.get().level == level
    # the last answer also finishes the attempt, in the same update of its state, and adds it
    # to the quiz's item analysis sums: the sums (locked), the learner's other finished
    # attempts, this attempt's answers, the UPDATE of the sums (progress.itemtally)
    itemtally.rebuild(quiz.pk)
    with django_assert_num_queries(12):
        learner_client.post(
            answer_url(attempt, 12), post_data(attempt, question_in(attempt, 12, questions))
        )
    attempt.refresh_from_db()
    assert attempt.score == 12 and attempt.finished_at is not None


@pytest.mark.django_db
def test_summary_query_count(django_assert_num_queries, learner_client, quiz, questions):
    attempt = start(learner_client, quiz)
    for slot in range(1, 7):
        question = question_in(attempt, slot, questions)
        learner_client.post(answer_url(attempt, slot), post_data(attempt, question))
    # the attempt; its responses (+version); objectives with the level before the attempt
    # (subqueries); and, as an answer reached Proficient, whether it completed the course
    # (progress.moments). The user, the quiz and its questions come from caches. (A quiz with
    # a limit on attempts adds one: the attempts used, for Retry.)
    with django_assert_num_queries(4):
        assert learner_client.get(summary_url(attempt)).status_code == 200


@pytest.mark.django_db
def test_another_learners_answers_do_not_show_in_my_quiz_page(client, quiz, questions):
    other = make_user()
    client.force_login(other)
    start(client, quiz)
    me = make_user()
    client.force_login(me)
    page = client.get(quiz_url(quiz)).content.decode()
    assert "Your attempts" not in page
    assert re.search(r"0 used of", page)
