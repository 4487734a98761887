"""Single choice: one option of several is correct (spec and input: see options.py)."""

from __future__ import annotations

import random
from typing import Any

from django import forms

from quizzes.questiontypes import register
from quizzes.questiontypes.base import (
    AnswerData,
    AnswerForm,
    Grade,
    InvalidAnswer,
    Shape,
    Spec,
    Token,
)
from quizzes.questiontypes.options import (
    NOT_AN_OPTION,
    OptionsType,
    join_feedback,
    misconception,
    picked_options,
)


@register
class SingleChoice(OptionsType):
    name = "single"
    label = "Single choice"
    shape = Shape.ONE_CHOICE
    several_correct = False
    guess_rate = 0.30  # the cap; with k options the guess is min(0.30, 1/k)

    def guess(self, spec: Spec) -> float:
        options = spec.get("options")
        return min(self.guess_rate, 1 / len(options)) if options else self.guess_rate

    def guess_score(self, spec: Spec) -> float | None:
        marks = self.option_marks(spec)
        return sum(marks) / len(marks) if marks else None  # one option picked at random

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        form.fields["choice"] = forms.ChoiceField(
            choices=self.choice_items(form, self.shuffled(spec, rng), token),
            error_messages={"required": "Choose one option.", "invalid_choice": NOT_AN_OPTION},
        )

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        picked = picked_options(spec, data)
        if not picked:
            raise InvalidAnswer("Choose one option.")
        if len(picked) > 1:
            raise InvalidAnswer("Choose only one option.")
        score = 1.0 if picked[0]["correct"] else 0.0
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display=picked[0]["text"],
            correct_display=self.correct_display(spec),
            feedback_html=join_feedback(picked),
            answer={"choices": [picked[0]["key"]]},
        )

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        right, wrong = self.right_and_wrong(spec)
        if correct or not wrong:
            return {"choices": right[:1]}
        return {"choices": [misconception(rng, wrong)]}
