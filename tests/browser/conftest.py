"""Real-browser tests: Debian's Chromium driven by pytest-playwright against `live_server`.

Every test here is marked `browser`. Without a Chromium binary they are skipped with a loud
reason, except under CI (env CI set), where a missing browser is a failure: CI can never pass
by silently skipping them. `CHROMIUM_PATH` points at another binary.

Each page is watched: a console error, an uncaught exception or a Content-Security-Policy
violation fails the test that caused it (the app's CSP is enforced here as in production).
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.helpers import COURSE_FILE, COURSE_SLUG, DESKTOP, INSTRUCTOR, PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run there
# unless told it is safe (it is: one test thread, the live server in its own thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Every wait of a browser test is on a condition (a URL, an element, a text), bounded
# generously: the bound ends a hung test, it is not a target, and a busy machine (CI beside
# other jobs) must not turn a slow page into a failure. Playwright's own defaults are 30 s for
# actions and navigations, 5 s for `expect`, 30 s for launching Chromium.
ACTION_TIMEOUT_MS = 60_000
LAUNCH_TIMEOUT_MS = 180_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Chromium reports CSP violations on the console too; this listener makes sure each one is
# reported even when the console message is filtered, and names the directive.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.effectiveDirective + " blocked " +
                (event.blockedURI || "inline code") + " at " + event.sourceFile + ":" +
                event.lineNumber);
}, true);
"""


def chromium_path():
    """The Chromium binary to drive, or None when there is none."""
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(item.path).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
        # Under pytest-xdist with --dist loadgroup (make test), one worker runs them all: one
        # Chromium and one live server, while the other workers run the rest.
        item.add_marker(pytest.mark.xdist_group("browser"))
    if not browser_items or chromium_path():
        return
    wanted = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    reason = (
        f"BROWSER TESTS NOT RUN: no Chromium at {wanted}. Install it "
        "(apt-get install chromium) or set CHROMIUM_PATH to run the real-browser tests."
    )
    if os.environ.get("CI"):
        return  # browser_type_launch_args fails them: under CI they must run.
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "BROWSER TESTS NOT RUN" in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(skipped)} browser tests SKIPPED: no Chromium at "
            f"{os.environ.get('CHROMIUM_PATH') or '/usr/bin/chromium'} (apt-get install chromium)",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if chromium_path() is None:
        pytest.fail(
            f"CI is set but there is no Chromium at "
            f"{os.environ.get('CHROMIUM_PATH') or '/usr/bin/chromium'}: under CI the browser "
            "tests must run (.ci/run installs Chromium).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "timeout": LAUNCH_TIMEOUT_MS,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}


class PageWatch:
    """Collects console errors, uncaught exceptions and CSP violations from pages."""

    def __init__(self):
        self.problems = []

    def attach(self, page):
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def _on_console(self, message):
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            self.problems.append(f"console.{message.type}: {text} ({message.location['url']})")

    def assert_clean(self):
        problems, self.problems = self.problems, []
        assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page_watch():
    watch = PageWatch()
    yield watch
    watch.assert_clean()


@pytest.fixture
def open_page(new_context, page_watch):
    """Open a watched page in a fresh browser context: `open_page(color_scheme="dark")`."""

    def _open(**context_args):
        context = new_context(**{"viewport": DESKTOP, **context_args})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page_watch.attach(page)
        return page

    return _open


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def real_course(transactional_db):
    """The course the app ships with, imported as `make run` does."""
    call_command("import_course", str(COURSE_FILE), stdout=io.StringIO())
    from courses.models import Course

    return Course.objects.get(slug=COURSE_SLUG)


@pytest.fixture
def class_results(real_course, monkeypatch):
    """The course with a class of 25 synthetic learners' attempts and mastery, an instructor."""
    call_command(
        "seed_demo_data", learners=25, seed=3, course=real_course.slug, stdout=io.StringIO()
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command("create_instructor", INSTRUCTOR, password_stdin=True, stdout=io.StringIO())
    return real_course
