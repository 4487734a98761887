"""Tests of reports.itemstats (pure Python, no Django).

The main data set is small enough that every figure is worked out by hand in the comments; the
assertions use the precision of that hand arithmetic.
"""

from __future__ import annotations

import pytest

from reports.itemstats import (
    NEEDS_ATTEMPTS,
    NEGATIVE_ALPHA,
    NO_ATTEMPTS,
    NO_VARIANCE,
    AttemptRow,
    DistractorRow,
    Figure,
    QuestionInfo,
    QuestionStats,
    QuizStats,
    analyse,
    flag_label,
    guidance_for,
    top_wrong_answers,
    wilson_interval,
)

# --------------------------------------------------------------------------------------------
# Hand-worked data set: 6 attempts of 3 slots, drawn from a pool of 4 questions.
#
#   Q1 single choice, options a b c d (a right)      -> always slot 1
#   Q2 true/false (true right)                       -> always slot 2
#   Q3 multiple choice, options a b c (a+b right)    -> slot 3 in attempts 1-5
#   Q4 numeric                                       -> slot 3 in attempt 6
#
#   attempt | Q1 (choice) | Q2 (choice) | slot 3 (choice)  | X
#   1       | 1   (a)     | 1 (true)    | Q3 1   ({a, b})  | 3
#   2       | 1   (a)     | 0 (false)   | Q3 1   ({a, b})  | 2
#   3       | 1   (a)     | 1 (true)    | Q3 0.5 ({a})     | 2.5
#   4       | 0   (b)     | 0 (false)   | Q3 0.5 ({b})     | 0.5
#   5       | 0   (c)     | 1 (true)    | Q3 0   ({c})     | 1
#   6       | 0   (b)     | 1 (true)    | Q4 0             | 1
# --------------------------------------------------------------------------------------------

POOL = [
    QuestionInfo("Q1", ("a", "b", "c", "d"), 25.0),
    QuestionInfo("Q2", ("true", "false"), 50.0),
    QuestionInfo("Q3", ("a", "b", "c")),
    QuestionInfo("Q4"),
]


def _row(
    attempt_id: int, marks: list[tuple[str, float]], choices: dict[str, tuple[str, ...]]
) -> AttemptRow:
    return AttemptRow(attempt_id, 100 + attempt_id, tuple(marks), choices)


ATTEMPTS = [
    _row(
        1,
        [("Q1", 1), ("Q2", 1), ("Q3", 1)],
        {"Q1": ("a",), "Q2": ("true",), "Q3": ("a", "b")},
    ),
    _row(
        2,
        [("Q1", 1), ("Q2", 0), ("Q3", 1)],
        {"Q1": ("a",), "Q2": ("false",), "Q3": ("a", "b")},
    ),
    _row(
        3,
        [("Q1", 1), ("Q2", 1), ("Q3", 0.5)],
        {"Q1": ("a",), "Q2": ("true",), "Q3": ("a",)},
    ),
    _row(
        4,
        [("Q1", 0), ("Q2", 0), ("Q3", 0.5)],
        {"Q1": ("b",), "Q2": ("false",), "Q3": ("b",)},
    ),
    _row(
        5,
        [("Q1", 0), ("Q2", 1), ("Q3", 0)],
        {"Q1": ("c",), "Q2": ("true",), "Q3": ("c",)},
    ),
    _row(6, [("Q1", 0), ("Q2", 1), ("Q4", 0)], {"Q1": ("b",), "Q2": ("true",)}),
]


@pytest.fixture(scope="module")
def stats() -> QuizStats:
    """The analysis of the hand-worked data set."""
    return analyse(ATTEMPTS, POOL)


def _question(stats: QuizStats, key: str) -> QuestionStats:
    return next(q for q in stats.questions if q.key == key)


def test_questions_in_pool_order(stats: QuizStats) -> None:
    assert [q.key for q in stats.questions] == ["Q1", "Q2", "Q3", "Q4"]
    assert [q.n for q in stats.questions] == [6, 6, 5, 1]


