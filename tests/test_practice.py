import random

import pytest
from django.urls import reverse

from progress import mastery
from progress.models import Mastery
from progress.practice import (
    ObjectiveChoice,
    Seen,
    extend_practice,
    pick_question,
    seen_questions,
    start_practice,
    weakest_objective,
)
from quizzes.models import Attempt, Question
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user
from tests.quiz_helpers import answer_url, post_data

HOUR = DAY / 24
L = mastery.Level


# --- choosing the objective -------------------------------------------------------------


def choice(pk, level, *, due=False, estimate=0.5, position=0):
    return ObjectiveChoice(pk, level, due, estimate, position)


def test_weakest_is_the_lowest_level_first():
    choices = [
        choice(1, L.PROFICIENT, estimate=0.1),
        choice(2, L.ATTEMPTED, estimate=0.6),
        choice(3, L.MASTERED, due=True),
    ]
    assert weakest_objective(choices) == 2


def test_not_started_comes_before_attempted():
    assert weakest_objective([choice(1, L.ATTEMPTED), choice(2, L.NOT_STARTED)]) == 2


def test_a_review_due_comes_before_a_mastered_objective_not_due():
    choices = [
        choice(1, L.MASTERED, estimate=0.96),
        choice(2, L.MASTERED, due=True, estimate=0.99),
    ]
    assert weakest_objective(choices) == 2


def test_same_level_lower_estimate_then_course_order():
    assert (
        weakest_objective(
            [choice(1, L.FAMILIAR, estimate=0.7), choice(2, L.FAMILIAR, estimate=0.6)]
        )
        == 2
    )
    assert (
        weakest_objective([choice(5, L.FAMILIAR, position=1), choice(6, L.FAMILIAR, position=0)])
        == 6
    )


def test_no_objective_to_choose():
    assert weakest_objective([]) is None


# --- choosing the question --------------------------------------------------------------

NOW = T0 + 10 * DAY


def test_unseen_questions_come_before_seen_ones():
    seen = {1: Seen(NOW - 5 * DAY, 0.0), 2: Seen(NOW - 9 * DAY, 0.0)}
    picks = {pick_question([1, 2, 3, 4], seen, NOW, rng=random.Random(i)) for i in range(30)}
    assert picks == {3, 4}  # both unseen ones are drawn, never a seen one


def test_no_question_answered_within_a_day_while_others_remain():
    """A day is the mastery model's one rule, 20 hours: a question answered 19 h ago rests."""
    seen = {1: Seen(NOW - HOUR, 0.0), 2: Seen(NOW - 2 * DAY, 1.0), 3: Seen(NOW - 19 * HOUR, 0.0)}
    assert pick_question([1, 2, 3], seen, NOW) == 2


def test_a_recent_question_is_asked_when_no_other_remains():
    seen = {1: Seen(NOW - HOUR, 1.0), 2: Seen(NOW - 3 * HOUR, 1.0)}
    assert pick_question([1, 2], seen, NOW) == 2  # the least recently answered
    assert pick_question([1, 2, 3], seen, NOW, exclude={3}) == 2


def test_an_unseen_question_answered_never_is_always_rested():
    seen = {1: Seen(NOW - HOUR, 0.0)}
    assert pick_question([1, 2], seen, NOW) == 2


def test_seen_questions_missed_come_before_right_ones_then_oldest_first():
    seen = {
        1: Seen(NOW - 9 * DAY, 1.0),
        2: Seen(NOW - 2 * DAY, 0.5),
        3: Seen(NOW - 4 * DAY, 0.0),
    }
    assert pick_question([1, 2, 3], seen, NOW) == 3
    assert pick_question([1, 2, 3], seen, NOW, exclude={3}) == 2
    assert pick_question([1, 2, 3], seen, NOW, exclude={2, 3}) == 1


def test_questions_already_asked_in_the_session_are_never_asked_again():
    assert pick_question([1, 2], {}, NOW, exclude={1}) == 2
    assert pick_question([1, 2], {}, NOW, exclude={1, 2}) is None
    assert pick_question([], {}, NOW) is None


# --- sessions -----------------------------------------------------------------------------


@pytest.fixture
def bank(db):
    course = make_course("practice-course", objectives=2)
    first = course.objectives.get(position=0)
    return course, first, make_bank(first, 3)


def test_seen_questions_keep_the_latest_answer(bank):
    course, objective, questions = bank
    ada = make_user("ada")
    answer(ada, questions[0], 0.0, T0)
    answer(ada, questions[0], 1.0, T0 + 2 * DAY)
    assert seen_questions(ada, objective) == {questions[0].pk: Seen(T0 + 2 * DAY, 1.0)}


