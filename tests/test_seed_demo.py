"""manage.py seed_demo_data: deterministic learners graded by the real graders and mastery."""

import io
import statistics
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from progress import mastery
from progress.models import Mastery
from progress.services import stored_answer
from quizzes import grading
from quizzes.models import Attempt, Question, Quiz, Response
from tests.factories import (
    QuestionFactory,
    make_choice_question,
    make_course,
    make_quiz,
    make_truefalse_question,
    make_user,
    objectives_of,
)
from tests.quiz_helpers import answer_url, post_data, start_url

pytestmark = pytest.mark.django_db


def _typed_question(objective, key, qtype, spec):
    return QuestionFactory(
        objective=objective,
        key=key,
        type=qtype,
        spec=spec,
        lesson=objective.course.lessons.first(),
        position=100 + Question.objects.count(),
        prompt_html=f"<p>{key}</p>",
        explanation_html="",
    )


@pytest.fixture
def course():
    course = make_course("seed-course")
    first, second = objectives_of(course)
    for i in range(4):
        make_choice_question(first, f"single-{i}")
    make_choice_question(first, "multi", qtype="multiple", correct="ab")
    make_truefalse_question(second, "tf", answer=False)
    _typed_question(second, "num", "numeric", {"answer": 1417.0, "tolerance": 0.0})
    _typed_question(
        second,
        "txt",
        "text",
        {"accepted": ["Alexandr Wang"], "normalised": [grading.normalise_text("Alexandr Wang")]},
    )
    _typed_question(
        second,
        "match",
        "matching",
        {
            "pairs": [
                {"key": "1", "left_html": "", "left": "Scout", "right_key": "r1"},
                {"key": "2", "left_html": "", "left": "Maverick", "right_key": "r2"},
            ],
            "rights": [{"key": "r1", "text": "10M"}, {"key": "r2", "text": "1M"}],
        },
    )
    make_quiz(first.course, first, questions_per_attempt=3)
    make_quiz(second.course, second, questions_per_attempt=3, attempts_allowed=2)
    make_quiz(course, questions_per_attempt=4)
    return course


def _seed(*args):
    out = io.StringIO()
    call_command("seed_demo_data", *args, stdout=out)
    return out.getvalue()


def _snapshot():
    return list(
        Response.objects.order_by("user__username", "graded_at", "slot").values_list(
            "user__username",
            "attempt__quiz__slug",
            "question__key",
            "answer",
            "score",
            "graded_at",
        )
    )


def test_it_makes_learners_with_unusable_passwords_and_finished_attempts(course):
    out = _seed("--learners", "30", "--seed", "3", "--course", "seed-course")
    users = get_user_model().objects.filter(username__startswith="demo-").order_by("username")
    assert [u.username for u in users[:2]] == ["demo-0001", "demo-0002"]
    assert users.count() == 30
    assert not any(u.has_usable_password() for u in users)
    assert all(u.first_name and u.last_name and not u.is_staff for u in users)
    assert Attempt.objects.filter(finished_at__isnull=True).count() == 0
    assert Attempt.objects.filter(user__in=users).count() >= 30
    assert "Seeded seed-course: 30 learners" in out
    tf_quiz_attempts = Attempt.objects.filter(quiz__slug="quiz-objective-2")
    per_user = defaultdict(int)
    for attempt in tf_quiz_attempts:
        per_user[attempt.user_id] += 1
    assert max(per_user.values()) <= 2  # attempts_allowed respected


def test_every_answer_is_graded_by_the_real_grader(course):
    _seed("--learners", "25", "--seed", "4", "--course", "seed-course")
    responses = Response.objects.select_related("question", "version", "attempt")
    types = set()
    for response in responses:
        graded = grading.grade(response.question.type, response.version.spec, response.answer)
        assert response.score == graded.score
        assert response.answer_display == graded.answer_display
        assert response.objective_id == response.question.objective_id
        types.add(response.question.type)
    assert types == {"single", "multiple", "truefalse", "numeric", "text", "matching"}
    for attempt in Attempt.objects.prefetch_related("responses"):
        assert attempt.score == pytest.approx(sum(r.score for r in attempt.responses.all()))
        assert attempt.max_score == len(attempt.question_ids) == attempt.responses.count()


