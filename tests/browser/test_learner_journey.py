"""A new learner's journey through the course in a real browser, with JavaScript on."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import COURSE_SLUG, marker_survived, screenshot, set_marker, sign_up

pytestmark = pytest.mark.browser


def test_stylesheet_is_served_and_applied(page, real_course):
    page.goto("/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    # app.css sets --bg: #fbfaf7 in the light scheme; the browser default is transparent.
    assert background == "rgb(251, 250, 247)"


def test_new_learner_signs_up_reads_first_lesson_and_marks_it_complete(page, real_course):
    page.goto("/")
    page.get_by_role("link", name=real_course.title).click()
    expect(page).to_have_url(f"/courses/{COURSE_SLUG}/")
    sign_up(page, "newlearner", next_path=f"/courses/{COURSE_SLUG}/")
    expect(page).to_have_url(f"/courses/{COURSE_SLUG}/")
    expect(page.locator(".nav-user")).to_have_text("newlearner")

    page.get_by_role("link", name="Start the course").click()
    first = real_course.lessons.order_by("position").first()
    expect(page).to_have_url(first.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    screenshot(page, "lesson")

    set_marker(page)
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_role("status")).to_contain_text("Marked complete")
    assert marker_survived(page), "marking complete reloaded the page instead of using htmx"
    assert first.completions.filter(user__username="newlearner").exists()

    page.get_by_role("link", name=real_course.title).first.click()
    expect(page.get_by_role("link", name=re.compile(r"^Continue: "))).to_be_visible()
