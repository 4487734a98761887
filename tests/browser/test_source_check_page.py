"""The source checks on the Meta course's lesson pages: visible, distinct, accessible."""

import pytest

from tests.browser.helpers import screenshot
from tests.browser.test_accessibility import assert_no_violations, check_both_schemes

pytestmark = pytest.mark.browser

LESSONS = ("llama-4-maverick", "llama-3-3-70b", "community-licence", "muse-spark")


def test_lessons_with_a_source_check_have_no_axe_violations_light_or_dark(page, real_course):
    reports = {}
    for slug in LESSONS:
        page.goto(real_course.lessons.get(slug=slug).get_absolute_url())
        checks = page.locator(".admonition.source-check")
        assert checks.count() >= 1, slug
        for index in range(checks.count()):  # two on some lessons
            checks.nth(index).scroll_into_view_if_needed()
            assert checks.nth(index).is_visible()
        screenshot(page, f"source-check-{slug}")
        check_both_schemes(page, f"source-check-{slug}", reports)
    assert_no_violations(reports)


def test_a_source_check_looks_unlike_a_caution_or_a_key_concept(page, real_course):
    page.goto(real_course.lessons.get(slug="community-licence").get_absolute_url())

    def style(selector):
        return page.locator(selector).first.evaluate(
            "(el) => { const s = getComputedStyle(el);"
            " return [s.borderLeftColor, s.backgroundColor, s.borderTopStyle]; }"
        )

    check, caution = style(".admonition.source-check"), style(".admonition.caution")
    assert check[2] == "dashed"
    assert check[0] != caution[0] and check[1] != caution[1]
