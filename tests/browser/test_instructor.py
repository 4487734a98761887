"""An instructor in the admin: an attempt, the class mastery report, item analysis, the CSV."""

import csv

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import admin_log_in, screenshot

pytestmark = pytest.mark.browser


def test_instructor_reviews_an_attempt_and_the_class_reports(page, class_results):
    from quizzes.models import Attempt, Response

    course = class_results
    admin_log_in(page)

    # One learner's attempt, with the answers it holds.
    page.get_by_role("link", name="Attempts").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("attempt")
    page.locator("#result_list tbody tr th a").first.click()
    attempt = Attempt.objects.get(pk=page.url.rstrip("/").split("/")[-2])
    expect(page.locator("#content")).to_contain_text(attempt.quiz.title)
    answers = Response.objects.filter(attempt=attempt).count()
    assert answers > 0
    expect(
        page.locator(
            ".inline-related tbody tr.has_original, .inline-related .inline-related.has_original"
        )
    ).to_have_count(answers)
    screenshot(page, "admin-attempt")

    # The class mastery report: one row per objective.
    page.goto("/admin/")
    page.get_by_role("link", name="Class mastery, item analysis and CSV exports").click()
    screenshot(page, "admin-reports")
    page.get_by_role("link", name="Class mastery").click()
    rows = page.locator("#objective-summary tbody tr")
    expect(rows).to_have_count(course.objectives.count())
    expect(page.locator("#mastery-grid tbody tr").first).to_contain_text("demo-")
    screenshot(page, "admin-class-mastery")

    # Item analysis of the first objective quiz: a row per question of its pool.
    page.go_back()
    quiz = course.quizzes.filter(kind="objective").order_by("position").first()
    page.get_by_role("link", name=quiz.title, exact=True).click()
    expect(page.locator("#question-figures tbody tr")).to_have_count(
        quiz.objective.questions.count()
    )
    screenshot(page, "admin-item-analysis")

    # The responses CSV of the course, downloaded.
    page.go_back()
    with page.expect_download() as download_info:
        page.locator(".report-course").get_by_role("link", name="responses").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["learner", "name", "email", "quiz"]
    assert len(rows) - 1 == Response.objects.filter(objective__course=course).count()
