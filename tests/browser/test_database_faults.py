"""The database refuses connections while a learner answers, in Chromium, with htmx and without
JavaScript: the learner is told in place that the answer was not saved (the choice still
selected, the button usable again), and after recovery the same click stores it exactly once."""

import contextlib
import re
from unittest import mock

import pytest
from django.db import OperationalError, connections
from playwright.sync_api import expect

from tests.browser.helpers import current_question, screenshot, sign_up, slot_path
from tests.browser.test_accessibility import assert_no_violations, check_both_schemes

pytestmark = pytest.mark.browser

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
NOT_SAVED = re.compile(r"Your answer was not saved\.\s+The service is briefly unavailable")


@contextlib.contextmanager
def database_refuses(page_watch):
    """Every query of the live server (every thread) fails as when the database server refuses
    connections; the browser's reports of the 503s it caused are expected."""
    with mock.patch.object(
        type(connections["default"]), "create_cursor", side_effect=OperationalError(REFUSED)
    ):
        yield
    # Chromium logs each failed load ("status of 503"), htmx each error response: expected.
    page_watch.problems = [
        problem
        for problem in page_watch.problems
        if not re.search(r"\b503\b|Service Unavailable", problem)
    ]


def responses_to(attempt, slot):
    from quizzes.models import Response

    return Response.objects.filter(attempt=attempt, slot=slot).count()


def choose_an_answer(page, *, after_back=False):
    """Give some answer to the question shown, whatever its type; return a check that the
    form still shows it (`after_back`: after the browser's Back, see below)."""
    form = page.locator(".answer-form")
    choices = form.locator('input[type="radio"], input[type="checkbox"]')
    if choices.count():
        chosen = choices.first
        chosen.check()
        return lambda: expect(chosen).to_be_checked()
    selects = form.locator("select")
    if selects.count():  # a matching question: each item its own option, none repeated
        values = []
        for index in range(selects.count()):
            select = selects.nth(index)
            values.append(select.locator("option").nth(index + 1).get_attribute("value"))
            select.select_option(values[-1])
        return lambda: [expect(selects.nth(i)).to_have_value(v) for i, v in enumerate(values)]
    chosen = form.locator('input[name="text"]')
    chosen.fill("42")
    if after_back:
        # A typed answer's field is marked autocomplete="off" (no browser suggestions of
        # earlier answers), and Chromium does not restore such a field after Back: the
        # learner types the answer again. Choices, checkboxes and selects are restored.
        def typed_again():
            expect(chosen).to_be_editable()
            if chosen.input_value() != "42":
                chosen.fill("42")

        return typed_again
    return lambda: expect(chosen).to_have_value("42")


def start_first_quiz(page, course):
    quiz = course.lessons.order_by("position").first().objectives.get().quiz
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(slot_path(1))


def test_a_refused_database_says_not_saved_in_place_and_the_same_click_works_after(
    page, page_watch, real_course
):
    sign_up(page, "steady")
    lesson = real_course.lessons.order_by("position").first()
    page.goto(lesson.get_absolute_url())

    # Mark complete: not marked, said in place, the button back.
    with database_refuses(page_watch):
        page.get_by_role("button", name="Mark complete").click()
        alert = page.locator("#completion [role=alert]")
        expect(alert).to_contain_text("This lesson was not marked complete.", timeout=20_000)
    expect(page.get_by_role("button", name="Mark complete")).to_be_enabled()
    assert not lesson.completions.exists()
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#completion [role=status]")).to_contain_text("Marked complete")
    assert lesson.completions.count() == 1

    start_first_quiz(page, real_course)
    attempt, slot, _question = current_question(page)
    still_chosen = choose_an_answer(page)
    button = page.get_by_role("button", name="Check my answer")
    with database_refuses(page_watch):
        button.click()
        alert = page.locator("#answer .request-failed[role=alert]")
        expect(alert).to_contain_text(NOT_SAVED, timeout=20_000)
        expect(alert).to_contain_text("Nothing was lost")
        screenshot(page, "database-refused-htmx")
        still_chosen()
        expect(button).to_be_enabled()
        reports = {}
        check_both_schemes(page, "database-refused-htmx", reports)
        question_url = page.url
        page.goto(question_url)  # a page read during the outage: the full 503 page
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The service is briefly unavailable"
        )
        check_both_schemes(page, "database-refused-page", reports)
        assert_no_violations(reports)
    assert responses_to(attempt, slot) == 0
    page.goto(question_url)
    # A page fetched into #main with htmx (as the next question is after a saved draft) that
    # fails is loaded as a page, so the learner sees the server's page, not nothing.
    with database_refuses(page_watch):
        page.evaluate("(url) => htmx.ajax('GET', url, {target: '#main'})", question_url)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The service is briefly unavailable", timeout=20_000
        )
    page.goto(question_url)
    still_chosen = choose_an_answer(page)
    button = page.get_by_role("button", name="Check my answer")
    with database_refuses(page_watch):
        button.click()
        expect(page.locator("#answer .request-failed[role=alert]")).to_contain_text(
            NOT_SAVED, timeout=20_000
        )
        page.evaluate("document.querySelector('.request-failed').dataset.first = 'yes'")
        button.click()  # failing again replaces the message (announced anew), never piles up
        expect(page.locator(".request-failed:not([data-first])")).to_have_count(1)
        expect(page.locator(".request-failed")).to_have_count(1)
        still_chosen()

    # The database is back: the same click on the same form stores the answer, once.
    button.click()
    expect(page.locator("#answer .result")).to_be_visible(timeout=20_000)
    expect(page.locator(".request-failed")).to_have_count(0)
    assert responses_to(attempt, slot) == 1


