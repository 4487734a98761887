"""Mastery per (learner, objective): bounded BKT, levels and Leitner review (pure Python).

Implements docs/specs/mastery.md; tests/specs/mastery_reference.py is the executable reference
and tests/specs/mastery_vectors.txt its output, reproduced in tests/test_mastery.py.
Answers are the source of truth: a `State` is a cache that `replay` can always rebuild.
No Django imports. Time between answers is elapsed time (A_DAY), so no time zone is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any


@dataclass(frozen=True)
class Params:
    """BKT parameters: prior L0, learn T, slip S and the cap on the estimate."""

    l0: float = 0.10
    t: float = 0.10
    s: float = 0.10
    p_max: float = 0.995

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0 < value < 1:
                raise ValueError(f"mastery parameter {f.name}={value!r} must be in (0, 1)")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Build from a dict such as an objective's overrides; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k.lower(): float(v) for k, v in data.items() if k.lower() in names})

    @classmethod
    def parse(cls, data: Any) -> Params:
        """Build from an author's overrides, strictly: a mapping of known names to numbers,
        each in (0, 1). ValueError with a sentence for the author otherwise."""
        names = [f.name for f in fields(cls)]
        if not isinstance(data, dict):
            raise ValueError(
                'Give the overrides as a JSON object such as {"l0": 0.2}, or {} for none.'
            )
        values = {}
        for key, value in data.items():
            if str(key).lower() not in names:
                raise ValueError(f"Unknown parameter {key!r}: use {', '.join(names)}.")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a number, such as 0.2, not {value!r}.")
            if not 0 < value < 1:
                raise ValueError(f"{key} must be between 0 and 1 (exclusive), not {value!r}.")
            values[str(key).lower()] = float(value)
        return cls(**values)


DEFAULT_PARAMS = Params()
# "Another day", the one rule for time between answers (docs/specs/mastery.md): elapsed time,
# 20 hours or more, whatever the clock or the calendar says. A question counts again only a day
# after its last counted answer, and Mastered needs fully correct answers a day apart: a
# session across midnight is one sitting, and a learner who comes back at a slightly earlier
# hour the next day is spaced.
A_DAY = timedelta(hours=20)
COOLDOWN = A_DAY  # a question counts again only A_DAY after its last counted answer
BOX_DAYS = {1: 3, 2: 7, 3: 21, 4: 60}  # Leitner box -> review interval in days
MASTERED_MIN_DAYS = 2  # fully correct answers at least A_DAY apart: two "days"


class Level(IntEnum):
    NOT_STARTED = 0
    ATTEMPTED = 1
    FAMILIAR = 2
    PROFICIENT = 3
    MASTERED = 4

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.value]

    @classmethod
    def choices(cls) -> list[tuple[int, str]]:
        """(value, label) pairs, for model fields and admin filters."""
        return [(level.value, level.label) for level in cls]


LEVEL_LABELS: dict[int, str] = dict(
    enumerate(("Not started", "Attempted", "Familiar", "Proficient", "Mastered"))
)
# A learner is stuck on an objective (the class mastery report names them) when still Attempted
# after this many counted answers.
STUCK_MIN_ANSWERS = 8


def is_stuck(level: int, counted_answers: int) -> bool:
    """Whether a mastery row at `level` with `counted_answers` is stuck (STUCK_MIN_ANSWERS)."""
    return level == Level.ATTEMPTED and counted_answers >= STUCK_MIN_ANSWERS


# level -> (minimum estimate, minimum distinct questions answered correctly, capped at the pool)
THRESHOLDS = {Level.MASTERED: (0.95, 5), Level.PROFICIENT: (0.80, 3), Level.FAMILIAR: (0.50, 2)}


@dataclass
class State:
    """The cached state of one learner on one objective (stored as JSON on the Mastery row)."""

    p: float = DEFAULT_PARAMS.l0
    n: int = 0  # counted answers
    last: dict[str, float] = field(default_factory=dict)  # question -> latest counted score
    last_t: dict[str, datetime] = field(default_factory=dict)  # question -> its time
    first_correct: datetime | None = None  # the first fully correct counted answer
    spaced: bool = False  # a fully correct answer came at least A_DAY after that one
    level: Level = Level.NOT_STARTED
    box: int | None = None
    due: datetime | None = None

    @property
    def correct_days(self) -> int:
        """Fully correct answers a day apart (A_DAY), counted up to MASTERED_MIN_DAYS."""
        if self.first_correct is None:
            return 0
        return MASTERED_MIN_DAYS if self.spaced else 1

    def next_day_from(self) -> datetime | None:
        """When a fully correct answer would be on another day, while that is still missing."""
        if self.first_correct is None or self.spaced:
            return None
        return self.first_correct + A_DAY

    @property
    def distinct_correct(self) -> int:
        """Questions whose most recent counted score is 1."""
        return sum(1 for score in self.last.values() if score == 1.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "p": self.p, "n": self.n, "last": dict(self.last),
            "last_t": {q: t.isoformat() for q, t in self.last_t.items()},
            "first_correct": self.first_correct.isoformat() if self.first_correct else None,
            "spaced": self.spaced,
            "level": int(self.level), "box": self.box,
            "due": self.due.isoformat() if self.due else None,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any], params: Params = DEFAULT_PARAMS) -> State:
        """Inverse of to_json; an empty dict gives a fresh state with the prior `params.l0`."""
        due = data.get("due")
        first_correct = data.get("first_correct")
        last = {q: float(s) for q, s in data.get("last", {}).items()}
        last_t = {q: datetime.fromisoformat(t) for q, t in data.get("last_t", {}).items()}
        spaced = bool(data.get("spaced", False))
        if "days" in data and "first_correct" not in data:
            # A row stored under the earlier calendar-day rule: two dates met it then, and the
            # first correct answer is the earliest one still known (recompute_mastery replays
            # the answers under the current rule).
            spaced = len(data["days"]) >= MASTERED_MIN_DAYS
            times = [last_t[q] for q, score in last.items() if score == 1.0 and q in last_t]
            first_correct = min(times).isoformat() if times else None
        return cls(
            p=float(data.get("p", params.l0)),
            n=int(data.get("n", 0)),
            last=last,
            last_t=last_t,
            first_correct=datetime.fromisoformat(first_correct) if first_correct else None,
            spaced=spaced,
            level=Level(data.get("level", 0)),
            box=data.get("box"),
            due=datetime.fromisoformat(due) if due else None,
        )


@dataclass(frozen=True)
class Answer:
    """One graded answer: id breaks ties in time; score in [0, 1]; `guess` is the question's
    guess parameter G (the chance of a right answer without knowing), which each question type
    states (quizzes/questiontypes/)."""

    id: int
    question: str
    score: float
    at: datetime
    guess: float

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Answer.at must be timezone-aware")
        if not 0 <= self.score <= 1:
            raise ValueError(f"score {self.score!r} must be in [0, 1]")


@dataclass(frozen=True)
class Outcome:
    """The model's view of one answer, after applying it."""

    counted: bool
    p: float
    level: Level
    box: int | None
    due: datetime | None
    previous_level: Level


