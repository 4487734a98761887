"""Form cues: what a test-wise learner reads from the options' form, without knowing anything.

A *cue* singles out one option of a question by its form alone: the longest, the shortest, the
one repeating most words of the prompt, the only one without an absolute word ("never",
"only"...), the only hedged one ("may", "usually"...), the odd one out in grammar or in length.
A cue that singles out nothing in a question (a tie, no absolute word anywhere) does not apply
to it. When a cue applies, it *hits* if the option it picks is correct. By chance it hits with
the question's own rate: correct options / options (1/4 for a single choice of four).

`significance` asks whether a cue hits more often than those rates allow: the number of hits
follows a Poisson-binomial distribution (a sum of independent yes/no trials with different
rates), whose upper tail is computed exactly by dynamic programming. docs/course-format.md
("Form cues") documents the test and its thresholds.

`guesser` is a test-wise solver: for each question it weighs every cue by how well that cue
worked on the *other* questions of the course (leave-one-out, so it never sees the question's
own key; a cue seen fewer than three times, or within noise of chance, is ignored), adds the
weights of the cues that pick each option, and picks the best-scored option (ties shared). Its
expected score is what a learner who knows nothing but reads form well would get. True/false
statements are read too: an absolute word leans false, a hedge leans true.

Pure functions over plain texts: the question types say which texts a question shows
(`QuestionType.form_options`, `key_side`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from quizzes.grading import normalise_text
from quizzes.questiontypes.base import FormOption

ALPHA = 0.05  # one-sided, shared by the cues of one scope (Bonferroni): ALPHA / len(CUES) each
MIN_HITS = 3  # a cue is never reported on fewer hits than this, however small the p-value
GUESSER_PRIOR = 2.0  # questions' worth of "works at chance" each cue starts from
GUESSER_MIN_EVIDENCE = 3  # other questions a cue must single out an option in to be followed
GUESSER_MIN_WEIGHT = 0.4  # log-odds: a cue that worked less well than this either way is ignored
GUESSER_MARGIN = 0.15  # guesser's mean score above the chance mean that is reported
GUESSER_MIN_QUESTIONS = 4  # questions an objective needs before its guesser score is judged
ODD_LENGTH_RATIO = 1.5  # an option this many times longer (or shorter) than the next...
# ...and set apart from it by more than the spread of all the others is the odd one out

_ABSOLUTE_TEXT = """
    never always only all none nothing every everything everyone everywhere nobody altogether
    entirely completely totally absolutely solely exclusively impossible cannot guaranteed
    guarantee guarantees whatsoever forever
"""
ABSOLUTE_WORDS = frozenset(_ABSOLUTE_TEXT.split())
_ABSOLUTE_PHRASE = re.compile(r"\b(?:at all|no one|can't|can not|under no|in no case)\b", re.I)
_HEDGE_TEXT = """
    may might can could some usually often generally typically likely probably possibly
    sometimes mostly partly largely tend tends perhaps somewhat
