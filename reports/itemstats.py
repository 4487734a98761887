"""Item analysis of quiz attempts: pure Python, no Django, no numpy.

Implements the statistics of docs/specs/item-analysis.md (the Moodle quiz statistics
report made honest for small classes). The caller fetches the attempts once and passes plain
rows; :func:`analyse` then works in one pass over them, building per-question and per-slot
columns in a single loop. Timing note (measured, not tested): 20,000 attempts of 5 slots
(100,000 responses, with choices) from a pool of 40 questions take about 0.25 s on CPython 3.13.

Notation (as in the spec). A quiz attempt holds ``p`` slots, each filled by a question drawn at
random from the objective's pool, so different attempts contain different questions.

* ``x``: a mark as a fraction of the question's maximum, in [0, 1].
* ``X``: the attempt's total over all its slots.
* ``R = X - x``: the rest of the test.
* Variances and covariances divide by ``(S - 1)``, where ``S`` is the number of attempts the
  figure is computed over.

Which attempts each figure uses:

* Per-question figures use every attempt that contains the question (``QuestionStats.n`` of
  them), with ``X`` the total over all the slots of that attempt.
* Test-level figures (mean, median, SD, alpha, error ratio, standard error) use slot marks, as
  Moodle does for random questions: column ``i`` holds the mark in slot ``i`` whichever question
  filled it. Only attempts having the modal slot count ``p`` are used (on a tie, the larger
  count); ``QuizStats.S`` is their number and ``QuizStats.excluded`` the number left out.

A figure that cannot be computed is a :class:`Figure` whose ``value`` is ``None`` and whose
``reason`` says why (:data:`NEEDS_ATTEMPTS`, :data:`NO_VARIANCE`, ...); it is shown as "-".
All figures are percentages unless stated otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from progress.itemsums import ItemSums

MIN_ATTEMPTS = 5
"""Figures that need a variance are withheld below this many attempts."""

NEEDS_ATTEMPTS = f"needs at least {MIN_ATTEMPTS} attempts"
NO_VARIANCE = "no variance"
NO_ATTEMPTS = "no attempts"
NEEDS_TWO_QUESTIONS = "needs at least 2 questions"
NEGATIVE_ALPHA = "undefined when alpha is negative"

TRUEFALSE_KEYS = ("true", "false")

_EPSILON = 1e-12
"""Variances and covariances at or below this are treated as zero (floating-point noise)."""

_EMPTY_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType({})

_FLAG_LABELS = {
    "too-easy": "Too easy: facility above 90%",
    "too-hard": "Too hard: facility below 20%",
    "negative-discrimination": "Works against the test: negative discrimination",
    "weak-discrimination": "Weak discrimination: below 20%",
}


@dataclass(frozen=True)
class QuestionInfo:
    """A question of the pool, as the analysis needs it.

    ``type`` is the question type's name ("single", "truefalse"...).
    ``option_keys`` lists the options whose choices are counted, in author order (empty for a
    typed answer: its type says, ``QuestionType.option_keys``); true/false questions may leave
    it empty and get ``("true", "false")``. ``option_marks`` is the mark of each option
    if chosen alone, aligned with ``option_keys`` (used for the random guess score).
    """

    key: str
    type: str
    option_keys: tuple[str, ...] = ()
    option_marks: tuple[float, ...] = ()


@dataclass(frozen=True)
class AttemptRow:
    """One completed attempt.

    ``marks`` holds ``(question key, mark in [0, 1])`` in slot order. ``choices`` maps a question
    key to the option keys chosen (one for single/true-false, several for multiple).
    """

    attempt_id: int
    learner_id: int
    marks: tuple[tuple[str, float], ...]
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY_CHOICES)


@dataclass(frozen=True)
class Figure:
    """A figure that may be missing: ``value`` None is shown as "-" with ``reason``."""

    value: float | None
    reason: str = ""

    @property
    def is_defined(self) -> bool:
        """Whether the figure has a value."""
        return self.value is not None

    def display(self, decimals: int = 1) -> str:
        """The value rounded to ``decimals`` places, or "-" when missing."""
        return "-" if self.value is None else f"{self.value:.{decimals}f}"


@dataclass
class DistractorRow:
    """How one option of a choice question was chosen.

    ``share`` is the percentage of the attempts containing the question that chose the option
    (for multiple choice the shares may add up to more than 100). ``mean_rest`` is the mean
    rest-of-test score of those who chose it, each attempt's ``R`` taken as a percentage of the
    rest's maximum (its slot count minus one); None when nobody (with at least two slots) chose it.
    """

    option_key: str
    count: int
    share: float
    mean_rest: float | None


@dataclass
class QuestionStats:
    """Per-question figures, over the ``n`` attempts that contain the question.

    ``facility_ci`` is the Wilson 95% interval in percent, given only when every mark is 0 or 1.
    ``sd`` is withheld below 5 attempts but shows 0 (not "-") when every mark is the same.
    ``random_guess`` is a percentage for single choice and true/false, None otherwise.
    ``flags`` holds codes: "too-easy", "too-hard", "negative-discrimination",
    "weak-discrimination" (0 <= discrimination < 20 with n >= 20) and
    "dead-distractor:<option key>"; :attr:`flag_labels` gives their text.
    """

    key: str
    n: int
    facility: Figure
    facility_ci: tuple[float, float] | None
    sd: Figure
    random_guess: float | None
    discrimination: Figure
    efficiency: Figure
    distractors: list[DistractorRow]
    flags: list[str]

    @property
    def flag_labels(self) -> list[str]:
        """Human-readable text for each flag, in the order of :attr:`flags`."""
        return [flag_label(flag) for flag in self.flags]


@dataclass
class QuizStats:
    """Test-level figures, and the per-question figures in the order of the questions given.

    ``S`` is the number of attempts used for the test-level figures (those with the modal slot
    count ``p``); ``excluded`` counts the other attempts. ``mean``, ``median`` and ``sd`` are of
    ``X`` as percentages of ``p``; ``alpha`` is Cronbach's alpha (CIC) in percent over the ``p``
    slots; ``error_ratio`` is a percentage; ``standard_error`` is in the units of ``sd``.
    ``guidance`` is "satisfactory" (CIC above 75), "weak" (below 64), "acceptable" between, or ""
    when there is no alpha.
    """

    S: int
    p: int
    mean: Figure
    median: Figure
    sd: Figure
    alpha: Figure
    error_ratio: Figure
    standard_error: Figure
    guidance: str
    questions: list[QuestionStats]
    excluded: int = 0


def flag_label(flag: str) -> str:
    """Human-readable text for a flag code."""
    if flag.startswith("dead-distractor:"):
        option = flag.removeprefix("dead-distractor:")
        return f"Dead distractor: nobody chose option {option}"
    return _FLAG_LABELS.get(flag, flag)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n``, as percentages.

    With the default ``z`` this is the 95% interval: 8 of 10 gives about (49.0, 94.3).
    Raises ValueError unless ``0 <= successes <= n`` and ``n > 0``.
    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes}/{n}")
    phat = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (phat + z2 / (2 * n)) / denominator
    half = z * math.sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / denominator
    return (max(0.0, centre - half) * 100, min(1.0, centre + half) * 100)


def top_wrong_answers(
    rows: Iterable[tuple[str, str, float]], limit: int = 5
) -> list[tuple[str, str, int]]:
    """The most common wrong answers ("misconceptions").

    ``rows`` are ``(question key, answer label, score)``; those with score below 1 are counted.
    Returns up to ``limit`` tuples ``(question key, answer label, count)``, by count descending,
    then question key, then answer label.
    """
    counts: Counter[tuple[str, str]] = Counter(
        (key, label) for key, label, score in rows if score < 1
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    return [(key, label, count) for (key, label), count in ranked[:limit]]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _variance(values: Sequence[float], mean: float) -> float:
    """Sample variance (divides by n - 1) about a precomputed mean."""
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _covariance(xs: Sequence[float], mx: float, ys: Sequence[float], my: float) -> float:
    """Sample covariance (divides by n - 1) about precomputed means."""
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


class _Accumulator:
    """Per-question columns gathered in the single pass over attempts."""

    __slots__ = ("xs", "rests", "options")

    def __init__(self, option_keys: tuple[str, ...]) -> None:
        self.xs: list[float] = []
        self.rests: list[float] = []
        # option key -> [count, sum of rest percentages, number of rest percentages]
        self.options: dict[str, list[float]] = {key: [0, 0.0, 0] for key in option_keys}


def _option_keys(info: QuestionInfo) -> tuple[str, ...]:
    if info.type == "truefalse" and not info.option_keys:
        return TRUEFALSE_KEYS
    return info.option_keys


def _random_guess(info: QuestionInfo) -> float | None:
    if info.type == "truefalse":
        return 50.0
    if info.type == "single" and info.option_marks:
        return _mean(info.option_marks) * 100
    return None


def _question_stats(info: QuestionInfo, acc: _Accumulator) -> QuestionStats:
    """Figures for one question from its gathered columns."""
    xs, rests = acc.xs, acc.rests
    n = len(xs)
    distractors = [
        DistractorRow(
            option_key=option,
            count=int(count),
            share=count / n * 100 if n else 0.0,
            mean_rest=rest_sum / rest_n if rest_n else None,
        )
        for option, (count, rest_sum, rest_n) in acc.options.items()
    ]
    if n == 0:
        return _question_figures(info, None, distractors)
    mx = _mean(xs)
    moments = _Moments(n=n, mean=mx, successes=None)
    if all(x in (0, 1) for x in xs):
        moments.successes = sum(1 for x in xs if x == 1)
    if n >= MIN_ATTEMPTS:
        mr = _mean(rests)
        moments.var_x = _variance(xs, mx)
        moments.var_r = _variance(rests, mr)
        if moments.var_x > _EPSILON and moments.var_r > _EPSILON:
            moments.cov = _covariance(xs, mx, rests, mr)
            moments.cov_max = _covariance(sorted(xs), mx, sorted(rests), mr)
    return _question_figures(info, moments, distractors)


@dataclass
class _Moments:
    """What a question's figures are made of: the number of attempts ``n``, the mean mark,
    the number of full marks when every mark is 0 or 1 (else None), and, from 5 attempts, the
    variances of the mark and the rest, their covariance and its maximum (sorted pairing)."""

    n: int
    mean: float
    successes: int | None
    var_x: float = 0.0
    var_r: float = 0.0
    cov: float = 0.0
    cov_max: float = 0.0


def _question_figures(
    info: QuestionInfo, moments: _Moments | None, distractors: list[DistractorRow]
) -> QuestionStats:
    """QuestionStats from a question's moments (None when no attempt contains it)."""
    if moments is None:
        missing = Figure(None, NO_ATTEMPTS)
        return QuestionStats(
            key=info.key,
            n=0,
            facility=missing,
            facility_ci=None,
            sd=missing,
            random_guess=_random_guess(info),
            discrimination=missing,
            efficiency=missing,
            distractors=distractors,
            flags=[],
        )

    n = moments.n
    facility = moments.mean * 100
    facility_ci = None
    if moments.successes is not None:
        facility_ci = wilson_interval(moments.successes, n)

    if n < MIN_ATTEMPTS:
        sd = discrimination = efficiency = Figure(None, NEEDS_ATTEMPTS)
    else:
        var_x, var_r = moments.var_x, moments.var_r
        sd = Figure(math.sqrt(var_x) * 100)
        if var_x <= _EPSILON or var_r <= _EPSILON:
            discrimination = efficiency = Figure(None, NO_VARIANCE)
        else:
            cov, cov_max = moments.cov, moments.cov_max
            discrimination = Figure(100 * cov / math.sqrt(var_x * var_r))
            efficiency = (
                Figure(100 * cov / cov_max) if cov_max > _EPSILON else Figure(None, NO_VARIANCE)
            )

    flags: list[str] = []
    if facility > 90:
        flags.append("too-easy")
    elif facility < 20:
        flags.append("too-hard")
    if discrimination.value is not None:
        if discrimination.value < 0:
            flags.append("negative-discrimination")
        elif discrimination.value < 20 and n >= 20:
            flags.append("weak-discrimination")
    flags.extend(f"dead-distractor:{row.option_key}" for row in distractors if row.count == 0)

    return QuestionStats(
        key=info.key,
        n=n,
        facility=Figure(facility),
        facility_ci=facility_ci,
        sd=sd,
        random_guess=_random_guess(info),
        discrimination=discrimination,
        efficiency=efficiency,
        distractors=distractors,
        flags=flags,
    )


