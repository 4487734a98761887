"""A course file cannot take over another file's course by using its slug (a copied template
with the slug left unchanged), unless import_course --replace says so."""

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from authoring.importer import source_identity
from courses.models import Course, Lesson

DATA = Path(__file__).parent / "data" / "courses"

pytestmark = pytest.mark.django_db


def run_import(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_course", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def original(tmp_path):
    path = tmp_path / "course" / "good.md"
    path.parent.mkdir()
    shutil.copy(DATA / "good.md", path)
    run_import(path)
    return path


@pytest.fixture
def template_copy(tmp_path):
    """Another course written from a copy of the first, its slug left unchanged."""
    path = tmp_path / "other" / "new-course.md"
    path.parent.mkdir()
    text = (DATA / "good.md").read_text()
    text = text.replace("title: A good course", "title: A brand new course")
    text = text.replace("slug=first-lesson", "slug=new-first").replace(
        "slug=second-lesson", "slug=new-second"
    )
    path.write_text(text)
    return path


def course_state():
    course = Course.objects.get(slug="good-course")
    lessons = sorted(Lesson.objects.filter(course=course).values_list("slug", "retired"))
    return course.title, course.source_path, lessons


def test_another_file_with_the_same_slug_is_refused_and_changes_nothing(original, template_copy):
    before = course_state()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_course", str(template_copy), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f'{template_copy}:3: the slug "good-course" is taken by the course imported from '
        f"{source_identity(original)}: give this file a slug of its own, or import it with "
        "--replace to make it that course's source"
    ]
    assert course_state() == before


def test_a_dry_run_reports_the_conflict_too(original, template_copy):
    with pytest.raises(CommandError):
        call_command(
            "import_course", str(template_copy), "--dry-run", stdout=io.StringIO(),
            stderr=io.StringIO(),
        )  # fmt: skip


def test_replace_makes_the_new_file_the_courses_source(original, template_copy):
    output = run_import(template_copy, "--replace")
    assert f'course "good-course" now comes from {source_identity(template_copy)}' in output
    title, source, lessons = course_state()
    assert title == "A brand new course"
    assert source == source_identity(template_copy)
    assert ("first-lesson", True) in lessons and ("new-first", False) in lessons
    # From now on the new file is the source: the old one is refused.
    with pytest.raises(CommandError):
        call_command("import_course", str(original), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_same_file_by_another_spelling_is_the_same_source(original, monkeypatch):
    monkeypatch.chdir(original.parent)
    (original.parent / "link.md").symlink_to(original.name)
    assert "no changes" in run_import("good.md")
    assert "no changes" in run_import(f"../{original.parent.name}/./link.md")
    assert Course.objects.get().source_path == str(original.resolve())


def test_a_file_in_the_project_is_recorded_relative_to_it(tmp_path):
    assert source_identity(DATA / "good.md") == "tests/data/courses/good.md"
    assert source_identity(Path(settings.BASE_DIR) / "fixtures" / "x.md") == "fixtures/x.md"
    assert source_identity(tmp_path / "x.md") == str((tmp_path / "x.md").resolve())


def test_a_course_imported_before_sources_were_recorded_is_claimed_by_its_next_import(
    original, template_copy
):
    Course.objects.update(source_path="")
    run_import(template_copy)
    assert Course.objects.get().source_path == source_identity(template_copy)
