"""export_bank and import_bank: what they write, what they refuse, hostile files."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from authoring.importing import parse_course_file
from interchange import common, convert, gift, moodle_xml, qti
from interchange.common import ExportRefused

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
REALWORLD = DATA / "interchange"


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the quiz course (course file and bank) that a test may write to."""
    for name in ("quiz-course.md", "quiz-course.questions.yaml"):
        shutil.copy(DATA / "courses" / name, tmp_path / name)
    return tmp_path / "quiz-course.md"


def bank_of(course: Path) -> str:
    return (course.parent / "quiz-course.questions.yaml").read_text(encoding="utf-8")


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


# --- export -------------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", common.FORMATS)
def test_export_bank_writes_the_file_and_warns_of_losses(course, tmp_path, format_name):
    target = tmp_path / "out.bin"
    _out, err = run("export_bank", str(course), "--format", format_name, "-o", str(target))
    assert target.stat().st_size > 0
    # The quiz course has a text question: other tools lose our lenient matching.
    assert 'question "' in err and "lenient text matching" in err


def test_export_bank_by_slug_of_an_imported_course(course, tmp_path):
    call_command("import_course", str(course), stdout=io.StringIO(), stderr=io.StringIO())
    target = tmp_path / "bank.gift"
    run("export_bank", "quiz-course", "--format", "gift", "-o", str(target))
    assert "::large-context::[markdown]" in target.read_text(encoding="utf-8")


def test_export_of_an_unknown_course_is_one_line_and_exit_1():
    with pytest.raises(CommandError, match='no course "nope"') as error:
        run("export_bank", "nope", "--format", "gift")
    assert error.value.returncode == 1


def _many_right(count: int) -> dict:
    return {
        "key": "many",
        "objective": "context",
        "type": "multiple",
        "prompt": "Which?",
        "explanation": "All of them.",
        "options": [{"text": f"option {n}", "correct": True} for n in range(count)]
        + [{"text": "wrong"}],
    }


@pytest.mark.parametrize("writer", [gift.write, moodle_xml.write])
def test_moodle_formats_refuse_a_grade_they_cannot_hold_rather_than_round(writer):
    with pytest.raises(ExportRefused, match=r"11 right options need a grade of 1/11"):
        writer("c", [_many_right(11)])
    assert writer("c", [_many_right(10)]).content  # 1/10 = 10% is on Moodle's list


def test_qti_holds_any_multiple_answer_weight_exactly():
    exported = qti.write("c", [_many_right(11)], version3=True)
    assert b"0.09090909090909091" in zipfile.ZipFile(io.BytesIO(exported.content)).read(
        "items/many.xml"
    )


def test_gift_escapes_special_characters_and_line_breaks():
    item = {
        "key": "esc",
        "objective": "o",
        "type": "text",
        "prompt": "What is {x}: a = b # c ~ d\\?\n\nSecond paragraph.",
        "explanation": "x",
        "accepted": ["a=b"],
    }
    text = gift.write("c", [item]).content.decode()
    assert r"What is \{x\}\: a \= b \# c \~ d\\?\n\nSecond paragraph." in text
    read = gift.read(text, "t.gift").items[0]
    assert read["prompt"] == item["prompt"] and read["accepted"] == ["a=b"]


# --- import -------------------------------------------------------------------------------------


