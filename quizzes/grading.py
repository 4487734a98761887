"""Grading a learner's answer against a question version's spec (pure Python, no Django).

Each question type stores its author data as JSON on `QuestionVersion.spec`; `quizzes.bank`
builds it from the question bank YAML and this module grades cleaned input against it.

Spec shapes (all HTML is already sanitised by courses.rendering when the bank is imported):

single / multiple
    {"options": [{"key": "a", "html": "<p>..</p>", "text": "plain text", "correct": bool,
                  "feedback_html": ""}, ...]}
    input {"choices": ["a"]}: single takes exactly one key, multiple at least one.
    Multiple scores max(0, (right picks - wrong picks) / number of correct options).
truefalse
    {"answer": true, "feedback_true_html": "", "feedback_false_html": ""}
    input {"value": "true" | "false"} (a bool is accepted too).
numeric
    {"answer": 10000000.0, "tolerance": 0.0, "units": true, "unit_label": "tokens"}
    input {"text": "10M"}; correct when |value - answer| <= tolerance (plus a tiny epsilon).
    "units" allows k/M/bn/tn suffixes and words ("10 million"); a trailing unit label
    ("10M tokens") is accepted and ignored.
text
    {"accepted": ["Alexandr Wang"], "normalised": ["alexandr wang"]}
    input {"text": "..."}; correct when normalise_text(text) is one of "normalised".
matching
    {"pairs": [{"key": "1", "left_html": "..", "left": "plain", "right_key": "r1"}, ...],
     "rights": [{"key": "r1", "text": "plain"}, ...]}  (all right-hand items, distractors too)
    input {"pairs": {"1": "r2", ...}}: every left item answered with a known right key;
    the score is the share of correct pairs.

`grade` raises InvalidAnswer, whose message is a sentence to show the learner, when the input
cannot be graded (nothing chosen, an unknown option, text that is not a number...).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

QUESTION_TYPES = ("single", "multiple", "truefalse", "numeric", "text", "matching")
MAX_TEXT_LENGTH = 500  # longer typed answers are refused, never stored


class InvalidAnswer(ValueError):
    """The input cannot be graded; str(error) is a sentence for the learner."""


@dataclass(frozen=True)
class Grade:
    score: float  # in [0, 1]
    correct: bool  # score == 1
    answer_display: str  # the learner's answer in words, plain text
    correct_display: str  # the correct answer in words, plain text
    feedback_html: str  # author feedback for what was chosen, may be ""
    answer: dict[str, Any] = field(default_factory=dict)  # normalised, JSON-serialisable


# --- numbers -----------------------------------------------------------------------------

_MULTIPLIERS = {
    "k": 3, "thousand": 3,
    "m": 6, "mn": 6, "mln": 6, "mio": 6, "million": 6, "millions": 6,
    "b": 9, "bn": 9, "billion": 9, "billions": 9,
    "t": 12, "tn": 12, "trillion": 12, "trillions": 12,
}  # fmt: skip
# Digits with optional thousands groups (comma, or a plain/no-break/thin space), then decimals.
_GROUP_SEP = "[, \u00a0\u202f]"
_NUMBER = rf"(?P<int>\d{{1,3}}(?:{_GROUP_SEP}\d{{3}})+|\d+)?(?P<frac>\.\d+)?"
_NUMBER_RE = re.compile(rf"(?P<sign>[+-])?{_NUMBER}")
_UNIT_RE = re.compile(r"\s*(?P<unit>[a-z]+)\.?", re.IGNORECASE)
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def _number_hint(units: bool) -> str:
    """The message for a number we cannot read. It gives no example figure: one could be the
    very answer of some question."""
    if units:
        return "Enter a number in digits; you may add a word like thousand, million or billion."
    return "Enter a number in digits."


def parse_number(text: str, *, units: bool) -> float:
    """Read a number typed by a learner.

    Plain numbers may use commas (or spaces) as thousands separators: "1,417", "10,000,000",
    "-3.5". With `units`, a scale suffix or word may follow: "10M", "10 million", "10 mn",
    "1.5bn", "128K", "2 trillion". Exponents, words for digits ("ten"), "nan" and "inf" are
    refused, as is anything that does not make a finite number.
    """
    example = _number_hint(units)
    raw = str(text).strip().translate(_MINUS_SIGNS)
    if not raw or len(raw) > 60:
        raise InvalidAnswer(example)
    match = _NUMBER_RE.match(raw)
    if match is None or not (match["int"] or match["frac"]):
        raise InvalidAnswer(example)
    rest = raw[match.end() :]
    exponent = 0
    if rest:
        unit = _UNIT_RE.fullmatch(rest)
        if not units or unit is None or unit["unit"].casefold() not in _MULTIPLIERS:
            raise InvalidAnswer(example)
        exponent = _MULTIPLIERS[unit["unit"].casefold()]
    digits = re.sub(_GROUP_SEP, "", match["int"] or "0") + (match["frac"] or "")
    try:
        value = Decimal(digits).scaleb(exponent)
    except InvalidOperation as error:  # pragma: no cover - the pattern only lets digits in
        raise InvalidAnswer(example) from error
    result = float(value)
    if not math.isfinite(result):
        raise InvalidAnswer("That number is too large.")
    return -result if match["sign"] == "-" else result


def format_number(value: float) -> str:
    """A number for display: thousands separated, no trailing ".0" ("10,000,000", "1.5")."""
    if value == int(value) and abs(value) < 1e18:
        return f"{int(value):,}"
    return f"{value:,.10g}" if abs(value) < 1e18 else f"{value:g}"


# --- text --------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")


def normalise_text(text: str) -> str:
    """Casefold, strip accents, punctuation to spaces, collapse spaces ("Édouard-Grave" ->
    "edouard grave"). Apostrophes are dropped rather than spaced so "Meta's" matches "Metas".
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_APOSTROPHES)
    spaced = "".join(ch if ch.isalnum() else " " for ch in stripped)
    return " ".join(spaced.split())


