"""The item analysis sums kept with each finished attempt (progress.itemtally) give the figures
the full computation gives over the answers, for each choice of attempts, after attempts
finish in any order, and after a deletion (which rebuilds them)."""

import random
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from progress import itemtally
from progress.models import ItemTally
from quizzes.models import Attempt, Response
from reports import itemstats
from reports.views import SELECTORS, attempt_rows, counted_attempts, question_info
from tests.factories import (
    T0,
    make_attempt,
    make_choice_question,
    make_course,
    make_learners,
    make_quiz,
    make_truefalse_question,
    objectives_of,
)
from tests.test_itemsums import assert_same

pytestmark = pytest.mark.django_db


def full_computation(quiz, questions, mode):
    """The figures as the report computed them before the sums: every answer read."""
    rows = (
        Response.objects.filter(attempt__in=counted_attempts(mode, quiz=quiz).values("pk"))
        .order_by("attempt_id", "slot")
        .values_list("attempt_id", "user_id", "question_id", "score", "answer")
    )
    attempts = attempt_rows(rows, {q.pk: q for q in questions})
    return itemstats.analyse(attempts, [question_info(q) for q in questions]), attempts


def incremental(quiz, questions, mode):
    sums = itemtally.sums_for(quiz.pk, mode)
    names = {str(q.pk): q.key for q in questions}
    sums.questions = {names[k]: v for k, v in sums.questions.items()}
    return itemstats.analyse_sums(sums, [question_info(q) for q in questions]), sums


@pytest.fixture
def bank():
    course = make_course("tally-course")
    first, _ = objectives_of(course)
    questions = [make_choice_question(first, f"c{i}") for i in range(4)]
    questions += [
        make_choice_question(first, f"m{i}", correct="ab", qtype="multiple") for i in range(2)
    ]
    questions += [make_truefalse_question(first, f"t{i}") for i in range(2)]
    return make_quiz(course, first), questions


def random_answer(rng, question):
    if question.type == "truefalse":
        choice = rng.choice(["true", "false"])
        return (question, choice, float(choice == "true"))
    if question.type == "multiple":
        choice = "".join(sorted(rng.sample("abcd", rng.randint(1, 3))))
        right = len(set(choice) & {"a", "b"}) - len(set(choice) - {"a", "b"})
        return (question, choice, max(0.0, right / 2))
    choice = rng.choice("abcd")
    return (question, choice, float(choice == "a"))


@pytest.mark.parametrize("seed", range(3))
def test_the_sums_give_the_full_computations_figures(bank, seed):
    quiz, questions = bank
    rng = random.Random(seed)
    learners = make_learners(12)
    itemtally.rebuild(quiz.pk)  # fresh (empty) sums: every attempt below is added as it ends
    # Attempts finish in random order, and some start before the learner's earlier ones, so
    # the first and latest attempts are replaced as they come.
    for _ in range(60):
        learner = rng.choice(learners)
        drawn = rng.sample(questions, rng.choice([5, 5, 5, 4, 6]))
        started = T0 + timedelta(hours=rng.randrange(500))
        make_attempt(learner, quiz, [random_answer(rng, q) for q in drawn], started_at=started)
    make_attempt(learners[0], quiz, [random_answer(rng, questions[0])], finished=False)
    make_attempt(learners[1], quiz, [random_answer(rng, questions[1])], practice=True)
    assert not ItemTally.objects.filter(stale=True).exists()
    for mode in SELECTORS:
        expected, attempts = full_computation(quiz, questions, mode)
        got, sums = incremental(quiz, questions, mode)
        assert_same(expected, got)
        assert sums.attempts == len(attempts)
        assert sums.learners == len({a.learner_id for a in attempts})
    call_command("rebuild_item_tallies", "--check")  # and the stored rows match a rebuild


def test_a_deleted_attempt_marks_the_sums_stale_and_the_report_rebuilds_them(bank, admin_client):
    quiz, questions = bank
    rng = random.Random(9)
    for learner in make_learners(6):
        make_attempt(learner, quiz, [random_answer(rng, q) for q in questions[:5]])
    itemtally.rebuild(quiz.pk)
    Attempt.objects.filter(quiz=quiz).order_by("pk").first().delete()
    assert set(ItemTally.objects.values_list("stale", flat=True)) == {True}
    response = admin_client.get(reverse("reports:items", args=[quiz.pk]))
    assert response.context["stats"].S == 5
    assert not ItemTally.objects.filter(stale=True).exists()
    for mode in SELECTORS:
        assert_same(
            full_computation(quiz, questions, mode)[0], incremental(quiz, questions, mode)[0]
        )


def test_the_check_command_reports_a_difference(bank):
    quiz, questions = bank
    rng = random.Random(3)
    for learner in make_learners(5):
        make_attempt(learner, quiz, [random_answer(rng, q) for q in questions[:5]])
    itemtally.rebuild(quiz.pk)
    ItemTally.objects.filter(quiz=quiz, mode="all").update(sums={})
    with pytest.raises(CommandError, match="1 stored sums differ"):
        call_command("rebuild_item_tallies", "--check")
    call_command("rebuild_item_tallies")
    call_command("rebuild_item_tallies", "--check")


def test_attempts_ended_by_the_last_answer_and_by_finish_are_both_added(bank, client):
    """Through the learner's pages: one attempt ends with its last answer, another with
    Finish; both reach the sums in the transaction that ended them."""
    from tests.quiz_helpers import answer_url, finish_url, post_data, start_url

    quiz, questions = bank
    itemtally.rebuild(quiz.pk)
    for learner, ends_by in zip(make_learners(2), ("last answer", "finish"), strict=True):
        client.force_login(learner)
        client.post(start_url(quiz))
        attempt = Attempt.objects.get(user=learner)
        slots = range(1, len(attempt.question_ids) + 1)
        for slot in slots if ends_by == "last answer" else slots[:1]:
            attempt.refresh_from_db()
            question = next(q for q in questions if q.pk == attempt.question_ids[slot - 1])
            client.post(answer_url(attempt, slot), post_data(attempt, question))
        if ends_by == "finish":
            client.post(finish_url(attempt))
        attempt.refresh_from_db()
        assert attempt.finished_at is not None, ends_by
    assert itemtally.sums_for(quiz.pk, "all").attempts == 2
    call_command("rebuild_item_tallies", "--check")
