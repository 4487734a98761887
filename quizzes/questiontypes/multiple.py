"""Multiple select: choose every correct option (spec and input: see options.py).

Scores max(0, (right picks - wrong picks) / number of correct options).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from django import forms

from quizzes.choice_display import option_rows, score_rule
from quizzes.questiontypes import register
from quizzes.questiontypes.base import (
    AnswerData,
    AnswerForm,
    AnswerTable,
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
    join_texts,
    misconception,
    picked_options,
)


@register
class MultipleSelect(OptionsType):
    name = "multiple"
    label = "Multiple select"
    shape = Shape.SEVERAL_CHOICES
    several_correct = True
    guess_rate = 0.10
    paper_instruction = "Choose every correct option."

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        form.fields["choice"] = forms.MultipleChoiceField(
            choices=self.choice_items(form, self.shuffled(spec, rng), token),
            error_messages={
                "required": "Choose at least one option.",
                "invalid_choice": NOT_AN_OPTION,
                "invalid_list": NOT_AN_OPTION,
            },
        )

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        picked = picked_options(spec, data)
        if not picked:
            raise InvalidAnswer("Choose at least one option.")
        right = sum(1 for option in picked if option["correct"])
        wrong = len(picked) - right
        correct_options = [option for option in spec["options"] if option["correct"]]
        score = max(0.0, (right - wrong) / len(correct_options))
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display=join_texts(picked),
            correct_display=join_texts(correct_options),
            feedback_html=join_feedback(picked),
            answer={"choices": [option["key"] for option in picked]},
        )

    def answer_table(self, spec: Spec, answer: Mapping[str, Any] | None) -> AnswerTable | None:
        if answer is None:
            return None  # not answered: the correct options in one line
        rows = option_rows(spec, answer)
        return AnswerTable(
            template="quizzes/_choices_table.html",
            rows=rows,
            rule=score_rule(rows),
            shows_feedback=True,
        )

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        right, wrong = self.right_and_wrong(spec)
        if correct or not wrong:
            return {"choices": right}
        pick = misconception(rng, wrong)
        kept = right[:-1] if len(right) > 1 and rng.random() < 0.5 else right
        return {"choices": [*kept, pick]}
