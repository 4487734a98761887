"""How the mastery estimate and the next step are put into words (progress.mastery)."""

from datetime import UTC, datetime, timedelta

import pytest

from progress import mastery as m

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def state_after(scores, *, pool_size=8, days=0):
    state = m.State(p=m.DEFAULT_PARAMS.l0)
    for i, score in enumerate(scores):
        at = T0 + timedelta(minutes=i) + timedelta(days=days if i == len(scores) - 1 else 0)
        answer = m.Answer(id=i, question=f"q{i}", score=score, at=at, guess=0.25)
        m.apply_answer(state, answer, pool_size=pool_size)
    return state


@pytest.mark.parametrize(
    ("p", "percent"), [(0.0, 0), (0.104, 10), (0.639, 63), (0.999, 99), (1.0, 99)]
)
def test_the_percentage_is_rounded_down_and_never_100(p, percent):
    assert m.display_percent(p) == percent


def test_words_follow_the_level_thresholds():
    assert m.estimate_words(0.2) == "not yet known"
    assert m.estimate_words(0.5) == "partly known"
    assert m.estimate_words(0.85) == "likely known"
    assert m.estimate_words(0.97) == "very likely known"


def test_the_hint_is_one_concrete_sentence_per_situation():
    assert (
        m.next_level_hint(m.State(), pool_size=5) == "Answer a first question to get an estimate."
    )
    assert (
        m.next_level_hint(state_after([1.0]), pool_size=8)
        == "Answer 1 more different question correctly to reach Familiar."
    )
    proficient = state_after([1.0, 1.0, 1.0, 1.0, 1.0])
    assert proficient.level == m.Level.PROFICIENT
    hint = m.next_level_hint(proficient, pool_size=8)
    assert hint.endswith("on another day to reach Mastered.") and hint.count(".") == 1
    assert ";" not in hint


def test_no_hint_once_mastered():
    assert m.next_level_hint(m.State(level=m.Level.MASTERED, n=5), pool_size=5) == ""


def test_correct_answers_to_reach_counts_the_model_updates():
    assert m.correct_answers_to_reach(0.9, 0.8) == 0
    assert m.correct_answers_to_reach(0.1, 0.8) == 3
