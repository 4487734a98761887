"""The class mastery counts kept with each answer (progress.masterytally) equal the full
computation over the mastery rows: on random learners, objectives, levels and answers through
the live path (record_answer), after deletions, bulk writes marked stale and a retired
objective; and the report's cost does not grow with the class."""

import io
import random
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from courses.models import Objective
from progress import masterytally
from progress.mastery import Level, is_stuck
from progress.models import Mastery, MasteryTally
from reports.views import summarise_mastery
from tests.factories import (
    T0,
    answer,
    make_choice_question,
    make_course,
    make_learners,
    make_mastery,
    make_quiz,
    make_staff_instructor,
)

pytestmark = pytest.mark.django_db


def full_computation(course):
    """(class size, {objective id: counts at each level}, {objective id: stuck}) from every
    mastery row of the course's objectives not retired, as the report counted them before."""
    active = set(
        Objective.objects.filter(course=course, retired=False).values_list("pk", flat=True)
    )
    rows = Mastery.objects.filter(objective_id__in=active).values_list(
        "user_id", "objective_id", "level", "counted_answers"
    )
    learners = {user_id for user_id, *_ in rows}
    levels = {pk: [0] * len(Level) for pk in active}
    stuck = dict.fromkeys(active, 0)
    for _, objective_id, level, counted in rows:
        if level:
            levels[objective_id][level] += 1
        stuck[objective_id] += is_stuck(level, counted)
    return len(learners), levels, stuck


def kept(course):
    ids = list(Objective.objects.filter(course=course, retired=False).values_list("pk", flat=True))
    counts = masterytally.counts_for(course.pk, ids)
    return counts.learners, counts.levels, counts.stuck


def stale_rows():
    return MasteryTally.objects.filter(stale=True).count()


@pytest.fixture
def bank():
    course = make_course("tally-course", objectives=3)
    objectives = list(course.objectives.order_by("position"))
    questions = {
        objective.pk: [make_choice_question(objective, f"{objective.key}-q{i}") for i in range(9)]
        for objective in objectives
    }
    return course, objectives, questions


def random_answers(rng, learners, objectives, questions, count, start=T0):
    """`count` answers through record_answer: each learner has a skill (some are stuck: wrong
    again and again), and answers come hours to days apart, so levels rise and fall."""
    skill = {learner.pk: rng.choice([0.05, 0.3, 0.6, 0.9, 1.0]) for learner in learners}
    at = start
    for _ in range(count):
        learner = rng.choice(learners)
        objective = rng.choice(objectives)
        question = rng.choice(questions[objective.pk])
        at += timedelta(hours=rng.choice([1, 5, 21, 30]))
        answer(learner, question, float(rng.random() < skill[learner.pk]), at)
    return at


@pytest.mark.parametrize("seed", range(3))
def test_the_counts_kept_by_the_answers_equal_the_full_computation(bank, seed):
    course, objectives, questions = bank
    rng = random.Random(seed)
    learners = make_learners(14)
    masterytally.rebuild(course.pk)  # fresh (empty) counts: every answer below keeps them
    at = random_answers(rng, learners[:10], objectives, questions, 260)
    assert stale_rows() == 0  # kept by the answers, never rebuilt
    expected = full_computation(course)
    assert kept(course) == expected
    assert expected[0] == len({m.user_id for m in Mastery.objects.all()})
    assert any(expected[2].values())  # some learners are stuck, and some levels reached
    assert any(
        counts[Level.PROFICIENT] + counts[Level.MASTERED] for counts in expected[1].values()
    )
    # New learners join, the stuck get unstuck or more get stuck: still exact.
    random_answers(rng, learners[6:], objectives, questions, 120, start=at)
    assert stale_rows() == 0
    assert kept(course) == full_computation(course)
    call_command("rebuild_mastery_tallies", "--check", stdout=io.StringIO())  # and a rebuild


