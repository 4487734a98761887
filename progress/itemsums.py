"""Running sums of a quiz's finished attempts, for item analysis: pure Python, no Django.

Item analysis (reports.itemstats) needs, per question, the pairs (mark x, rest of the test R)
of the attempts containing it, and per slot count the attempts' totals X and slot marks. Marks
come from a small set (0, 1 and a few fractions), so these are kept as counts: how many
attempts gave each distinct value (or pair of values). Adding an attempt adds one to a few
counts; removing it (a "latest attempt" replaced by a newer one) takes them away again, exactly,
because counts are integers and each value is computed from the attempt's marks in the same
order every time. ``reports.itemstats.analyse_sums`` computes from the counts the same figures
``analyse`` computes from the attempts, so a report's cost does not grow with the answers.

The sums serialise to JSON (``to_json``) for the database row that keeps them
(progress.models.ItemTally). Values are keyed by ``repr`` of the float, which reads back
exactly.

* ``questions[key]["xr"]["x R"]``: attempts containing the question with mark x and rest R.
* ``questions[key]["o"][option]["R p"]``: attempts of p slots that chose the option, by rest R.
* ``tests[p]["X"][X]``: attempts of p slots by total; ``tests[p]["c"][i][x]``: by mark in slot i.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Marks = Sequence[tuple[str, float]]
Choices = Mapping[str, Sequence[str]]


def _bump(counts: dict[str, int], key: str, sign: int) -> None:
    value = counts.get(key, 0) + sign
    if value:
        counts[key] = value
    else:
        counts.pop(key, None)


class ItemSums:
    """The counts item analysis needs, for one quiz and one choice of attempts."""

    __slots__ = ("attempts", "learners", "questions", "tests")

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.attempts: int = data.get("attempts", 0)
        self.learners: int = data.get("learners", 0)
        self.questions: dict[str, dict[str, Any]] = data.get("q", {})
        self.tests: dict[str, dict[str, Any]] = data.get("t", {})

    def to_json(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "learners": self.learners,
            "q": self.questions,
            "t": self.tests,
        }

    def add(self, marks: Marks, choices: Choices, *, sign: int = 1, learners: int = 0) -> None:
        """Add (``sign`` 1) or remove (-1) one attempt: ``marks`` are (question key, mark) in
        slot order, ``choices`` the option keys chosen per question key; ``learners`` is the
        change in the number of distinct learners."""
        self.attempts += sign
        self.learners += learners
        slots = len(marks)
        total = 0.0
        for _, mark in marks:  # summed in slot order, as itemstats.analyse sums them
            total += mark
        for key, mark in marks:
            rest = total - mark
            entry = self.questions.setdefault(key, {"xr": {}, "o": {}})
            _bump(entry["xr"], f"{mark!r} {rest!r}", sign)
            for option in choices.get(key, ()):
                rests = entry["o"].setdefault(option, {})
                _bump(rests, f"{rest!r} {slots}", sign)
                if not rests:
                    del entry["o"][option]
            if not entry["xr"]:
                del self.questions[key]
        test = self.tests.setdefault(str(slots), {"X": {}, "c": [{} for _ in range(slots)]})
        _bump(test["X"], repr(total), sign)
        for column, (_, mark) in zip(test["c"], marks, strict=True):
            _bump(column, repr(mark), sign)
        if not test["X"]:
            del self.tests[str(slots)]

    # --- reading ------------------------------------------------------------------------------

    def question_pairs(self, key: str) -> dict[tuple[float, float], int]:
        """(mark, rest) -> number of attempts, for the attempts containing the question."""
        entry = self.questions.get(key)
        if entry is None:
            return {}
        return {_pair(pair): count for pair, count in entry["xr"].items()}

    def option_rests(self, key: str, option: str) -> Iterator[tuple[float, int, int]]:
        """(rest, slot count, number of attempts) of the attempts that chose the option."""
        entry = self.questions.get(key)
        for rest_slots, count in (entry["o"].get(option, {}) if entry else {}).items():
            rest, slots = rest_slots.split(" ")
            yield float(rest), int(slots), count

    def slot_counts(self) -> dict[int, int]:
        """Slot count -> number of attempts with that many slots."""
        return {int(p): sum(test["X"].values()) for p, test in self.tests.items()}

    def totals(self, p: int) -> dict[float, int]:
        """Total X -> number of attempts, among the attempts of ``p`` slots."""
        return _floats(self.tests.get(str(p), {}).get("X", {}))

    def slot_columns(self, p: int) -> list[dict[float, int]]:
        """Per slot, mark -> number of attempts, among the attempts of ``p`` slots."""
        return [_floats(column) for column in self.tests.get(str(p), {}).get("c", [])]

    def keys(self) -> set[str]:
        """The questions that appear in at least one attempt."""
        return set(self.questions)


def _pair(text: str) -> tuple[float, float]:
    mark, rest = text.split(" ")
    return float(mark), float(rest)


def _floats(counts: Mapping[str, int]) -> dict[float, int]:
    return {float(value): count for value, count in counts.items()}
