"""The learner's journey with JavaScript disabled: everything works by full page loads."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import COURSE_SLUG, fill_sign_up

pytestmark = pytest.mark.browser


@pytest.fixture
def page(open_page):
    return open_page(java_script_enabled=False)


def test_learner_signs_up_and_marks_a_lesson_complete_by_full_page_loads(page, real_course):
    course_url = f"/courses/{COURSE_SLUG}/"
    page.goto(course_url)
    page.get_by_role("link", name="Sign up").click()
    fill_sign_up(page, "noscript")
    expect(page).to_have_url(course_url)

    page.get_by_role("link", name="Start the course").click()
    first = real_course.lessons.order_by("position").first()
    expect(page).to_have_url(first.get_absolute_url())

    with page.expect_navigation():
        page.get_by_role("button", name="Mark complete").click()
    expect(page).to_have_url(first.get_absolute_url())
    expect(page.get_by_role("status")).to_have_text("✓ You have completed this lesson.")
    assert first.completions.filter(user__username="noscript").exists()

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Lesson 2 of")).to_be_visible()