def test_each_write_around_the_answers_marks_the_counts_stale_and_the_report_rebuilds_them(bank):
    course, objectives, questions = bank
    rng = random.Random(7)
    learners = make_learners(10)
    masterytally.rebuild(course.pk)
    at = random_answers(rng, learners, objectives, questions, 150)
    assert stale_rows() == 0

    def check():
        assert kept(course) == full_computation(course)  # rebuilt once if stale
        assert stale_rows() == 0
        assert kept(course) == full_computation(course)

    # A row saved by hand (the admin, the shell) and a row deleted.
    row = Mastery.objects.filter(level=Level.ATTEMPTED).first()
    row.level = Level.MASTERED
    row.save()
    assert stale_rows() > 0
    check()
    Mastery.objects.filter(pk=row.pk).delete()
    assert stale_rows() > 0
    check()
    # A learner deleted: their rows go by cascade.
    get_user_model().objects.filter(pk=learners[0].pk).delete()
    assert stale_rows() > 0
    check()
    # Bulk writes send no signal: their writers mark the counts stale.
    Mastery.objects.filter(objective=objectives[1]).update(level=Level.FAMILIAR)
    Mastery.objects.bulk_create(
        [Mastery(user=learner, objective=objectives[2], level=Level.PROFICIENT)
         for learner in make_learners(3, prefix="bulk")]
    )  # fmt: skip
    masterytally.mark_stale(pk=course.pk)
    check()
    # recompute_mastery rebuilds the rows from the answers in bulk, and marks the counts stale.
    call_command("recompute_mastery", stdout=io.StringIO())
    assert stale_rows() > 0
    check()
    # An objective retired (the importer saves `retired`): the class is the learners with a
    # row on the others, and the report counts again; then restored.
    retired = objectives[0]
    retired.retired = True
    retired.save(update_fields=["retired"])
    check()
    at = random_answers(rng, learners[1:], objectives[1:], questions, 40, start=at)
    assert stale_rows() == 0
    retired.retired = False
    retired.save(update_fields=["retired"])
    check()
    random_answers(rng, learners[1:], objectives, questions, 40, start=at)
    assert stale_rows() == 0
    assert kept(course) == full_computation(course)


def test_the_report_gives_the_full_computations_figures(bank, admin_client):
    """Every figure of the every-learner report, from the counts, equals the figures computed
    from the rows (the path a class still takes), stuck names included."""
    course, objectives, questions = bank
    rng = random.Random(3)
    learners = make_learners(12)
    masterytally.rebuild(course.pk)
    random_answers(rng, learners, objectives, questions, 220)
    now = timezone.now()
    live_total, *_ = full_computation(course)
    live = summarise_mastery(objectives, now, live_total)
    counts = masterytally.counts_for(course.pk, [o.pk for o in objectives])
    assert summarise_mastery(objectives, now, counts.learners, counts=counts) == live
    response = admin_client.get(reverse("reports:mastery", args=[course.pk]))
    assert response.context["summaries"] == live
    assert response.context["page"].paginator.count == live_total


def test_the_stuck_learners_named_are_the_first_by_username_whichever_way_they_are_read(bank):
    """Few stuck learners are read from their rows, many by walking the learners in username
    order: the same names either way."""
    course, objectives, _ = bank
    first = objectives[0]
    stuck = make_learners(25, prefix="stuck")
    for learner in stuck:
        make_mastery(learner, first, Level.ATTEMPTED, counted=9)
    for learner in make_learners(5, prefix="aaa"):  # before them by username, not stuck
        make_mastery(learner, first, Level.FAMILIAR, counted=9)
    rows = Mastery.objects.filter(objective=first, level=1, counted_answers__gte=8)
    from reports.views import STUCK_SHOWN, stuck_names

    expected = sorted(learner.username for learner in stuck)[:STUCK_SHOWN]
    few = [username for _, username, *_ in stuck_names(rows, 25, 10_000)]  # 625 <= 200,000
    many = [username for _, username, *_ in stuck_names(rows, 25, 30)]  # 625 > 600
    assert few == many == expected


