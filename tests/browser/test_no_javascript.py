"""The learner's journey with JavaScript disabled: everything works by full page loads."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import COURSE_SLUG, fill_answer, fill_sign_up, slot_path

pytestmark = pytest.mark.browser


@pytest.fixture
def page(open_page):
    return open_page(java_script_enabled=False)


def submit_answer(page, *, correct):
    """Fill in and send the answer form; the server answers with a redirect to the question."""
    question = fill_answer(page, correct=correct)
    url = page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Check my answer").click()
    assert page.url == url  # back on the question, now with its stored result
    return question


def test_learner_takes_lesson_and_quiz_by_full_page_loads(page, real_course):
    from progress.models import Mastery

    course_url = f"/courses/{COURSE_SLUG}/"
    page.goto(course_url)
    page.get_by_role("link", name="Sign up").click()
    fill_sign_up(page, "noscript")
    expect(page).to_have_url(course_url)

    page.get_by_role("link", name="Start the course").click()
    first = real_course.lessons.order_by("position").first()
    objective = first.objectives.get()
    expect(page).to_have_url(first.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("button", name="Mark complete").click()
    expect(page).to_have_url(first.get_absolute_url())
    expect(page.get_by_role("status")).to_have_text("✓ You have completed this lesson.")
    assert first.completions.filter(user__username="noscript").exists()

    page.goto(course_url)
    page.get_by_role(
        "link", name=re.compile(r"^Take the quiz\s*:\s*" + re.escape(objective.text))
    ).click()
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(slot_path(1))

    question = submit_answer(page, correct=False)
    expect(page.locator(".result__title")).to_contain_text("Not quite")
    question_url = page.url
    page.get_by_role("link", name="Review this in the lesson").click()
    assert page.url.endswith(question.source_url())
    expect(page.locator(f"#{question.anchor}")).to_have_count(1)
    page.goto(question_url)

    answered = 1
    while (next_link := page.get_by_role("link", name="Next question")).count():
        next_link.click()
        page.wait_for_url(slot_path(answered + 1))
        submit_answer(page, correct=True)
        expect(page.locator(".result__title")).to_contain_text("Correct")
        answered += 1
    page.get_by_role("link", name=re.compile(r"your results$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your results")
    expect(page.locator(".score-card__score")).to_contain_text(f"{answered - 1} out of {answered}")

    level = Mastery.objects.get(user__username="noscript", objective=objective)
    page.goto(f"/courses/{COURSE_SLUG}/progress/")
    expect(page.locator(f"#objective-{objective.key} .level-badge")).to_have_text(
        level.get_level_display()
    )
