"""Short, readable values for the admin's list columns and detail pages.

Short values in list columns, the full text on hover and on the detail page: the columns that
matter (scores, levels, flags) stay on screen at 1280 px.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator

from quizzes import questiontypes


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
    """A learner's answer for a table: summed up when its type says ("2 of 3 pairs right"), a long
    answer shortened (in full on hover and on the answer's page)."""
    qtype = questiontypes.get(response.question.type)
    spec, answer = response.version.spec, response.answer
    summary = qtype.answer_summary(spec, answer)
    if summary is not None:
        full = "\n".join(qtype.answer_lines(spec, answer, marked=True))
        return format_html('<span title="{}">{}</span>', full or response.answer_display, summary)
    full = response.answer_display
    return format_html('<span title="{}">{}</span>', full, Truncator(full).chars(60))
