"""Item analysis from running sums (progress.itemsums, reports.itemstats.analyse_sums) gives the
figures of the full computation (reports.itemstats.analyse), on the hand-worked data set of
tests/test_itemstats.py and on random data, including attempts added and then removed."""

from __future__ import annotations

import json
import math
import random

import pytest

from progress.itemsums import ItemSums
from reports.itemstats import AttemptRow, Figure, QuestionInfo, QuizStats, analyse, analyse_sums
from tests.test_itemstats import ATTEMPTS, POOL

TOLERANCE = 1e-9


def sums_of(attempts: list[AttemptRow]) -> ItemSums:
    sums = ItemSums()
    for attempt in attempts:
        sums.add(attempt.marks, attempt.choices)
    # Through JSON, as the database row keeps them.
    return ItemSums(json.loads(json.dumps(sums.to_json())))


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def same_figure(a: Figure, b: Figure) -> bool:
    return a.reason == b.reason and same_number(a.value, b.value)


def assert_same(full: QuizStats, incremental: QuizStats) -> None:
    assert (full.S, full.p, full.excluded) == (incremental.S, incremental.p, incremental.excluded)
    for name in ("mean", "median", "sd", "alpha", "error_ratio", "standard_error"):
        assert same_figure(getattr(full, name), getattr(incremental, name)), name
    assert full.guidance == incremental.guidance
    assert len(full.questions) == len(incremental.questions)
    for q_full, q_inc in zip(full.questions, incremental.questions, strict=True):
        where = q_full.key
        assert (q_full.key, q_full.n) == (q_inc.key, q_inc.n), where
        for name in ("facility", "sd", "discrimination", "efficiency"):
            assert same_figure(getattr(q_full, name), getattr(q_inc, name)), (where, name)
        if q_full.facility_ci is None:
            assert q_inc.facility_ci is None, where
        else:
            assert q_inc.facility_ci is not None, where
            assert all(map(same_number, q_full.facility_ci, q_inc.facility_ci)), where
        assert same_number(q_full.random_guess, q_inc.random_guess), where
        assert q_full.flags == q_inc.flags, where
        assert len(q_full.distractors) == len(q_inc.distractors), where
        for d_full, d_inc in zip(q_full.distractors, q_inc.distractors, strict=True):
            assert (d_full.option_key, d_full.count) == (d_inc.option_key, d_inc.count), where
            assert same_number(d_full.share, d_inc.share), where
            assert same_number(d_full.mean_rest, d_inc.mean_rest), where


def test_the_hand_worked_data_set() -> None:
    assert_same(analyse(ATTEMPTS, POOL), analyse_sums(sums_of(ATTEMPTS), POOL))
    # Spot-check against the hand-worked values of test_itemstats.py.
    stats = analyse_sums(sums_of(ATTEMPTS), POOL)
    assert stats.S == 6 and stats.p == 3
    assert stats.mean.value == pytest.approx(55.5556, abs=1e-4)
    assert stats.median.value == pytest.approx(50.0)


def test_no_attempts_and_few_attempts() -> None:
    assert_same(analyse([], POOL), analyse_sums(ItemSums(), POOL))
    for count in range(1, 6):
        assert_same(analyse(ATTEMPTS[:count], POOL), analyse_sums(sums_of(ATTEMPTS[:count]), POOL))


MARKS = (0.0, 1.0, 0.5, 1 / 3, 2 / 3, 0.25)


def random_pool(rng: random.Random) -> list[QuestionInfo]:
    pool = []
    for number in range(rng.randint(2, 9)):
        kind = rng.choice(("single", "truefalse", "multiple", "numeric"))
        if kind == "single":
            keys = tuple("abcde"[: rng.randint(2, 5)])
            marks = tuple(1.0 if i == 0 else 0.0 for i in range(len(keys)))
            pool.append(QuestionInfo(f"Q{number}", kind, keys, marks))
        elif kind == "multiple":
            pool.append(QuestionInfo(f"Q{number}", kind, tuple("abcd")))
        else:
            pool.append(QuestionInfo(f"Q{number}", kind))
    return pool


def random_attempts(
    rng: random.Random, pool: list[QuestionInfo], count: int, start: int = 0
) -> list[AttemptRow]:
    attempts = []
    usual = rng.randint(1, len(pool))
    ability = {learner: rng.random() for learner in range(20)}
    for attempt_id in range(start, start + count):
        learner = rng.randrange(20)
        slots = usual if rng.random() < 0.8 else rng.randint(1, len(pool))
        drawn = rng.sample(pool, slots)
        if rng.random() < 0.05:  # a question from outside the pool
            drawn[-1] = QuestionInfo("#999", "numeric")
        marks, choices = [], {}
        for info in drawn:
            if info.type in ("single", "truefalse"):
                right = rng.random() < ability[learner]
                keys = info.option_keys or ("true", "false")
                choice = keys[0] if right else rng.choice(keys[1:])
                choices[info.key] = (choice,)
                marks.append((info.key, 1.0 if right else 0.0))
            elif info.type == "multiple":
                choices[info.key] = tuple(rng.sample("abcdz", rng.randint(1, 3)))
                marks.append((info.key, rng.choice(MARKS)))
            elif rng.random() < ability[learner]:
                marks.append((info.key, 1.0))
            else:
                marks.append((info.key, rng.choice(MARKS)))
        attempts.append(AttemptRow(attempt_id, learner, tuple(marks), choices))
    return attempts


@pytest.mark.parametrize("seed", range(40))
def test_random_data(seed: int) -> None:
    rng = random.Random(seed)
    pool = random_pool(rng)
    attempts = random_attempts(rng, pool, rng.choice((3, 7, 30, 200, 1000)))
    assert_same(analyse(attempts, pool), analyse_sums(sums_of(attempts), pool))


@pytest.mark.parametrize("seed", range(10))
def test_removing_attempts_leaves_the_sums_of_the_others(seed: int) -> None:
    """A latest attempt replaced by a newer one is taken out of the sums again."""
    rng = random.Random(1000 + seed)
    pool = random_pool(rng)
    kept = random_attempts(rng, pool, 150)
    removed = random_attempts(rng, pool, 60, start=1000)
    sums = ItemSums()
    for attempt in rng.sample(kept + removed, len(kept) + len(removed)):
        sums.add(attempt.marks, attempt.choices)
    for attempt in removed:
        sums.add(attempt.marks, attempt.choices, sign=-1)
    assert sums.to_json() == sums_of(kept).to_json()
    assert_same(analyse(kept, pool), analyse_sums(sums, pool))