def test_test_level_figures(stats: QuizStats) -> None:
    # Every attempt has 3 slots, so p = 3 and S = 6.
    # X = 3, 2, 2.5, 0.5, 1, 1; sum 10; mean 10/6 = 5/3 -> 5/3 / 3 = 55.56%.
    # Sorted X: 0.5 1 1 2 2.5 3; median (1 + 2) / 2 = 1.5 -> 1.5 / 3 = 50%.
    # Deviations of X from 5/3, in sixths (6X = 18 12 15 3 6 6, mean 10): 8 2 5 -7 -4 -4;
    #   squares 64 4 25 49 16 16 = 174 -> 174/36 = 29/6; Var X = 29/6 / 5 = 29/30 = 0.96667.
    # SD = sqrt(0.96667) = 0.98319 -> 0.98319 / 3 = 32.77%.
    # Slot variances:
    #   slot 1 = 1 1 1 0 0 0, mean 0.5, squares 6 * 0.25 = 1.5, Var 1.5/5 = 0.3
    #   slot 2 = 1 0 1 0 1 1, mean 2/3, squares 4 * 1/9 + 2 * 4/9 = 4/3, Var 4/15 = 0.26667
    #   slot 3 = 1 1 0.5 0.5 0 0 (Q3 five times, Q4 once), mean 0.5,
    #            squares 4 * 0.25 = 1, Var 1/5 = 0.2
    #   sum = 0.3 + 0.26667 + 0.2 = 0.76667 = 23/30
    # CIC = 100 * 3/2 * (1 - (23/30) / (29/30)) = 150 * 6/29 = 900/29 = 31.03%.
    # ER = 100 * sqrt(1 - 0.3103) = 100 * sqrt(20/29) = 100 * 0.83045 = 83.05%.
    # SE = 0.83045 * 32.77 = 27.22%.
    assert stats.S == 6
    assert stats.p == 3
    assert stats.excluded == 0
    assert stats.mean.value == pytest.approx(55.56, abs=0.01)
    assert stats.median.value == pytest.approx(50.0)
    assert stats.sd.value == pytest.approx(32.77, abs=0.01)
    assert stats.alpha.value == pytest.approx(31.03, abs=0.01)
    assert stats.error_ratio.value == pytest.approx(83.05, abs=0.01)
    assert stats.standard_error.value == pytest.approx(27.22, abs=0.01)
    assert stats.guidance == "weak"


def test_q1_single_choice(stats: QuizStats) -> None:
    # x = 1 1 1 0 0 0; R = X - x = 2 1 1.5 0.5 1 1.
    # Facility 3/6 = 50%. Wilson 3/6 (z^2 = 3.8416): denominator 1 + 3.8416/6 = 1.64027,
    #   centre (0.5 + 3.8416/12) / 1.64027 = 0.5,
    #   half 1.96 * sqrt(0.25/6 + 3.8416/144) / 1.64027 = 1.96 * 0.26143 / 1.64027 = 0.31239
    #   -> (18.76%, 81.24%).
    # Var x: deviations +-0.5, squares 6 * 0.25 = 1.5, Var 0.3; SD sqrt(0.3) = 54.77%.
    # R mean 7/6; deviations in sixths (6R = 12 6 9 3 6 6): 5 -1 2 -4 -1 -1;
    #   squares 25 1 4 16 1 1 = 48 -> 48/36 = 4/3; Var R = 4/15 = 0.26667.
    # x deviations in sixths: 3 3 3 -3 -3 -3; products with R's: 15 -3 6 12 3 3 = 36
    #   -> 36/36 = 1; Cov = 1/5 = 0.2.
    # Discrimination = 0.2 / sqrt(0.3 * 0.26667) = 0.2 / sqrt(0.08) = 0.2 / 0.28284 = 70.71%.
    # Cov_max: sorted x 0 0 0 1 1 1 with sorted R 0.5 1 1 1 1.5 2;
    #   deviations (sixths) x: -3 -3 -3 3 3 3, R: -4 -1 -1 -1 2 5;
    #   products 12 3 3 -3 6 15 = 36 -> Cov_max = 0.2; efficiency 0.2 / 0.2 = 100%.
    # Distractors (rest as a percentage of its maximum p - 1 = 2):
    #   a: attempts 1 2 3, R 2 1 1.5 -> 100 50 75, mean 75; 3/6 = 50%
    #   b: attempts 4 6, R 0.5 1 -> 25 50, mean 37.5; 2/6 = 33.33%
    #   c: attempt 5, R 1 -> 50; 1/6 = 16.67%
    #   d: nobody -> dead distractor
    # Random guess: mean of option marks (1 + 0 + 0 + 0) / 4 = 25%.
    q = _question(stats, "Q1")
    assert q.n == 6
    assert q.facility.value == pytest.approx(50.0)
    assert q.facility_ci == pytest.approx((18.76, 81.24), abs=0.01)
    assert q.sd.value == pytest.approx(54.77, abs=0.01)
    assert q.random_guess == pytest.approx(25.0)
    assert q.discrimination.value == pytest.approx(70.71, abs=0.01)
    assert q.efficiency.value == pytest.approx(100.0)
    assert [(d.option_key, d.count) for d in q.distractors] == [
        ("a", 3),
        ("b", 2),
        ("c", 1),
        ("d", 0),
    ]
    assert [d.share for d in q.distractors] == pytest.approx([50.0, 33.33, 16.67, 0.0], abs=0.01)
    assert [d.mean_rest for d in q.distractors[:3]] == pytest.approx([75.0, 37.5, 50.0])
    assert q.distractors[3].mean_rest is None
    assert q.flags == ["dead-distractor:d"]
    assert q.flag_labels == ["Dead distractor: nobody chose option d"]


