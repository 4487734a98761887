"""The second newcomer walk-through's items, checked where they are visible: in Chromium at the
walk-through's sizes, with axe, and screenshots of each (screenshots/walk-*.png)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, admin_log_in, screenshot

pytestmark = pytest.mark.browser

# Every table of the page fits the box it scrolls in: no column past the right edge.
TABLES_CUT_OFF = """() => [...document.querySelectorAll("#content-main table, #result_list")]
  .filter((table) => {
    const box = table.closest(".module, .results, .table-scroll") || table.parentElement;
    return table.getBoundingClientRect().right > box.getBoundingClientRect().right + 0.5
      || table.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5;
  })
  .map((table) => (table.id || table.className) + " " + Math.round(table.scrollWidth) + "px in "
       + Math.round((table.closest(".module, .results") || table.parentElement).clientWidth))"""

# A date and time cut mid-time ("3:20 p." / "m."): the cell wraps onto more lines than one.
WRAPPED_TIMES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    return tops.size > 1;
  })
  .map((cell) => cell.textContent.trim())"""


COLUMN_WIDTHS = """(selector) => [...document.querySelectorAll(selector + " thead th")]
  .map((th) => th.textContent.trim() + "=" + Math.round(th.getBoundingClientRect().width))
  .join(", ")"""


def test_instructor_tables_show_every_column_at_1280(open_page, class_results):
    from quizzes.models import Quiz

    page = open_page(viewport=DESKTOP)
    admin_log_in(page)
    cut = {}
    for quiz in Quiz.objects.filter(course=class_results).order_by("position"):
        page.goto(reverse("reports:items", args=[quiz.pk]))
        page.locator("#question-figures").wait_for()
        if found := page.evaluate(TABLES_CUT_OFF):
            widths = page.evaluate(COLUMN_WIDTHS, "#question-figures")
            cut[f"item analysis {quiz.slug}"] = [*found, widths]
        if quiz.kind == "course":
            page.locator("#question-figures").scroll_into_view_if_needed()
            screenshot(page, "walk-item-analysis-course-test", full_page=False)
    for name, url, column in (
        ("attempts", "admin:quizzes_attempt_changelist", "finished_at"),
        ("responses", "admin:quizzes_response_changelist", "graded_at"),
    ):
        page.goto(reverse(url))
        page.locator("#result_list").wait_for()
        if found := page.evaluate(TABLES_CUT_OFF):
            cut[name] = found
        if wrapped := page.evaluate(WRAPPED_TIMES, f"#result_list td.field-{column}"):
            cut[f"{name} {column}"] = wrapped[:3]
        screenshot(page, f"walk-{name}-list", full_page=False)
    assert not cut, f"columns off-screen or cut at 1280 px: {cut}"