def _grow(objectives, questions, n, start):
    """`n` more learners, each answering a few questions on each objective (record_answer)."""
    at = start
    for learner in make_learners(n, prefix=f"grow{start:%j%H}"):
        for objective in objectives:
            for question in questions[objective.pk][:3]:
                at += timedelta(hours=1)
                answer(learner, question, 1.0, at)
    return at


def test_the_reports_query_count_does_not_grow_with_the_class(
    bank, client, django_assert_num_queries
):
    course, objectives, questions = bank
    client.force_login(make_staff_instructor())
    url = reverse("reports:mastery", args=[course.pk])
    client.get(reverse("admin:index"))  # warm the session and user caches
    masterytally.rebuild(course.pk)
    stuck = make_learners(2, prefix="stuck")
    at = T0
    for learner in stuck:  # wrong again and again, a day apart: stuck on the first objective
        for day, question in enumerate(questions[objectives[0].pk][:8]):
            answer(learner, question, 0.0, at + timedelta(days=day))
    at = _grow(objectives, questions, 3, at + timedelta(days=9))
    # permissions of user and group; the course; its objectives; the counts (one read of a
    # few rows per objective); the reviews due; the median estimate (one per objective
    # started: 3); the stuck learners' names (per objective with stuck learners: 1 here; few,
    # so read from their rows: their ids, then their names by username); the grid's page of
    # learners, their rows; the classes of the filter. No COUNT of the class.
    with django_assert_num_queries(14):
        small = client.get(url)
    _grow(objectives, questions, 30, at)
    with django_assert_num_queries(14) as queries:
        large = client.get(url)
    assert not any(
        "COUNT(" in q["sql"] and "auth_user" in q["sql"] for q in queries.captured_queries
    )
    assert small.context["page"].paginator.count == 5
    assert large.context["page"].paginator.count == 35
    assert large.context["summaries"][0].stuck_count == 2
    assert stale_rows() == 0


def test_the_check_command_reports_a_difference_and_the_command_rebuilds(bank):
    course, objectives, questions = bank
    masterytally.rebuild(course.pk)
    random_answers(random.Random(5), make_learners(6), objectives, questions, 60)
    call_command("rebuild_mastery_tallies", "--check", stdout=io.StringIO())
    MasteryTally.objects.filter(objective=objectives[0]).update(attempted=F("attempted") + 1)
    with pytest.raises(CommandError, match="1 course"):
        call_command("rebuild_mastery_tallies", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_mastery_tallies", "--course", course.slug, stdout=out)
    assert f"{course.slug}: 6 learners" in out.getvalue()
    call_command("rebuild_mastery_tallies", "--check", stdout=io.StringIO())
    assert kept(course) == full_computation(course)


def _slow_first_row_check(execute, sql, params, many, context):
    """Wait inside the answer's "another row of this learner?" check: without the course's
    row lock, two first answers of one learner at once would both find none."""
    if sql.startswith('SELECT 1 AS "a" FROM "quizzes_mastery"'):
        time.sleep(0.5)
    return execute(sql, params, many, context)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_answers_at_once_are_all_counted_once(bank):
    """Real threads, each with its own connection (on PostgreSQL, really at once): one learner's
    first answers on three objectives at the same moment count them once in the class, and
    other learners' answers at once are all counted."""
    course, objectives, questions = bank
    for objective in objectives:  # the quizzes the answers' attempts belong to, made first
        make_quiz(course, objective)
    masterytally.rebuild(course.pk)
    ada, *others = make_learners(5)
    barrier = threading.Barrier(len(objectives) + len(others))
    errors = []

    def run(learner, objective, question):
        try:
            barrier.wait(timeout=30)
            with connection.execute_wrapper(_slow_first_row_check):
                answer(learner, question, 1.0, T0 + timedelta(hours=1))
        except Exception as error:  # reported below, never lost in a thread
            errors.append(error)
        finally:
            connection.close()

    targets = [(ada, o, questions[o.pk][0]) for o in objectives]
    targets += [(learner, objectives[0], questions[objectives[0].pk][1]) for learner in others]
    threads = [threading.Thread(target=run, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert stale_rows() == 0
    assert kept(course) == full_computation(course)
    assert kept(course)[0] == 5
