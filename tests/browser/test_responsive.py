"""Every page type at phone and desktop size: nothing scrolls sideways; screenshots of each."""

import pytest

from tests.browser.helpers import (
    DESKTOP,
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