def test_mastery_rows_are_the_replay_of_the_answers(course):
    _seed("--learners", "25", "--seed", "5", "--course", "seed-course")
    pools = defaultdict(int)
    for question in Question.objects.all():
        pools[question.objective_id] += 1
    rows = Mastery.objects.all()
    assert rows.count() == Response.objects.values("user", "objective").distinct().count()
    for row in rows:
        answers = list(
            Response.objects.filter(user=row.user_id, objective=row.objective_id)
            .select_related("question", "version")
            .order_by("graded_at", "id")
        )
        state, outcomes = mastery.replay(
            [stored_answer(r) for r in answers],
            pool_size=pools[row.objective_id],
        )
        assert (row.level, row.counted_answers, row.review_box) == (
            int(state.level),
            state.n,
            state.box,
        )
        assert row.estimate == pytest.approx(state.p)
        assert row.review_due_at == state.due
        for response, (_, outcome) in zip(answers, outcomes, strict=True):
            assert response.counted == outcome.counted
            assert response.level_after == int(outcome.level)
            assert response.p_after == pytest.approx(outcome.p)


def test_learners_differ_in_ability(course):
    _seed("--learners", "60", "--seed", "6", "--course", "seed-course")
    scores = defaultdict(list)
    for user_id, score in Response.objects.values_list("user_id", "score"):
        scores[user_id].append(score)
    means = [statistics.mean(values) for values in scores.values()]
    assert min(means) < 0.4 and max(means) > 0.8
    assert statistics.pstdev(means) > 0.1
    levels = set(Mastery.objects.values_list("level", flat=True))
    assert len(levels) >= 3


def test_the_same_seed_gives_the_same_data_and_a_rerun_replaces_it(course):
    _seed("--learners", "15", "--seed", "8", "--course", "seed-course")
    first = _snapshot()
    out = _seed("--learners", "15", "--seed", "8", "--course", "seed-course")
    assert _snapshot() == first
    assert "replaced" in out
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 15
    _seed("--learners", "15", "--seed", "9", "--course", "seed-course")
    assert _snapshot() != first


def test_other_users_are_left_alone(course):
    keeper = make_user("keeper")
    _seed("--learners", "5", "--seed", "1", "--course", "seed-course")
    _seed("--learners", "5", "--seed", "1", "--course", "seed-course")
    assert get_user_model().objects.filter(pk=keeper.pk).exists()


def test_a_password_from_stdin_lets_the_demo_learners_sign_in(course, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("bench password 123\n"))
    _seed("--learners", "3", "--seed", "1", "--course", "seed-course", "--password-stdin")
    users = get_user_model().objects.filter(username__startswith="demo-")
    assert all(u.check_password("bench password 123") for u in users)


def test_dry_run_writes_nothing(course):
    out = _seed("--learners", "5", "--seed", "1", "--course", "seed-course", "--dry-run")
    assert "Dry run, nothing written: would create 5 learners, " in out
    assert "{" not in out  # counts in words, not a Python dict
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()
    assert not Response.objects.exists()


def test_it_refuses_an_unknown_course_or_bad_counts(course):
    with pytest.raises(CommandError, match="No course"):
        _seed("--learners", "5", "--course", "nope")
    with pytest.raises(CommandError, match="between 1 and"):
        _seed("--learners", "0")
    with pytest.raises(CommandError, match="not a date"):
        _seed("--start", "yesterday")


# --- every writer of mastery agrees: seeded history, live answers, the rebuild ---------------

# Seeded answers start long before the live ones below, as on any real deployment.
SEED_ARGS = ("--learners", "4", "--seed", "7", "--course", "seed-course", "--start", "2020-01-06")


def _answer_live(client, attempt):
    """Answer every question of the attempt right, through the answer view (as a browser)."""
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = Question.objects.select_related("current_version").get(pk=question_id)
        response = client.post(answer_url(attempt, slot), post_data(attempt, question))
        assert response.status_code == 302


