"""Every page type at desktop and phone size: nothing scrolls sideways; screenshots of each."""

import pytest

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    learner_tour,
    no_sideways_scroll,
    screenshot,
    widest_elements,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_scrolls_sideways(open_page, real_course, viewport):
    page = open_page(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    too_wide = {}
    for name in learner_tour(page, real_course, "narrowscreen"):
        screenshot(page, name)
        if not no_sideways_scroll(page):
            too_wide[name] = widest_elements(page)
    assert not too_wide, f"pages wider than {viewport['width']}px: {too_wide}"
