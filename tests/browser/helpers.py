"""Steps and checks shared by the browser tests."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
COURSE_FILE = ROOT / "fixtures" / "meta-open-source-ai.md"
COURSE_SLUG = "meta-open-source-ai"
PASSWORD = "a long enough pass phrase 42"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def screenshot(page, name):
    """Write screenshots/<name>-<width>x<height>.png (git-ignored), the full page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=path, full_page=True)
    return path


def set_marker(page):
    """Put a marker on `window`; it survives only as long as no full page load happens."""
    page.evaluate("window.__marker = 1")


def marker_survived(page):
    return page.evaluate("window.__marker === 1")


def sign_up(page, username, *, next_path=None):
    page.goto("/accounts/signup/" + (f"?next={next_path}" if next_path else ""))
    fill_sign_up(page, username)


def fill_sign_up(page, username):
    """Fill in and send the sign-up form on the current page."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()


def log_in(page, username, password=PASSWORD, *, path="/accounts/login/"):
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def no_sideways_scroll(page):
    """The page is no wider than the viewport: nothing scrolls sideways."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def widest_elements(page, limit=5):
    """The elements that stick out past the viewport's right edge, for failure messages."""
    return page.evaluate(
        """(limit) => {
          const width = document.documentElement.clientWidth;
          return [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > width + 0.5)
            .slice(0, limit)
            .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") +
                 " right=" + Math.round(el.getBoundingClientRect().right));
        }""",
        limit,
    )


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def learner_tour(page, course, username):
    """Visit every page type a learner meets, in a learner's order; yield each page's name.

    The caller checks the page (axe, width, screenshot) at each stop; the tour then goes on.
    """
    first = course.lessons.order_by("position").first()
    page.goto("/")
    yield "catalogue"
    page.goto(course.get_absolute_url())
    yield "course"
    page.goto(first.get_absolute_url())
    yield "lesson-anonymous"
    page.goto("/accounts/login/")
    yield "login"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    yield "login-error"
    page.goto("/accounts/signup/")
    yield "signup"
    sign_up(page, username)
    page.goto(first.get_absolute_url())
    yield "lesson"
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_role("status").wait_for()
    yield "lesson-completed"
    page.goto(course.get_absolute_url())
    yield "course-started"
    page.goto("/accounts/settings/")
    yield "account"
