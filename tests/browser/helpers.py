"""Steps and checks shared by the browser tests."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
COURSE_FILE = ROOT / "fixtures" / "meta-open-source-ai.md"
COURSE_SLUG = "meta-open-source-ai"
PASSWORD = "a long enough pass phrase 42"
INSTRUCTOR = "teacher@example.com"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def screenshot(page, name, *, full_page=True):
    """Write screenshots/<name>-<width>x<height>.png (git-ignored), the full page by default."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=path, full_page=full_page)
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
    with page.expect_navigation():
        page.get_by_role("button", name="Sign up").click()


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


def _loaded(page, name):
    """A tour stop: the page (reached by a click) has finished loading."""
    page.wait_for_load_state()
    return name


def learner_tour(page, course, username):
    """Visit every page type a learner meets, in a learner's order; yield each page's name.

    The caller checks the page (axe, width, screenshot) at each stop; the tour then goes on.
    """
    first = course.lessons.order_by("position").first()
    page.goto("/")
    yield _loaded(page, "catalogue")
    page.goto(course.get_absolute_url())
    yield _loaded(page, "course")
    page.goto(first.get_absolute_url())
    yield _loaded(page, "lesson-anonymous")
    page.goto("/accounts/login/")
    yield _loaded(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    yield _loaded(page, "login-error")
    page.goto("/accounts/signup/")
    yield _loaded(page, "signup")
    sign_up(page, username)
    page.goto(first.get_absolute_url())
    yield _loaded(page, "lesson")
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_role("status").wait_for()
    yield _loaded(page, "lesson-completed")
    page.goto(course.get_absolute_url())
    yield _loaded(page, "course-started")
    quiz = first.objectives.get().quiz
    page.goto(quiz.get_absolute_url())
    yield _loaded(page, "quiz")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(slot_path(1))
    yield _loaded(page, "question")
    answer_question(page, correct=False)
    yield _loaded(page, "feedback")
    while next_question(page):
        answer_question(page, correct=True)
    yield _loaded(page, "summary")
    page.goto(f"/courses/{course.slug}/progress/")
    yield _loaded(page, "progress")
    page.goto(f"/courses/{course.slug}/progress/{quiz.objective.key}/")
    yield _loaded(page, "evidence")
    page.goto("/accounts/settings/")
    yield _loaded(page, "account")


# --- quizzes --------------------------------------------------------------------------------

QUESTION_PATH = re.compile(r"/attempts/(?P<attempt>\d+)/q/(?P<slot>\d+)/(?:\?[^#]*)?$")


def slot_path(slot):
    """The URL pattern of question `slot` of any attempt, to wait for that very page."""
    return re.compile(rf"/attempts/\d+/q/{slot}/$")


def current_question(page):
    """The attempt, slot and question of the question page the browser shows."""
    from quizzes.models import Attempt, Question

    match = QUESTION_PATH.search(page.url)
    assert match, f"not on a question page: {page.url}"
    attempt = Attempt.objects.select_related("quiz__course").get(pk=match["attempt"])
    slot = int(match["slot"])
    question = Question.objects.select_related("current_version", "lesson", "course").get(
        pk=attempt.question_ids[slot - 1]
    )
    return attempt, slot, question


def fill_answer(page, *, correct=True):
    """Fill in the answer form of the current question, right or wrong; return the question.

    The right answer comes from the question's spec; the form's option values are opaque
    tokens, so the same AnswerForm the page was drawn from maps them back to option keys.
    """
    from quizzes.forms import AnswerForm
    from quizzes.grading import model_answer

    attempt, _slot, question = current_question(page)
    version = question.current_version
    form = AnswerForm(attempt=attempt, question=question, version=version)
    right = model_answer(question.type, version.spec)
    match question.type:
        case "single" | "multiple":
            keys = set(right["choices"])
            tokens = [token for token, key in form.option_keys.items() if (key in keys) == correct]
            if question.type == "single":
                tokens = tokens[:1]
            for token in tokens:
                page.locator(f'input[name="choice"][value="{token}"]').check()
        case "truefalse":
            value = right["value"] if correct else not right["value"]
            page.locator(f'input[name="value"][value="{str(value).lower()}"]').check()
        case "numeric" | "text":
            page.locator('input[name="text"]').fill(right["text"] if correct else "987654321")
        case "matching":
            tokens = {key: token for token, key in form.right_keys.items()}
            lefts = list(form.left_keys.items())
            rights = [right["pairs"][left] for _name, left in lefts]
            if not correct:
                rights = rights[1:] + rights[:1]  # every item matched with its neighbour's fit
            for (name, _left), key in zip(lefts, rights, strict=True):
                page.locator(f'select[name="{name}"]').select_option(tokens[key])
    return question


def answer_question(page, *, correct=True):
    """Answer the current question with htmx; return the question. The page must not reload."""
    set_marker(page)
    question = fill_answer(page, correct=correct)
    page.get_by_role("button", name="Check my answer").click()
    page.locator(".result__title").wait_for()
    assert marker_survived(page), "answering reloaded the page instead of swapping with htmx"
    return question


def next_question(page):
    """Follow Next question, or on to the results after the last; True while questions remain."""
    next_link = page.get_by_role("link", name="Next question")
    if next_link.count():
        slot = int(QUESTION_PATH.search(page.url)["slot"])
        next_link.click()
        page.wait_for_url(slot_path(slot + 1))
        return True
    # The last answer finishes the attempt; its feedback links on to the results.
    page.get_by_role("link", name=re.compile(r"your results$")).click()
    page.wait_for_url(re.compile(r"/summary/$"))
    return False


# --- the admin ------------------------------------------------------------------------------


def admin_log_in(page):
    page.goto("/admin/")
    page.get_by_label("Username").fill(INSTRUCTOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Site administration").wait_for()


def admin_tour(page, course):
    """The instructor's pages: log in, an attempt, and every report of the course."""
    page.goto("/admin/login/")
    yield _loaded(page, "admin-login")
    admin_log_in(page)
    yield _loaded(page, "admin-index")
    page.get_by_role("link", name="Attempts").first.click()
    page.locator("#result_list tbody tr th a").first.click()
    yield _loaded(page, "admin-attempt")
    page.goto("/admin/")
    page.get_by_role("link", name="Class mastery, item analysis and CSV exports").click()
    yield _loaded(page, "admin-reports")
    reports = page.url
    page.locator("#content-main").get_by_role("link", name="Class mastery").click()
    yield _loaded(page, "admin-class-mastery")
    page.goto(reports)
    page.locator("#content-main").get_by_role("link", name="Objectives", exact=True).click()
    yield _loaded(page, "admin-objectives")
    page.goto(reports)
    quiz = course.quizzes.filter(kind="objective").order_by("position").first()
    page.get_by_role("link", name=quiz.title, exact=True).click()
    yield _loaded(page, "admin-item-analysis")
    page.goto(reports)
    page.locator("#content-main").get_by_role("link", name="Course review").click()
    yield _loaded(page, "admin-course-review")