def test_q2_true_false(stats: QuizStats) -> None:
    # x = 1 0 1 0 1 1; R = X - x = 2 2 1.5 0.5 0 0.
    # Facility 4/6 = 66.67%. Wilson 4/6: centre (0.66667 + 0.32013) / 1.64027 = 0.60161,
    #   half 1.96 * sqrt(0.22222/6 + 3.8416/144) / 1.64027 = 1.96 * 0.25242 / 1.64027 = 0.30162
    #   -> (30.00%, 90.32%).
    # Var x: deviations 1/3 (four) and -2/3 (two): 4/9 + 8/9 = 4/3, Var 4/15 = 0.26667;
    #   SD sqrt(0.26667) = 51.64%.
    # R mean 6/6 = 1; deviations 1 1 0.5 -0.5 -1 -1; squares 1 1 0.25 0.25 1 1 = 4.5; Var 0.9.
    # Products of deviations: 1/3, -2/3, 1/6, 1/3, -1/3, -1/3 = -1/2; Cov = -0.5/5 = -0.1.
    # Discrimination = -0.1 / sqrt(0.26667 * 0.9) = -0.1 / sqrt(0.24) = -0.1 / 0.48990
    #   = -20.41% -> flag negative-discrimination.
    # Cov_max: sorted x 0 0 1 1 1 1 with sorted R 0 0 0.5 1.5 2 2;
    #   deviations x: -2/3 -2/3 1/3 1/3 1/3 1/3, R: -1 -1 -0.5 0.5 1 1;
    #   products 2/3 2/3 -1/6 1/6 1/3 1/3 = 2 -> Cov_max = 2/5 = 0.4;
    #   efficiency -0.1 / 0.4 = -25%.
    # Distractors: true: attempts 1 3 5 6, R 2 1.5 0 0 -> 100 75 0 0, mean 43.75; 4/6 = 66.67%
    #              false: attempts 2 4, R 2 0.5 -> 100 25, mean 62.5; 2/6 = 33.33%
    # Random guess for true/false: 50%.
    q = _question(stats, "Q2")
    assert q.n == 6
    assert q.facility.value == pytest.approx(66.67, abs=0.01)
    assert q.facility_ci == pytest.approx((30.00, 90.32), abs=0.01)
    assert q.sd.value == pytest.approx(51.64, abs=0.01)
    assert q.random_guess == 50.0
    assert q.discrimination.value == pytest.approx(-20.41, abs=0.01)
    assert q.efficiency.value == pytest.approx(-25.0)
    assert [(d.option_key, d.count) for d in q.distractors] == [("true", 4), ("false", 2)]
    assert [d.share for d in q.distractors] == pytest.approx([66.67, 33.33], abs=0.01)
    assert [d.mean_rest for d in q.distractors] == pytest.approx([43.75, 62.5])
    assert q.flags == ["negative-discrimination"]