def test_import_bank_appends_drafts_that_the_course_import_then_refuses(course):
    before = bank_of(course)
    _out, err = run(
        "import_bank", str(REALWORLD / "realworld.moodle.xml"), "--course", str(course)
    )
    after = bank_of(course)
    assert after.startswith(before)
    added = yaml.safe_load(after[len(before) :])
    assert [item["key"] for item in added] == [
        "large-context-html",
        "which-figures-appear",
        "small-is-small",
        "small-in-thousands",
        "model-name",
        "match-windows",
    ]
    assert {item["objective"] for item in added} == {"context"}  # by the objective's text
    assert all("source" not in item for item in added)
    assert "# draft: add source:" in after
    # The cloze, essay and calculated questions are refused with a reason; the rest converts.
    assert err.count("not converted:") == 3
    assert 'question 8 "Cloze": an embedded-answers (cloze) question' in err
    assert "6 draft(s) without a lesson pointer" in err
    assert '"Which figures appear": the grades become our multiple-answer scoring' in err
    # The linter reads the drafts and reports each at its line of the bank; the import refuses
    # them until the author adds a pointer.
    lint_out = io.StringIO()
    call_command("lint_course", str(course), stdout=lint_out, stderr=io.StringIO())
    bank_path = course.parent / "quiz-course.questions.yaml"
    for key in ("large-context-html", "match-windows"):
        line = next(n for n, text in enumerate(after.split("\n"), 1) if text == f"- key: {key}")
        assert f'{bank_path}:{line}: error [pointer] question "{key}": it has no source' in (
            lint_out.getvalue()
        )
    import_err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", str(course), stdout=io.StringIO(), stderr=import_err)
    line = next(n for n, text in enumerate(after.split("\n"), 1) if text == "- key: model-name")
    assert f'{bank_path}:{line}: question "model-name": missing required field "source"' in (
        import_err.getvalue()
    )
    added_text = after[len(before) :].replace(
        "  prompt:", "  source: context-windows#figures\n  prompt:"
    )
    with_source = before + added_text
    (course.parent / "quiz-course.questions.yaml").write_text(with_source, encoding="utf-8")
    doc = parse_course_file(course)
    imported = {q.key: q for q in doc.bank}
    assert imported["which-figures-appear"].spec["options"][2]["correct"] is False
    assert imported["match-windows"].spec["rights"][-1]["text"] == "1 billion tokens"
    assert imported["small-in-thousands"].spec["tolerance"] == 0.5
    assert "<strong>Sample-Large</strong>" in imported["large-context-html"].prompt_html or (
        "<b>Sample-Large</b>" in imported["large-context-html"].prompt_html
    )


def test_import_bank_reads_every_documented_gift_construct(course):
    out, err = run(
        "import_bank",
        str(REALWORLD / "realworld.gift.txt"),
        "--course",
        str(course),
        "--objective",
        "context",
        "--dry-run",
    )
    items = yaml.safe_load(out)
    by_key = {item["key"]: item for item in items}
    assert by_key["who-may-use-the-models"]["objective"] == "licence"  # $CATEGORY: .../Licence
    assert by_key["who-may-use-the-models"]["type"] == "single"
    assert by_key["free-uses"]["type"] == "multiple"
    assert by_key["free-uses"]["explanation"].startswith("Research and teaching")
    tf = by_key["sample-small-is-free-for-research"]
    assert tf["answer"] is True and tf["feedback_true"] == "Yes."
    assert tf["feedback_false"] == "The licence says it is free for research."
    assert by_key["licence-word"]["accepted"] == ["research", "academic"]
    assert by_key["small-context"] == {**by_key["small-context"], "answer": 8, "tolerance": 0.5}
    assert by_key["large-window"]["answer"] == 10 and by_key["large-window"]["tolerance"] == 0.5
    assert by_key["pairs"]["prompt"] == "Match each model to its context window {in tokens}."
    assert len(by_key["pairs"]["pairs"]) == 3
    missing = next(item for item in items if "_____" in item["prompt"])
    assert missing["prompt"] == "Sample-Large reads _____ tokens at once."
    assert "essay question" in err
    # -100% for the wrong option is not our -1/2: the import says the scoring changes.
    assert "the answer weights become our multiple-answer scoring (+1/2" in err
    assert bank_of(course) == (DATA / "courses" / "quiz-course.questions.yaml").read_text(
        encoding="utf-8"
    )  # --dry-run writes nothing


@pytest.mark.parametrize(
    ("name", "expected"),
    [("realworld.qti21.xml", "single"), ("realworld.qti3.xml", "text")],
)
def test_import_bank_reads_standard_qti_items(course, name, expected):
    out, _err = run(
        "import_bank", str(REALWORLD / name), "--course", str(course), "--objective", "context",
        "--dry-run",
    )  # fmt: skip
    (item,) = yaml.safe_load(out)
    assert item["type"] == expected
    if expected == "single":
        assert item["prompt"] == "What is Sample-Small's context window?"
        assert [o.get("correct", False) for o in item["options"]] == [True, False]
    else:
        assert item["accepted"] == ["Sample-Large", "Sample Large"]
        # QTI 3 wraps modal feedback in qti-content-body: the explanation is its content.
        assert item["explanation"] == "Sample-Large reads 10 million tokens."