def guidance_for(alpha: float | None) -> str:
    """Guidance beside Cronbach's alpha (CIC, percent), or "" when there is none."""
    if alpha is None:
        return ""
    if alpha > 75:
        return "satisfactory"
    if alpha < 64:
        return "weak"
    return "acceptable"


def analyse(attempts: Sequence[AttemptRow], questions: Sequence[QuestionInfo]) -> QuizStats:
    """Item analysis of ``attempts`` for the pool ``questions``.

    Per-question figures use every attempt containing the question; test-level figures use the
    slot marks of the attempts having the modal slot count ``p`` (the larger on a tie), so a
    quiz whose length changed part-way is judged on its usual length. Marks of questions not in
    ``questions`` still count towards ``X``; a question appearing twice in one attempt counts
    once per slot; chosen option keys that are not among a question's options are ignored.
    The attempts are read in one pass; the work is linear in the number of responses, apart
    from one sort per question for the discriminative efficiency.
    """
    slot_counts = Counter(len(attempt.marks) for attempt in attempts)
    p = max(slot_counts, key=lambda count: (slot_counts[count], count)) if slot_counts else 0

    accumulators = {info.key: _Accumulator(_option_keys(info)) for info in questions}
    slot_columns: list[list[float]] = [[] for _ in range(p)]
    totals: list[float] = []

    for attempt in attempts:
        marks = attempt.marks
        slots = len(marks)
        total = 0.0
        for _, mark in marks:
            total += mark
        choices = attempt.choices
        for key, mark in marks:
            acc = accumulators.get(key)
            if acc is None:
                continue
            rest = total - mark
            acc.xs.append(mark)
            acc.rests.append(rest)
            if acc.options:
                for option in choices.get(key, ()):
                    tally = acc.options.get(option)
                    if tally is not None:
                        tally[0] += 1
                        if slots > 1:
                            tally[1] += 100 * rest / (slots - 1)
                            tally[2] += 1
        if slots == p:
            totals.append(total)
            for column, (_, mark) in zip(slot_columns, marks, strict=True):
                column.append(mark)

    question_stats = [_question_stats(info, accumulators[info.key]) for info in questions]
    return _quiz_stats(p, totals, slot_columns, len(attempts) - len(totals), question_stats)


