"""Authoring fixes in the importer: fenced code, callout titles, one pass, clear messages."""

import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from courses import codestyle
from courses.rendering import fenced_lines, render

DATA = Path(__file__).parent / "data" / "courses"

FENCED = """Before the code.

```bash
# purge one URL
## not a section
curl -X PURGE https://example.com/
```

~~~python
def f(x):
    return "s"
~~~

```
plain <b>text</b>
```

## A real section {#real}
"""


def test_a_fenced_block_is_highlighted_with_classes_only():
    rendered = render(FENCED)
    assert rendered.html.count('<div class="highlight">') == 3
    assert '<span class="c1"># purge one URL</span>' in rendered.html
    assert '<span class="k">def</span>' in rendered.html
    assert "plain &lt;b&gt;text&lt;/b&gt;" in rendered.html  # code stays text
    assert "style=" not in rendered.html
    # Lines starting with # inside a fence are code, never headings or sections.
    assert "<h1" not in rendered.html
    assert rendered.toc == [{"id": "real", "title": "A real section", "level": 2}]


def test_every_token_class_survives_the_sanitiser():
    html = render("```python\n@decorator\nclass A(B): x = 1  # note\n```").html
    classes = set(re.findall(r'class="([^"]+)"', html))
    assert {"nd", "k", "nc", "c1", "mi"} <= classes


def test_the_code_stylesheet_is_generated_and_has_both_themes():
    css = codestyle.PATH.read_text(encoding="utf-8")
    assert css == codestyle.css(), "run: .venv/bin/python -m courses.codestyle"
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert ".highlight { background: #ffffff; }" in light
    assert ".highlight .k { color: #A90D91 }" in light
    assert "background: #0d1117" in dark
    assert ".highlight .k { color: #FF7B72 } /* Keyword */" in dark


def test_fenced_lines_follow_python_markdown():
    lines = ["text", "````", "```", "still code", "````", "# heading", "~~~", "open"]
    assert fenced_lines(lines) == [False, True, True, True, True, False, True, True]
    assert fenced_lines(["```inline code```", "# heading"]) == [False, False]


@pytest.mark.django_db
def test_a_lesson_page_serves_highlighted_code_and_its_assets(tmp_path, client):
    path = tmp_path / "good.md"
    text = (DATA / "good.md").read_text()
    text = text.replace("More words.", "More words.\n\n```python\n# not a heading\nx = 1\n```\n")
    path.write_text(text)
    call_command("import_course", str(path), stdout=StringIO())
    response = client.get("/courses/good-course/lessons/second-lesson/")
    html = response.content.decode()
    assert '<span class="c1"># not a heading</span>' in html
    assert "css/code.css" in html and "js/code-copy.js" in html
    assert 'id="not-a-heading"' not in html
    assert client.get("/static/css/code.css").status_code == 200
    assert client.get("/static/js/code-copy.js").status_code == 200


def problems_of(text, tmp_path, name="bad.md"):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CourseFileError) as info:
        parse_course_file(path)
    return [str(p).removeprefix(f"{path}:") for p in info.value.problems]


COURSE = (DATA / "good.md").read_text()


@pytest.mark.parametrize(
    ("title_line", "shown"),
    [
        ('!!! caution "No-cache is not \\"do not cache\\""', 'No-cache is not "do not cache"'),
        ("!!! caution 'It is \"quoted\"'", 'It is "quoted"'),
        ('!!! caution "Say "hello" twice"', 'Say "hello" twice'),
        ("!!! caution 'Don\\'t'", "Don't"),
    ],
)  # fmt: skip
def test_callout_titles_may_hold_quotes(title_line, shown):
    html = render(f"{title_line}\n    Body.\n").html
    assert f'<p class="admonition-title">{shown}</p>' in html
    assert '<div class="admonition caution">' in html


def test_a_badly_quoted_callout_title_names_the_real_problem(tmp_path):
    text = COURSE.replace("!!! key-concept", '!!! key-concept "Unclosed title')
    assert problems_of(text, tmp_path) == [
        '20: callout title "Unclosed title must be in quotes, like !!! note "A title" '
        "(a quote inside the title is fine)"
    ]


def test_an_unknown_callout_is_still_named(tmp_path):
    text = COURSE.replace("!!! key-concept", '!!! warning "Careful"')
    assert problems_of(text, tmp_path) == [
        '20: unknown callout "warning" (use key-concept, note, caution, fact-card, source-check)'
    ]


def test_a_callout_inside_a_fence_is_code():
    html = render('```\n!!! warning "not a callout"\n```\n').html
    assert "!!! warning" in html


def test_an_unclosed_fence_is_reported_where_it_opens(tmp_path):
    text = COURSE.replace("More words.", "More words.\n\n```python\nx = 1\n")
    assert problems_of(text, tmp_path) == [
        "34: this fenced code block is never closed: end it with a line ```"
    ]


def test_a_front_matter_error_points_at_the_line_that_caused_it(tmp_path):
    text = COURSE.replace("title: A good course", 'title: "A good course')
    assert problems_of(text, tmp_path) == [
        "2: malformed front matter: found unexpected end of stream "
        "(a quoted scalar starting here is never closed)"
    ]


def test_a_duplicate_lesson_slug_names_its_first_use(tmp_path):
    text = COURSE.replace("slug=second-lesson", "slug=first-lesson")
    assert problems_of(text, tmp_path) == [
        '23: duplicate lesson slug "first-lesson" (first used on line 13)'
    ]


def test_an_objective_nothing_teaches_or_tests_is_an_error(tmp_path):
    text = COURSE.replace("objectives=first,second", "objectives=first")
    assert problems_of(text, tmp_path) == [
        '9: objective "second" is taught by no lesson and tested by no question: name it in a '
        "lesson's objectives= and give it questions, or remove it"
    ]


@pytest.mark.django_db
def test_errors_in_the_course_file_do_not_hide_errors_in_its_bank(tmp_path):
    course = tmp_path / "quiz-course.md"
    shutil.copy(DATA / "quiz-course.md", course)
    bank = tmp_path / "quiz-course.questions.yaml"
    shutil.copy(DATA / "quiz-course.questions.yaml", bank)
    # One error in the course file (a lesson naming an unknown objective) and two in the bank.
    course.write_text(course.read_text().replace("objectives=licence", "objectives=licenc"))
    bank.write_text(
        bank.read_text()
        .replace("type: multiple", "type: multi", 1)
        .replace("source: context-windows#figures", "source: context-windows#nowhere", 1)
    )
    with pytest.raises(CourseFileError) as info:
        parse_course_file(course)
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 3
    assert messages[0].startswith(f'{course}:26: lesson "the-licence" names unknown objective')
    assert any(m.startswith(f"{bank}:") and "has no section" in m for m in messages)
    assert any(m.startswith(f"{bank}:") and 'unknown type "multi"' in m for m in messages)


@pytest.mark.django_db
def test_a_broken_lesson_does_not_make_its_questions_point_nowhere(tmp_path):
    course = tmp_path / "quiz-course.md"
    shutil.copy(DATA / "quiz-course.md", course)
    shutil.copy(DATA / "quiz-course.questions.yaml", tmp_path / "quiz-course.questions.yaml")
    course.write_text(
        course.read_text().replace("objectives=context minutes=2", "objectives=context minutes=x")
    )
    with pytest.raises(CourseFileError) as info:
        parse_course_file(course)
    assert [p.message for p in info.value.problems] == [
        'lesson "context-windows": minutes must be a whole number'
    ]
