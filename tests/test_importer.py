import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from courses.models import Course, Lesson, Objective
from progress.models import LessonCompletion
from tests.factories import make_user

DATA = Path(__file__).parent / "data" / "courses"


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.md"
    shutil.copy(DATA / "good.md", path)
    return path


def run_import(*paths, dry_run=False):
    args = [str(p) for p in paths] + (["--dry-run"] if dry_run else [])
    from io import StringIO

    out = StringIO()
    call_command("import_course", *args, verbosity=2, stdout=out, stderr=out)  # every change
    return out.getvalue()


def problems_of(text, tmp_path, name="bad.md"):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CourseFileError) as info:
        parse_course_file(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.django_db
def test_it_imports_a_good_document(good):
    output = run_import(good)
    assert "created course" in output
    course = Course.objects.get(slug="good-course")
    assert course.summary_html == "<p>Learn <em>two</em> things.</p>"
    assert list(course.objectives.values_list("key", flat=True)) == ["first", "second"]
    assert [o.name for o in course.objectives.all()] == ["First things", "Do the second thing."]
    first, second = course.lessons.order_by("position")
    assert (first.slug, first.title, first.minutes) == ("first-lesson", "The first lesson", 3)
    assert second.minutes == 1  # estimated from the word count
    assert {o.key for o in second.objectives.all()} == {"first", "second"}
    assert first.toc == [{"id": "section-one", "title": "A section", "level": 2}]
    assert '<h2 id="section-one">' in first.body_html
    assert 'class="admonition key-concept"' in first.body_html
    assert "<table>" in second.body_html


@pytest.mark.django_db
def test_a_second_run_changes_nothing_and_says_so(good):
    run_import(good)
    assert "no changes" in run_import(good)


@pytest.mark.django_db
def test_dry_run_writes_nothing(good):
    output = run_import(good, dry_run=True)
    assert "would have created 1 course" in output
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_an_edit_in_place_keeps_completions(good):
    run_import(good)
    user = make_user()
    lesson = Lesson.objects.get(slug="first-lesson")
    LessonCompletion.objects.create(user=user, lesson=lesson)
    good.write_text(good.read_text().replace("Some words", "Reworded words"))
    output = run_import(good)
    assert 'updated lesson "first-lesson"' in output
    lesson.refresh_from_db()
    assert "Reworded words" in lesson.body_html
    assert LessonCompletion.objects.filter(user=user, lesson=lesson).exists()


@pytest.mark.django_db
def test_a_removed_lesson_is_retired_not_deleted(good):
    run_import(good)
    user = make_user()
    second = Lesson.objects.get(slug="second-lesson")
    LessonCompletion.objects.create(user=user, lesson=second)
    text = good.read_text()
    # The first lesson takes over the objective, which would otherwise be taught by nothing.
    text = text.replace("objectives=first minutes=3", "objectives=first,second minutes=3")
    good.write_text(text[: text.index("# The second lesson")])
    output = run_import(good)
    assert 'retired lesson "second-lesson"' in output
    assert "(retired)" not in output
    second.refresh_from_db()
    assert second.retired
    assert LessonCompletion.objects.filter(lesson=second).count() == 1
    good.write_text(text)
    run_import(good)
    second.refresh_from_db()
    assert not second.retired


@pytest.mark.django_db
def test_errors_leave_the_database_untouched(good, tmp_path):
    run_import(good)
    before = Lesson.objects.get(slug="first-lesson").body_html
    good.write_text(
        good.read_text()
        .replace("Some words", "Changed")
        .replace("objectives=first,second", "objectives=nope")
    )
    with pytest.raises(CommandError):
        run_import(good)
    assert Lesson.objects.get(slug="first-lesson").body_html == before


@pytest.mark.django_db
def test_one_bad_file_stops_every_file(good, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter\n")
    with pytest.raises(CommandError):
        run_import(good, bad)
    assert not Course.objects.exists()


GOOD = (DATA / "good.md").read_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Lesson\n", "bad.md:1: missing front matter"),
        ("---\ntitle: x\n", "bad.md:1: front matter is not closed"),
        ("---\ntitle: [x\n---\n", "bad.md:2: malformed front matter"),
        (GOOD.replace("title: A good course\n", ""), "bad.md:1: front matter needs a title"),
        (GOOD.replace("slug: good-course", "slug: Good Course"), "bad.md:3: the course slug"),
        (GOOD.replace("key: second", "key: first"), 'bad.md:9: duplicate objective key "first"'),
        (
            GOOD.replace("objectives=first,second", "objectives=first,third"),
            'bad.md:24: lesson "second-lesson" names unknown objective "third"',
        ),
        (
            GOOD.replace("slug=second-lesson", "slug=first-lesson"),
            'bad.md:23: duplicate lesson slug "first-lesson"',
        ),
        (
            GOOD.replace("{: lesson slug=first-lesson objectives=first minutes=3 }\n", ""),
            'bad.md:14: lesson "The first lesson" needs an attribute line',
        ),
        (
            GOOD.replace("---\n\n# The first", "---\nStray text\n# The first"),
            "bad.md:12: text before",
        ),
        (
            GOOD.replace("!!! key-concept", "!!! tip"),
            'bad.md:20: unknown callout "tip"',
        ),
        (
            GOOD.replace(
                "Some words about the first thing.\n\n## A section {#section-one}\n\n"
                "!!! key-concept\n    The key idea.\n",
                "",
            ),
            'bad.md:13: lesson "first-lesson" is empty',
        ),
    ],
)
def test_it_reports_each_problem_with_file_and_line(text, expected, tmp_path):
    problems = problems_of(text, tmp_path)
    assert any(p.endswith(expected) or expected in p for p in problems), problems


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CourseFileError) as info:
        parse_course_file(tmp_path / "nope.md")
    assert "no such file" in str(info.value)


