"""What a newcomer meets as learner and instructor, checked where it is visible: in Chromium at
1280 x 800 and phone size, with axe, and a screenshot of each (screenshots/walk-*.png)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, admin_log_in, screenshot

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


def test_report_pages_have_the_admins_breadcrumb_bar(open_page, class_results):
    page = open_page(viewport=DESKTOP)
    admin_log_in(page)
    page.goto(reverse("reports:course_review", args=[class_results.pk]))
    crumbs = page.locator("ol.breadcrumbs")
    expect(crumbs).to_contain_text("Course review")
    box = crumbs.bounding_box()
    first = crumbs.get_by_role("link", name="Home").bounding_box()
    assert box["width"] >= DESKTOP["width"] - 20 and first["x"] >= 20  # a bar, text inset
    background = crumbs.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    # The findings first: the errors and warnings tables come before the coverage.
    errors = page.locator("#errors").bounding_box()["y"]
    assert errors < page.locator("#coverage").bounding_box()["y"]
    screenshot(page, "walk-course-review", full_page=False)


# --- the learner's side --------------------------------------------------------------------


def test_multiple_select_feedback_marks_each_option(page, real_course):
    from tests.browser.helpers import fill_answer, sign_up
    from tests.browser.test_newcomer import _attempt_on, assert_accessible

    sign_up(page, "chooser")
    question = real_course.questions.filter(type="multiple").order_by("position").first()
    _attempt, url = _attempt_on(page, question.objective.quiz.slug, [question.key])
    page.goto(url)
    fill_answer(page, correct=False)  # the wrong options only
    page.get_by_role("button", name="Check my answer").click()
    table = page.locator(".choices-table")
    expect(table).to_be_visible()
    options = len(question.current_version.spec["options"])
    expect(table.locator("tbody tr")).to_have_count(options)
    # Every option chosen or correct is marked, in words for screen readers: not colour alone.
    marked = table.locator("tbody tr.is-right, tbody tr.is-wrong")
    expect(marked).to_have_count(options)
    expect(table.locator(".visually-hidden").first).to_have_text(re.compile(r"^(Right|Wrong): $"))
    expect(page.locator(".result__rule")).to_contain_text("wrong pick")
    screenshot(page, "walk-multiple-feedback", full_page=False)
    assert_accessible(page, "walk-multiple-feedback")


def test_the_lesson_title_comes_before_the_outline_which_sits_on_the_left(page, real_course):
    page.goto(f"/courses/{real_course.slug}/lessons/comparing-the-models/")
    first_heading = page.locator("main h1, main h2").first
    expect(first_heading).to_have_attribute("id", "lesson-title")
    outline = page.locator("#outline").bounding_box()
    lesson = page.locator("article.lesson").bounding_box()
    assert outline["x"] + outline["width"] <= lesson["x"], "the outline is not on the left"
    assert abs(outline["y"] - lesson["y"]) < 40, "the outline is not beside the lesson"
    screenshot(page, "walk-lesson-desktop", full_page=False)


def test_the_phone_table_keeps_its_row_lines_while_scrolled(open_page, real_course):
    page = open_page(viewport=PHONE, has_touch=True)
    page.goto(f"/courses/{real_course.slug}/lessons/comparing-the-models/")
    table = page.locator(".prose table").first
    table.scroll_into_view_if_needed()
    table.evaluate("t => { t.scrollLeft = 200; }")
    # Every first-column cell draws its own line under it, so it moves with the sticky cell.
    widths = table.evaluate(
        """t => [...t.querySelectorAll("tr > :first-child")]
             .map((cell) => getComputedStyle(cell).borderBottomWidth)"""
    )
    assert table.evaluate("t => getComputedStyle(t).borderCollapse") == "separate"
    assert set(widths) == {"1px"}, widths
    screenshot(page, "walk-phone-table-scrolled", full_page=False)


def test_the_certificate_actions_on_a_phone_start_with_no_stray_dot(open_page, real_course):
    from django.utils import timezone

    from progress.models import CourseCompletion
    from tests.browser.helpers import sign_up

    page = open_page(viewport=PHONE, has_touch=True)
    sign_up(page, "certified")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="certified")
    CourseCompletion.objects.create(user=user, course=real_course, completed_at=timezone.now())
    page.goto(f"/courses/{real_course.slug}/certificate/")
    actions = page.locator(".certificate-actions")
    expect(actions).to_contain_text("Print this page")
    lines = actions.evaluate("""p => [...p.children].map((el) => el.textContent.trim())""")
    assert all(not line.startswith("·") for line in lines), lines
    screenshot(page, "walk-certificate-phone", full_page=False)
