"""Fenced code blocks in a real browser: highlighted in light and dark, a working copy button."""

import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.helpers import screenshot
from tests.browser.test_accessibility import COLOUR_RULES, axe_report

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data" / "lint"
LESSON = "/courses/boiling-water/lessons/boiling-point/"
CLOCK_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CODE = """
## Measuring it {#measuring}

```python
# Boiling point at a given altitude, in degrees Celsius (a rough rule)
def boiling_point(metres):
    return 100 - metres / 300
```
"""


@pytest.fixture
def code_course(transactional_db, tmp_path):
    for name in ("clean.md", "clean.questions.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    course = tmp_path / "clean.md"
    course.write_text(course.read_text() + CODE)
    call_command("import_course", str(course), stdout=io.StringIO(), stderr=io.StringIO())


def colours(page):
    return page.evaluate(
        """() => {
        const block = document.querySelector(".prose .highlight");
        return {
            background: getComputedStyle(block).backgroundColor,
            keyword: getComputedStyle(block.querySelector(".k")).color,
            comment: getComputedStyle(block.querySelector(".c1")).color,
        };
    }"""
    )


@pytest.mark.parametrize(
    ("scheme", "background", "keyword", "comment"),
    [
        ("light", "rgb(255, 255, 255)", "rgb(169, 13, 145)", "rgb(23, 117, 0)"),
        ("dark", "rgb(13, 17, 23)", "rgb(255, 123, 114)", "rgb(139, 148, 158)"),
    ],
)
def test_a_fenced_block_is_highlighted_in_both_schemes(
    open_page, code_course, scheme, background, keyword, comment
):
    page = open_page(color_scheme=scheme)
    page.goto(LESSON)
    assert colours(page) == {"background": background, "keyword": keyword, "comment": comment}
    # A "# comment" in the code is code: no heading, no entry in the contents.
    assert page.locator(".prose h1").count() == 0
    assert page.locator(".toc a", has_text="Boiling point at a given").count() == 0
    assert axe_report(page, COLOUR_RULES) == ""
    page.locator(".prose .highlight").first.scroll_into_view_if_needed()
    screenshot(page, f"code-block-{scheme}", full_page=False)


def test_the_copy_button_copies_the_code(open_page, code_course):
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    # The page's clock stands still once loaded: "Copied" is put back to "Copy" 2 s after the
    # click, which a busy machine could let pass before the check below looks.
    page.clock.install(time=CLOCK_START)
    page.goto(LESSON)
    page.clock.pause_at(CLOCK_START + timedelta(hours=1))
    button = page.get_by_role("button", name="Copy this code")
    button.click()
    expect(button).to_have_text("Copied")  # the clipboard answers asynchronously
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# Boiling point at a given altitude")
    assert copied.endswith("return 100 - metres / 300")
    page.clock.run_for(2000)
    expect(button).to_have_text("Copy")


def test_without_javascript_the_code_is_still_there(open_page, code_course):
    page = open_page(java_script_enabled=False)
    page.goto(LESSON)
    assert page.locator(".code-copy").count() == 0
    assert "def boiling_point(metres):" in page.locator(".prose .highlight pre").inner_text()