def _quiz_stats(
    p: int,
    totals: list[float],
    slot_columns: list[list[float]],
    excluded: int,
    question_stats: list[QuestionStats],
) -> QuizStats:
    """Test-level figures from the totals and slot columns of the attempts used."""
    s = len(totals)
    if s == 0:
        return _test_figures(p, 0, 0.0, 0.0, None, excluded, question_stats)
    mean_total = _mean(totals)

    def variances() -> tuple[float, float]:
        var_total = _variance(totals, mean_total)
        return var_total, sum(_variance(column, _mean(column)) for column in slot_columns)

    return _test_figures(p, s, mean_total, _median(totals), variances, excluded, question_stats)


def _test_figures(
    p: int,
    s: int,
    mean_total: float,
    median_total: float,
    variances: Callable[[], tuple[float, float]] | None,
    excluded: int,
    question_stats: list[QuestionStats],
) -> QuizStats:
    """Test-level figures from ``s`` attempts of ``p`` slots: the mean and median total, and
    ``variances`` giving (variance of the total, sum of the slot variances), called only when
    there are enough attempts."""
    if s == 0:
        missing = Figure(None, NO_ATTEMPTS)
        return QuizStats(
            S=0,
            p=p,
            mean=missing,
            median=missing,
            sd=missing,
            alpha=missing,
            error_ratio=missing,
            standard_error=missing,
            guidance="",
            questions=question_stats,
            excluded=excluded,
        )

    mean = Figure(mean_total / p * 100)
    median = Figure(median_total / p * 100)
    if s < MIN_ATTEMPTS or variances is None:
        missing = Figure(None, NEEDS_ATTEMPTS)
        sd = alpha = error_ratio = standard_error = missing
    else:
        var_total, sum_slot_var = variances()
        sd_value = math.sqrt(var_total) / p * 100
        sd = Figure(sd_value)
        if p < 2:
            alpha = error_ratio = standard_error = Figure(None, NEEDS_TWO_QUESTIONS)
        elif var_total <= _EPSILON:
            alpha = error_ratio = standard_error = Figure(None, NO_VARIANCE)
        else:
            cic = 100 * p / (p - 1) * (1 - sum_slot_var / var_total)
            alpha = Figure(cic)
            if cic < 0:
                error_ratio = standard_error = Figure(None, NEGATIVE_ALPHA)
            else:
                er = 100 * math.sqrt(max(0.0, 1 - cic / 100))
                error_ratio = Figure(er)
                standard_error = Figure(er / 100 * sd_value)

    return QuizStats(
        S=s,
        p=p,
        mean=mean,
        median=median,
        sd=sd,
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
        guidance=guidance_for(alpha.value),
        questions=question_stats,
        excluded=excluded,
    )