def test_q3_multiple_choice_with_partial_marks(stats: QuizStats) -> None:
    # In attempts 1-5 only: x = 1 1 0.5 0.5 0; X = 3 2 2.5 0.5 1; R = 2 1 2 0 1.
    # Facility 3/5 = 60%; no Wilson interval because of the 0.5 marks.
    # x mean 0.6; deviations 0.4 0.4 -0.1 -0.1 -0.6; squares 0.16 0.16 0.01 0.01 0.36 = 0.7;
    #   Var 0.7/4 = 0.175; SD sqrt(0.175) = 41.83%.
    # R mean 6/5 = 1.2; deviations 0.8 -0.2 0.8 -1.2 -0.2; squares 0.64 0.04 0.64 1.44 0.04
    #   = 2.8; Var 2.8/4 = 0.7.
    # Products: 0.32 -0.08 -0.08 0.12 0.12 = 0.4; Cov 0.4/4 = 0.1.
    # Discrimination = 0.1 / sqrt(0.175 * 0.7) = 0.1 / sqrt(0.1225) = 0.1 / 0.35 = 28.57%.
    # Cov_max: sorted x 0 0.5 0.5 1 1 with sorted R 0 1 1 2 2;
    #   deviations x: -0.6 -0.1 -0.1 0.4 0.4, R: -1.2 -0.2 -0.2 0.8 0.8;
    #   products 0.72 0.02 0.02 0.32 0.32 = 1.4 -> Cov_max = 0.35; efficiency 0.1/0.35 = 28.57%.
    # Distractors (multiple choice: shares of the 5 attempts, may add up to over 100):
    #   a: attempts 1 2 3, R 2 1 2 -> 100 50 100, mean 83.33; 60%
    #   b: attempts 1 2 4, R 2 1 0 -> 100 50 0, mean 50; 60%
    #   c: attempt 5, R 1 -> 50; 20%
    q = _question(stats, "Q3")
    assert q.n == 5
    assert q.facility.value == pytest.approx(60.0)
    assert q.facility_ci is None
    assert q.sd.value == pytest.approx(41.83, abs=0.01)
    assert q.random_guess is None
    assert q.discrimination.value == pytest.approx(28.57, abs=0.01)
    assert q.efficiency.value == pytest.approx(28.57, abs=0.01)
    assert [(d.option_key, d.count) for d in q.distractors] == [("a", 3), ("b", 3), ("c", 1)]
    assert [d.share for d in q.distractors] == pytest.approx([60.0, 60.0, 20.0])
    assert [d.mean_rest for d in q.distractors] == pytest.approx([83.33, 50.0, 50.0], abs=0.01)
    assert q.flags == []


def test_q4_seen_once(stats: QuizStats) -> None:
    # Only attempt 6: x = 0. Facility 0% (too hard); variance figures need 5 attempts.
    # Wilson 0/1: denominator 1 + 3.8416 = 4.8416; centre 1.9208 / 4.8416 = 0.39673;
    #   half 1.96 * sqrt(3.8416/4) / 4.8416 = 1.96 * 0.98 / 4.8416 = 0.39673 -> (0%, 79.35%).
    q = _question(stats, "Q4")
    assert q.n == 1
    assert q.facility.value == 0.0
    assert q.facility_ci == pytest.approx((0.0, 79.35), abs=0.01)
    assert q.sd == Figure(None, NEEDS_ATTEMPTS)
    assert q.discrimination == Figure(None, NEEDS_ATTEMPTS)
    assert q.efficiency == Figure(None, NEEDS_ATTEMPTS)
    assert q.random_guess is None
    assert q.distractors == []
    assert q.flags == ["too-hard"]