# --- graders -----------------------------------------------------------------------------


def _choices(data: Mapping[str, Any]) -> list[str]:
    raw = data.get("choices")
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple | set | frozenset):
        raise InvalidAnswer("Choose an option from the list.")
    keys = []
    for item in raw:
        if not isinstance(item, str):
            raise InvalidAnswer("Choose an option from the list.")
        if item and item not in keys:
            keys.append(item)
    return keys


def _picked_options(spec: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict]:
    chosen = set(_choices(data))
    options = spec["options"]
    if chosen - {option["key"] for option in options}:
        raise InvalidAnswer("That option is not part of this question. Choose from the list.")
    return [option for option in options if option["key"] in chosen]


def _join_texts(options: list[dict]) -> str:
    """Option texts as one line: "A; B; C" (a full stop before a semicolon is dropped)."""
    texts = [option["text"] for option in options]
    return "; ".join([text.rstrip(".") for text in texts[:-1]] + texts[-1:])


def _join_feedback(options: list[dict]) -> str:
    """The feedback of the options picked, each distinct text once (authors often give every
    right option the same "Yes.")."""
    feedback = [option["feedback_html"] for option in options if option.get("feedback_html")]
    return "\n".join(dict.fromkeys(feedback))


def _grade_single(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    picked = _picked_options(spec, data)
    if not picked:
        raise InvalidAnswer("Choose one option.")
    if len(picked) > 1:
        raise InvalidAnswer("Choose only one option.")
    score = 1.0 if picked[0]["correct"] else 0.0
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display=picked[0]["text"],
        correct_display=_join_texts([o for o in spec["options"] if o["correct"]]),
        feedback_html=_join_feedback(picked),
        answer={"choices": [picked[0]["key"]]},
    )


def _grade_multiple(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    picked = _picked_options(spec, data)
    if not picked:
        raise InvalidAnswer("Choose at least one option.")
    right = sum(1 for option in picked if option["correct"])
    wrong = len(picked) - right
    correct_options = [option for option in spec["options"] if option["correct"]]
    score = max(0.0, (right - wrong) / len(correct_options))
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display=_join_texts(picked),
        correct_display=_join_texts(correct_options),
        feedback_html=_join_feedback(picked),
        answer={"choices": [option["key"] for option in picked]},
    )


_TRUE_WORDS = {"true": True, "false": False}


def _grade_truefalse(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    raw = data.get("value")
    if isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().casefold() in _TRUE_WORDS:
        value = _TRUE_WORDS[raw.strip().casefold()]
    else:
        raise InvalidAnswer("Choose true or false.")
    score = 1.0 if value == bool(spec["answer"]) else 0.0
    feedback = spec.get("feedback_true_html" if value else "feedback_false_html", "")
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display="True" if value else "False",
        correct_display="True" if spec["answer"] else "False",
        feedback_html=feedback or "",
        answer={"value": value},
    )


def _typed_text(data: Mapping[str, Any], empty_message: str) -> str:
    raw = data.get("text")
    if raw is None:
        raise InvalidAnswer(empty_message)
    if not isinstance(raw, str):
        raise InvalidAnswer(empty_message)
    text = " ".join(raw.split())
    if not text:
        raise InvalidAnswer(empty_message)
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidAnswer(f"Keep your answer under {MAX_TEXT_LENGTH} characters.")
    return text


