"""axe-core on every page type, in the light and the dark colour scheme: no violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import admin_tour, learner_tour, screenshot

pytestmark = pytest.mark.browser

AXE = Axe()
# The dark scheme changes colours only, so there the colour rules are the ones worth re-running.
COLOUR_RULES = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    "resultTypes": ["violations"],
}


# Django's own admin markup, not ours: its login page has no <h1>, and a tabular inline's
# "original" and "delete" columns have empty headers. Both are axe best-practice rules (not
# WCAG); everything else is checked on those pages too.
DJANGO_ADMIN_MARKUP = {
    "admin-login": ["page-has-heading-one"],
    "admin-attempt": ["empty-table-header"],
}


def axe_report(page, options=None):
    """axe's violations on the current page as readable text, '' when there are none."""
    results = AXE.run(page, options=options or {"resultTypes": ["violations"]})
    return results.generate_report() if results.violations_count else ""


def check_both_schemes(page, name, reports, *, dark_screenshot=True):
    """Every axe rule in the light scheme, the colour rules again in the dark one."""
    page.emulate_media(color_scheme="light")
    skipped = {rule: {"enabled": False} for rule in DJANGO_ADMIN_MARKUP.get(name, [])}
    if report := axe_report(page, {"rules": skipped, "resultTypes": ["violations"]}):
        reports[f"{name} (light)"] = report
    page.emulate_media(color_scheme="dark")
    # The admin's links fade their colour (a CSS transition): finish it before measuring.
    page.evaluate("document.getAnimations().forEach((animation) => animation.finish())")
    if dark_screenshot:
        screenshot(page, f"{name}-dark")
    if report := axe_report(page, COLOUR_RULES):
        reports[f"{name} (dark)"] = report
    page.emulate_media(color_scheme="light")


def assert_no_violations(reports):
    assert not reports, "\n\n".join(f"== {name}\n{text}" for name, text in reports.items())


def test_learner_pages_have_no_axe_violations_light_or_dark(page, real_course):
    reports = {}
    for name in learner_tour(page, real_course, "axe"):
        check_both_schemes(page, name, reports)
    assert_no_violations(reports)


def test_the_dark_scheme_really_applies(open_page, real_course):
    page = open_page(color_scheme="dark")
    page.goto("/")
    # app.css sets --bg: #15171b under prefers-color-scheme: dark.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 23, 27)"


def test_instructor_pages_have_no_axe_violations_light_or_dark(page, class_results):
    reports = {}
    for name in admin_tour(page, class_results):
        check_both_schemes(page, name, reports, dark_screenshot=False)  # long pages, slow shots
    assert_no_violations(reports)