"""
HEDGE_WORDS = frozenset(_HEDGE_TEXT.split())
_WORD = re.compile(r"[a-z]+")
_ARTICLES = frozenset({"a", "an", "the"})
_PRONOUNS = frozenset({"it", "its", "they", "their", "he", "she", "we", "you", "i", "this"})
_BECAUSE = frozenset({"because", "since", "as", "so"})


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("’", "'"))


def is_absolute(text: str) -> bool:
    """Whether a text makes an absolute claim ("never", "only", "at all"...)."""
    return bool(_ABSOLUTE_PHRASE.search(text.replace("’", "'"))) or any(
        token in ABSOLUTE_WORDS for token in _tokens(text)
    )


def is_hedged(text: str) -> bool:
    """Whether a text hedges ("may", "usually", "some"...)."""
    if _ABSOLUTE_PHRASE.search(text.replace("’", "'")):
        text = _ABSOLUTE_PHRASE.sub(" ", text.replace("’", "'"))  # "can't" is no hedge
    return any(token in HEDGE_WORDS for token in _tokens(text))


def shape(text: str) -> tuple[str, bool]:
    """The grammatical shape of an option: the kind of its first word, and whether it ends
    like a sentence."""
    tokens = re.findall(r"[A-Za-z]+|\d", text)
    first = tokens[0].casefold() if tokens else ""
    if first.isdigit():
        kind = "number"
    elif first in _ARTICLES:
        kind = "article"
    elif first in _PRONOUNS:
        kind = "pronoun"
    elif first in _BECAUSE:
        kind = "because"
    elif first == "to":
        kind = "to"
    elif first.endswith("ing") and len(first) > 4:
        kind = "-ing"
    else:
        kind = "word"
    return kind, text.rstrip().endswith((".", "!", "?"))


def _unique(values: Sequence[float], best: Callable[[Sequence[float]], float]) -> int | None:
    target = best(values)
    found = [index for index, value in enumerate(values) if value == target]
    return found[0] if len(found) == 1 else None


def _only(flags: Sequence[bool]) -> int | None:
    """The index of the only True among at least two flags, else None."""
    found = [index for index, flag in enumerate(flags) if flag]
    return found[0] if len(flags) >= 2 and len(found) == 1 else None


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def longest(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    return _unique([_length(t) for t in texts], max)


def shortest(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    return _unique([_length(t) for t in texts], min)


Words = Callable[[str], set[str]]  # a text's content words (the linter's: stems, no stopwords)


def stem_words(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    stem = content(prompt)
    shared = [len(content(text) & stem) for text in texts]
    index = _unique(shared, max)
    return index if index is not None and shared[index] > 0 else None


def no_absolute(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    return _only([not is_absolute(text) for text in texts])


def hedged(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    return _only([is_hedged(text) for text in texts])


def odd_grammar(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    if len(texts) < 3:
        return None
    shapes = [shape(text) for text in texts]
    for index, this in enumerate(shapes):
        others = shapes[:index] + shapes[index + 1 :]
        if this not in others and len(set(others)) == 1:
            return index
    return None


def odd_length(prompt: str, texts: Sequence[str], content: Words) -> int | None:
    """An option far longer or far shorter than all the others, which are alike."""
    if len(texts) < 3:
        return None
    lengths = sorted((_length(text), index) for index, text in enumerate(texts))
    values = [length for length, _index in lengths]
    top_gap, low_gap = values[-1] - values[-2], values[1] - values[0]
    if values[-1] >= ODD_LENGTH_RATIO * values[-2] and top_gap > values[-2] - values[0]:
        return lengths[-1][1]
    if values[1] >= ODD_LENGTH_RATIO * max(values[0], 1) and low_gap > values[-1] - values[1]:
        return lengths[0][1]
    return None


# name -> (what it picks, for people; the function)
CUES: dict[str, tuple[str, Callable[[str, Sequence[str], Words], int | None]]] = {
    "longest": ("the longest option", longest),
    "shortest": ("the shortest option", shortest),
    "stem-words": ("the option repeating most words of the prompt", stem_words),
    "no-absolute": ("the only option without an absolute word", no_absolute),
    "hedged": ("the only hedged option", hedged),
    "odd-grammar": ("the odd one out in grammar", odd_grammar),
    "odd-length": ("the odd one out in length", odd_length),
}
# A true/false statement's cues: (name, what it picks, the side it predicts, test).
STATEMENT_CUES: dict[str, tuple[str, str, Callable[[str], bool]]] = {
    "absolute-false": ("an absolute statement is false", "false", is_absolute),
    "hedged-true": ("a hedged statement is true", "true", is_hedged),
}


@dataclass
class QuestionCues:
    """One question's form as a test-wise learner reads it."""

    key: str
    objective: str
    line: int
    chance: float  # a blind pick's chance of being correct
    correct: list[bool]  # per option (a true/false question: [True] for its key side...)
    picks: dict[str, int] = field(default_factory=dict)  # cue name -> option index
    statement: bool = False  # a true/false statement: options are ("true", "false")

    def hits(self, cue: str) -> bool | None:
        """Whether a cue picks a correct option (None when it does not apply)."""
        index = self.picks.get(cue)
        return None if index is None else self.correct[index]


def choice_cues(
    key: str, objective: str, line: int, prompt: str, options: Sequence[FormOption], content: Words
) -> QuestionCues | None:
    """Cues of a question with author-written options (`QuestionType.form_options`)."""
    if len(options) < 2 or all(option.correct for option in options):
        return None
    texts = [option.text for option in options]
    correct = [option.correct for option in options]
    picks = {
        name: index
        for name, (_label, cue) in CUES.items()
        if (index := cue(prompt, texts, content)) is not None
    }
    return QuestionCues(key, objective, line, sum(correct) / len(correct), correct, picks)


def statement_cues(key: str, objective: str, line: int, statement: str, side: str) -> QuestionCues:
    """Cues of a true/false statement whose key is `side` ("true" or "false")."""
    correct = [side == "true", side == "false"]
    picks = {}
    for name, (_label, predicts, test) in STATEMENT_CUES.items():
        if test(statement):
            picks[name] = 0 if predicts == "true" else 1
    return QuestionCues(key, objective, line, 0.5, correct, picks, statement=True)


# --- the test ---------------------------------------------------------------------------------


