"""A new learner's journey through the course in a real browser, with JavaScript on."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    COURSE_SLUG,
    answer_question,
    fill_sign_up,
    marker_survived,
    next_question,
    screenshot,
    set_marker,
    slot_path,
)

pytestmark = pytest.mark.browser


def test_stylesheet_is_applied_under_the_enforced_content_security_policy(page, real_course):
    response = page.goto("/")
    # Enforced, not report-only: a violation would be blocked (and fail the test, see conftest).
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "content-security-policy-report-only" not in response.headers
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    # app.css sets --bg: #fbfaf7 in the light scheme; the browser default is transparent.
    assert background == "rgb(251, 250, 247)"


def test_new_learner_reads_a_lesson_takes_its_quiz_and_sees_the_new_level(page, real_course):
    from progress.models import Mastery

    course_url = f"/courses/{COURSE_SLUG}/"
    page.goto("/")
    page.get_by_role("link", name=real_course.title).click()
    expect(page).to_have_url(course_url)
    page.get_by_role("link", name="Sign up").click()
    fill_sign_up(page, "newlearner")
    expect(page).to_have_url(course_url)
    expect(page.locator(".nav-user")).to_have_text("newlearner")

    # Read the first lesson and mark it complete, in place.
    page.get_by_role("link", name="Start the course").click()
    first = real_course.lessons.order_by("position").first()
    objective = first.objectives.get()
    expect(page).to_have_url(first.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    screenshot(page, "readme-lesson", full_page=False)  # docs/images/ copies this one
    set_marker(page)
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_role("status")).to_contain_text("Marked complete")
    assert marker_survived(page), "marking complete reloaded the page instead of using htmx"
    assert first.completions.filter(user__username="newlearner").exists()

    # The objective's quiz, from the course home.
    page.goto(course_url)
    expect(page.get_by_role("link", name=re.compile(r"^Continue: "))).to_be_visible()
    # The accessible name is "Take the quiz: <objective>" (the objective is visually hidden).
    quiz_link = re.compile(r"^Take the quiz\s*:\s*" + re.escape(objective.text))
    page.get_by_role("link", name=quiz_link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(objective.quiz.title)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(slot_path(1))

    # The first answer is wrong on purpose: its feedback leads back to the lesson passage.
    question = answer_question(page, correct=False)
    expect(page.locator(".result__title")).to_contain_text("Not quite")
    screenshot(page, "readme-feedback", full_page=False)  # and this one
    question_url = page.url
    page.get_by_role("link", name="Review this in the lesson").click()
    expect(page).to_have_url(re.compile(re.escape(question.source_url()) + "$"))
    assert page.evaluate("location.hash") == f"#{question.anchor}"
    expect(page.locator(f"#{question.anchor}")).to_be_in_viewport()
    page.goto(question_url)  # the stored result is shown again, with the way on
    expect(page.locator(".result__title")).to_contain_text("Not quite")
    answered = 1
    while next_question(page):
        answer_question(page, correct=True)
        expect(page.locator(".result__title")).to_contain_text("Correct")
        answered += 1
    assert answered == real_course.quizzes.get(objective=objective).questions_per_attempt

    # The summary, then the progress page with the level the answers earned.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your results")
    expect(page.locator(".score-card__score")).to_contain_text(f"{answered - 1} out of {answered}")
    level = Mastery.objects.get(user__username="newlearner", objective=objective)
    assert level.level > 0
    page.goto(f"/courses/{COURSE_SLUG}/progress/")
    expect(page.locator(f"#objective-{objective.key} .level-badge")).to_have_text(
        level.get_level_display()
    )
