"""Short, readable values for the admin's list columns and detail pages.

Short values in list columns, the full text on hover and on the detail page: the columns that
matter (scores, levels, flags) stay on screen at 1280 px.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator

from quizzes import matching_display


@admin.display(description="objective", ordering="objective__key")
def objective_key(obj):
    """The objective's key, its text on hover."""
    objective = obj.objective
    return format_html('<span title="{}">{}</span>', objective.text, objective.key)


def question_cell(question, version):
    """The question's key and its prompt shortened (in full on hover)."""
    full = version.prompt_text if version is not None else ""
    return format_html(
        '<span title="{}">{}</span><br><span class="quiet">{}</span>',
        full,
        question.key,
        Truncator(full).chars(70),
    )


def answer_cell(response):
    """A learner's answer for a table: a matching answer as "2 of 3 pairs right", a long
    answer shortened (in full on hover and on the answer's page)."""
    if response.question.type == "matching":
        rows = matching_display.pair_rows(response.version.spec, response.answer)
        right = sum(1 for row in rows if row["is_right"])
        full = matching_display.pairs_text(rows)
        return format_html('<span title="{}">{} of {} pairs right</span>', full, right, len(rows))
    full = response.answer_display
    return format_html('<span title="{}">{}</span>', full, Truncator(full).chars(60))
