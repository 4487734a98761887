"""Every page type at phone and desktop size: nothing scrolls sideways; screenshots of each."""

import pytest

from tests.browser.helpers import (
    DESKTOP,
    PASSWORD,
    PHONE,
    admin_tour,
    learner_tour,
    no_sideways_scroll,
    screenshot,
    widest_elements,
)

pytestmark = pytest.mark.browser


def test_no_page_scrolls_sideways_on_a_phone(open_page, real_course):
    page = open_page(viewport=PHONE, has_touch=True)
    too_wide = {}
    for name in learner_tour(page, real_course, "narrowscreen"):
        if not no_sideways_scroll(page):
            too_wide[name] = widest_elements(page)
        screenshot(page, name)
        page.set_viewport_size(DESKTOP)
        screenshot(page, name)
        page.set_viewport_size(PHONE)
    assert not too_wide, f"pages wider than the {PHONE['width']}px phone screen: {too_wide}"


def test_no_instructor_page_scrolls_sideways(open_page, class_results):
    page = open_page(viewport=PHONE, has_touch=True)
    too_wide = {}
    for name in admin_tour(page, class_results):
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            if not no_sideways_scroll(page):
                too_wide[f"{name} at {viewport['width']}px"] = widest_elements(page)
            screenshot(page, name)
        page.set_viewport_size(PHONE)
    assert not too_wide, f"pages wider than the screen: {too_wide}"


def test_every_question_type_fits_a_phone(open_page, real_course):
    """One attempt holding the longest question of each type, each shown at phone width: the
    tour above draws questions at random, so it cannot promise to meet every type."""
    from django.utils import timezone

    from quizzes import questiontypes
    from quizzes.models import Attempt, Question, Quiz
    from tests.factories import make_user

    user = make_user("phoneuser", password=PASSWORD)
    questions = Question.objects.filter(course=real_course).select_related("current_version")
    longest = {}
    for question in questions:
        size = len(str(question.current_version.spec)) + len(question.current_version.prompt_html)
        if size > longest.get(question.type, (0, None))[0]:
            longest[question.type] = (size, question)
    assert set(longest) == set(questiontypes.names())
    attempt = Attempt.objects.create(
        user=user,
        quiz=Quiz.objects.get(course=real_course, slug="course-test"),
        seed=7,
        question_ids=[question.pk for _, question in longest.values()],
        started_at=timezone.now(),
    )
    page = open_page(viewport=PHONE, has_touch=True)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("phoneuser")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    too_wide = {}
    for slot, question_type in enumerate(longest, start=1):
        page.goto(
            f"/courses/{real_course.slug}/quizzes/course-test/attempts/{attempt.pk}/q/{slot}/"
        )
        if not no_sideways_scroll(page):
            too_wide[question_type] = widest_elements(page)
    assert not too_wide, f"question types wider than the phone screen: {too_wide}"