# --------------------------------------------------------------------------------------------
# Missing figures
# --------------------------------------------------------------------------------------------


def test_fewer_than_five_attempts_withholds_variance_figures() -> None:
    result = analyse(ATTEMPTS[:4], POOL)
    assert result.S == 4
    # X = 3 2 2.5 0.5 -> mean 8/4 = 2 -> 66.67%; median (2 + 2.5)/2 = 2.25 -> 75%.
    assert result.mean.value == pytest.approx(66.67, abs=0.01)
    assert result.median.value == pytest.approx(75.0)
    for figure in (result.sd, result.alpha, result.error_ratio, result.standard_error):
        assert figure == Figure(None, NEEDS_ATTEMPTS)
        assert figure.display() == "-"
    assert result.guidance == ""
    q1 = result.questions[0]
    assert q1.facility.value == pytest.approx(75.0)
    assert q1.discrimination.reason == NEEDS_ATTEMPTS
    assert q1.efficiency.reason == NEEDS_ATTEMPTS


def test_zero_variance_gives_no_variance_reason() -> None:
    pool = [QuestionInfo("A"), QuestionInfo("B")]
    rows = [AttemptRow(i, i, (("A", 1.0), ("B", 0.5))) for i in range(5)]
    result = analyse(rows, pool)
    assert result.sd.value == 0.0
    assert result.alpha == Figure(None, NO_VARIANCE)
    assert result.error_ratio == Figure(None, NO_VARIANCE)
    assert result.standard_error == Figure(None, NO_VARIANCE)
    a = result.questions[0]
    assert a.sd.value == 0.0
    assert a.discrimination == Figure(None, NO_VARIANCE)
    assert a.efficiency == Figure(None, NO_VARIANCE)


def test_constant_rest_of_test_gives_no_variance_reason() -> None:
    # A varies but B (the whole rest of the test) does not.
    pool = [QuestionInfo("A"), QuestionInfo("B")]
    rows = [AttemptRow(i, i, (("A", float(i % 2)), ("B", 1.0))) for i in range(6)]
    a = analyse(rows, pool).questions[0]
    assert a.sd.value == pytest.approx(54.77, abs=0.01)
    assert a.discrimination == Figure(None, NO_VARIANCE)
    assert a.efficiency == Figure(None, NO_VARIANCE)


def test_negative_alpha_leaves_error_ratio_undefined() -> None:
    # Two slots moving in opposite directions (B = 1 - A), except in the last attempt, which
    # keeps a little variance in X.
    pool = [QuestionInfo("A"), QuestionInfo("B")]
    marks = [(1, 0), (0, 1), (1, 0), (0, 1), (1, 0), (1, 1)]
    rows = [AttemptRow(i, i, (("A", float(a)), ("B", float(b)))) for i, (a, b) in enumerate(marks)]
    result = analyse(rows, pool)
    # X = 1 1 1 1 1 2, mean 7/6, Var X = (5 * (1/6)^2 + (5/6)^2) / 5 = (30/36) / 5 = 1/6.
    # Slot A = 1 0 1 0 1 1: Var 4/15; slot B = 0 1 0 1 0 1: Var 0.3; sum 17/30.
    # CIC = 100 * 2 * (1 - (17/30) / (1/6)) = 200 * (1 - 3.4) = -480%.
    assert result.alpha.value == pytest.approx(-480.0)
    assert result.error_ratio == Figure(None, NEGATIVE_ALPHA)
    assert result.standard_error == Figure(None, NEGATIVE_ALPHA)
    assert result.guidance == "weak"


def test_no_attempts() -> None:
    result = analyse([], POOL)
    assert result.S == 0
    assert result.mean == Figure(None, NO_ATTEMPTS)
    assert result.guidance == ""
    q1 = result.questions[0]
    assert q1.n == 0
    assert q1.facility == Figure(None, NO_ATTEMPTS)
    assert q1.facility_ci is None
    assert q1.flags == []
    assert [d.count for d in q1.distractors] == [0, 0, 0, 0]


