"""A question bank travels: exported from one course's admin page, imported into a new course
(import_bank, then import_course), and a learner answers one question of every type there."""

import io
import shutil

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.helpers import (
    INSTRUCTOR,
    PASSWORD,
    admin_log_in,
    answer_question,
    next_question,
    screenshot,
    sign_up,
    slot_path,
)
from tests.browser.test_accessibility import assert_no_violations, check_both_schemes
from tests.test_interchange import DATA

pytestmark = pytest.mark.browser


@pytest.fixture
def two_courses(transactional_db, tmp_path, monkeypatch):
    """The quiz course (one question of every type) imported, a copy of its document under
    another slug with an empty bank, and an instructor."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("quiz-course.md", "quiz-course.questions.yaml"):
        shutil.copy(DATA / "courses" / name, source / name)
    call_command("import_course", str(source / "quiz-course.md"), stdout=io.StringIO())
    copy = tmp_path / "copy"
    copy.mkdir()
    document = (source / "quiz-course.md").read_text(encoding="utf-8")
    document = document.replace("slug: quiz-course", "slug: quiz-course-copy").replace(
        "questions: quiz-course.questions.yaml", "questions: copy.questions.yaml"
    )
    (copy / "copy.md").write_text(document, encoding="utf-8")
    (copy / "copy.questions.yaml").write_text("# Imported questions.\n[]\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command("create_instructor", INSTRUCTOR, password_stdin=True, stdout=io.StringIO())
    return copy / "copy.md"


@pytest.mark.parametrize("format_name", ["gift", "moodle-xml", "qti3", "qti21"])
def test_a_bank_exported_in_the_admin_comes_back_as_a_working_course(
    page, open_page, two_courses, tmp_path, format_name
):
    from courses.models import Course

    original = Course.objects.get(slug="quiz-course")
    admin_log_in(page)
    page.goto(f"/admin/courses/course/{original.pk}/change/")
    page.get_by_role("link", name="Export the question bank").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Export the question bank")
    if format_name == "gift":  # the page once: no axe violations, light or dark
        reports: dict[str, str] = {}
        check_both_schemes(page, "admin-export-bank", reports)
        assert_no_violations(reports)
        screenshot(page, "admin-export-bank")
    section = page.locator(f"section[aria-labelledby='format-{format_name}']")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download").click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)

    call_command(
        "import_bank", str(exported), "--course", str(two_courses),
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    call_command("import_course", str(two_courses), stdout=io.StringIO(), stderr=io.StringIO())
    copy = Course.objects.get(slug="quiz-course-copy")
    assert copy.questions.count() == original.questions.count() == 6

    learner = open_page()
    sign_up(learner, f"traveller-{format_name}")
    answered = set()
    for quiz in copy.quizzes.filter(kind="objective").order_by("position"):
        learner.goto(quiz.get_absolute_url())
        learner.get_by_role("button", name="Start the quiz").click()
        learner.wait_for_url(slot_path(1))
        while True:
            question = answer_question(learner, correct=True)
            expect(learner.locator(".result__title")).to_contain_text("Correct")
            answered.add(question.type)
            if not next_question(learner):
                break
    assert answered == {"single", "multiple", "truefalse", "numeric", "text", "matching"}
