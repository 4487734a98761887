"""Values as people read them, for the admin and the learner's exports."""

from typing import Any

from django.utils.text import Truncator


def score_text(attempt: Any) -> str:  # a quizzes.models.Attempt
    """An attempt's score: "6.3 / 10 (63%)" (one decimal at most), or "" while it is open."""
    if attempt.score is None or not attempt.max_score:
        return ""
    score = f"{attempt.score:.1f}".removesuffix(".0")
    return f"{score} / {attempt.max_score} ({attempt.percent}%)"


def short(text: str, length: int = 60) -> str:
    """A long text shortened on a word boundary, with an ellipsis."""
    return Truncator(text or "").chars(length)
