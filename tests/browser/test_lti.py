"""LTI 1.3 end to end in Chromium: a platform page (lti1p3platform, served over HTTP on
127.0.0.1) frames the tool (the live server, on localhost: another site) through login, launch
and deep linking; a learner answers a quiz inside the frame, and the platform's gradebook
receives the score for its line item."""

import json
import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from lti import passback
from lti.models import LtiClass, ScoreOutbox, ToolKey
from tests.browser.helpers import answer_question, next_question
from tests.browser.test_accessibility import assert_no_violations, axe_report
from tests.factories import make_bank, make_course
from tests.lti_platform import LmsPlatform
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def lms(live_server, transactional_db):
    assert "localhost" in live_server.url  # and the platform on 127.0.0.1: cross-site
    platform = LmsPlatform(host="127.0.0.1").start(live_server.url)
    platform.register_in_tool()
    ToolKey.signing()
    yield platform
    platform.stop()


@pytest.fixture
def graded_quiz(transactional_db):
    course = make_course("lti-biology", objectives=1, title="Cell biology")
    objective = course.objectives.get()
    make_bank(objective, 3)
    quiz = objective.quiz
    quiz.questions_per_attempt = 3
    quiz.save()
    return quiz


def tool_frame(page):
    """The platform page's iframe, as a Playwright Frame (it follows the frame's navigations)."""
    handle = page.locator("iframe[title='Coursework activity']").element_handle()
    frame = handle.content_frame()
    assert frame is not None
    return frame


def test_a_platform_frames_the_tool_from_deep_linking_to_the_grade(
    page, live_server, lms, graded_quiz
):
    quiz = graded_quiz
    reports = {}

    # The instructor adds the quiz from the platform: a deep-linking launch inside the frame.
    page.goto(
        f"{lms.url}/course?"
        + urlencode(
            {"user": "u-teacher", "role": "instructor", "name": "Tess Teacher", "kind": "deep"}
        )
    )
    frame = tool_frame(page)
    frame.get_by_role("heading", name="Add to your course").wait_for()
    if report := axe_report(frame):
        reports["deep linking page"] = report
    frame.get_by_label(re.compile(re.escape(quiz.title) + r" \(graded quiz\)")).check()
    frame.get_by_role("button", name="Add to my course").click()
    # Our signed answer is posted back to the platform (static script, no inline code).
    frame.get_by_role("heading", name="Items added").wait_for()
    [item] = lms.deep_link_items
    assert item["custom"] == {"coursework_target": f"quiz:{quiz.course.slug}/{quiz.slug}"}
    lineitem = item["lineitem_id"]

    # A learner opens the new activity from the platform: launch, then the quiz, in the frame.
    learner = page.context.new_page()
    learner.goto(
        f"{lms.url}/course?"
        + urlencode(
            {
                "user": "u-ada",
                "role": "learner",
                "name": "Ada Lovelace",
                "link": "link-quiz",
                "target": item["custom"]["coursework_target"],
                "lineitem": lineitem,
            }
        )
    )
    frame = tool_frame(learner)
    frame.get_by_role("heading", level=1, name=quiz.title).wait_for()
    if report := axe_report(frame):
        reports["quiz page in the frame"] = report
    frame.get_by_role("button", name="Start the quiz").click()
    frame.wait_for_url(re.compile(r"/attempts/\d+/q/1/$"))
    answer_question(frame, correct=True)
    while next_question(frame):
        answer_question(frame, correct=True)
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Your results")

    # The score goes from the outbox to the platform's line item, once.
    wait_for(lambda: ScoreOutbox.objects.exists(), what="the score in the outbox")
    assert passback.drain().sent == 1
    [score] = lms.gradebook.scores
    assert (score.lineitem, score.user, score.given, score.maximum) == (lineitem, "u-ada", 3, 3)

    # The instructor opens the tool in a window of its own (an LMS's "new window" placement;
    # the admin's pages keep their settings in localStorage, which a browser that blocks
    # third-party storage refuses in a frame) and loads the class roster from the platform.
    lms.members = [
        {"user_id": "u-ada", "name": "Ada Lovelace", "roles": ["Learner"]},
        {"user_id": "u-cy", "name": "Cy Young", "roles": ["Learner"]},
    ]
    teacher = {"user": "u-teacher", "role": "instructor", "name": "Tess Teacher"}
    page.goto(f"{lms.url}/start?" + urlencode(teacher))
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("lti_reports:roster", args=[LtiClass.objects.get().pk]))
    page.get_by_role("button", name="Load the roster from the platform").click()
    expect(page.get_by_role("row").filter(has_text="Cy Young")).to_contain_text("Not started")
    expect(page.get_by_role("row").filter(has_text="Ada Lovelace")).to_contain_text("Yes")
    if report := axe_report(page):
        reports["roster page"] = report
    assert_no_violations(reports)


def test_blocked_third_party_cookies_get_a_new_window_that_works(
    browser_type, browser_type_launch_args, live_server, lms, graded_quiz, page_watch, tmp_path
):
    """A browser that keeps no cookie for the tool when another site frames it (as Safari
    does): Chromium's own cookie setting, "block cookies of localhost:P embedded in
    127.0.0.1:Q", written into a fresh profile's preferences."""
    quiz = graded_quiz
    tool, platform = urlsplit(live_server.url), urlsplit(lms.url)
    pattern = f"http://{tool.netloc},http://{platform.netloc}"
    preferences = {
        "profile": {
            "content_settings": {
                "exceptions": {
                    "cookies": {
                        pattern: {"setting": 2}  # 2: block
                    }
                }
            }
        }
    }
    (tmp_path / "Default").mkdir()
    (tmp_path / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = browser_type.launch_persistent_context(
        tmp_path,
        **browser_type_launch_args,
        base_url=lms.url,
        viewport={"width": 1280, "height": 800},
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page_watch.attach(page)
        target = f"quiz:{quiz.course.slug}/{quiz.slug}"
        page.goto("/course?" + urlencode({"user": "u-ada", "role": "learner", "target": target}))
        frame = tool_frame(page)
        link = frame.get_by_role("link", name="Open in a new window")
        link.wait_for()
        if report := axe_report(frame):
            assert_no_violations({"cookies blocked page": report})
        with context.expect_page() as opened:
            link.click()
        window = opened.value
        page_watch.attach(window)
        # The new window is first-party: the launch completes there and the quiz opens.
        window.get_by_role("heading", level=1, name=quiz.title).wait_for()
        window.get_by_role("button", name="Start the quiz").click()
        window.wait_for_url(re.compile(r"/attempts/\d+/q/1/$"))
    finally:
        context.close()
