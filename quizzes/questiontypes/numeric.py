"""A number, typed.

Spec: {"answer": 10000000.0, "tolerance": 0.0, "units": true, "unit_label": "tokens"}
Input: {"text": "10M"}; correct when |value - answer| <= tolerance (plus a tiny epsilon).
"units" allows k/M/bn/tn suffixes and words ("10 million"); a trailing unit label
("10M tokens") is accepted and ignored.

`format_number` is the one way a number is shown, to learners, in the admin and in reports.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from quizzes.questiontypes import register
from quizzes.questiontypes.base import (
    AnswerData,
    AnswerForm,
    Grade,
    InvalidAnswer,
    PaperItem,
    QuestionType,
    Shape,
    Spec,
    SpecChecker,
    Token,
    text_field,
    typed_text,
)

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


def yaml_number(value: Any) -> float | None:
    """A YAML number, or a string such as "10,000,000" or "10M"; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = parse_number(value, units=True)
        except InvalidAnswer:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


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


@register
class Numeric(QuestionType):
    name = "numeric"
    label = "Numeric answer"
    shape = Shape.NUMBER
    fields = frozenset({"answer", "tolerance", "units", "unit_label"})
    guess_rate = 0.05

    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        ok = True
        if "answer" not in item:
            check.add(check.line(item), f'{label}: missing required field "answer"')
            return None
        answer = yaml_number(item["answer"])
        if answer is None:
            check.add(
                check.line(item, "answer"), f"{label}: answer {item['answer']!r} is not a number"
            )
            ok = False
        tolerance = yaml_number(item.get("tolerance", 0))
        if tolerance is None or tolerance < 0:
            check.add(
                check.line(item, "tolerance"), f"{label}: tolerance must be a number, zero or more"
            )
            ok = False
        units = item.get("units", False)
        if not isinstance(units, bool):
            check.add(check.line(item, "units"), f"{label}: units must be true or false")
            ok = False
        unit_label = check.text(item, "unit_label", label, required=False) or ""
        if not ok:
            return None
        return {"answer": answer, "tolerance": tolerance, "units": units, "unit_label": unit_label}

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        # No example numbers in the messages or the hint: one could be the answer.
        form.units = bool(spec.get("units"))
        form.fields["text"] = text_field(form, inputmode="decimal", required="Enter a number.")
        form.unit_label = spec.get("unit_label") or ""

    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": cleaned["text"]}

    def _with_unit(self, spec: Spec, value: float) -> str:
        label = str(spec.get("unit_label") or "")
        return format_number(value) + (f" {label}" if label else "")

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        units = bool(spec.get("units", False))
        text = typed_text(data, _number_hint(units))
        value = parse_number(
            _strip_unit_label(text, str(spec.get("unit_label") or "")), units=units
        )
        answer = float(spec["answer"])
        tolerance = abs(float(spec.get("tolerance") or 0.0))
        epsilon = 1e-9 * max(1.0, abs(answer))
        score = 1.0 if abs(value - answer) <= tolerance + epsilon else 0.0
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display=self._with_unit(spec, value),
            correct_display=self.correct_display(spec),
            feedback_html="",
            answer={"text": text, "value": value},
        )

    def model_answer(self, spec: Spec) -> dict[str, Any]:
        return {"text": format_number(float(spec["answer"]))}

    def number_answer(self, spec: Spec) -> float | None:
        return float(spec["answer"])

    def correct_display(self, spec: Spec) -> str:
        text = self._with_unit(spec, float(spec["answer"]))
        tolerance = abs(float(spec.get("tolerance") or 0.0))
        return text + (f" (± {format_number(tolerance)})" if tolerance else "")

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        answer = float(spec["answer"])
        tolerance = abs(float(spec.get("tolerance") or 0))
        value = answer if correct else answer * rng.choice([10, 0.1, 2]) + tolerance + 1
        return {"text": format_number(value)}

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        unit = str(spec.get("unit_label") or "")
        return PaperItem(instruction=f"Answer with a number{f' (in {unit})' if unit else ''}.")