def test_modal_slot_count_used_for_test_level_figures() -> None:
    # Five 3-slot attempts and one 4-slot attempt: p = 3, the 4-slot attempt is left out of the
    # test-level figures but still counts for its questions.
    extra = AttemptRow(7, 107, (("Q1", 1), ("Q2", 1), ("Q3", 1), ("Q4", 1)))
    result = analyse([*ATTEMPTS[:5], extra], POOL)
    assert (result.p, result.S, result.excluded) == (3, 5, 1)
    assert _question(result, "Q4").n == 1
    assert _question(result, "Q1").n == 6
    # X over attempts 1-5 = 3 2 2.5 0.5 1 -> mean 9/5 = 1.8 -> 60%.
    assert result.mean.value == pytest.approx(60.0)


def test_modal_slot_count_tie_prefers_more_slots() -> None:
    pool = [QuestionInfo("A")]
    rows = [AttemptRow(1, 1, (("A", 1.0),)), AttemptRow(2, 2, (("A", 1.0), ("B", 0.0)))]
    result = analyse(rows, pool)
    assert (result.p, result.S, result.excluded) == (2, 1, 1)


# --------------------------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------------------------


def test_too_easy_and_too_hard_flags() -> None:
    pool = [QuestionInfo("E"), QuestionInfo("H")]
    rows = [AttemptRow(i, i, (("E", 1.0), ("H", 0.0))) for i in range(10)]
    easy, hard = analyse(rows, pool).questions
    assert easy.flags == ["too-easy"]
    assert hard.flags == ["too-hard"]
    assert easy.flag_labels == ["Too easy: facility above 90%"]
    assert hard.flag_labels == ["Too hard: facility below 20%"]


def test_facility_of_exactly_90_or_20_is_not_flagged() -> None:
    pool = [QuestionInfo("N"), QuestionInfo("T")]
    rows = [AttemptRow(i, i, (("N", float(i < 9)), ("T", float(i < 2)))) for i in range(10)]
    ninety, twenty = analyse(rows, pool).questions
    assert ninety.facility.value == pytest.approx(90.0)
    assert twenty.facility.value == pytest.approx(20.0)
    assert ninety.flags == []
    assert twenty.flags == []


def _weak_rows(cells: dict[tuple[int, int], int]) -> list[AttemptRow]:
    """Two-slot attempts with (W mark, O mark) repeated as often as ``cells`` says."""
    rows: list[AttemptRow] = []
    for (w, o), count in cells.items():
        for _ in range(count):
            rows.append(AttemptRow(len(rows), len(rows), (("W", float(w)), ("O", float(o)))))
    return rows


def test_weak_discrimination_flag_needs_twenty_attempts() -> None:
    pool = [QuestionInfo("W")]
    # Counts (W, O): (1,1) 6, (1,0) 4, (0,1) 5, (0,0) 5; n = 20. With R = O the index is the
    # phi coefficient: (6*5 - 4*5) / sqrt(10 * 10 * 11 * 9) = 10 / 99.50 = 10.05%.
    w20 = analyse(_weak_rows({(1, 1): 6, (1, 0): 4, (0, 1): 5, (0, 0): 5}), pool).questions[0]
    assert w20.n == 20
    assert w20.discrimination.value == pytest.approx(10.05, abs=0.01)
    assert w20.flags == ["weak-discrimination"]
    assert w20.flag_labels == ["Weak discrimination: below 20%"]
    # One (0,0) fewer: n = 19, (6*4 - 4*5) / sqrt(10 * 9 * 11 * 8) = 4 / 88.99 = 4.49%: no flag.
    w19 = analyse(_weak_rows({(1, 1): 6, (1, 0): 4, (0, 1): 5, (0, 0): 4}), pool).questions[0]
    assert w19.n == 19
    assert w19.discrimination.value == pytest.approx(4.49, abs=0.01)
    assert w19.flags == []


def test_negative_discrimination_flag_label(stats: QuizStats) -> None:
    q2 = _question(stats, "Q2")
    assert q2.flag_labels == ["Works against the test: negative discrimination"]