# --- from running sums (progress.itemsums) ------------------------------------------------
# The same figures as analyse(), from counts of distinct values instead of one value per
# attempt: every sum over attempts becomes a sum over distinct values weighted by their count,
# so the cost depends on how many distinct marks there are, not on how many attempts.

Counts = Mapping[float, int]


def _wmean(counts: Counts, n: int) -> float:
    return sum(value * count for value, count in counts.items()) / n


def _wvariance(counts: Counts, mean: float, n: int) -> float:
    return sum(count * (value - mean) ** 2 for value, count in counts.items()) / (n - 1)


def _wmedian(counts: Counts, n: int) -> float:
    """The median of ``n`` values given as value -> count (as _median of the values)."""
    wanted = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    found: list[float] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


def _sorted_covariance(xs: Counts, mx: float, rests: Counts, mr: float, n: int) -> float:
    """The covariance of the sorted marks paired with the sorted rests (Cov_max), walking the
    two sorted lists of distinct values together."""
    x_runs = sorted(xs.items())
    r_runs = sorted(rests.items())
    total = 0.0
    i = j = 0
    x_left, r_left = x_runs[0][1], r_runs[0][1]
    while i < len(x_runs) and j < len(r_runs):
        taken = min(x_left, r_left)
        total += taken * (x_runs[i][0] - mx) * (r_runs[j][0] - mr)
        x_left -= taken
        r_left -= taken
        if not x_left:
            i += 1
            x_left = x_runs[i][1] if i < len(x_runs) else 0
        if not r_left:
            j += 1
            r_left = r_runs[j][1] if j < len(r_runs) else 0
    return total / (n - 1)


