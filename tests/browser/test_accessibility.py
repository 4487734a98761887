"""axe-core on every page type, in the light and the dark colour scheme: no violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import learner_tour, screenshot

pytestmark = pytest.mark.browser

AXE = Axe()
# The dark scheme changes colours only, so there the colour rules are the ones worth re-running.
COLOUR_RULES = {
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
    "resultTypes": ["violations"],
}


def axe_report(page, options=None):
    """axe's violations on the current page as readable text, '' when there are none."""
    results = AXE.run(page, options=options or {"resultTypes": ["violations"]})
    return results.generate_report() if results.violations_count else ""


def assert_no_violations(reports):
    assert not reports, "\n\n".join(f"== {name}\n{text}" for name, text in reports.items())


def test_learner_pages_have_no_axe_violations(open_page, real_course):
    page = open_page(color_scheme="light")
    reports = {}
    for name in learner_tour(page, real_course, "axelight"):
        if report := axe_report(page):
            reports[name] = report
    assert_no_violations(reports)


def test_learner_pages_have_enough_contrast_in_the_dark_scheme(open_page, real_course):
    page = open_page(color_scheme="dark")
    reports = {}
    for name in learner_tour(page, real_course, "axedark"):
        screenshot(page, f"{name}-dark")
        if report := axe_report(page, COLOUR_RULES):
            reports[name] = report
    assert_no_violations(reports)