def test_after_seeding_and_answering_live_the_rebuild_finds_no_difference(course, client):
    _seed(*SEED_ARGS)
    learner = get_user_model().objects.get(username="demo-0001")
    client.force_login(learner)
    quiz = Quiz.objects.get(course=course, slug="quiz-objective-1")
    client.post(start_url(quiz))
    attempt = Attempt.objects.filter(user=learner, finished_at__isnull=True).get()
    _answer_live(client, attempt)
    out = io.StringIO()
    call_command("recompute_mastery", "--check", stdout=out)  # raises on any difference
    assert "Mastery rows agree with the responses." in out.getvalue()


def test_a_question_from_the_seeded_history_answered_again_live_counts_once(course, client):
    _seed(*SEED_ARGS)
    learner = get_user_model().objects.get(username="demo-0001")
    seeded = Response.objects.filter(user=learner).select_related("question").first()
    question, objective = seeded.question, seeded.objective
    attempt = Attempt.objects.create(
        user=learner,
        quiz=Quiz.objects.get(objective=objective),
        seed=1,
        question_ids=[question.pk],
        started_at=timezone.now(),
    )
    client.force_login(learner)
    _answer_live(client, attempt)

    state = mastery.State.from_json(Mastery.objects.get(user=learner, objective=objective).state)
    # The model keys its per-question history by question id, whoever wrote the answer: the
    # question seeded and answered again live is one entry, not two.
    counted = Response.objects.filter(user=learner, objective=objective, counted=True)
    assert set(state.last) == {str(pk) for pk in counted.values_list("question_id", flat=True)}
    assert str(question.pk) in state.last
    # So the distinct-question guards count each question once: those whose latest counted
    # answer is fully right.
    latest = {}
    for response in counted.order_by("graded_at", "id"):
        latest[response.question_id] = response.score
    assert state.distinct_correct == sum(1 for score in latest.values() if score == 1.0)


@pytest.fixture
def second_course(course):
    """A second course, imported after the first; its title sorts first in the catalogue."""
    other = make_course("aaa-second-course")
    other.title = "AAA second course"
    other.save()
    first, _ = objectives_of(other)
    for i in range(3):
        make_choice_question(first, f"other-{i}")
    make_quiz(other, first, questions_per_attempt=2)
    return other


def _demo_responses(course):
    return Response.objects.filter(
        user__username__startswith="demo-", objective__course=course
    ).count()


def test_seeding_a_second_course_keeps_the_first_courses_demo_class(course, second_course):
    _seed("--learners", "10", "--seed", "1")  # the default: the first course imported
    before = _snapshot()
    assert _demo_responses(course) and not _demo_responses(second_course)
    out = _seed("--learners", "10", "--seed", "1", "--course", second_course.slug)
    assert "Course: aaa-second-course." in out
    assert _demo_responses(second_course)
    # The first course's demo answers are all still there, unchanged.
    first_now = [row for row in _snapshot() if not row[2].startswith("other-")]
    assert first_now == before
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 10
    # Seeding the first course again replaces its class only.
    second_rows = _demo_responses(second_course)
    _seed("--learners", "10", "--seed", "2", "--course", course.slug)
    assert _demo_responses(second_course) == second_rows


def test_the_default_course_is_the_first_imported_and_is_named(course, second_course):
    out = _seed("--learners", "3", "--seed", "1")
    assert out.startswith(
        "Course: seed-course (the first course imported; --course SLUG chooses another).\n"
    )
    assert _demo_responses(course) and not _demo_responses(second_course)


def test_a_smaller_class_leaves_no_demo_learner_without_records(course):
    _seed("--learners", "6", "--seed", "1", "--course", "seed-course")
    _seed("--learners", "4", "--seed", "1", "--course", "seed-course")
    users = get_user_model().objects.filter(username__startswith="demo-")
    assert sorted(u.username for u in users) == [f"demo-000{i}" for i in range(1, 5)]