def test_without_javascript_the_503_page_says_not_saved_and_back_keeps_the_choice(
    open_page, page_watch, real_course
):
    page = open_page(java_script_enabled=False)
    sign_up(page, "plain")
    start_first_quiz(page, real_course)
    attempt, slot, _question = current_question(page)
    question_url = page.url
    still_chosen_after_back = choose_an_answer(page, after_back=True)
    with database_refuses(page_watch):
        with page.expect_navigation():
            page.get_by_role("button", name="Check my answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The service is briefly unavailable"
        )
        expect(page.get_by_role("alert")).to_contain_text("What you just sent was not saved.")
        expect(page.locator("main")).to_contain_text("Nothing was lost")
        expect(page.get_by_role("link", name="Log in")).to_have_count(0)
        screenshot(page, "database-refused-no-js")
    assert responses_to(attempt, slot) == 0

    # Back: a choice is still selected (a typed answer is typed again); the same click now
    # stores it.
    page.go_back()
    assert page.url == question_url
    still_chosen_after_back()
    with page.expect_navigation():
        page.get_by_role("button", name="Check my answer").click()
    assert page.url == question_url
    expect(page.locator("#answer .result")).to_be_visible()
    assert responses_to(attempt, slot) == 1


def test_a_network_error_or_no_answer_in_time_is_said_in_place_too(page, page_watch, real_course):
    sign_up(page, "offline")
    start_first_quiz(page, real_course)
    attempt, slot, _question = current_question(page)
    # htmx gives up after its timeout, longer than gunicorn's 30 s worker timeout, so the
    # server has always answered (or been stopped) before a learner is told anything.
    assert page.evaluate("htmx.config.timeout") > 30_000
    still_chosen = choose_an_answer(page)
    button = page.get_by_role("button", name="Check my answer")
    answer = re.compile(r"/answer$")

    page.route(answer, lambda route: route.abort("connectionrefused"))
    button.click()
    alert = page.locator("#answer .request-failed[role=alert]")
    expect(alert).to_contain_text("Your answer was not saved.", timeout=20_000)
    expect(alert).to_contain_text("The connection to the server failed.")
    still_chosen()
    expect(button).to_be_enabled()
    page.unroute(answer)

    held = []
    page.route(answer, lambda route: held.append(route))  # never answered
    page.evaluate("htmx.config.timeout = 1000")
    button.click()
    expect(alert).to_contain_text("We could not confirm that this was saved.", timeout=20_000)
    expect(alert).to_contain_text("The server did not answer in time.")
    still_chosen()
    expect(button).to_be_enabled()
    page.unroute(answer)
    assert held, "the request was not held"
    assert responses_to(attempt, slot) == 0
    # htmx logs the errors it met, Chromium the refused request: expected here, nothing else.
    expected = re.compile(r"htmx:(afterRequest|sendError|timeout)\b|net::ERR_CONNECTION_REFUSED")
    page_watch.problems = [p for p in page_watch.problems if not expected.search(p)]

    button.click()
    expect(page.locator("#answer .result")).to_be_visible(timeout=20_000)
    assert responses_to(attempt, slot) == 1