def test_import_without_a_matching_category_needs_objective(course):
    with pytest.raises(CommandError, match="nothing was written") as error:
        run("import_bank", str(REALWORLD / "realworld.qti21.xml"), "--course", str(course))
    assert error.value.returncode == 1


def test_a_key_the_bank_already_has_is_refused(course, tmp_path):
    exported = gift.write("quiz-course", common.load_bank(course)[1])
    path = tmp_path / "again.gift"
    path.write_bytes(exported.content)
    before = bank_of(course)
    with pytest.raises(CommandError, match="nothing was written"):
        run("import_bank", str(path), "--course", str(course))
    assert bank_of(course) == before


# --- hostile files ------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz><question type="shortanswer"><name><text>&lol3;</text></name></question></quiz>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&secret;</text></name></question></quiz>"""
DEEP = b"<quiz>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</quiz>"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HOSTILE = {
    "billion-laughs.xml": (BILLION_LAUGHS, "DTD, an entity or an external reference"),
    "external-entity.xml": (EXTERNAL_ENTITY, "DTD, an entity or an external reference"),
    "deep.xml": (DEEP, "nested deeper than"),
    "utf16.xml": ('<?xml version="1.0" encoding="UTF-16"?><quiz/>'.encode("utf-16"), "UTF-16"),
    "latin1.gift": ("::q::Caf\xe9?{=oui}".encode("latin-1"), "is not UTF-8 text"),
    "malformed.xml": (b"<quiz><question type='truefalse'>", "malformed XML"),
    "zip-slip.zip": (
        _zip({"imsmanifest.xml": b"<manifest/>", "../../evil.xml": b"<x/>"}),
        "leaves the archive",
    ),
    "zip-absolute.zip": (_zip({"/etc/cron.d/x": b"x"}), "leaves the archive"),
    "zip-bomb.zip": (_zip({"imsmanifest.xml": b"\0" * (3 * 1024 * 1024)}), "unpacks to more"),
    "zip-many.zip": (_zip({f"f{n}": b"" for n in range(2001)}), "files in the zip"),
    "not-a-zip.zip": (b"PK\x03\x04 garbage", "not a readable zip"),
    "unclosed.gift": (b"::q:: What? {=a ~b", "is not closed"),
    "no-number.gift": (b"::q:: How many? {#}", "has no number"),
    "bad-number.gift": (b"::q:: How many? {#12..ten}", "is not a number"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_get_one_line_and_exit_1_with_nothing_written(course, tmp_path, name):
    content, message = HOSTILE[name]
    path = tmp_path / name
    path.write_bytes(content)
    before = bank_of(course)
    with pytest.raises(CommandError) as error:
        run("import_bank", str(path), "--course", str(course), "--objective", "context")
    assert error.value.returncode == 1
    assert message in str(error.value) and "\n" not in str(error.value)
    assert bank_of(course) == before


def test_a_file_over_the_course_file_limit_is_refused(course, tmp_path, settings):
    settings.COURSE_FILE_MAX_BYTES = 1000
    path = tmp_path / "big.gift"
    path.write_bytes(b"// x\n" * 400)
    with pytest.raises(CommandError, match="larger than the limit"):
        run("import_bank", str(path), "--course", str(course), "--objective", "context")


def test_sniffing_ignores_the_file_name():
    assert convert.sniff(b"<?xml version='1.0'?><quiz/>", "x.gift") == "moodle-xml"
    assert convert.sniff(b"::a::b{=c}", "x.xml") == "gift"


# --- the admin's download -----------------------------------------------------------------------


def _imported(course: Path):
    from courses.models import Course

    call_command("import_course", str(course), stdout=io.StringIO(), stderr=io.StringIO())
    return Course.objects.get(slug="quiz-course")


def test_the_course_admin_page_links_to_the_export_page(instructor_client, course):
    row = _imported(course)
    page = instructor_client.get(f"/admin/courses/course/{row.pk}/change/")
    assert f'href="/admin/interchange/courses/{row.pk}/export/"' in page.content.decode()
    export_page = instructor_client.get(f"/admin/interchange/courses/{row.pk}/export/")
    html = export_page.content.decode()
    assert export_page.status_code == 200
    for name in common.FORMATS:
        assert f'href="/admin/interchange/courses/{row.pk}/export/{name}"' in html
    assert "lenient text matching" in html


@pytest.mark.parametrize("format_name", common.FORMATS)
def test_the_download_is_the_command_s_file(instructor_client, course, format_name):
    row = _imported(course)
    response = instructor_client.get(f"/admin/interchange/courses/{row.pk}/export/{format_name}")
    assert response.status_code == 200
    expected = convert.export(course, format_name)
    assert f'filename="{expected.filename}"' in response["Content-Disposition"]
    if format_name.startswith("qti"):  # a zip's timestamps differ: compare the members
        got = zipfile.ZipFile(io.BytesIO(response.content))
        want = zipfile.ZipFile(io.BytesIO(expected.content))
        assert {n: got.read(n) for n in got.namelist()} == {
            n: want.read(n) for n in want.namelist()
        }
    else:
        assert response.content == expected.content


def test_the_download_needs_the_question_bank_permission(client, course):
    from tests.factories import make_user

    row = _imported(course)
    user = make_user()
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(f"/admin/interchange/courses/{row.pk}/export/gift").status_code == 403
    client.logout()
    response = client.get(f"/admin/interchange/courses/{row.pk}/export/gift")
    assert response.status_code == 302  # to the admin's login


def test_bad_format_and_missing_course_file_are_4xx(instructor_client, course):
    row = _imported(course)
    assert (
        instructor_client.get(f"/admin/interchange/courses/{row.pk}/export/pdf").status_code == 404
    )
    course.unlink()
    response = instructor_client.get(f"/admin/interchange/courses/{row.pk}/export/gift")
    assert response.status_code == 409
    assert "cannot be exported" in response.content.decode()
    page = instructor_client.get(f"/admin/interchange/courses/{row.pk}/export/")
    assert page.status_code == 200 and "Cannot be exported" in page.content.decode()


def test_appending_to_an_empty_flow_list_bank_keeps_its_comments(tmp_path):
    from interchange.management.commands.import_bank import append

    bank = tmp_path / "bank.yaml"
    bank.write_text("# Imported questions.\n[]\n", encoding="utf-8")
    append(bank, "- key: a\n")
    assert bank.read_text(encoding="utf-8") == "# Imported questions.\n\n- key: a\n"
    append(bank, "- key: b\n")
    assert yaml.safe_load(bank.read_text(encoding="utf-8")) == [{"key": "a"}, {"key": "b"}]
    assert [p.name for p in tmp_path.iterdir()] == ["bank.yaml"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("options", [{"text": "%50% off", "correct": True}, {"text": "none"}], "GIFT weight"),
        ("pairs", [{"left": "a -> b", "right": "c"}, {"left": "d", "right": "e"}], "contains"),
    ],
)
def test_gift_refuses_what_it_would_read_back_differently(field, value, message):
    item = {
        "key": "k",
        "objective": "o",
        "type": "single" if field == "options" else "matching",
        "prompt": "P",
        "explanation": "E",
        field: value,
    }
    with pytest.raises(ExportRefused, match=message):
        gift.write("c", [item])
    assert moodle_xml.write("c", [item]).content  # Moodle XML holds it


def test_export_bank_prints_text_formats_and_needs_a_file_for_a_zip(course):
    out, _err = run("export_bank", str(course), "--format", "moodle-xml")
    assert out.startswith("<?xml") and "<idnumber>large-context</idnumber>" in out
    with pytest.raises(CommandError, match="give -o FILE"):
        run("export_bank", str(course), "--format", "qti3")


def test_export_to_an_unwritable_place_is_one_line(course, tmp_path):
    with pytest.raises(CommandError, match="cannot be written"):
        run("export_bank", str(course), "--format", "gift", "-o", str(tmp_path / "no" / "x"))


def test_a_qti_package_from_another_tool_is_read_from_its_xhtml(course, tmp_path):
    """Without our extension (another tool's package), texts come from the items' XHTML."""
    _doc, items = common.load_bank(course)
    items = [{**item, "key": f"other-{item['key']}"} for item in items]
    package = zipfile.ZipFile(io.BytesIO(convert.export_items("x", items, "qti21").content))
    members = {name: package.read(name) for name in package.namelist()}
    manifest = members["imsmanifest.xml"].decode()
    members["imsmanifest.xml"] = re.sub(
        r"<coursework:coursework>[^<]*</coursework:coursework>", "", manifest
    ).encode()
    assert b"<coursework:coursework>" not in members["imsmanifest.xml"]
    path = tmp_path / "other.zip"
    path.write_bytes(_zip(members))
    out, _err = run(
        "import_bank", str(path), "--course", str(course), "--objective", "context", "--dry-run"
    )
    by_key = {item["key"]: item for item in yaml.safe_load(out)}
    assert by_key["other-large-context"]["prompt"] == "What is Sample-Large's context window?"
    assert (
        by_key["other-large-context"]["explanation"]
        == "Sample-Large reads <strong>10 million</strong> tokens."
    )
    assert [o["text"] for o in by_key["other-large-context"]["options"]] == [
        "10 million tokens", "8,000 tokens", "1 million tokens",
    ]  # fmt: skip
    assert by_key["other-large-context"]["options"][1]["feedback"] == "That is Sample-Small."
    assert by_key["other-research-free"]["type"] == "truefalse"
    assert by_key["other-match-contexts"]["type"] == "matching"
    assert all("source" not in item for item in by_key.values())  # drafts now


def test_qti_interactions_we_cannot_grade_are_refused_by_item(course, tmp_path):
    item = (
        '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="essay-1" '
        'title="Essay" adaptive="false" timeDependent="false">'
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string"/>'
        '<itemBody><extendedTextInteraction responseIdentifier="RESPONSE"/></itemBody>'
        "</assessmentItem>"
    )
    path = tmp_path / "essay.xml"
    path.write_text(item, encoding="utf-8")
    _out, err = run(
        "import_bank", str(path), "--course", str(course), "--objective", "context", "--dry-run"
    )
    assert "(item essay-1): extendedTextInteraction cannot be graded here" in err


def test_qti_keeps_html_named_entities_as_characters():
    item = {
        "key": "nbsp",
        "objective": "o",
        "type": "text",
        "prompt": "Ten&nbsp;million &copy; and <b>bold</b> &amp; more",
        "explanation": "E",
        "accepted": ["x"],
    }
    package = zipfile.ZipFile(io.BytesIO(qti.write("c", [item], version3=False).content))
    content = package.read("items/nbsp.xml").decode()
    assert "Ten\u00a0million \u00a9 and <b>bold</b> &amp; more" in content


def test_import_reads_a_moodle_exported_gift_file(course):
    out, err = run(
        "import_bank",
        str(REALWORLD / "moodle-export-style.gift.txt"),
        "--course",
        str(course),
        "--objective",
        "licence",
        "--dry-run",
    )
    by_key = {item["key"]: item for item in yaml.safe_load(out)}
    window = by_key["large-window-html"]
    assert window["objective"] == "context"  # the category's last part
    assert window["prompt"] == "Which model reads <strong>10 million</strong> tokens?"
    assert window["options"][1] == {
        "text": "<p>Sample-Small</p>",
        "feedback": "<p>No: it reads 8,000.</p>",
    }
    assert by_key["small-window-number"]["answer"] == 8000
    assert "tolerance" not in by_key["small-window-number"]
    assert by_key["name-the-model"]["accepted"] == ["Sample-Small", "Sample Small"]
    assert by_key["name-the-model"]["explanation"] == "<p>Line one\nLine two</p>"
    assert "the partly right answer 'Small' is dropped" in err
    assert by_key["small-is-free"]["answer"] is True
    assert by_key["small-is-free"]["feedback_true"] == "<p>Right.</p>"
    assert by_key["small-is-free"]["feedback_false"] == "<p>It is.</p>"