def bkt_update(p: float, score: float, guess: float, params: Params = DEFAULT_PARAMS) -> float:
    """One bounded BKT step with a fractional score (classic BKT for 0 and 1)."""
    like_known: float = (1 - params.s) ** score * params.s ** (1 - score)
    like_unknown: float = guess**score * (1 - guess) ** (1 - score)
    post = p * like_known / (p * like_known + (1 - p) * like_unknown)
    return min(params.p_max, post + (1 - post) * params.t)


def _requirements(state: State, level: Level, pool_size: int) -> tuple[float, int, int]:
    """Missing (estimate gap, distinct questions, days) for `level`'s rule."""
    p_min, k = THRESHOLDS[level]
    days = MASTERED_MIN_DAYS if level == Level.MASTERED else 0
    return (
        max(0.0, p_min - state.p),
        max(0, min(k, pool_size) - state.distinct_correct),
        max(0, days - state.correct_days),
    )


def computed_level(state: State, pool_size: int) -> Level:
    """The level from the rules alone, before the display rules."""
    if state.n == 0:
        return Level.NOT_STARTED
    for level in THRESHOLDS:
        if not any(_requirements(state, level, pool_size)):
            return level
    return Level.ATTEMPTED


def apply_answer(
    state: State,
    answer: Answer,
    *,
    pool_size: int,
    params: Params = DEFAULT_PARAMS,
) -> Outcome:
    """Apply one answer to `state` in place (answers must come in (at, id) order)."""
    old = state.level
    prev = state.last_t.get(answer.question)
    counted = prev is None or answer.at - prev >= COOLDOWN
    if counted:
        correct = answer.score == 1.0
        state.p = bkt_update(state.p, answer.score, answer.guess, params)
        state.n += 1
        state.last[answer.question] = answer.score
        state.last_t[answer.question] = answer.at
        if correct:
            if state.first_correct is None:
                state.first_correct = answer.at
            elif answer.at - state.first_correct >= A_DAY:
                state.spaced = True
        computed = computed_level(state, pool_size)
        floor = old if correct else max(old - 1, Level.ATTEMPTED)
        state.level = Level(max(computed, floor))
        if state.level < Level.MASTERED:  # Leitner review schedule, only while Mastered
            state.box = state.due = None
        elif old < Level.MASTERED:
            state.box, state.due = 1, answer.at + timedelta(days=BOX_DAYS[1])
        elif state.due is not None and state.box is not None and answer.at >= state.due:
            state.box = min(state.box + 1, 4) if correct else 1
            state.due = answer.at + timedelta(days=BOX_DAYS[state.box])
    return Outcome(counted, state.p, state.level, state.box, state.due, old)