def upper_tail(rates: Sequence[float], hits: int) -> float:
    """P(X >= hits) where X is the number of successes of independent trials with these
    success rates (the Poisson-binomial distribution), exactly, by dynamic programming."""
    distribution = [1.0]
    for rate in rates:
        following = [0.0] * (len(distribution) + 1)
        for count, probability in enumerate(distribution):
            following[count] += probability * (1 - rate)
            following[count + 1] += probability * rate
        distribution = following
    return min(1.0, sum(distribution[max(hits, 0) :]))


@dataclass
class CueTally:
    cue: str
    applies: int  # questions the cue picks an option in
    hits: int  # ...a correct one
    expected: float  # hits expected by chance
    p_value: float
    hit_keys: list[str]

    @property
    def significant(self) -> bool:
        return (
            self.hits >= MIN_HITS
            and self.hits > self.expected
            and self.p_value < ALPHA / len(CUES)
        )


def tally(questions: Sequence[QuestionCues], cue: str) -> CueTally:
    applied = [q for q in questions if q.hits(cue) is not None]
    hit_keys = [q.key for q in applied if q.hits(cue)]
    rates = [q.chance for q in applied]
    return CueTally(
        cue=cue,
        applies=len(applied),
        hits=len(hit_keys),
        expected=sum(rates),
        p_value=upper_tail(rates, len(hit_keys)),
        hit_keys=hit_keys,
    )


def significant_cues(questions: Sequence[QuestionCues]) -> list[CueTally]:
    """The option cues that hit significantly more often than chance among these questions."""
    choices = [q for q in questions if not q.statement]
    return [found for cue in CUES if (found := tally(choices, cue)).significant]


# --- the test-wise guesser ----------------------------------------------------------------------


def _logit(rate: float) -> float:
    rate = min(max(rate, 1e-6), 1 - 1e-6)
    return math.log(rate / (1 - rate))


@dataclass
class _Evidence:
    """A cue's record over some questions: where it applied, its hits, chance's expected hits."""

    applied: int = 0
    hits: int = 0
    chance: float = 0.0

    def add(self, question: QuestionCues, cue: str, sign: int = 1) -> None:
        hit = question.hits(cue)
        if hit is not None:
            self.applied += sign
            self.hits += sign * hit
            self.chance += sign * question.chance

    def weight(self) -> float:
        """How much the cue is worth: the log-odds of its smoothed hit rate over those of
        chance (positive: follow it; negative: avoid what it picks; 0: ignore it)."""
        if self.applied < GUESSER_MIN_EVIDENCE:
            return 0.0
        chance = self.chance / self.applied
        rate = (self.hits + GUESSER_PRIOR * chance) / (self.applied + GUESSER_PRIOR)
        weight = _logit(rate) - _logit(chance)
        # Within noise a cue is ignored: leaving a question out of a cue that works at chance
        # would otherwise teach the guesser to avoid that very question's key.
        return weight if abs(weight) >= GUESSER_MIN_WEIGHT else 0.0


@dataclass
class Guess:
    key: str
    objective: str
    chance: float
    expected: float  # the guesser's chance of being right on this question
    sure: bool  # its best option is unique, and correct: guessable from form


def guesser(questions: Sequence[QuestionCues]) -> list[Guess]:
    """The test-wise guesser's result on each question (leave-one-out cue weights)."""
    totals: dict[tuple[bool, str], _Evidence] = {}
    for statement, names in ((False, CUES), (True, STATEMENT_CUES)):
        for cue in names:
            evidence = totals[statement, cue] = _Evidence()
            for question in questions:
                if question.statement == statement:
                    evidence.add(question, cue)
    result = []
    for question in questions:
        scores = [0.0] * len(question.correct)
        for cue, index in question.picks.items():
            total = totals[question.statement, cue]
            others = _Evidence(total.applied, total.hits, total.chance)
            others.add(question, cue, sign=-1)  # leave the question itself out
            scores[index] += others.weight()
        best = max(scores)
        top = [index for index, score in enumerate(scores) if math.isclose(score, best)]
        if len(top) == len(scores):  # nothing to go on: a blind guess
            expected = question.chance
        else:
            expected = sum(1 for index in top if question.correct[index]) / len(top)
        sure = len(top) == 1 and question.correct[top[0]] and best > 0
        result.append(Guess(question.key, question.objective, question.chance, expected, sure))
    return result


def key_lean(sides: Sequence[str]) -> tuple[str, int, float] | None:
    """(the side most keys take, how many, two-sided binomial p-value against 50/50) of
    two-sided keys, or None if there are none."""
    if not sides:
        return None
    counts = {side: sides.count(side) for side in set(sides)}
    side = max(sorted(counts), key=lambda name: counts[name])
    n, k = len(sides), counts[side]
    tail = upper_tail([0.5] * n, k)
    return side, k, min(1.0, 2 * tail)


def text_of(text: str) -> str:
    """Plain words of a text, for messages."""
    return " ".join(normalise_text(text).split())