def _question_stats_from_sums(info: QuestionInfo, sums: ItemSums) -> QuestionStats:
    pairs = sums.question_pairs(info.key)
    n = sum(pairs.values())
    distractors = []
    for option in dict.fromkeys(_option_keys(info)):
        count = rest_n = 0
        rest_sum = 0.0
        for rest, slots, times in sums.option_rests(info.key, option):
            count += times
            if slots > 1:
                rest_sum += times * (100 * rest / (slots - 1))
                rest_n += times
        distractors.append(
            DistractorRow(
                option_key=option,
                count=count,
                share=count / n * 100 if n else 0.0,
                mean_rest=rest_sum / rest_n if rest_n else None,
            )
        )
    if n == 0:
        return _question_figures(info, None, distractors)
    xs: Counter[float] = Counter()
    rests: Counter[float] = Counter()
    for (x, rest), count in pairs.items():
        xs[x] += count
        rests[rest] += count
    mx = _wmean(xs, n)
    moments = _Moments(n=n, mean=mx, successes=None)
    if all(x in (0, 1) for x in xs):
        moments.successes = xs.get(1.0, 0)
    if n >= MIN_ATTEMPTS:
        mr = _wmean(rests, n)
        moments.var_x = _wvariance(xs, mx, n)
        moments.var_r = _wvariance(rests, mr, n)
        if moments.var_x > _EPSILON and moments.var_r > _EPSILON:
            moments.cov = sum(
                count * (x - mx) * (rest - mr) for (x, rest), count in pairs.items()
            ) / (n - 1)
            moments.cov_max = _sorted_covariance(xs, mx, rests, mr, n)
    return _question_figures(info, moments, distractors)


def analyse_sums(sums: ItemSums, questions: Sequence[QuestionInfo]) -> QuizStats:
    """:func:`analyse` from running sums (progress.itemsums.ItemSums) instead of attempts.

    The sums must be keyed by the same question keys as ``questions``. The figures equal
    analyse()'s over the attempts the sums were made of, up to the order of floating-point
    additions (tests/test_itemsums.py checks it on random data).
    """
    slot_counts = sums.slot_counts()
    p = max(slot_counts, key=lambda count: (slot_counts[count], count)) if slot_counts else 0
    question_stats = [_question_stats_from_sums(info, sums) for info in questions]
    s = slot_counts.get(p, 0)
    excluded = sums.attempts - s
    if s == 0:
        return _test_figures(p, 0, 0.0, 0.0, None, excluded, question_stats)
    totals = sums.totals(p)
    mean_total = _wmean(totals, s)

    def variances() -> tuple[float, float]:
        columns = sums.slot_columns(p)
        slot_var = sum(_wvariance(column, _wmean(column, s), s) for column in columns)
        return _wvariance(totals, mean_total, s), slot_var

    return _test_figures(
        p, s, mean_total, _wmedian(totals, s), variances, excluded, question_stats
    )
