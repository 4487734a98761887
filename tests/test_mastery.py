"""The mastery model (progress.mastery): pure Python, no database or Django needed."""

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from progress.mastery import (
    A_DAY,
    DEFAULT_PARAMS,
    LEVEL_LABELS,
    Answer,
    Level,
    Params,
    State,
    apply_answer,
    next_level_needs,
    replay,
    review_due,
)

SPECS = Path(__file__).parent / "specs"
DATA = SPECS / "mastery_vectors.txt"  # printed by the spec's reference implementation

# The reference's inputs (mastery_reference.py), re-expressed with aware datetimes.
BASE = datetime(2025, 1, 6, tzinfo=UTC)
GUESS = {"mc4": 0.25, "mc5": 0.20, "tf": 0.30, "ms": 0.10, "num": 0.05}


def A(q, s, day, hour=9, minute=0, kind="mc4"):
    return (q, float(s), BASE + timedelta(days=day, hours=hour, minutes=minute), GUESS[kind])


def vec(*answers):
    return [Answer(i, q, s, at, g) for i, (q, s, at, g) in enumerate(answers, 1)]


VECTORS = {
    "V1 five distinct correct, same day": vec(*[A(f"q{i}", 1, 0, 9, i) for i in range(1, 6)]),
    "V2 four correct day0, fifth day1, review day4": vec(
        *[A(f"q{i}", 1, 0, 9, i) for i in range(1, 5)], A("q5", 1, 1), A("q6", 1, 4)
    ),
    "V3 mastered, then four wrong": vec(
        *[A(f"q{i}", 1, 0, 9, i) for i in range(1, 5)],
        A("q5", 1, 1),
        *[A(f"q{i}", 0, 2, 9, i) for i in range(6, 10)],
    ),
    "V4 one slip after long streak": vec(
        *[A(f"q{i}", 1, i // 4, 9, i) for i in range(1, 8)], A("q8", 0, 2), A("q9", 1, 2)
    ),
    "V5 retry within 24h ignored": vec(
        A("q1", 0, 0), A("q1", 1, 0, 9, 2), A("q2", 1, 0, 9, 5), A("q1", 1, 1, 10)
    ),
    "V6 same question repeated daily": vec(*[A("q1", 1, d) for d in range(5)]),
    "V7 true/false pool (g=0.30)": vec(
        *[A(f"t{i}", 1, 0, 9, i, "tf") for i in range(1, 5)], A("t5", 0, 0, 9, 9, "tf")
    ),
    "V8 numeric entry (g=0.05)": vec(*[A(f"n{i}", 1, i // 3, 9, i, "num") for i in range(1, 6)]),
    "V9 multi-select partial scores": vec(
        A("m1", 0.5, 0, kind="ms"),
        A("m2", 0.75, 0, 9, 1, "ms"),
        A("m3", 1, 0, 9, 2, "ms"),
        A("m4", 0.25, 0, 9, 3, "ms"),
    ),
    "V10 random guesser (~25%)": vec(
        *[A(f"q{i}", s, 0, 9, i) for i, s in enumerate([0, 0, 1, 0, 0, 0, 1, 0], 1)]
    ),
    "V11 learner improves over 2 days": vec(
        *[A(f"q{i}", s, i // 4, 9, i) for i, s in enumerate([0, 1, 0, 1, 1, 1, 1], 1)]
    ),
    "V12 re-missing a mastered question": vec(
        *[A(f"q{i}", 1, i // 3, 9, i) for i in range(1, 6)], A("q1", 0, 3)
    ),
    "V13 one sitting across midnight, then a day later": vec(
        *[A(f"q{i}", 1, 0, 23, 55 + i) for i in range(1, 5)],
        A("q5", 1, 1, 0, 3),
        A("q6", 1, 1, 19, 50),
        A("q7", 1, 1, 20, 0),
    ),
}


def format_rows(rows):
    """One line per answer, exactly as mastery_reference.py prints it."""
    lines = []
    for a, o in rows:
        extra = f" box={o.box} due=d{(o.due - BASE).days}" if o.box else ""
        flag = "" if o.counted else " (ignored)"
        letter = "NAFPM"[o.level]
        lines.append(
            f"  {a.question}={a.score:g}@d{(a.at - BASE).days}{flag}: "
            f"P={round(o.p, 4):.4f} {letter}{extra}"
        )
    return lines


def vectors_text(vectors):
    lines = []
    for name, answers in vectors.items():
        lines.append(name)
        lines.extend(format_rows(replay(answers, pool_size=10)[1]))
    return "\n".join(lines) + "\n"


def answer(q, s, at, g=0.25, id_=1):
    return Answer(id_, q, float(s), at, g)


def state_after(*scores_by_question, pool_size=10, start=BASE):
    """Replay (question, score, day offset) triples, one minute apart within a day."""
    answers = [
        answer(q, s, start + timedelta(days=d, minutes=i), id_=i)
        for i, (q, s, d) in enumerate(scores_by_question, 1)
    ]
    return replay(answers, pool_size=pool_size)[0]


# Reference vectors


def test_replay_reproduces_every_reference_vector():
    assert vectors_text(VECTORS) == DATA.read_text()


def test_the_vectors_are_what_the_specs_reference_implementation_prints():
    # docs/specs/mastery.md: the reference (tests/specs/mastery_reference.py) prints the vectors.
    printed = subprocess.run(
        [sys.executable, str(SPECS / "mastery_reference.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == DATA.read_text()


def test_shuffled_answers_replay_to_the_same_result():
    for seed in range(5):
        shuffled = {}
        for name, answers in VECTORS.items():
            answers = answers[:]
            random.Random(seed).shuffle(answers)
            shuffled[name] = answers
        assert vectors_text(shuffled) == vectors_text(VECTORS)


def test_same_time_answers_are_ordered_by_id():
    at = BASE + timedelta(hours=9)
    wrong_first = [answer("q1", 0, at, id_=1), answer("q1", 1, at, id_=2)]
    _, rows = replay(reversed(wrong_first), pool_size=10)
    assert [(a.id, o.counted) for a, o in rows] == [(1, True), (2, False)]


# Parameters and guesses


def test_params_from_dict_ignores_unknown_keys_and_validates():
    assert Params.from_dict({"T": 0.2, "colour": "red"}) == Params(t=0.2)
    assert Params.from_dict({}) == DEFAULT_PARAMS
    with pytest.raises(ValueError):
        Params.from_dict({"s": 1.0})
    with pytest.raises(ValueError):
        Params(l0=0)


def test_answer_requires_aware_time_and_score_in_range():
    with pytest.raises(ValueError):
        Answer(1, "q1", 1.0, datetime(2025, 1, 6), 0.25)
    with pytest.raises(ValueError):
        Answer(1, "q1", 1.5, BASE, 0.25)


def test_levels_have_labels():
    assert Level.FAMILIAR.label == "Familiar"
    assert [LEVEL_LABELS[level] for level in Level] == [
        "Not started", "Attempted", "Familiar", "Proficient", "Mastered"
    ]  # fmt: skip


# State persistence


def test_state_json_round_trip_is_exact():
    for answers in VECTORS.values():
        state, _ = replay(answers, pool_size=10)
        data = json.loads(json.dumps(state.to_json()))
        assert State.from_json(data) == state
        assert State.from_json(data).to_json() == state.to_json()


def test_empty_json_is_a_fresh_state_with_the_prior():
    assert State.from_json({}) == State()
    assert State.from_json({}, Params(l0=0.2)).p == 0.2
    assert State().level == Level.NOT_STARTED and State().distinct_correct == 0


def test_incremental_apply_through_json_equals_one_replay():
    for answers in VECTORS.values():
        data: dict = {}
        outcomes = []
        for a in sorted(answers, key=lambda a: (a.at, a.id)):
            state = State.from_json(data)
            outcomes.append(apply_answer(state, a, pool_size=10))
            data = json.loads(json.dumps(state.to_json()))
        final, rows = replay(answers, pool_size=10)
        assert outcomes == [o for _, o in rows]
        assert State.from_json(data) == final


def test_outcome_reports_previous_level():
    _, rows = replay(VECTORS["V2 four correct day0, fifth day1, review day4"], pool_size=10)
    outcome = rows[4][1]
    assert (outcome.previous_level, outcome.level) == (Level.PROFICIENT, Level.MASTERED)


# "Another day" is elapsed time (A_DAY), whatever the clock or the calendar says


def test_a_sitting_across_local_midnight_is_one_day():
    """23:56 to 00:03 in London: two dates, one sitting; it cannot reach Mastered."""
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 12, 6, 23, 56, tzinfo=london)
    answers = [answer(f"q{i}", 1, start + timedelta(minutes=i), id_=i) for i in range(8)]
    state, _ = replay(answers, pool_size=10)
    assert state.p >= 0.95 and state.distinct_correct >= 5
    assert state.level == Level.PROFICIENT and not state.spaced
    assert next_level_needs(state, pool_size=10) == ["answer correctly on another day"]
    assert state.next_day_from() == start + A_DAY


def test_a_correct_answer_a_day_later_counts_as_another_day_at_any_hour():
    first = datetime(2025, 1, 6, 22, 0, tzinfo=UTC)
    early = [answer(f"q{i}", 1, first + timedelta(minutes=i), id_=i) for i in range(5)]
    too_soon = answer("q5", 1, first + A_DAY - timedelta(minutes=1), id_=5)
    state, _ = replay([*early, too_soon], pool_size=10)
    assert state.level == Level.PROFICIENT
    later = answer("q6", 1, first + A_DAY, id_=6)  # 18:00 the next day: earlier in the day
    state, _ = replay([*early, too_soon, later], pool_size=10)
    assert state.level == Level.MASTERED and state.next_day_from() is None


def test_a_question_counts_again_a_day_later_by_the_same_rule():
    first = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    answers = [
        answer("q1", 0, first, id_=1),
        answer("q1", 1, first + A_DAY - timedelta(seconds=1), id_=2),
        answer("q1", 1, first + 2 * A_DAY, id_=3),
    ]
    _, rows = replay(answers, pool_size=10)
    assert [outcome.counted for _, outcome in rows] == [True, False, True]


def test_a_row_stored_under_the_calendar_day_rule_loads():
    """Rows saved before the rule was elapsed time keep what they had reached."""
    t1, t2 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC), datetime(2025, 1, 6, 9, 5, tzinfo=UTC)
    old = {
        "p": 0.9, "n": 2, "last": {"q1": 1.0, "q2": 1.0},
        "last_t": {"q1": t2.isoformat(), "q2": t1.isoformat()},
        "days": ["2025-01-06"], "level": 3, "box": None, "due": None,
    }  # fmt: skip
    state = State.from_json(old)
    assert (state.first_correct, state.spaced) == (t1, False)
    assert State.from_json({**old, "days": ["2025-01-06", "2025-01-07"]}).spaced


# What is missing for the next level


def test_not_started_needs_a_first_answer():
    assert next_level_needs(State(), pool_size=10) == ["answer a first question"]


def test_attempted_needs_more_distinct_questions_and_a_higher_estimate():
    state = state_after(("q1", 0, 0))
    assert state.level == Level.ATTEMPTED
    assert next_level_needs(state, pool_size=10) == [
        "2 more different questions answered correctly",
        "a higher estimate: keep answering correctly",
    ]


def test_wording_is_singular_for_one_question():
    state = state_after(("q1", 1, 0))
    assert next_level_needs(state, pool_size=10) == [
        "1 more different question answered correctly",
        "a higher estimate: keep answering correctly",
    ]


def test_proficient_on_one_day_needs_another_day():
    state = state_after(*[(f"q{i}", 1, 0) for i in range(1, 6)])
    assert state.level == Level.PROFICIENT and state.p >= 0.95
    assert next_level_needs(state, pool_size=10) == ["answer correctly on another day"]


def test_mastered_needs_nothing():
    state = state_after(*[(f"q{i}", 1, i // 4) for i in range(1, 6)])
    assert state.level == Level.MASTERED
    assert next_level_needs(state, pool_size=10) == []


def test_small_pool_caps_the_distinct_question_minimum():
    state = state_after(("q1", 1, 0), ("q2", 1, 0), pool_size=2)
    assert state.level == Level.FAMILIAR
    state = state_after(("q1", 1, 0), ("q2", 1, 0), ("q1", 1, 1), pool_size=2)
    assert state.level == Level.PROFICIENT
    assert next_level_needs(state, pool_size=2) == ["a higher estimate: keep answering correctly"]
    state = state_after(("q1", 1, 0), ("q2", 1, 0), ("q1", 1, 1), ("q2", 1, 1), pool_size=2)
    assert state.level == Level.MASTERED


def test_same_question_alone_stays_attempted_in_a_larger_pool():
    state = state_after(*[("q1", 1, d) for d in range(5)])
    assert state.level == Level.ATTEMPTED and state.distinct_correct == 1
    assert next_level_needs(state, pool_size=10)[0] == (
        "1 more different question answered correctly"
    )


# Review


def test_review_is_due_only_when_mastered_and_the_due_time_has_passed():
    state, _ = replay(VECTORS["V2 four correct day0, fifth day1, review day4"][:5], pool_size=10)
    assert state.level == Level.MASTERED and state.box == 1
    assert not review_due(state.level, state.due, state.due - timedelta(seconds=1))
    assert review_due(state.level, state.due, state.due)
    assert review_due(state.level, state.due, state.due + timedelta(days=30))
    assert not review_due(State().level, State().due, BASE)


def test_review_due_never_changes_the_level():
    state, _ = replay(VECTORS["V2 four correct day0, fifth day1, review day4"][:5], pool_size=10)
    before = state.to_json()
    review_due(state.level, state.due, state.due + timedelta(days=365))
    assert state.to_json() == before


def test_missed_review_goes_back_to_box_one():
    answers = VECTORS["V2 four correct day0, fifth day1, review day4"][:5]
    review_at = BASE + timedelta(days=4, hours=9)
    state, rows = replay([*answers, answer("q6", 0, review_at, id_=6)], pool_size=10)
    assert rows[-1][1].level == Level.MASTERED
    assert (state.box, state.due) == (1, review_at + timedelta(days=3))
