"""The source-check callout: its shape is checked at import and it renders as its own kind."""

from pathlib import Path

import pytest

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from courses.rendering import CalloutError, InvalidSourceCheck, render
from courses.source_check import source_check_problems

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "courses"
META = ROOT / "fixtures" / "meta-open-source-ai.md"

CHECK = """Before.

!!! source-check "Source check: the licence threshold"
    Source says
    :   "restrictions on commercial use for companies above a certain size
        (1 million+ monthly active users)"

    Primary document
    :   Llama 4 Community License Agreement, "Additional Commercial Terms"

    Primary document says
    :   More than 700 million monthly active users in the preceding calendar month.

After.
"""


def test_a_source_check_renders_as_its_own_callout_with_its_three_entries():
    html = render(CHECK).html

    assert '<div class="admonition source-check">' in html
    assert '<p class="admonition-title">Source check: the licence threshold</p>' in html
    assert "<dt>Source says</dt>" in html
    assert "<dt>Primary document</dt>" in html
    assert "<dd>Llama 4 Community License Agreement" in html
    assert "<dt>Primary document says</dt>" in html
    assert "<p>After.</p>" in html


def test_a_source_check_without_a_title_gets_the_default_one():
    html = render(CHECK.replace(' "Source check: the licence threshold"', "")).html

    assert '<p class="admonition-title">Source check</p>' in html


def test_a_well_formed_source_check_has_no_problems():
    assert source_check_problems(CHECK) == []


def test_a_source_check_may_label_the_courses_own_arithmetic_derived_from():
    derived = CHECK.replace("    Primary document says\n", "    Derived from\n")

    assert source_check_problems(derived) == []
    assert "<dt>Derived from</dt>" in render(derived).html
    # Only in the third place: "Derived from" is not a name for the primary document.
    swapped = CHECK.replace("    Primary document\n", "    Derived from\n")
    assert "in that order" in source_check_problems(swapped)[0][1]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("    Primary document\n", "    Document\n"), "in that order"),
        (("    Primary document says\n", "    Meta says\n"), "in that order"),
        (("    Source says\n", "    Primary document says\n"), "in that order"),
        (
            (
                "    :   More than 700 million monthly active users in the preceding calendar"
                " month.\n",
                "",
            ),
            '"Primary document says" has no text',
        ),
        (('    :   "restrictions', "    :   restrictions"), "must quote the source"),
        (
            (
                '    :   Llama 4 Community License Agreement, "Additional Commercial Terms"\n',
                "    :\n",
            ),
            '"Primary document" has no text',
        ),
    ],
)
def test_a_malformed_source_check_is_refused_with_the_line_of_its_callout(edit, message):
    text = CHECK.replace(*edit)
    assert text != CHECK

    problems = source_check_problems(text)

    assert len(problems) == 1
    assert problems[0][0] == 2  # the "!!! source-check" line, counted from 0
    assert message in problems[0][1]
    with pytest.raises(InvalidSourceCheck) as info:
        render(text)
    assert isinstance(info.value, CalloutError)  # reported wherever callout errors are
    assert info.value.line_offset == 2


def test_the_importer_reports_a_malformed_source_check_with_file_and_line(tmp_path):
    text = (DATA / "good.md").read_text()
    text = text.replace(
        "!!! key-concept\n    The key idea.\n",
        '!!! source-check "Check"\n    Source says\n    :   "A quote"\n',
    )
    path = tmp_path / "bad.md"
    path.write_text(text)

    with pytest.raises(CourseFileError) as info:
        parse_course_file(path)

    assert [str(p) for p in info.value.problems] == [
        f'{path}:20: a source check lists "Source says", "Primary document", '
        '"Primary document says" (or "Derived from"), in that order, as a definition list'
    ]


def test_the_sanitiser_keeps_the_source_check_class_and_nothing_else():
    html = render(CHECK.replace("Before.", '<div class="evil" style="color:red">x</div>')).html

    assert "evil" not in html
    assert "style=" not in html
    assert 'class="admonition source-check"' in html
