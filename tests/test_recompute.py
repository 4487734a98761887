from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from progress import mastery
from progress.models import Mastery
from quizzes.models import Response
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user

HOUR = DAY / 24


def run(*args):
    out = StringIO()
    call_command("recompute_mastery", *args, stdout=out)
    return out.getvalue()


def check_fails(*args):
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("recompute_mastery", "--check", *args, stdout=out)
    assert error.value.returncode == 1
    return out.getvalue()


@pytest.fixture
def flow(db):
    """Two learners answering two objectives over a week through services.record_answer."""
    course = make_course("flow", objectives=2)
    first, second = course.objectives.order_by("position")
    bank1, bank2 = make_bank(first, 6), make_bank(second, 4)
    ada, bob = make_user("ada"), make_user("bob")
    # ada masters the first objective: 6 questions right over two days, a retry within 24 h
    # (not counted), a slip, then a review after the due date.
    for i, question in enumerate(bank1[:3]):
        answer(ada, question, 1.0, T0 + i * HOUR)
    answer(ada, bank1[0], 0.0, T0 + 5 * HOUR)  # within 24 h of its counted answer
    for i, question in enumerate(bank1[3:]):
        answer(ada, question, 1.0, T0 + DAY + i * HOUR)
    answer(ada, bank1[1], 0.0, T0 + 2 * DAY)  # a slip after mastery
    answer(ada, bank1[2], 1.0, T0 + 6 * DAY)  # the review, due three days after Mastered
    # ada and bob on the second objective: partial credit and wrong answers.
    answer(ada, bank2[0], 0.5, T0 + HOUR)
    answer(ada, bank2[1], 1.0, T0 + 2 * HOUR)
    answer(bob, bank2[0], 0.0, T0 + 3 * HOUR)
    answer(bob, bank2[0], 1.0, T0 + 4 * HOUR)  # not counted
    answer(bob, bank2[0], 1.0, T0 + 2 * DAY)
    return course, first, second, ada, bob


def test_the_flow_reaches_every_state_checked(flow):
    course, first, second, ada, bob = flow
    row = Mastery.objects.get(user=ada, objective=first)
    assert row.level == mastery.Level.MASTERED
    assert row.review_box == 2  # the review moved it up a box
    assert Response.objects.filter(counted=False).count() == 2


def test_check_agrees_after_the_live_updates(flow):
    out = run("--check")
    assert "Mastery rows agree with the responses." in out
    assert "Rebuilt: 0 mastery row(s) and 0 response(s) updated." in run()


def test_check_reports_a_tampered_row_and_writes_nothing(flow):
    course, first, second, ada, bob = flow
    row = Mastery.objects.get(user=ada, objective=second)
    rebuilt = (row.level, row.estimate)
    Mastery.objects.filter(pk=row.pk).update(level=mastery.Level.MASTERED, estimate=0.97)
    out = check_fails()
    assert (
        f"ada · objective-2: stored Mastered 0.9700, box -, due -; rebuilt "
        f"{mastery.LEVEL_LABELS[rebuilt[0]]} {rebuilt[1]:.4f}, box -, due -"
    ) in out
    assert "bob" not in out
    row.refresh_from_db()
    assert (row.level, row.estimate) == (mastery.Level.MASTERED, 0.97)  # --check wrote nothing


def test_recompute_repairs_rows_and_responses(flow):
    course, first, second, ada, bob = flow
    good = Mastery.objects.get(user=ada, objective=first)
    Mastery.objects.filter(pk=good.pk).update(estimate=0.2, review_box=None, review_due_at=None)
    retry = Response.objects.filter(user=bob, counted=False).get()
    stored = (retry.counted, retry.p_after, retry.level_after)
    Response.objects.filter(pk=retry.pk).update(counted=True, p_after=0.9, level_after=3)
    Mastery.objects.filter(user=bob).delete()

    out = check_fails()
    expected = "ada · objective-1: stored Mastered 0.2000, box -, due -; rebuilt Mastered 0.9916"
    assert expected + ", box 2" in out
    assert f"bob · objective-2 · response {retry.pk}: counted True -> False" in out
    assert "bob · objective-2: no mastery row; rebuilt" in out

    assert "Rebuilt: 2 mastery row(s) and 1 response(s) updated." in run()
    assert "agree" in run("--check")
    repaired = Mastery.objects.get(user=ada, objective=first)
    assert (repaired.estimate, repaired.review_box, repaired.review_due_at) == (
        good.estimate,
        good.review_box,
        good.review_due_at,
    )
    assert repaired.state == good.state
    retry.refresh_from_db()
    assert (retry.counted, retry.p_after, retry.level_after) == stored


def test_a_row_without_responses_goes_back_to_not_started(flow):
    course, first, second, ada, bob = flow
    Mastery.objects.create(
        user=bob, objective=first, level=mastery.Level.FAMILIAR, estimate=0.6, counted_answers=2
    )
    assert "bob · objective-1: stored Familiar 0.6000" in check_fails()
    run()
    row = Mastery.objects.get(user=bob, objective=first)
    assert (row.level, row.estimate, row.counted_answers) == (0, 0.1, 0)


def test_user_option_limits_the_check_to_one_learner(flow):
    course, first, second, ada, bob = flow
    Mastery.objects.filter(user=bob).update(estimate=0.01)
    Mastery.objects.filter(user=ada, objective=second).update(estimate=0.01)
    out = check_fails("--user", "bob")
    assert "bob · objective-2" in out and "ada" not in out
    run("--user", "bob")
    assert "agree" in run("--check", "--user", "bob")
    check_fails("--user", "ada")  # ada's row was left alone


def test_unknown_user_is_an_error(flow):
    with pytest.raises(CommandError, match='No learner with username "nobody"'):
        run("--user", "nobody")


def test_queries_do_not_grow_with_responses(flow, django_assert_num_queries):
    course, first, second, ada, bob = flow
    # savepoint, usernames, objectives, pool sizes, mastery rows (locked), responses
    # (with questions and versions, one ordered query), rollback to and release the savepoint
    with django_assert_num_queries(8):
        run("--check")
    for day in range(10, 20):
        answer(bob, make_bank(first, 1)[0], 1.0, T0 + day * DAY)
    with django_assert_num_queries(8):
        run("--check")