def test_dead_distractor_for_each_unchosen_option() -> None:
    pool = [QuestionInfo("S", ("a", "b", "c", "d"), 25.0)]
    rows = [
        AttemptRow(i, i, (("S", float(i % 2)),), {"S": ("a",) if i % 2 else ("c",)})
        for i in range(6)
    ]
    s = analyse(rows, pool).questions[0]
    assert s.flags == ["dead-distractor:b", "dead-distractor:d"]
    assert flag_label("dead-distractor:b") == "Dead distractor: nobody chose option b"
    assert s.distractors[1] == DistractorRow("b", 0, 0.0, None)
    # One slot only: there is no rest of the test, so no mean rest score.
    assert s.distractors[0].mean_rest is None


def test_truefalse_counts_its_two_sides_as_options() -> None:
    pool = [QuestionInfo("T", ("true", "false"), 50.0)]
    rows = [AttemptRow(1, 1, (("T", 1.0), ("X", 0.0)), {"T": ("true",)})]
    t = analyse(rows, pool).questions[0]
    assert [d.option_key for d in t.distractors] == ["true", "false"]
    assert t.flags == ["too-easy", "dead-distractor:false"]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def test_wilson_interval_known_value() -> None:
    # 8/10: centre (0.8 + 3.8416/20) / 1.38416 = 0.71673;
    # half 1.96 * sqrt(0.016 + 0.009604) / 1.38416 = 1.96 * 0.16001 / 1.38416 = 0.22658.
    assert wilson_interval(8, 10) == pytest.approx((49.02, 94.33), abs=0.01)
    assert wilson_interval(10, 10)[1] == pytest.approx(100.0)
    with pytest.raises(ValueError):
        wilson_interval(1, 0)


def test_random_guess_scores_are_the_question_types() -> None:
    from quizzes import questiontypes
    from tests.factories import choice_spec, default_spec

    def guess(name: str, spec: dict) -> float | None:
        return questiontypes.get(name).guess_score(spec)

    assert guess("single", choice_spec("abcd", "a")) == 0.25
    assert guess("single", {}) is None  # no options: no baseline
    assert guess("truefalse", default_spec("truefalse")) == 0.5
    assert guess("multiple", default_spec("multiple")) is None
    assert guess("numeric", default_spec("numeric")) is None
    pool = [QuestionInfo("S", ("a", "b", "c", "d"), 25.0), QuestionInfo("N")]
    rows = [AttemptRow(1, 1, (("S", 1.0), ("N", 1.0)))]
    assert [q.random_guess for q in analyse(rows, pool).questions] == [25.0, None]


def test_guidance_thresholds() -> None:
    assert guidance_for(None) == ""
    assert guidance_for(75.1) == "satisfactory"
    assert guidance_for(75.0) == "acceptable"
    assert guidance_for(64.0) == "acceptable"
    assert guidance_for(63.9) == "weak"


def test_figure_display() -> None:
    assert Figure(55.555).display() == "55.6"
    assert Figure(None, NO_VARIANCE).display() == "-"


def test_top_wrong_answers_ordering() -> None:
    rows = [
        ("Q2", "7", 0.0),
        ("Q1", "b", 0.0),
        ("Q2", "7", 0.0),
        ("Q1", "c", 0.5),
        ("Q1", "b", 0.0),
        ("Q1", "a", 1.0),
        ("Q1", "a", 1.0),
        ("Q1", "a", 1.0),
        ("Q3", "x", 0.0),
        ("Q1", "c", 0.0),
    ]
    # Right answers (score 1) are ignored; Q1/b, Q1/c and Q2/7 twice each (ties by key, then
    # label), then Q3/x once.
    assert top_wrong_answers(rows) == [
        ("Q1", "b", 2),
        ("Q1", "c", 2),
        ("Q2", "7", 2),
        ("Q3", "x", 1),
    ]
    assert top_wrong_answers(rows, limit=2) == [("Q1", "b", 2), ("Q1", "c", 2)]
