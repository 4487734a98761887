"""Grading a learner's answer against a question version's spec.

Each question type (quizzes/questiontypes/, one module per type) stores its author data as
JSON on `QuestionVersion.spec` and grades cleaned input against it; its module's docstring
gives the spec's shape. This module is the one entry point the views, the services and the
commands call, plus the number and text helpers the types share.

`grade` raises InvalidAnswer, whose message is a sentence to show the learner, when the input
cannot be graded (nothing chosen, an unknown option, text that is not a number...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizzes import questiontypes
from quizzes.questiontypes.base import MAX_TEXT_LENGTH, Grade, InvalidAnswer
from quizzes.questiontypes.numeric import format_number, parse_number
from quizzes.questiontypes.text import normalise_text

__all__ = [
    "MAX_TEXT_LENGTH",
    "Grade",
    "InvalidAnswer",
    "correct_display",
    "format_number",
    "grade",
    "guess_for_spec",
    "model_answer",
    "normalise_text",
    "parse_number",
]


def grade(qtype: str, spec: Mapping[str, Any], data: Mapping[str, Any]) -> Grade:
    """Grade cleaned input `data` for a question of type `qtype` with author data `spec`.

    Raises InvalidAnswer (a sentence for the learner) when the input cannot be graded;
    ValueError for an unknown question type (a programming or data error, not the learner's).
    """
    question_type = questiontypes.get(qtype)
    if not isinstance(data, Mapping):
        raise InvalidAnswer("Answer the question before submitting.")
    return question_type.grade(spec, data)


def model_answer(qtype: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    """An input that answers the question fully correctly (for questions left unanswered)."""
    return questiontypes.get(qtype).model_answer(spec)


def correct_display(qtype: str, spec: Mapping[str, Any]) -> str:
    """The correct answer in words, as the learner's feedback, the admin and reports show it."""
    return questiontypes.get(qtype).correct_display(spec)


def guess_for_spec(qtype: str, spec: Mapping[str, Any]) -> float:
    """The mastery model's guess parameter G for this question (progress.mastery.Answer.guess)."""
    return questiontypes.get(qtype).guess(spec)
