"""What a newcomer met in the walk-through, checked in Chromium: an empty answer in debug and
production settings, the course completion moment, matching answers as a table, the review
step of the course test, the phone layout, and the admin's columns at 1280 x 800."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    COURSE_SLUG,
    PHONE,
    admin_log_in,
    fill_answer,
    marker_survived,
    no_sideways_scroll,
    screenshot,
    set_marker,
    sign_up,
    widest_elements,
)

pytestmark = pytest.mark.browser


def assert_accessible(page, name):
    """axe-core finds nothing on the page, light and dark (tests/browser/test_accessibility)."""
    from tests.browser.test_accessibility import assert_no_violations, check_both_schemes

    reports = {}
    check_both_schemes(page, name, reports)
    assert_no_violations(reports)


def _attempt_on(page, quiz_slug, question_keys):
    """An attempt of the signed-in learner at these questions, and the URL of its slot 1."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from quizzes.models import Attempt, Question, Quiz

    quiz = Quiz.objects.select_related("course").get(course__slug=COURSE_SLUG, slug=quiz_slug)
    ids = [Question.objects.get(course=quiz.course, key=key).pk for key in question_keys]
    user = get_user_model().objects.get(username=page.locator(".nav-user").text_content())
    attempt = Attempt.objects.create(
        user=user, quiz=quiz, seed=11, question_ids=ids, started_at=timezone.now()
    )
    return attempt, f"/courses/{COURSE_SLUG}/quizzes/{quiz_slug}/attempts/{attempt.pk}/q/1/"


# --- an empty answer: never a broken page ------------------------------------------------


@pytest.mark.parametrize("debug", [True, False], ids=["debug-like-make-run", "production"])
def test_checking_an_empty_answer_shows_the_message_in_place(page, real_course, settings, debug):
    # DEBUG on loads django-htmx's debug script, which used to replace the whole page with
    # the fragment of a 400 answer; the console must stay clean (page_watch) in both modes.
    settings.DEBUG = debug
    sign_up(page, f"empty{int(debug)}")
    page.goto(f"/courses/{COURSE_SLUG}/quizzes/compare-models/")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r"/q/1/$"))
    has_debug_script = page.locator('script[data-debug="True"]').count() > 0
    assert has_debug_script == debug
    set_marker(page)
    page.get_by_role("button", name="Check my answer").click()
    alert = page.locator("#answer [role=alert]")
    expect(alert).to_contain_text(re.compile(r"Choose|Type|Enter|Match"))
    assert marker_survived(page), "the answer replaced the page instead of swapping in place"
    expect(page.locator(".site-header")).to_be_visible()
    expect(page.locator(".question__prompt")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question 1 of 5")
    # The form is still there to answer.
    fill_answer(page, correct=True)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".result__title")).to_be_visible()
    assert marker_survived(page)


# --- completing the course is a moment ---------------------------------------------------


def _all_but_the_last_lesson_done(page, course, username):
    from django.contrib.auth import get_user_model

    from progress.mastery import Level as MasteryLevel
    from progress.models import LessonCompletion, Mastery

    sign_up(page, username)
    user = get_user_model().objects.get(username=username)
    lessons = list(course.lessons.order_by("position"))
    for lesson in lessons[:-1]:
        LessonCompletion.objects.create(user=user, lesson=lesson)
    for objective in course.objectives.all():
        Mastery.objects.create(
            user=user, objective=objective, level=MasteryLevel.PROFICIENT, estimate=0.9
        )
    return lessons[-1]


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_the_click_that_completes_the_course_celebrates_it(open_page, real_course, javascript):
    page = open_page(java_script_enabled=javascript)
    last = _all_but_the_last_lesson_done(page, real_course, f"finisher{int(javascript)}")
    page.goto(last.get_absolute_url())
    if javascript:
        set_marker(page)
    page.get_by_role("button", name="Mark complete").click()
    moment = page.locator(".course-complete")
    expect(moment).to_contain_text(f"You have completed {real_course.title}!")
    if javascript:
        assert marker_survived(page)
    screenshot(page, f"course-completed-{'js' if javascript else 'nojs'}", full_page=False)
    if javascript:
        assert_accessible(page, "course-completed")
    moment.get_by_role("link", name="See your certificate").click()
    expect(page.locator(".certificate")).to_contain_text("reached Proficient or above")
    expect(page.locator(".certificate")).not_to_contain_text("different days")


# --- matching answers as a table ---------------------------------------------------------


def test_a_matching_answer_is_shown_as_a_table(page, real_course):
    from quizzes.matching_display import rights_unique

    sign_up(page, "matcher")
    # The course's matching question, whichever the bank's current one is. Its legend says
    # whether an option may fit several items; where each fits one only, the same option for
    # every item is refused in place (tests/test_matching_display.py covers both on the server).
    question = real_course.questions.get(type="matching", retired=False)
    unique = rights_unique(question.current_version.spec)
    _attempt, url = _attempt_on(page, question.objective.key, [question.key])
    page.goto(url)
    expect(page.locator("legend")).to_contain_text(
        "each option fits one item only" if unique else "an option may fit more than one item"
    )
    if unique:
        selects = page.locator(".matching select")
        for index in range(selects.count()):
            selects.nth(index).select_option(index=1)
        page.get_by_role("button", name="Check my answer").click()
        expect(page.locator("#answer [role=alert]")).to_contain_text("for more than one item")
    # A wrong answer (every item given its neighbour's match): one row per pair, marked.
    fill_answer(page, correct=False)
    page.get_by_role("button", name="Check my answer").click()
    table = page.locator(".pairs-table")
    expect(table).to_be_visible()
    pairs = len(question.current_version.spec["pairs"])
    expect(table.locator("tbody tr.is-wrong")).to_have_count(pairs)
    expect(table.locator("thead")).to_contain_text("Correct answer")
    screenshot(page, "matching-feedback")
    assert_accessible(page, "matching-feedback")


