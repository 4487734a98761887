"""Deterministic drawing and shuffling from the attempt's seed, and nothing in the page that
tells the correct option before the answer is graded."""

import re
from collections import Counter

import pytest
from django.utils import timezone

from quizzes.draw import draw
from quizzes.forms import AnswerForm
from quizzes.models import Attempt
from tests.factories import make_question, make_quiz
from tests.quiz_helpers import ALL_TYPES, slot_url, start_url


def test_the_same_seed_draws_the_same_questions_in_the_same_order():
    pools = {1: list(range(100, 120)), 2: list(range(200, 210))}
    assert draw(pools, 8, seed=42) == draw(pools, 8, seed=42)
    assert draw(pools, 8, seed=42) == draw({2: pools[2][::-1], 1: pools[1]}, 8, seed=42)


def test_different_seeds_draw_different_orders():
    pools = {1: list(range(20))}
    assert len({tuple(draw(pools, 5, seed=seed)) for seed in range(30)}) > 25


def test_a_draw_has_no_repeats_and_stops_at_the_pool():
    pools = {1: [1, 2, 3], 2: [4]}
    drawn = draw(pools, 10, seed=7)
    assert sorted(drawn) == [1, 2, 3, 4]


@pytest.mark.parametrize("seed", range(20))
def test_the_course_test_draw_is_balanced_across_objectives(seed):
    pools = {1: list(range(100, 112)), 2: list(range(200, 212)), 3: list(range(300, 312))}
    drawn = draw(pools, 7, seed=seed)
    counts = Counter(question_id // 100 for question_id in drawn)
    assert sorted(counts.values()) == [2, 2, 3]


def test_the_course_test_draw_mixes_objectives_rather_than_grouping_them():
    pools = {1: list(range(100, 110)), 2: list(range(200, 210))}
    orders = {tuple(q // 100 for q in draw(pools, 6, seed=seed)) for seed in range(20)}
    assert len(orders) > 5


def attempt_with(quiz, questions, seed, user):
    return Attempt.objects.create(
        user=user,
        quiz=quiz,
        seed=seed,
        question_ids=[q.pk for q in questions],
        started_at=timezone.now(),
    )


def correct_position(attempt, question):
    """1-based position of the correct option (first correct pair for matching) as shown."""
    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    spec = question.current_version.spec
    if question.type == "matching":
        right = spec["pairs"][0]["right_key"]
        return list(form.right_keys.values()).index(right) + 1
    correct = {o["key"] for o in spec["options"] if o["correct"]}
    return next(i for i, key in enumerate(form.option_keys.values(), 1) if key in correct)


@pytest.mark.django_db
@pytest.mark.parametrize("qtype", ["single", "multiple", "matching"])
def test_the_correct_option_is_not_always_in_the_same_place(course, objective, learner, qtype):
    question = make_question(course, objective, type=qtype)
    quiz = make_quiz(course, objective)
    positions = {
        correct_position(attempt_with(quiz, [question], seed, learner), question)
        for seed in range(40)
    }
    assert len(positions) >= 3


@pytest.mark.django_db
def test_a_reload_shows_the_same_order_and_values(learner_client, course, objective):
    question = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()

    def shown(page):
        return re.findall(r'value="(o[0-9a-f]+)"', page), re.findall(
            r"<label[^>]*>(.*?)</label>", page
        )

    first = shown(learner_client.get(slot_url(attempt, 1)).content.decode())
    again = shown(learner_client.get(slot_url(attempt, 1)).content.decode())
    assert first == again
    assert len(first[0]) == 4 and len(set(first[0])) == 4
    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    assert first[0] == list(form.option_keys)


@pytest.mark.django_db
def test_option_values_differ_between_attempts_and_questions(course, objective, learner):
    one, two = (make_question(course, objective, type="single") for _ in range(2))
    quiz = make_quiz(course, objective)
    first = attempt_with(quiz, [one, two], 1, learner)
    second = attempt_with(quiz, [one, two], 1, learner)  # even with the same seed

    def values(attempt, question):
        form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
        return set(form.option_keys)

    assert not values(first, one) & values(second, one)
    assert not values(first, one) & values(first, two)


# The page carries random CSRF tokens (64 letters and digits, in the hx-headers of <body> and in
# each form's hidden input); one may contain "10M" or "correct" by chance, so the checks below
# read the page without them: the visible text and the markup are all a learner gets.
_CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[A-Za-z0-9]*"')


def without_csrf_tokens(page):
    return _CSRF_TOKEN.sub(r'\1""', page)


def test_the_page_check_ignores_csrf_tokens_but_not_the_markup():
    token = "h10MywY" + "x" * 57
    page = (
        f'<body hx-headers=\'{{"X-CSRFToken": "{token}"}}\'>'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<input type="text" name="text" value="10M"></body>'
    )
    cleaned = without_csrf_tokens(page)
    assert token not in cleaned
    assert cleaned.count("10M") == 1  # the text field's value is still looked at


@pytest.mark.django_db
@pytest.mark.parametrize("qtype", ALL_TYPES)
def test_the_page_before_answering_tells_nothing_about_the_answer(
    learner_client, course, objective, qtype
):
    question = make_question(course, objective, type=qtype)
    quiz = make_quiz(course, objective)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    page = without_csrf_tokens(learner_client.get(slot_url(attempt, 1)).content.decode())
    spec = question.current_version.spec
    assert not re.search(r"[A-Za-z0-9]{64}", page)  # no CSRF token left to match by chance
    assert "correct" not in page.lower()
    assert question.current_version.explanation_html not in page
    assert "think again" not in page and "It is true" not in page  # option feedback
    assert not re.search(r'value="[abcd]"', page)  # the author's option keys
    assert not re.search(r'value="r\d"', page)  # matching's right-hand keys
    assert "data-" not in page.split('id="answer"')[1]
    if qtype == "numeric":
        assert "10,000,000" not in page and "10000000" not in page and "10M" not in page
    if qtype == "text":
        assert spec["accepted"][0].lower() not in page.lower()
