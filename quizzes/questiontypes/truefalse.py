"""True or false.

Spec: {"answer": true, "feedback_true_html": "", "feedback_false_html": ""}
Input: {"value": "true" | "false"} (a bool is accepted too).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from django import forms

from courses.rendering import render_inline
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
)

_TRUE_WORDS = {"true": True, "false": False}
_LABELS = (("true", "True"), ("false", "False"))


@register
class TrueFalse(QuestionType):
    name = "truefalse"
    label = "True or false"
    shape = Shape.TRUE_FALSE
    fields = frozenset({"answer", "feedback_true", "feedback_false"})
    guess_rate = 0.30
    analyses_options = True

    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        answer = item.get("answer")
        if not isinstance(answer, bool):
            check.add(check.line(item, "answer"), f"{label}: answer must be true or false")
            return None
        feedback_true = check.text(item, "feedback_true", label, required=False)
        feedback_false = check.text(item, "feedback_false", label, required=False)
        return {
            "answer": answer,
            "feedback_true_html": render_inline(feedback_true) if feedback_true else "",
            "feedback_false_html": render_inline(feedback_false) if feedback_false else "",
        }

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        chosen = form.data.get("value") if form.is_bound else None
        form.items = [
            {
                "value": value,
                "id": f"{form.html_id}-{value}",
                "html": text,
                "checked": chosen == value,
            }
            for value, text in _LABELS
        ]
        form.fields["value"] = forms.ChoiceField(
            choices=list(_LABELS),
            error_messages={
                "required": "Choose true or false.",
                "invalid_choice": "Choose true or false.",
            },
        )

    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {"value": cleaned["value"]}

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
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
            correct_display=self.correct_display(spec),
            feedback_html=feedback or "",
            answer={"value": value},
        )

    def model_answer(self, spec: Spec) -> dict[str, Any]:
        return {"value": bool(spec["answer"])}

    def correct_display(self, spec: Spec) -> str:
        return "True" if spec.get("answer") else "False"

    def option_keys(self, spec: Spec) -> tuple[str, ...]:
        return ("true", "false")

    def guess_score(self, spec: Spec) -> float | None:
        return 0.5

    def option_labels(self, spec: Spec) -> dict[str, str]:
        return dict(_LABELS)

    def correct_keys(self, spec: Spec) -> set[str]:
        return {"true" if spec.get("answer") else "false"}

    def chosen(self, answer: Mapping[str, Any]) -> tuple[str, ...]:
        value = answer.get("value")
        if isinstance(value, bool):
            return ("true" if value else "false",)
        return (str(value).lower(),)

    def stated_texts(self, spec: Spec) -> list[str]:
        return []  # the statement is the prompt, which the linter reads anyway

    def feedback_texts(self, spec: Spec) -> list[str]:
        return [str(spec[name]) for name in ("feedback_true_html", "feedback_false_html")
                if spec.get(name)]  # fmt: skip

    def key_side(self, spec: Spec) -> str | None:
        return "true" if spec.get("answer") else "false"

    def fact_texts(self, spec: Spec, prompt: str) -> list[str] | None:
        return [prompt]  # the statement judged true or false

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        return PaperItem(instruction="True or false?")

    def paper_answer(self, spec: Spec, paper: PaperItem, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):
            return {"value": value}
        if isinstance(value, str) and value.strip().casefold() in _TRUE_WORDS:
            return {"value": _TRUE_WORDS[value.strip().casefold()]}
        raise InvalidAnswer("write true or false")

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        value = bool(spec["answer"]) if correct else not spec["answer"]
        return {"value": "true" if value else "false"}