# --- the course test's review step -------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_the_course_test_has_a_review_page_where_answers_can_change(
    open_page, real_course, javascript
):
    from quizzes.models import Response

    page = open_page(java_script_enabled=javascript)
    sign_up(page, f"reviewer{int(javascript)}")
    keys = list(
        real_course.questions.filter(type="single")
        .order_by("position")
        .values_list("key", flat=True)[:2]
    )
    attempt, url = _attempt_on(page, "course-test", keys)
    page.goto(url)
    if javascript:
        set_marker(page)
    for slot in (1, 2):
        fill_answer(page, correct=False)
        page.get_by_role("button", name="Save my answer").click()
        page.wait_for_url(re.compile(rf"/q/{slot + 1}/$" if slot == 1 else r"/summary/$"))
    if javascript:
        assert marker_survived(page), "answers of the course test reloaded the page"
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    assert not Response.objects.filter(attempt=attempt).exists()
    if javascript:
        screenshot(page, "course-test-review")
        assert_accessible(page, "course-test-review")
    # Change the first answer to the right one, then submit.
    page.get_by_role("link", name=re.compile(r"^Change answer 1")).click()
    page.wait_for_url(re.compile(r"/q/1/\?from=review$"))
    expect(page.locator(".draft-note")).to_contain_text("You can change it")
    fill_answer(page, correct=True)
    page.get_by_role("button", name="Save my change").click()
    # Back to the review page, not on to question 2, with the change shown there.
    page.wait_for_url(re.compile(r"/summary/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    if javascript:
        screenshot(page, "course-test-review-after-change")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your results")
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    assert attempt.score == pytest.approx(1.0)  # the changed answer right, the other wrong


# --- phone width --------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_phone_header_menu_tables_and_outline(open_page, real_course, javascript):
    page = open_page(viewport=PHONE, java_script_enabled=javascript)
    sign_up(page, f"phone{int(javascript)}")
    page.goto(f"/courses/{COURSE_SLUG}/lessons/comparing-the-models/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 70, f"the header wraps: {header['height']} px high"
    assert no_sideways_scroll(page), widest_elements(page)
    # The account links in a menu that opens without JavaScript too.
    page.locator(".account-menu summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    if javascript:
        assert_accessible(page, "phone-account-menu")
    page.locator(".account-menu summary").click()
    # The wide table scrolls inside its box, its first column stays, and it says so.
    table = page.locator(".prose table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")
    assert table.evaluate("t => getComputedStyle(t.querySelector('td')).position") == "sticky"
    if javascript:
        expect(page.locator(".table-hint.is-shown").first).to_be_visible()
    table.evaluate("t => { t.scrollLeft = 200; }")
    first_cell = table.locator("tbody tr td").first.bounding_box()
    table_box = table.bounding_box()
    assert abs(first_cell["x"] - table_box["x"]) < 2, "the first column scrolled away"
    # The outline, from the top of the lesson.
    page.get_by_role("link", name=re.compile(r"^Course contents")).click()
    expect(page.locator("#outline")).to_be_in_viewport()
    screenshot(page, f"phone-outline-{'js' if javascript else 'nojs'}", full_page=False)


# --- the admin at 1280 x 800 ---------------------------------------------------------------


def _header_right(page, table, name):
    header = page.locator(f"{table} thead th").filter(has_text=re.compile(name, re.I)).first
    expect(header).to_be_visible()
    return header.bounding_box()["x"] + header.bounding_box()["width"]


def test_admin_columns_that_matter_are_on_screen_at_1280(page, class_results):
    assert page.viewport_size == {"width": 1280, "height": 800}
    admin_log_in(page)
    course = class_results
    quiz = course.quizzes.filter(kind="objective").order_by("position").first()
    checks = [
        (f"/admin/reports/items/{quiz.pk}/", "#question-figures", ["Flags"]),
        (
            f"/admin/reports/mastery/{course.pk}/",
            "#objective-summary",
            ["Proficient or above", "Reviews due"],
        ),
        ("/admin/quizzes/response/", "#result_list", ["Score", "Counted", "Level after"]),
        ("/admin/quizzes/attempt/", "#result_list", ["Score", "Finished at"]),
        ("/admin/progress/mastery/", "#result_list", ["Level", "Estimate", "Evidence"]),
    ]
    for url, table, names in checks:
        page.goto(url)
        for name in names:
            right = _header_right(page, table, rf"^\s*{re.escape(name)}\s*$")
            assert right <= 1280, f"{url}: the {name} column ends at {right:.0f} px"
        assert no_sideways_scroll(page), (url, widest_elements(page))
        screenshot(page, "admin-" + url.strip("/").replace("/", "-"), full_page=False)