def test_a_session_grows_one_new_question_at_a_time_and_ends(bank):
    course, objective, questions = bank
    ada = make_user("ada")
    answer(ada, questions[0], 1.0, T0)  # seen: asked last
    attempt = start_practice(ada, objective.quiz, now=T0 + HOUR)
    assert attempt.is_practice and len(attempt.question_ids) == 1
    assert attempt.question_ids[0] != questions[0].pk  # unseen first
    assert extend_practice(attempt, now=T0 + HOUR) == 1  # unanswered: stays on slot 1
    for slot in (1, 2):
        attempt.refresh_from_db()
        asked = next(q for q in questions if q.pk == attempt.question_ids[slot - 1])
        answer(ada, asked, 1.0, T0 + (slot + 1) * HOUR, attempt=attempt)
        assert extend_practice(attempt, now=T0 + (slot + 1) * HOUR) == slot + 1
    attempt.refresh_from_db()
    assert attempt.question_ids[2] == questions[0].pk  # the seen one, once nothing else is left
    assert len(set(attempt.question_ids)) == 3
    answer(ada, questions[0], 1.0, T0 + 5 * HOUR, attempt=attempt)
    assert extend_practice(attempt, now=T0 + 5 * HOUR) is None
    attempt.refresh_from_db()
    assert attempt.finished_at is not None and attempt.score == 3 and attempt.max_score == 3


# --- views --------------------------------------------------------------------------------


def test_practice_page_get_only_offers_to_start(bank, learner_client):
    course, objective, questions = bank
    url = reverse("progress:practice", args=[course.slug, objective.key])
    response = learner_client.get(url)
    assert response.status_code == 200
    assert "Start practising" in response.content.decode()
    assert not Attempt.objects.exists()


def test_practice_post_starts_a_session_on_the_question_page(bank, learner_client, learner):
    course, objective, questions = bank
    url = reverse("progress:practice", args=[course.slug, objective.key])
    response = learner_client.post(url)
    attempt = Attempt.objects.get(user=learner)
    assert attempt.is_practice and attempt.quiz.objective == objective
    assert response.status_code == 302
    assert response.url == reverse(
        "quizzes:question", args=[course.slug, attempt.quiz.slug, attempt.pk, 1]
    )


def test_practice_of_an_unknown_objective_is_404(bank, learner_client):
    course, objective, questions = bank
    url = reverse("progress:practice", args=[course.slug, "nope"])
    assert learner_client.post(url).status_code == 404


def test_practice_my_weakest_picks_the_lowest_level(bank, learner_client, learner):
    course, first, questions = bank
    second = course.objectives.get(position=1)
    make_bank(second, 2)
    Mastery.objects.create(user=learner, objective=second, level=L.FAMILIAR, estimate=0.6)
    Mastery.objects.create(user=learner, objective=first, level=L.ATTEMPTED, estimate=0.7)
    url = reverse("progress:practice_weakest", args=[course.slug])
    assert learner_client.get(url).status_code == 405
    assert learner_client.post(url).status_code == 302
    assert Attempt.objects.get(user=learner).quiz.objective == first


def test_practice_next_adds_a_question_and_rejects_get_and_strangers(
    bank, learner_client, learner
):
    course, objective, questions = bank
    attempt = start_practice(learner, objective.quiz)
    url = reverse("progress:practice_next", args=[attempt.pk])
    assert learner_client.get(url).status_code == 405
    asked = next(q for q in questions if q.pk == attempt.question_ids[0])
    answer(learner, asked, 1.0, T0, attempt=attempt)
    response = learner_client.post(url)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert len(attempt.question_ids) == 2
    assert response.url.endswith(f"/attempts/{attempt.pk}/q/2/")

    other = make_user("bob")
    learner_client.force_login(other)
    assert learner_client.post(url).status_code == 404


def test_a_whole_practice_session_through_the_quiz_pages(bank, learner_client, learner):
    course, objective, questions = bank
    quiz = objective.quiz
    quiz.feedback_mode = "end"  # practice gives feedback at once whatever the quiz says
    quiz.save()
    page = learner_client.post(reverse("progress:practice", args=[course.slug, objective.key]))
    attempt = Attempt.objects.get(user=learner)
    next_url = reverse("progress:practice_next", args=[attempt.pk])
    for slot in (1, 2, 3):
        attempt.refresh_from_db()
        question = Question.objects.select_related("current_version").get(
            pk=attempt.question_ids[slot - 1]
        )
        page = learner_client.post(
            answer_url(attempt, slot), post_data(attempt, question), HTTP_HX_REQUEST="true"
        )
        body = page.content.decode()
        assert page.status_code == 200
        assert "result--correct" in body  # the same in-place feedback as the quiz
        assert f'action="{next_url}"' in body and "Stop and see your progress" in body
        attempt.refresh_from_db()
        assert attempt.finished_at is None  # an answer never ends a practice session
        page = learner_client.post(next_url)
    assert page.status_code == 302
    assert page.url == reverse("progress:progress", args=[course.slug])  # all asked: the end
    attempt.refresh_from_db()
    assert attempt.finished_at is not None and attempt.score == 3
    assert Mastery.objects.get(user=learner, objective=objective).counted_answers == 3