def _strip_unit_label(text: str, label: str) -> str:
    """'10M tokens' -> '10M' when the question's unit label is 'tokens' (or 'token')."""
    label = label.strip().casefold()
    if not label:
        return text
    for candidate in (label, label.removesuffix("s")):
        if candidate and text.casefold().endswith(candidate):
            head = text[: -len(candidate)]
            if not head or head[-1].isspace() or head[-1].isdigit():
                return head.rstrip()
    return text


def _grade_numeric(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    units = bool(spec.get("units", False))
    example = _number_hint(units)
    text = _typed_text(data, example)
    label = str(spec.get("unit_label") or "")
    value = parse_number(_strip_unit_label(text, label), units=units)
    answer = float(spec["answer"])
    tolerance = abs(float(spec.get("tolerance") or 0.0))
    epsilon = 1e-9 * max(1.0, abs(answer))
    score = 1.0 if abs(value - answer) <= tolerance + epsilon else 0.0
    suffix = f" {label}" if label else ""
    correct_display = format_number(answer) + suffix
    if tolerance:
        correct_display += f" (± {format_number(tolerance)})"
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display=format_number(value) + suffix,
        correct_display=correct_display,
        feedback_html="",
        answer={"text": text, "value": value},
    )


def _grade_text(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    text = _typed_text(data, "Type your answer.")
    normalised = normalise_text(text)
    if not normalised:
        raise InvalidAnswer("Type your answer in words or numbers.")
    accepted = spec.get("normalised") or [normalise_text(a) for a in spec["accepted"]]
    score = 1.0 if normalised in accepted else 0.0
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display=text,
        correct_display=spec["accepted"][0],
        feedback_html="",
        answer={"text": text, "normalised": normalised},
    )


def _grade_matching(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    given = data.get("pairs")
    if not isinstance(given, Mapping):
        raise InvalidAnswer("Match every item on the left.")
    pairs = spec["pairs"]
    rights = {right["key"]: right["text"] for right in spec["rights"]}
    lefts = {pair["key"] for pair in pairs}
    if set(given) - lefts:
        raise InvalidAnswer("That item is not part of this question.")
    answer: dict[str, str] = {}
    for pair in pairs:
        chosen = given.get(pair["key"])
        if not chosen:
            raise InvalidAnswer("Match every item on the left.")
        if not isinstance(chosen, str) or chosen not in rights:
            raise InvalidAnswer("That choice is not part of this question. Choose from the list.")
        answer[pair["key"]] = chosen
    right_count = sum(1 for pair in pairs if answer[pair["key"]] == pair["right_key"])
    score = right_count / len(pairs)
    return Grade(
        score=score,
        correct=score == 1.0,
        answer_display="; ".join(f"{p['left']} → {rights[answer[p['key']]]}" for p in pairs),
        correct_display="; ".join(f"{p['left']} → {rights[p['right_key']]}" for p in pairs),
        feedback_html="",
        answer={"pairs": answer},
    )


_GRADERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Grade]] = {
    "single": _grade_single,
    "multiple": _grade_multiple,
    "truefalse": _grade_truefalse,
    "numeric": _grade_numeric,
    "text": _grade_text,
    "matching": _grade_matching,
}


def grade(qtype: str, spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    """Grade cleaned input `data` for a question of type `qtype` with author data `spec`.

    Raises InvalidAnswer (a sentence for the learner) when the input cannot be graded;
    ValueError for an unknown question type (a programming or data error, not the learner's).
    """
    try:
        grader = _GRADERS[qtype]
    except KeyError:
        raise ValueError(f"unknown question type {qtype!r}") from None
    if not isinstance(data, Mapping):
        raise InvalidAnswer("Answer the question before submitting.")
    return grader(spec, data)


def guess_for(question_type: str, option_count: int | None = None) -> float:
    """The mastery model's guess parameter G for a question type (docs/specs/mastery.md).

    Single choice with k options: min(0.30, 1/k) (0.30 when k is unknown). "matching" is not
    named by the spec; it is treated like multiple select (0.10): blind matching rarely scores 1.
    """
    if question_type == "single":
        return min(0.30, 1 / option_count) if option_count else 0.30
    fixed = {"truefalse": 0.30, "multiple": 0.10, "matching": 0.10, "numeric": 0.05, "text": 0.05}
    if question_type not in fixed:
        raise ValueError(f"unknown question type {question_type!r}")
    return fixed[question_type]


def guess_for_spec(qtype: str, spec: Mapping[str, Any]) -> float:
    """The mastery model's guess parameter for this question (see guess_for)."""
    options = spec.get("options") if qtype in ("single", "multiple") else None
    return guess_for(qtype, len(options) if options else None)
