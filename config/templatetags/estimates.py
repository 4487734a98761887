"""`{{ p|estimate_percent }}`: a mastery estimate (0 to 1) as people see it, rounded down and
never 100 (quizzes.mastery.display_percent)."""

from django import template

from progress.mastery import display_percent

register = template.Library()


@register.filter
def estimate_percent(value):
    if value is None or value == "":
        return ""
    return display_percent(float(value))
