"""Keyboard only: Tab, Space and Enter reach and operate everything a learner needs."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    current_question,
    marker_survived,
    set_marker,
    sign_up,
    slot_path,
)

pytestmark = pytest.mark.browser


def tab_to(page, locator, limit=80):
    """Press Tab until `locator` (or one of its matches) has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate_all("(els) => els.includes(document.activeElement)"):
            return
    raise AssertionError(f"{locator} never received the focus after {limit} presses of Tab")


def answer_by_keyboard(page):
    """Answer the current question with the keyboard alone, whatever its type."""
    _attempt, _slot, question = current_question(page)
    form = page.locator("form.answer-form")
    match question.type:
        case "single" | "truefalse" | "multiple":
            tab_to(page, form.locator("input[type=radio], input[type=checkbox]"))
            page.keyboard.press("Space")
            expect(form.locator("input:checked")).to_have_count(1)
        case "numeric" | "text":
            tab_to(page, form.locator("input[name=text]"))
            page.keyboard.type("42")
        case "matching":
            selects = form.locator("select")
            for index in range(selects.count()):
                tab_to(page, selects.nth(index))
                # From "Choose…" down to a different fit for each item: a fit chosen twice is
                # refused, like any learner's.
                for _ in range(index + 1):
                    page.keyboard.press("ArrowDown")
                expect(selects.nth(index)).not_to_have_value("")
    tab_to(page, page.get_by_role("button", name="Check my answer"))
    page.keyboard.press("Enter")
    expect(page.locator(".result__title")).to_be_visible()


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
    tab_to(page, page.get_by_role("button", name="Mark complete"))
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("Marked complete")
    assert marker_survived(page)
    tab_to(page, page.get_by_role("link", name="Next"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Lesson 2 of")).to_be_visible()


def test_learner_answers_quiz_questions_and_moves_on_with_the_keyboard(page, real_course):
    sign_up(page, "keyquizzer")
    quiz = real_course.quizzes.filter(kind="objective").order_by("position").first()
    page.goto(quiz.get_absolute_url())
    tab_to(page, page.get_by_role("button", name="Start the quiz"))
    page.keyboard.press("Enter")
    page.wait_for_url(slot_path(1))

    for slot in (1, 2):
        set_marker(page)
        answer_by_keyboard(page)
        assert marker_survived(page), "the answer reloaded the page instead of using htmx"
        # The feedback takes the focus, so the keyboard carries on from the result.
        expect(page.locator(".result__title")).to_be_focused()
        tab_to(page, page.get_by_role("link", name="Next question"))
        page.keyboard.press("Enter")
        page.wait_for_url(slot_path(slot + 1))
    assert quiz.attempts.get(user__username="keyquizzer").responses.count() == 2
