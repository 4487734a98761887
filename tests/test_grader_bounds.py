"""No answer can hold a worker: every grader is fuzzed with long adversarial inputs under a
fixed time bound per call, an answered slot is not graded again, and a stored answer is never
graded again when it is shown.

The abbreviation matcher once tried every way to skip the short words of a bracket: a
400-character "data (a a a ... )" took 30 s against the accepted answer "data".
"""

import random
import time

import pytest

from quizzes import grading
from quizzes.models import Attempt, Response
from quizzes.questiontypes.base import MAX_TEXT_LENGTH, InvalidAnswer
from quizzes.text_match import _is_abbreviation, match_text
from tests.factories import default_spec, make_question, make_quiz
from tests.quiz_helpers import ALL_TYPES, answer_url, post_data, slot_url, start_url, summary_url

# Far above what a linear grader needs on a loaded machine (milliseconds), far below the
# seconds the exponential matcher took.
SECONDS_PER_CALL = 2.0
FILLERS = ["a ", "⒜", "de ", "to ", "a an and de for in of on the to ", "d a t a ", "da ta "]


def adversarial_texts(length):
    rng = random.Random(length)
    texts = []
    for filler in FILLERS:
        body = (filler * length)[: length - 10]
        texts += [f"data ({body} zq)", f"{body} (data)", f"data ({body})", body]
    texts.append("".join(rng.choice("adtoe ()[].") for _ in range(length)))
    texts.append("(" * length)
    texts.append("data " + "(" * (length - 10) + ")")
    return texts


def timed(call, refused=()):
    """`call()`'s result (None if it raised one of `refused`), within SECONDS_PER_CALL."""
    started = time.perf_counter()
    try:
        return call()
    except refused:
        return None
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < SECONDS_PER_CALL, f"{elapsed:.1f} s"


@pytest.mark.parametrize("length", [500, 5000])
@pytest.mark.parametrize("accepted", [["data"], ["Ada"], ["iota", "toad"], ["dataset"], ["OSI"]])
def test_text_matching_is_bounded_on_long_adversarial_answers(length, accepted):
    for text in adversarial_texts(length):
        for allow_typos in (False, True):
            timed(lambda t=text, a=allow_typos: match_text(t, accepted, allow_typos=a))


@pytest.mark.parametrize("length", [500, 5000])
def test_the_abbreviation_check_is_bounded(length):
    words = " ".join(["a", "de", "to", "d", "at"] * length)[: length * 2]
    timed(lambda: _is_abbreviation("data", words))
    timed(lambda: _is_abbreviation("a" * 60, "a " * length))


def test_the_abbreviation_check_still_credits_skippable_words_either_way():
    assert _is_abbreviation("doe", "department of energy")
    assert _is_abbreviation("de", "department of energy")
    assert _is_abbreviation("data", "department of a text analysis")
    assert not _is_abbreviation("data", "department of text")


@pytest.mark.parametrize("qtype", ALL_TYPES)
@pytest.mark.parametrize("length", [500, 5000])
def test_every_grader_answers_long_input_at_once(qtype, length):
    spec = default_spec(qtype)
    if qtype == "text":
        spec = {"accepted": ["data"], "normalised": ["data"]}
    for text in adversarial_texts(length):
        for data in (
            {"text": text},
            {"choice": [text] * 50},
            {"value": text},
            {"pairs": {text[:50]: text} | {str(i): text for i in range(50)}},
        ):
            refused = (InvalidAnswer, KeyError, ValueError, TypeError)
            timed(lambda data=data: grading.grade(qtype, spec, data), refused)


@pytest.mark.django_db
def test_a_500_character_answer_is_graded_at_once_over_http(learner_client, course, objective):
    question = make_question(
        course, objective, type="text", spec={"accepted": ["data"], "normalised": ["data"]}
    )
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    body = ("de a to a " * 60)[: MAX_TEXT_LENGTH - 10]
    answer = f"data ({body} zq)"
    assert len(answer) <= MAX_TEXT_LENGTH
    response = timed(lambda: learner_client.post(answer_url(attempt, 1), {"text": answer}))
    assert response.status_code == 302
    assert Response.objects.get(question=question).score == 0


@pytest.mark.django_db
def test_an_answer_over_the_length_cap_is_refused_with_a_message(
    learner_client, course, objective
):
    make_question(course, objective, type="text")
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    response = learner_client.post(answer_url(attempt, 1), {"text": "x" * (MAX_TEXT_LENGTH + 1)})
    assert response.status_code == 400
    assert f"Keep your answer under {MAX_TEXT_LENGTH} characters." in response.content.decode()
    assert not Response.objects.exists()


@pytest.fixture
def count_grading(monkeypatch):
    calls = []
    real = grading.grade

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(grading, "grade", counting)
    return calls


@pytest.mark.django_db
def test_an_answered_slot_is_not_graded_again(learner_client, course, objective, count_grading):
    question = make_question(course, objective, type="text")
    make_question(course, objective, type="single")  # a second slot keeps the attempt open
    quiz = make_quiz(course, objective, questions_per_attempt=2)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    slot = attempt.question_ids.index(question.pk) + 1
    assert learner_client.post(answer_url(attempt, slot), {"text": "Yann"}).status_code == 302
    graded = len(count_grading)
    again = learner_client.post(answer_url(attempt, slot), {"text": "data (" + "a " * 200 + ")"})
    assert again.status_code == 302
    assert len(count_grading) == graded  # the stored answer stands, nothing graded
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_showing_a_stored_answer_does_not_grade_it_again(
    learner_client, course, objective, count_grading
):
    questions = [make_question(course, objective, type=t) for t in ALL_TYPES]
    quiz = make_quiz(course, objective, questions_per_attempt=len(ALL_TYPES))
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    by_id = {q.pk: q for q in questions}
    for slot, question_id in enumerate(attempt.question_ids, 1):
        data = post_data(attempt, by_id[question_id], correct=False)
        assert learner_client.post(answer_url(attempt, slot), data).status_code in (200, 302)
    count_grading.clear()
    feedback = Response.objects.filter(question__type="single").get().feedback_html
    assert "think again" in feedback  # kept from the grading
    for slot in range(1, len(ALL_TYPES) + 1):
        page = learner_client.get(slot_url(attempt, slot)).content.decode()
        if attempt.question_ids[slot - 1] == questions[0].pk:
            assert "think again" in page
    assert "think again" in learner_client.get(summary_url(attempt)).content.decode()
    assert count_grading == []


@pytest.mark.django_db
def test_answers_stored_before_the_feedback_was_kept_still_show_it(
    learner_client, course, objective
):
    question = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    learner_client.post(start_url(quiz))
    attempt = Attempt.objects.get()
    learner_client.post(answer_url(attempt, 1), post_data(attempt, question, correct=False))
    Response.objects.update(feedback_html=None)  # as stored by the previous version
    assert "think again" in learner_client.get(summary_url(attempt)).content.decode()