def replay(
    answers: Iterable[Answer], *, pool_size: int, params: Params = DEFAULT_PARAMS
) -> tuple[State, list[tuple[Answer, Outcome]]]:
    """Rebuild the state from scratch: answers sorted by (at, id), one outcome per answer."""
    state = State(p=params.l0)
    rows = []
    for a in sorted(answers, key=lambda a: (a.at, a.id)):
        rows.append((a, apply_answer(state, a, pool_size=pool_size, params=params)))
    return state, rows


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def next_level_needs(
    state: State, *, pool_size: int, params: Params = DEFAULT_PARAMS
) -> list[str]:
    """What is still missing for the level above `state.level`, in plain English.

    `params` is accepted for symmetry with the other calls; the level thresholds are fixed.
    """
    if state.level == Level.MASTERED:
        return []
    if state.level == Level.NOT_STARTED or state.n == 0:
        return ["answer a first question"]
    gap, distinct, days = _requirements(state, Level(state.level + 1), pool_size)
    needs = []
    if distinct:
        needs.append(f"{_plural(distinct, 'more different question')} answered correctly")
    if gap:
        needs.append("a higher estimate: keep answering correctly")
    if days == 1:
        needs.append("answer correctly on another day")
    elif days:
        needs.append(f"answer correctly on {days} different days")
    return needs or ["answer another question correctly"]


def display_percent(p: float) -> int:
    """An estimate as a whole percentage for people: rounded down and never 100, since the
    model caps the estimate below certainty (p_max) and a few answers are never proof."""
    return max(0, min(99, int(100 * p)))


def estimate_words(p: float) -> str:
    """The estimate in words, next to its percentage."""
    if p >= THRESHOLDS[Level.MASTERED][0]:
        return "very likely known"
    if p >= THRESHOLDS[Level.PROFICIENT][0]:
        return "likely known"
    if p >= THRESHOLDS[Level.FAMILIAR][0]:
        return "partly known"
    return "not yet known"


def correct_answers_to_reach(p: float, p_min: float, *, guess: float = 0.25) -> int:
    """How many more counted correct answers lift the estimate from `p` to `p_min` (at most
    20), for a question of typical guess rate."""
    count = 0
    while p < p_min and count < 20:
        p = bkt_update(p, 1.0, guess)
        count += 1
    return count


def next_level_hint(state: State, *, pool_size: int) -> str:
    """The next step towards the level above, as one short concrete sentence."""
    if state.level == Level.MASTERED:
        return ""
    if state.level == Level.NOT_STARTED or state.n == 0:
        return "Answer a first question to get an estimate."
    target = Level(state.level + 1)
    gap, distinct, days = _requirements(state, target, pool_size)
    more = max(distinct, correct_answers_to_reach(state.p, THRESHOLDS[target][0]) if gap else 0)
    if more:
        kind = "different question" if distinct else "question"
        action = f"Answer {_plural(more, 'more ' + kind)} correctly"
    else:
        action = "Answer a question correctly"
    if days == 1:
        action += " on another day"
    elif days:
        action += f" on {days} different days"
    return f"{action} to reach {target.label}."


def review_due(level: int, due: datetime | None, now: datetime) -> bool:
    """Whether an objective at `level` with review date `due` is due for review at `now`.

    Only a Mastered objective has a review date; a review due never changes the level.
    """
    return level == Level.MASTERED and due is not None and due <= now
