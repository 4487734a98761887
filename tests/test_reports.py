"""The instructor reports: every figure on small data worked out by hand, CSP, query counts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from progress import masterytally
from progress.mastery import Level as L
from progress.models import Mastery
from progress.services import close_attempt
from reports.views import STUCK_SHOWN
from tests.factories import (
    T0,
    make_attempt,
    make_choice_question,
    make_course,
    make_learners,
    make_mastery,
    make_quiz,
    make_staff_instructor,
    make_truefalse_question,
    make_user,
    objectives_of,
)

pytestmark = pytest.mark.django_db


def assert_csp_clean(html):
    """No inline style attribute, inline <style> or inline <script> on the page."""
    assert not re.search(r"\sstyle\s*=", html)
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


# --- class mastery -------------------------------------------------------------------------


@pytest.fixture
def mastery_class():
    """Four learners on two objectives.

    objective 1: ann Mastered (0.97, review due yesterday), ben Proficient (0.85),
                 cat Attempted with 9 counted answers (stuck), dan no row (Not started).
    objective 2: ann Familiar (0.60), ben Attempted with 8 counted answers (stuck),
                 cat Attempted with 7 (not stuck), dan a Not started row.
    """
    course = make_course("mastery-course")
    first, second = objectives_of(course)
    ann, ben, cat, dan = (make_user(n) for n in ("ann", "ben", "cat", "dan"))
    yesterday = timezone.now() - timedelta(days=1)
    make_mastery(ann, first, L.MASTERED, estimate=0.97, counted=12, due=yesterday, box=1)
    make_mastery(ben, first, L.PROFICIENT, estimate=0.85, counted=6)
    make_mastery(cat, first, L.ATTEMPTED, estimate=0.30, counted=9)
    make_mastery(ann, second, L.FAMILIAR, estimate=0.60, counted=3)
    make_mastery(ben, second, L.ATTEMPTED, estimate=0.20, counted=8)
    make_mastery(cat, second, L.ATTEMPTED, estimate=0.30, counted=7)
    make_mastery(dan, second, L.NOT_STARTED, estimate=0.10, counted=0)
    return course, first, second, {u.username: u for u in (ann, ben, cat, dan)}


def test_class_mastery_counts_levels_share_median_reviews_and_stuck(
    instructor_client, mastery_class
):
    course, first, second, users = mastery_class
    response = instructor_client.get(reverse("reports:mastery", args=[course.pk]))
    assert response.status_code == 200
    one, two = response.context["summaries"]
    assert one.objective == first and two.objective == second
    # levels:          Not started, Attempted, Familiar, Proficient, Mastered
    assert one.counts == [1, 1, 0, 1, 1]
    assert two.counts == [1, 2, 1, 0, 0]
    assert one.learners == two.learners == 4
    assert one.share_proficient == 50.0  # ann and ben of 4
    assert two.share_proficient == 0.0
    assert one.median_estimate == 0.85  # of 0.97, 0.85, 0.30 (dan never started)
    assert two.median_estimate == 0.30  # of 0.60, 0.20, 0.30 (dan's row is Not started)
    assert one.reviews_due == 1 and two.reviews_due == 0
    assert [name for name, _ in one.stuck] == ["cat"]  # 9 counted answers, still Attempted
    assert [name for name, _ in two.stuck] == ["ben"]  # 8 counts; cat has only 7
    html = response.content.decode()
    # The stacked bar: a quarter of the width per learner, empty levels drawn not at all.
    assert '<rect class="lvl-0" x="0.0" y="0" width="25.0" height="10">' in html
    assert '<rect class="lvl-3" x="50.0" y="0" width="25.0" height="10">' in html
    assert '<rect class="lvl-4" x="75.0" y="0" width="25.0" height="10">' in html
    assert '<rect class="lvl-1" x="25.0" y="0" width="50.0" height="10">' in html
    assert "50.0%" in html and ">85%<" in html  # the median estimate, in percent
    cat_evidence = (
        reverse("admin:quizzes_response_changelist")
        + f"?user__id__exact={users['cat'].pk}&amp;objective__id__exact={first.pk}"
    )
    assert f'<li><a href="{cat_evidence}"><bdi>cat</bdi></a></li>' in html


def test_class_mastery_grid_colours_each_cell_and_links_to_its_evidence(
    instructor_client, mastery_class
):
    course, first, second, users = mastery_class
    response = instructor_client.get(reverse("reports:mastery", args=[course.pk]))
    grid = response.context["grid"]
    assert [name for name, _ in grid] == ["ann", "ben", "cat", "dan"]
    levels = {name: [level for level, _, _ in cells] for name, cells in grid}
    assert levels == {"ann": [4, 2], "ben": [3, 1], "cat": [1, 1], "dan": [0, 0]}
    cat = users["cat"]
    evidence = (
        reverse("admin:quizzes_response_changelist")
        + f"?user__id__exact={cat.pk}&amp;objective__id__exact={first.pk}"
    )
    html = response.content.decode()
    assert f'<td class="cell lvl-1"><a href="{evidence}" title="Attempted">A</a></td>' in html
    assert_csp_clean(html)


def test_class_mastery_of_an_unknown_course_is_404(instructor_client):
    assert instructor_client.get(reverse("reports:mastery", args=[999])).status_code == 404


# --- item analysis ---------------------------------------------------------------------------


@pytest.fixture
def item_data():
    """Five learners' first attempts at a two-question quiz, plus attempts that must not count.

    Q1 single choice (a correct), Q2 true/false (true correct). First attempts:
        L1: a(1) true(1)   L2: a(1) false(0)   L3: b(0) true(1)   L4: b(0) false(0)
        L5: c(0) false(0)
    L1 tries again a day later: b(0) false(0). L3 has an earlier practice attempt (both right)
    and L4 an earlier unfinished one (c): neither ever counts.
    """
    course = make_course("items-course")
    first, second = objectives_of(course)
    q1 = make_choice_question(first, "q1")
    q2 = make_truefalse_question(first, "q2", answer=True)
    quiz = make_quiz(first.course, first)
    learners = [make_user(f"l{i}") for i in range(1, 6)]
    picks = [("a", "true"), ("a", "false"), ("b", "true"), ("b", "false"), ("c", "false")]
    for i, (learner, (c1, c2)) in enumerate(zip(learners, picks, strict=True)):
        make_attempt(
            learner,
            quiz,
            [(q1, c1, float(c1 == "a")), (q2, c2, float(c2 == "true"))],
            started_at=T0 + timedelta(hours=i),
        )
    make_attempt(
        learners[0], quiz, [(q1, "b", 0.0), (q2, "false", 0.0)], started_at=T0 + timedelta(days=1)
    )
    make_attempt(
        learners[2],
        quiz,
        [(q1, "a", 1.0), (q2, "true", 1.0)],
        started_at=T0 - timedelta(days=1),
        practice=True,
    )
    make_attempt(
        learners[3], quiz, [(q1, "c", 0.0)], started_at=T0 - timedelta(hours=2), finished=False
    )
    return course, first, quiz, q1, q2, learners


def test_item_analysis_of_first_attempts_shows_every_figure(instructor_client, item_data):
    course, first, quiz, q1, q2, learners = item_data
    response = instructor_client.get(reverse("reports:items", args=[quiz.pk]))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert response.context["mode"] == "first"
    # Totals X = 2, 1, 1, 0, 0 over p = 2 questions.
    assert (stats.S, stats.p, stats.excluded) == (5, 2, 0)
    assert stats.mean.value == pytest.approx(40.0)  # 0.8 / 2
    assert stats.median.value == pytest.approx(50.0)  # 1 / 2
    assert stats.sd.value == pytest.approx(41.833, abs=1e-3)  # sqrt(2.8 / 4) / 2
    # alpha = 2/1 * (1 - (0.3 + 0.3) / 0.7) = 28.57%; ER = sqrt(1 - 0.2857); SE = ER * SD.
    assert stats.alpha.value == pytest.approx(28.571, abs=1e-3)
    assert stats.guidance == "weak"
    assert stats.error_ratio.value == pytest.approx(84.515, abs=1e-3)
    assert stats.standard_error.value == pytest.approx(35.355, abs=1e-3)
    s1, s2 = stats.questions
    assert (s1.key, s2.key) == ("q1", "q2")
    for s in (s1, s2):
        assert s.n == 5
        assert s.facility.value == pytest.approx(40.0)  # 2 of 5
        assert s.facility_ci == pytest.approx((11.762, 76.929), abs=1e-3)  # Wilson 2/5
        assert s.sd.value == pytest.approx(54.772, abs=1e-3)  # sqrt(0.3)
        # Cov(x, R) = 0.2 / 4 = 0.05; Var x = Var R = 0.3; Cov_max = 1.2 / 4 = 0.3.
        assert s.discrimination.value == pytest.approx(16.667, abs=1e-3)
        assert s.efficiency.value == pytest.approx(16.667, abs=1e-3)
    assert s1.random_guess == 25.0 and s2.random_guess == 50.0
    assert s1.flags == ["dead-distractor:d"]
    assert s2.flags == []
    distractors = {row.option_key: row for row in s1.distractors}
    assert (distractors["a"].count, distractors["a"].share, distractors["a"].mean_rest) == (
        2,
        40.0,
        50.0,
    )  # L1 and L2, whose rest (Q2) is 1 and 0
    assert (distractors["b"].count, distractors["b"].mean_rest) == (2, 50.0)
    assert (distractors["c"].count, distractors["c"].mean_rest) == (1, 0.0)
    assert (distractors["d"].count, distractors["d"].mean_rest) == (0, None)
    tf = {row.option_key: row.count for row in s2.distractors}
    assert tf == {"true": 2, "false": 3}
    html = response.content.decode()
    assert "S = 5" in html
    assert "11.8–76.9%" in html
    assert "Dead distractor: nobody chose option d" in html
    assert "28.6%" in html and "Weak" in html
    assert "Option A (correct)" not in html and "a (correct)" in html
    assert_csp_clean(html)


def test_item_analysis_can_use_all_or_latest_attempts(instructor_client, item_data):
    course, first, quiz, q1, q2, learners = item_data
    url = reverse("reports:items", args=[quiz.pk])
    every = instructor_client.get(url + "?attempts=all").context["stats"]
    assert every.S == 6  # L1's second attempt joins; practice and unfinished never do
    assert every.questions[0].facility.value == pytest.approx(100 * 2 / 6)
    latest = instructor_client.get(url + "?attempts=latest").context["stats"]
    assert latest.S == 5
    assert latest.questions[0].facility.value == pytest.approx(20.0)  # L1's latest: b
    assert latest.questions[1].facility.value == pytest.approx(20.0)  # only L3 right
    fallback = instructor_client.get(url + "?attempts=bogus")
    assert fallback.status_code == 200 and fallback.context["mode"] == "first"


def test_item_analysis_withholds_variance_figures_below_five_attempts(instructor_client):
    course = make_course("tiny-course")
    first, _ = objectives_of(course)
    q1 = make_choice_question(first, "only")
    quiz = make_quiz(first.course, first)
    make_attempt(make_user("solo"), quiz, [(q1, "a", 1.0)])
    response = instructor_client.get(reverse("reports:items", args=[quiz.pk]))
    stats = response.context["stats"]
    assert stats.S == 1 and stats.sd.value is None
    assert stats.questions[0].discrimination.reason == "needs at least 5 attempts"
    assert '-<span class="reason"> (needs at least 5 attempts)</span>' in response.content.decode()


# --- per objective ---------------------------------------------------------------------------


def test_objective_report_levels_alpha_and_misconceptions(instructor_client, item_data):
    course, first, quiz, q1, q2, learners = item_data
    l1, l2, l3, l4, l5 = learners
    make_mastery(l1, first, L.PROFICIENT, estimate=0.82)
    make_mastery(l2, first, L.FAMILIAR, estimate=0.55)
    make_mastery(l3, first, L.ATTEMPTED, estimate=0.35)
    make_mastery(l4, first, L.ATTEMPTED, estimate=0.25)
    # l5 has no row on this objective but one on the other, so belongs to the class.
    make_mastery(l5, objectives_of(course)[1], L.ATTEMPTED, estimate=0.2)
    response = instructor_client.get(reverse("reports:objectives", args=[course.pk]))
    assert response.status_code == 200
    one, two = response.context["figures"]
    assert one.counts == [1, 2, 1, 1, 0]
    assert one.learners == 5
    assert one.share_proficient == pytest.approx(20.0)
    assert one.median_estimate == pytest.approx((0.35 + 0.55) / 2)
    assert one.alpha.value == pytest.approx(28.571, abs=1e-3)  # the first attempts above
    assert one.alpha_attempts == 5 and one.guidance == "weak"
    # Wrong answers over every answer, practice and unfinished included:
    # q2 "False" by L2, L4, L5 and L1's retry; q1 "Option B" by L3, L4 and L1's retry;
    # q1 "Option C" by L5 and L4's unfinished attempt.
    assert [(key, label, n) for _, key, label, n in one.misconceptions] == [
        ("q2", "False", 4),
        ("q1", "Option B", 3),
        ("q1", "Option C", 2),
    ]
    assert one.misconceptions[0][0] == q2
    assert two.counts == [4, 1, 0, 0, 0] and two.alpha.value is None
    html = response.content.decode()
    assert f'href="{q1.source_url()}"' in html
    assert f'href="{reverse("reports:items", args=[quiz.pk])}"' in html
    assert_csp_clean(html)


# --- index, CSP and query counts ------------------------------------------------------------


def test_reports_index_links_every_report(instructor_client, item_data):
    course, first, quiz, *_ = item_data
    html = instructor_client.get(reverse("reports:index")).content.decode()
    for url in [
        reverse("reports:mastery", args=[course.pk]),
        reverse("reports:objectives", args=[course.pk]),
        reverse("reports:items", args=[quiz.pk]),
        reverse("reports:export_responses") + f"?course={course.pk}",
    ]:
        assert f'href="{url}"' in html
    assert_csp_clean(html)


def test_report_pages_send_the_strict_csp(instructor_client, item_data):
    course, *_ = item_data
    response = instructor_client.get(reverse("reports:mastery", args=[course.pk]))
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy


def _grow(course, quiz, questions, objective, n):
    for learner in make_learners(n):
        make_attempt(learner, quiz, [(q, "a", 1.0) for q in questions], started_at=T0)
        make_mastery(learner, objective, L.FAMILIAR, estimate=0.6)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # (user and session cached) permissions of user and group; the course; its objectives;
        # the running counts (progress.masterytally: the levels, the stuck learners and the
        # class size, which the grid's pages use, so no COUNT of the learners); the reviews
        # due; the median estimate (one per objective started: 1 here; one more per objective
        # with stuck learners, naming them); the grid's page of learners, their rows; the
        # classes (groups) of the filter.
        ("mastery", 10),
        # permissions x2 (the user cached); the quiz with course and objective; the question
        # pool with lessons and current versions; the quiz's running sums (progress.itemtally).
        ("items", 5),
        # permissions x2 (the user cached); the course; objectives; questions; mastery rows;
        # first-attempt response rows; wrong-answer rows.
        ("objectives", 8),
        # permissions x2 (the user cached); courses; quizzes.
        ("index", 4),
    ],
)
def test_report_query_counts_do_not_grow_with_the_class(
    client, django_assert_num_queries, name, expected
):
    course = make_course("count-course")
    first, _ = objectives_of(course)
    questions = [make_choice_question(first, f"c{i}") for i in range(3)]
    quiz = make_quiz(first.course, first)
    client.force_login(make_staff_instructor())
    arg = {"items": [quiz.pk], "index": []}.get(name, [course.pk])
    url = reverse(f"reports:{name}", args=arg)
    _grow(course, quiz, questions, first, 3)
    client.get(reverse("admin:index"))  # warm the session and user caches, not the report's
    if name == "items":  # the first report builds the sums of attempts written in bulk
        client.get(url)
    if name == "mastery":  # the rows were written around the answers: counted as a bulk write
        masterytally.rebuild(course.pk)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _grow(course, quiz, questions, first, 27)
    if name == "mastery":
        masterytally.rebuild(course.pk)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_item_analysis_reads_its_running_sums_not_the_answers(
    instructor_client, item_data, django_assert_num_queries
):
    course, first, quiz, q1, q2, learners = item_data
    url = reverse("reports:items", args=[quiz.pk])
    assert instructor_client.get(url).context["stats"].S == 5
    # Permissions x2 (the user cached), quiz, questions, the sums; no response rows.
    with django_assert_num_queries(5) as captured:
        again = instructor_client.get(url)
    assert not any("quizzes_response" in q["sql"] for q in captured.captured_queries)
    assert again.context["stats"].S == 5
    unfinished = make_attempt(
        make_user("late"), quiz, [(q1, "a", 1.0), (q2, "true", 1.0)], finished=False
    )
    assert instructor_client.get(url).context["stats"].S == 5  # unfinished never counts
    assert close_attempt(unfinished)
    after = instructor_client.get(url).context["stats"]
    assert after.S == 6
    assert after.questions[0].facility.value == pytest.approx(50.0)  # 3 of 6 now


def test_reports_only_answer_get(instructor_client, item_data):
    course, first, quiz, *_ = item_data
    for url in [
        reverse("reports:items", args=[quiz.pk]),
        reverse("reports:mastery", args=[course.pk]),
        reverse("reports:export_responses"),
    ]:
        assert instructor_client.post(url).status_code == 405


def test_class_mastery_is_current_after_a_mastery_row_changes(instructor_client, item_data):
    course, first, quiz, q1, q2, learners = item_data
    url = reverse("reports:mastery", args=[course.pk])
    before = instructor_client.get(url).context["summaries"]
    row = Mastery.objects.create(user=learners[0], objective=first, level=L.FAMILIAR)
    assert instructor_client.get(url).context["summaries"] != before
    before = instructor_client.get(url).context["summaries"]
    row.level = L.MASTERED
    row.save()

    def mastered(summaries):
        return next(s for s in summaries if s.objective == first).counts[L.MASTERED]

    assert mastered(instructor_client.get(url).context["summaries"]) == mastered(before) + 1


def test_class_mastery_median_of_an_even_and_an_odd_number_of_estimates(
    instructor_client, mastery_class
):
    course, first, second, users = mastery_class
    url = reverse("reports:mastery", args=[course.pk])
    # first: 0.97, 0.85, 0.30 started (odd); one more started row makes it even.
    make_mastery(make_user("eve"), first, L.ATTEMPTED, estimate=0.40)
    one = instructor_client.get(url).context["summaries"][0]
    assert one.median_estimate == pytest.approx((0.40 + 0.85) / 2)
    assert one.learners == 5 and one.counts[L.NOT_STARTED] == 1


def test_class_mastery_names_the_first_stuck_learners_and_counts_them_all(
    instructor_client, mastery_class
):
    course, first, second, users = mastery_class
    for i in range(STUCK_SHOWN + 3):
        make_mastery(make_user(f"zz{i:02d}"), first, L.ATTEMPTED, estimate=0.2, counted=9)
    response = instructor_client.get(reverse("reports:mastery", args=[course.pk]))
    one = response.context["summaries"][0]
    assert one.stuck_count == STUCK_SHOWN + 4  # cat too
    assert [name for name, _ in one.stuck][:2] == ["cat", "zz00"]
    assert len(one.stuck) == STUCK_SHOWN
    assert "and 4 more (the first 20 by username)" in response.content.decode()
