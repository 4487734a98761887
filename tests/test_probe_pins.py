"""Cases an outside security probe checked and found holding, kept so they keep holding:

- option tokens are per attempt: replayed from another attempt (the learner's own earlier one,
  or another learner's) they are refused;
- every malformed answer body gets a 4xx, never a 5xx, and stores nothing;
- huge slots and ids are a 404, not an overflow;
- each learner page and export shows only the signed-in learner's own data, and sends an
  anonymous visitor to log in.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import Mastery
from quizzes.forms import AnswerForm
from quizzes.models import Attempt, Question, Response
from tests.factories import make_question, make_quiz, make_user
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
FORM = "application/x-www-form-urlencoded"
MEGABYTE = "x" * 1_000_000


@pytest.fixture
def objective(course):
    return course.objectives.get(key="objective-1")


@pytest.fixture
def questions(course, objective):
    return {t: make_question(course, objective, type=t) for t in ALL_TYPES}


@pytest.fixture
def quiz(course, objective, questions):
    return make_quiz(course, objective, questions_per_attempt=6)


def start(client, quiz):
    assert client.post(start_url(quiz)).status_code == 302
    return Attempt.objects.filter(quiz=quiz).latest("started_at")


@pytest.fixture
def attempt(learner_client, quiz):
    return start(learner_client, quiz)


def slot_of(attempt, question):
    return attempt.question_ids.index(question.pk) + 1


def form_of(attempt, question):
    return AnswerForm(attempt=attempt, question=question, version=question.current_version)


def all_tokens(attempt, question):
    form = form_of(attempt, question)
    return set(getattr(form, "option_keys", {})) | set(getattr(form, "right_keys", {}))


def assert_nothing_stored():
    assert not Response.objects.exists()
    assert not Mastery.objects.exists()


# --- option tokens are per attempt -------------------------------------------------------------

TOKEN_TYPES = ("single", "multiple", "matching")


@pytest.mark.django_db
def test_tokens_differ_between_attempts_and_between_learners(
    learner_client, learner, quiz, questions
):
    first = start(learner_client, quiz)
    learner_client.post(finish_url(first))
    second = start(learner_client, quiz)
    other = Client()
    other.force_login(make_user("bob"))
    theirs = start(other, quiz)
    for qtype in TOKEN_TYPES:
        question = questions[qtype]
        sets = [all_tokens(a, question) for a in (first, second, theirs)]
        assert all(sets)
        assert not sets[0] & sets[1] and not sets[0] & sets[2] and not sets[1] & sets[2]


@pytest.mark.django_db
@pytest.mark.parametrize("qtype", TOKEN_TYPES)
@pytest.mark.parametrize("source", ["my earlier attempt", "another learner's attempt"])
def test_a_right_answer_replayed_from_another_attempt_is_refused(
    learner_client, quiz, questions, qtype, source
):
    if source == "my earlier attempt":
        earlier = start(learner_client, quiz)
        learner_client.post(finish_url(earlier))
    else:
        other = Client()
        other.force_login(make_user("bob"))
        earlier = start(other, quiz)
    mine = start(learner_client, quiz)
    assert mine.pk != earlier.pk
    question = questions[qtype]
    replayed = post_data(earlier, question)  # the right answer, in the other attempt's tokens
    url = answer_url(mine, slot_of(mine, question))
    assert learner_client.post(url, replayed).status_code == 400
    assert learner_client.post(url, replayed, **HX).status_code == 400
    assert_nothing_stored()


# --- malformed answer bodies -------------------------------------------------------------------


NOTHING_CHOSEN = {"empty", "empty value", "missing pair", "no pairs"}


def forged(attempt, question, qtype):
    """Answers of the right shape with a bad part, per type (name -> form data)."""
    good = post_data(attempt, question)
    # another question's token in this question's own field (its value is one this page
    # never offered)
    other = {"single": "multiple", "multiple": "single"}.get(qtype, "single")
    cases = {
        "forged token": {"choice": "o" + "f" * 20},
        "garbage": {"choice": "<script>'\";--"},
        "author's key instead of a token": {"choice": "a"},
        "valid plus forged": {"choice": [*good.get("choice", []), "o" + "0" * 20]},
        "empty": {},
        "empty value": {"choice": ""},
        "1 MB value": {"choice": MEGABYTE},
    }
    if qtype == "matching":
        first = next(iter(good))
        cases = {
            "missing pair": dict(list(good.items())[1:]),
            "forged right token": {**good, first: "o" + "f" * 20},
            "empty value": {**good, first: ""},
            "no pairs": {},
            "1 MB value": {**good, first: MEGABYTE},
            "author's right key": {**good, first: "r1"},
        }
    foreign = post_data(attempt, other_question(question, other))
    if qtype == "matching":  # a single question's option token in one of the selects
        token = foreign["choice"]
        foreign = {**good, next(iter(good)): token[0] if isinstance(token, list) else token}
    cases["another question's token"] = foreign
    return cases


def other_question(question, qtype):
    return Question.objects.get(course=question.course, type=qtype)


# What the served form cannot send: only a tampered request has it (400).
PLAIN_BAD = [
    ("truefalse", {"value": value}) for value in ["maybe", "TRUE", "1", MEGABYTE, "true\x00"]
] + [
    ("numeric", {"text": value}) for value in ["10\x00", MEGABYTE]
] + [
    ("text", {"text": value}) for value in ["x" * 501, MEGABYTE, "Alexandr\x00 Wang"]
]  # fmt: skip
# What a learner can type or leave out in the served form: the page again with the error,
# a normal 200 (no 4xx for htmx to treat as a failure), and nothing stored.
CORRECTABLE = [("truefalse", {"value": ""})] + [
    ("numeric", {"text": value})
    for value in [
        "NaN", "nan", "Infinity", "inf", "-inf", "1e309", "1e5", "9" * 400, "0x10",
        "10 parsecs", "1,2,3", "", "   ", "--5", "5-", "1" * 500,
    ]
] + [
    ("text", {"text": value}) for value in ["", "   "]
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_every_malformed_option_answer_is_a_400_and_stores_nothing(
    learner_client, attempt, questions, htmx
):
    for qtype in TOKEN_TYPES:
        question = questions[qtype]
        url = answer_url(attempt, slot_of(attempt, question))
        for name, data in forged(attempt, question, qtype).items():
            response = learner_client.post(url, data, **(HX if htmx else {}))
            # Nothing chosen is the learner's to correct (the page again, 200); everything
            # else here only a tampered request can send (400).
            # (an empty value is "nothing chosen" for a radio group or a select, whose
            # placeholder has that value; a checkbox never sends one)
            nothing = name in NOTHING_CHOSEN and not (
                qtype == "multiple" and name == "empty value"
            )
            expected = 200 if nothing else 400
            assert response.status_code == expected, (qtype, name)
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(("qtype", "data"), PLAIN_BAD, ids=lambda v: repr(v)[:30])
def test_every_malformed_value_is_a_400_and_stores_nothing(
    learner_client, attempt, questions, qtype, data
):
    url = answer_url(attempt, slot_of(attempt, questions[qtype]))
    assert learner_client.post(url, data).status_code == 400
    assert learner_client.post(url, data, **HX).status_code == 400
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(("qtype", "data"), CORRECTABLE, ids=lambda v: repr(v)[:30])
def test_an_answer_the_learner_can_correct_shows_the_error_and_stores_nothing(
    learner_client, attempt, questions, qtype, data
):
    url = answer_url(attempt, slot_of(attempt, questions[qtype]))
    for response in (learner_client.post(url, data), learner_client.post(url, data, **HX)):
        assert response.status_code == 200
        assert 'class="form-errors"' in response.content.decode()
    assert_nothing_stored()


def raw_bodies(good):
    """Whole request bodies that are malformed as requests (name -> (body, content type))."""
    return {
        "5000 fields": ("&".join(f"f{n}=1" for n in range(5000)), FORM),
        "3 MB body": ("text=" + "x" * 3_000_000, FORM),
        "unknown charset": (b"choice=\xff\xfe", f"{FORM}; charset=x-no-such-charset"),
        "%-encoded invalid UTF-8": ("choice=%FF%FE&value=%FF&text=%FF%FE&pair-1=%C3%28", FORM),
        "raw invalid UTF-8": (b"choice=\xff\xfe&value=\xff&pair-1=\xc3\x28", FORM),
        "not a form at all": ('{"choice": "' + good + '"}', "application/json"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("qtype", ALL_TYPES)
def test_malformed_request_bodies_are_a_400_and_store_nothing(
    learner_client, attempt, questions, qtype
):
    question = questions[qtype]
    url = answer_url(attempt, slot_of(attempt, question))
    good = next(iter(all_tokens(attempt, question)), "")
    for name, (body, content_type) in raw_bodies(good).items():
        # generic(): the body sent as it is (post() would re-encode it for its charset)
        response = learner_client.generic("POST", url, body, content_type=content_type)
        # Django reads bytes that are not UTF-8 as Latin-1; this body has no field of a typed
        # question, which is an empty answer the learner can correct (200, nothing stored).
        typed_but_missing = name == "raw invalid UTF-8" and qtype in ("numeric", "text")
        assert response.status_code == (200 if typed_but_missing else 400), name
    binary = learner_client.post(url, {"upload": _binary_file()})  # multipart, no answer
    assert binary.status_code == 400
    assert_nothing_stored()


def _binary_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.bin", bytes(range(256)) * 16, "application/octet-stream")


@pytest.mark.django_db
def test_raw_invalid_utf8_in_a_text_answer_is_never_a_5xx_and_never_scores(
    learner_client, attempt, questions
):
    url = answer_url(attempt, slot_of(attempt, questions["text"]))
    response = learner_client.generic("POST", url, b"text=Alexandr\xff Wang", content_type=FORM)
    assert response.status_code in (302, 400)
    assert all(r.score == 0 for r in Response.objects.all())


# --- huge numbers in URLs ----------------------------------------------------------------------

HUGE = [0, 99, 2**31, 2**63, 10**20]


@pytest.mark.django_db
@pytest.mark.parametrize("number", HUGE)
def test_huge_slots_and_ids_are_a_404(learner_client, attempt, quiz, number):
    course, slug = quiz.course.slug, quiz.slug
    if number:  # slot 0 is a real attempt's impossible slot; ids start at 1
        assert learner_client.get(slot_url(attempt, number)).status_code == 404
        assert learner_client.post(answer_url(attempt, number), {"text": "1"}).status_code == 404
    fake = Attempt(pk=number, quiz=quiz)
    assert learner_client.get(slot_url(fake, 1)).status_code == 404
    assert learner_client.get(summary_url(fake)).status_code == 404
    assert learner_client.post(answer_url(fake, 1), {"text": "1"}).status_code == 404
    assert learner_client.post(finish_url(fake)).status_code == 404
    practice = reverse("progress:practice_next", args=[number])
    assert learner_client.post(practice).status_code == 404
    assert course and slug
    assert_nothing_stored()


# --- each learner's pages and exports ------------------------------------------------------------


@pytest.fixture
def alice_data(client, quiz, questions):
    """Alice, with an attempt answered once and a practice session."""
    alice = make_user("alice", email="alice.private@example.com")
    client.force_login(alice)
    attempt = start(client, quiz)
    question = Question.objects.get(pk=attempt.question_ids[0])
    assert client.post(answer_url(attempt, 1), post_data(attempt, question)).status_code == 302
    practice = reverse("progress:practice", args=[quiz.course.slug, quiz.objective.key])
    assert client.post(practice).status_code == 302
    session = Attempt.objects.get(user=alice, is_practice=True)
    client.logout()
    return alice, attempt, question, session


def learner_get_urls(course, objective):
    return [
        reverse("accounts:settings"),
        reverse("accounts:export_answers_csv"),
        reverse("accounts:export_mastery_csv"),
        reverse("accounts:export_json"),
        reverse("accounts:delete"),
        reverse("password_change"),
        reverse("progress:progress", args=[course.slug]),
        reverse("progress:certificate", args=[course.slug]),
        reverse("progress:practice", args=[course.slug, objective.key]),
    ]


def body_of(response):
    return b"".join(response) if response.streaming else response.content


@pytest.mark.django_db
def test_every_learner_page_and_export_shows_nothing_of_another_learner(
    alice_data, course, objective
):
    alice, attempt, question, session = alice_data
    bob = Client()
    bob.force_login(make_user("bob"))
    for url in learner_get_urls(course, objective):
        response = bob.get(url, follow=True)
        assert response.status_code == 200, url
        body = body_of(response)
        for secret in (b"alice", question.key.encode(), str(attempt.pk).encode() + b"/q/"):
            assert secret not in body, (url, secret)
    # Alice's own attempt and practice session: a 404 for Bob, on every page and action.
    for url in (slot_url(attempt, 1), slot_url(session, 1), summary_url(attempt)):
        assert bob.get(url).status_code == 404, url
    for url in (
        answer_url(attempt, 2),
        answer_url(session, 1),
        finish_url(attempt),
        finish_url(session),
        reverse("progress:practice_next", args=[session.pk]),
    ):
        assert bob.post(url, {"text": "1"}).status_code == 404, url
    assert Response.objects.exclude(user=alice).count() == 0
    assert Attempt.objects.exclude(user=alice).count() == 0


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_log_in_from_every_learner_page_and_action(
    client, alice_data, course, objective, quiz
):
    alice, attempt, question, session = alice_data
    gets = [
        *learner_get_urls(course, objective),
        slot_url(attempt, 1),
        summary_url(attempt),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next=" + quote(url)[:8]), url
    posts = [
        start_url(quiz),
        answer_url(attempt, 2),
        finish_url(attempt),
        reverse("progress:practice", args=[course.slug, objective.key]),
        reverse("progress:practice_weakest", args=[course.slug]),
        reverse("progress:practice_next", args=[session.pk]),
        reverse("accounts:delete"),
    ]
    before = (Attempt.objects.count(), Response.objects.count())
    for url in posts:
        response = client.post(url, {"password": "correct horse battery staple"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert (Attempt.objects.count(), Response.objects.count()) == before
    attempt.refresh_from_db()
    assert attempt.finished_at is None