@pytest.mark.django_db
def test_dangerous_markup_never_reaches_a_page(tmp_path, client):
    text = GOOD.replace(
        "Some words about the first thing.",
        "Hi <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src="x.png" alt="" onerror="alert(1)">'
        ' <span style="color:red">red</span> <iframe src="https://evil.example"></iframe>',
    )
    path = tmp_path / "evil.md"
    path.write_text(text)
    run_import(path)
    lesson = Lesson.objects.get(slug="first-lesson")
    for needle in ("<script", "javascript:", "onerror", "style=", "<iframe"):
        assert needle not in lesson.body_html
    body = client.get(lesson.get_absolute_url()).content.decode()
    assert "alert(1)" not in body.replace("&lt;script&gt;alert(1)&lt;/script&gt;", "")


@pytest.mark.django_db
def test_objective_text_edits_update_in_place(good):
    run_import(good)
    pk = Objective.objects.get(key="first").pk
    good.write_text(good.read_text().replace("Do the first thing.", "Do the very first thing."))
    run_import(good)
    objective = Objective.objects.get(key="first")
    assert (objective.pk, objective.text) == (pk, "Do the very first thing.")


@pytest.mark.django_db
def test_the_import_says_one_summary_line_per_course_and_details_with_v2(good):
    from io import StringIO

    out = StringIO()
    call_command("import_course", str(good), stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{good}: created 1 course, 2 objectives, ")
    assert run_import(good) == f"{good}: no changes.\n"


@pytest.mark.django_db
def test_a_dry_run_says_one_line_per_course_and_every_change_with_v2(good):
    from io import StringIO

    out = StringIO()
    call_command("import_course", str(good), "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{good}: would have created 1 course, 2 objectives, ")
    assert lines[1:] == ["  (-v 2 lists every change)", "Dry run: nothing was written."]
    assert 'created objective "first"' in run_import(good, dry_run=True)  # -v 2


def test_the_summary_counts_routine_changes_and_keeps_the_others_whole():
    from authoring.import_summary import summarise

    summary, notable = summarise(
        [
            'created course "c"',
            'created quiz "a"',
            'created quiz "b"',
            'updated lesson "l" (title)',
            'course "c" now comes from other.md',
        ]
    )
    assert summary == "created 1 course, 2 quizzes; updated 1 lesson"
    assert notable == ['course "c" now comes from other.md']


# --- status: live, hidden or retired; no unknown front-matter key ------------------------------


def with_front_matter(path, line):
    """The course at `path` with `line` added to its front matter."""
    text = path.read_text()
    path.write_text(text.replace("---\n", f"---\n{line}\n", 1))
    return path


def test_an_unknown_front_matter_key_is_an_error_with_its_name_and_line(good):
    with_front_matter(good, "bogus_key: 1")
    with pytest.raises(CourseFileError) as info:
        parse_course_file(good)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{good}:2: ")
    assert 'unknown front-matter key "bogus_key"' in problem and "status" in problem


def test_a_status_other_than_live_hidden_or_retired_is_an_error(good):
    with_front_matter(good, "status: gone")
    with pytest.raises(CourseFileError) as info:
        parse_course_file(good)
    assert "status must be live, hidden or retired, not 'gone'" in str(info.value.problems[0])


@pytest.mark.django_db
def test_a_hidden_course_is_off_the_catalogue_but_opens_by_its_address(good, client):
    run_import(with_front_matter(good, "status: hidden"))
    course = Course.objects.get(slug="good-course")
    assert course.hidden and not course.retired and course.status == "hidden"
    assert b"good-course" not in client.get("/").content
    assert client.get(course.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_retiring_a_course_closes_it_and_keeps_the_learners_records(
    good, client, django_capture_on_commit_callbacks
):
    run_import(good)
    course = Course.objects.get(slug="good-course")
    learner = make_user("ada")
    lesson = course.lessons.first()
    LessonCompletion.objects.create(user=learner, lesson=lesson)
    assert b"good-course" in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):  # the page cache's new version
        output = run_import(with_front_matter(good, "status: retired"))
    assert 'updated course "good-course" (retired)' in output
    course.refresh_from_db()
    assert course.retired and course.status == "retired"
    assert b"good-course" not in client.get("/").content
    assert client.get(course.get_absolute_url()).status_code == 404
    assert LessonCompletion.objects.filter(user=learner, lesson=lesson).exists()
    client.force_login(learner)
    export = client.get("/accounts/settings/my-data.json").json()
    assert [c["course"] for c in export["lessons_completed"]] == ["good-course"]
    # Live again: the same rows, nothing lost.
    good.write_text(good.read_text().replace("status: retired\n", "", 1))
    run_import(good)
    course.refresh_from_db()
    assert not course.retired and client.get(course.get_absolute_url()).status_code == 200
