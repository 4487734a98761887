"""Keyboard only: Tab, Space and Enter reach and operate everything a learner needs."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import marker_survived, set_marker, sign_up

pytestmark = pytest.mark.browser


def tab_to(page, locator, limit=80):
    """Press Tab until `locator` has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} never received the focus after {limit} presses of Tab")


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(page, real_course):
    page.goto(real_course.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_learner_marks_a_lesson_complete_with_the_keyboard(page, real_course):
    sign_up(page, "keyboarder")
    first = real_course.lessons.order_by("position").first()
    page.goto(first.get_absolute_url())
    set_marker(page)
    button = page.get_by_role("button", name="Mark complete")
    tab_to(page, button)
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("Marked complete")
    assert marker_survived(page)
    tab_to(page, page.get_by_role("link", name="Next"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Lesson 2 of")).to_be_visible()
