"""Short text, typed.

Spec: {"accepted": ["Alexandr Wang"], "normalised": ["alexandr wang"]}, plus
"allow_typos": true only when the author set it.
Input: {"text": "..."}; correct when normalise_text(text) is one of "normalised", or it is an
accepted term with its abbreviation or expansion in brackets, or (with allow_typos) one edit away
from an accepted answer; see quizzes.text_match.
"""

from __future__ import annotations

import html
import random
from collections.abc import Mapping
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
from quizzes.text_match import match_text, normalise_text

__all__ = ["ShortText", "normalise_text"]


@register
class ShortText(QuestionType):
    name = "text"
    label = "Short text"
    shape = Shape.SHORT_TEXT
    fields = frozenset({"accepted", "allow_typos"})
    guess_rate = 0.05

    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        raw = item.get("accepted")
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            check.add(
                check.line(item, "accepted"), f"{label}: accepted must list at least one answer"
            )
            return None
        accepted: list[str] = []
        normalised: list[str] = []
        for index, value in enumerate(raw):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                check.add(
                    check.line(item, "accepted"),
                    f"{label}: accepted answer {index + 1} must be text (quote yes/no/true/false)",
                )
                return None
            text = str(value).strip()
            norm = normalise_text(text)
            if not norm:
                check.add(
                    check.line(item, "accepted"),
                    f"{label}: accepted answer {index + 1} has no letters or digits",
                )
                return None
            accepted.append(text)
            if norm not in normalised:
                normalised.append(norm)
        spec: dict[str, Any] = {"accepted": accepted, "normalised": normalised}
        allow_typos = item.get("allow_typos", False)
        if not isinstance(allow_typos, bool):
            check.add(
                check.line(item, "allow_typos"), f"{label}: allow_typos must be true or false"
            )
            return None
        if allow_typos:  # only when set, so that other text questions keep their versions
            spec["allow_typos"] = True
        return spec

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        form.fields["text"] = text_field(form, inputmode="text", required="Type your answer.")

    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": cleaned["text"]}

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        text = typed_text(data, "Type your answer.")
        normalised = normalise_text(text)
        if not normalised:
            raise InvalidAnswer("Type your answer in words or numbers.")
        match = match_text(text, spec["accepted"], allow_typos=bool(spec.get("allow_typos")))
        score = 1.0 if match.correct else 0.0
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display=text,
            correct_display=self.correct_display(spec),
            feedback_html=(
                f"<p>Check the spelling: {html.escape(match.spelling)}</p>"
                if match.spelling
                else ""
            ),
            answer={"text": text, "normalised": normalised},
        )

    def model_answer(self, spec: Spec) -> dict[str, Any]:
        return {"text": spec["accepted"][0]}

    def correct_display(self, spec: Spec) -> str:
        return str(spec["accepted"][0])

    def typed_answers(self, spec: Spec) -> list[str]:
        return [str(answer) for answer in spec["accepted"]]

    def answer_key(self, spec: Spec) -> str:
        return " / ".join(spec["accepted"])

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        return {"text": spec["accepted"][0] if correct else rng.choice(["not sure", "no idea"])}

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        return PaperItem(instruction="Type your answer in words.")
