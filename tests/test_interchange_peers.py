"""Independent readers agree with our exports.

- GIFT: gift-pegjs (an independent PEG grammar of GIFT, MIT), run with Node from tests/peers
  (`make test` installs it with npm when npm is present).
- Moodle XML: moodle-xml-parser (MIT, a test-only dependency), which reads multichoice
  questions.
- QTI 2.1: the official IMS QTI 2.1 XSD (tests/data/qti-xsd/PROVENANCE.md) with xmlschema.
- QTI 3.0: the official IMS QTI 3.0 ASI XSD (same file), loaded offline: every URL it imports is
  mapped to a local copy, and xmlschema may not read anything outside the schema folders.
Every bank in the repository is checked, question by question.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from interchange import common, convert
from tests.test_interchange_roundtrip import banks

pytestmark = pytest.mark.django_db

PEERS = Path(__file__).resolve().parent / "peers"
XSD_DIR = Path(__file__).resolve().parent / "data" / "qti-xsd"
XSD = XSD_DIR / "qtiv2p1" / "imsqti_v2p1.xsd"
QTI3_ZIP = XSD_DIR / "qtiv3p0" / "schema_qti30.zip"
QTI3_MAIN = "imsqti_asiv3p0_v1p0.xsd"
PURL = "https://purl.imsglobal.org/spec/"


def _gift_peer(path: Path) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (PEERS / "node_modules" / "gift-pegjs").is_dir():
        missing = "gift-pegjs is not installed: npm ci --prefix tests/peers (make test does)"
        if os.environ.get("CI"):  # CI installs npm (.ci/run): there the check must run
            pytest.fail(missing)
        pytest.skip(missing)
    result = subprocess.run(
        [node, str(PEERS / "parse_gift.js"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def _text(value) -> str:
    return value["text"] if isinstance(value, dict) else (value or "")


@pytest.mark.parametrize("course", banks(), ids=lambda path: path.name)
def test_gift_pegjs_reads_our_gift_export_as_we_wrote_it(course, tmp_path):
    doc, items = common.load_bank(course)
    exported = convert.export_items(doc.slug, items, "gift")
    path = tmp_path / "bank.gift"
    path.write_bytes(exported.content)
    parsed = _gift_peer(path)
    categories = [q["title"] for q in parsed if q["type"] == "Category"]
    questions = [q for q in parsed if q["type"] != "Category"]
    changes = [
        item["objective"]
        for index, item in enumerate(items)
        if index == 0 or items[index - 1]["objective"] != item["objective"]
    ]
    assert categories == [f"$course$/top/{doc.slug}/{key}" for key in changes]
    assert len(questions) == len(items)
    for item, peer in zip(items, questions, strict=True):
        assert peer["title"] == item["key"]
        assert peer["stem"]["format"] == "markdown"
        assert _text(peer["stem"]) == item["prompt"]
        assert _text(peer["globalFeedback"]) == item["explanation"]
        kind = item["type"]
        if kind in ("single", "multiple"):
            assert peer["type"] == "MC"
            assert [_text(c["text"]) for c in peer["choices"]] == [
                o["text"] for o in item["options"]
            ]
            assert [_text(c["feedback"]) for c in peer["choices"]] == [
                o.get("feedback", "") for o in item["options"]
            ]
            if kind == "single":
                assert [c["isCorrect"] for c in peer["choices"]] == [
                    o.get("correct", False) for o in item["options"]
                ]
            else:  # +1/n for each right option, -1/n for each wrong one
                right = sum(1 for o in item["options"] if o.get("correct"))
                weights = [
                    Fraction(c["weight"]).limit_denominator(100) / 100 for c in peer["choices"]
                ]
                assert weights == [
                    Fraction(1 if o.get("correct") else -1, right) for o in item["options"]
                ]
        elif kind == "truefalse":
            assert peer["type"] == "TF" and peer["isTrue"] is item["answer"]
            # gift-pegjs names the two feedbacks by position, where Moodle's importer reads the
            # first as the one for a wrong answer (docs/interchange.md): compare the texts.
            assert {_text(peer["trueFeedback"]), _text(peer["falseFeedback"])} - {""} == {
                item.get("feedback_true", ""),
                item.get("feedback_false", ""),
            } - {""}
        elif kind == "numeric":
            assert peer["type"] == "Numerical"
            assert peer["choices"]["number"] == item["answer"]
            assert peer["choices"]["range"] == item.get("tolerance", 0)
        elif kind == "text":
            assert peer["type"] == "Short"
            assert [_text(c["text"]) for c in peer["choices"]] == [
                str(a) for a in item["accepted"]
            ]
            assert all(c["isCorrect"] for c in peer["choices"])
        elif kind == "matching":
            assert peer["type"] == "Matching"
            assert [(_text(p["subquestion"]), p["subanswer"]) for p in peer["matchPairs"]] == [
                (pair["left"], pair["right"]) for pair in item["pairs"]
            ]


@pytest.mark.parametrize("course", banks(), ids=lambda path: path.name)
def test_moodle_xml_parser_reads_our_multichoice_questions(course):
    from moodle_xml_parser.parser import parse_bytes

    doc, items = common.load_bank(course)
    exported = convert.export_items(doc.slug, items, "moodle-xml")
    parsed = parse_bytes(exported.content)["multichoice"]
    choices = [item for item in items if item["type"] in ("single", "multiple")]
    assert len(parsed) == len(choices) > 0
    for item, peer in zip(choices, parsed, strict=True):
        assert peer.name == item["key"]
        assert peer.text_pre_parse == item["prompt"]
        assert peer.general_feedback == item["explanation"]
        assert peer.single is (item["type"] == "single")
        assert [o.answer for o in peer.options] == [o["text"] for o in item["options"]]
        assert [o.feedback or "" for o in peer.options] == [
            o.get("feedback", "") for o in item["options"]
        ]
        right = sum(1 for o in item["options"] if o.get("correct"))
        for option, mine in zip(peer.options, item["options"], strict=True):
            if item["type"] == "single":
                assert option.score_fraction == (100 if mine.get("correct") else 0)
            else:
                expected = 100 / right if mine.get("correct") else -100 / right
                assert abs(option.score_fraction - expected) < 1e-4


@pytest.fixture(scope="module")
def qti21_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture(scope="module")
def qti3_schema(tmp_path_factory):
    """The QTI 3.0 ASI schema, with its imports mapped to local files (no network)."""
    import xmlschema

    # One folder holds every file, so that xmlschema's sandbox allows no read outside it.
    folder = tmp_path_factory.mktemp("qti3-xsd")
    with zipfile.ZipFile(QTI3_ZIP) as archive:
        archive.extractall(folder)
    for path in [XSD_DIR / "w3" / "xml.xsd", XSD_DIR / "w3" / "XInclude.xsd"]:
        shutil.copy(path, folder)
    for path in (XSD_DIR / "w3" / "mathml3").glob("*.xsd"):
        shutil.copy(path, folder)
    local = {
        PURL + "w3/2001/schema/xsd/xml.xsd": "xml.xsd",
        PURL + "w3/2001/schema/xsd/XInclude.xsd": "XInclude.xsd",
        PURL + "mathml/v3p0/schema/xsd/mathml3.xsd": "mathml3.xsd",
        PURL + "ssml/v1p1/schema/xsd/ssmlv1p1-core.xsd": "ssmlv1p1-core.xsd",
        # synthesis-nonamespace.xsd (the SSML schema ssmlv1p1-core redefines) imports xml.xsd here.
        "http://www.imsglobal.org/xsd/w3/2001/xml.xsd": "xml.xsd",
    }
    return xmlschema.XMLSchema(
        str(folder / QTI3_MAIN),
        uri_mapper={url: (folder / name).as_uri() for url, name in local.items()},
        allow="sandbox",
        base_url=str(folder),
    )


def _item_xml(items, version: str) -> dict[str, str]:
    package = zipfile.ZipFile(io.BytesIO(convert.export_items("c", items, version).content))
    return {
        name: package.read(name).decode()
        for name in package.namelist()
        if name.startswith("items/")
    }


@pytest.mark.slow
@pytest.mark.parametrize("version", ["qti21", "qti3"])
@pytest.mark.parametrize("course", banks(), ids=lambda path: path.name)
def test_our_qti_items_validate_against_the_official_xsd(course, version, request):
    schema = request.getfixturevalue(f"{version}_schema")
    doc, items = common.load_bank(course)
    package = zipfile.ZipFile(io.BytesIO(convert.export_items(doc.slug, items, version).content))
    names = [name for name in package.namelist() if name.startswith("items/")]
    assert len(names) == len(items)
    for name in names:
        errors = [str(error) for error in schema.iter_errors(package.read(name).decode())]
        assert errors == [], (name, errors[:1])


def test_the_xsd_check_catches_an_invalid_item(qti21_schema):
    item = {
        "key": "broken",
        "objective": "o",
        "type": "single",
        "prompt": "P",
        "explanation": "E",
        "options": [{"text": "A", "correct": True}, {"text": "B"}],
    }
    content = zipfile.ZipFile(io.BytesIO(convert.export_items("c", [item], "qti21").content)).read(
        "items/broken.xml"
    )
    assert not list(qti21_schema.iter_errors(content.decode()))
    broken = content.replace(b'cardinality="single"', b'cardinality="several"')
    assert list(qti21_schema.iter_errors(broken.decode()))


def test_the_qti3_xsd_check_catches_an_invalid_item(qti3_schema):
    item = {
        "key": "broken",
        "objective": "o",
        "type": "single",
        "prompt": "P",
        "explanation": "E",
        "options": [{"text": "A", "correct": True}, {"text": "B"}],
    }
    content = _item_xml([item], "qti3")["items/broken.xml"]
    assert not list(qti3_schema.iter_errors(content))
    assert 'cardinality="single"' in content
    several = content.replace('cardinality="single"', 'cardinality="several"')
    assert list(qti3_schema.iter_errors(several))
    # A QTI 2.1 name in a 3.0 item is an error too: the schema knows the kebab-case names only.
    assert "<qti-item-body" in content
    renamed = content.replace("<qti-item-body", "<itemBody")
    assert list(qti3_schema.iter_errors(renamed.replace("</qti-item-body>", "</itemBody>")))
    # A modal feedback's content belongs in a qti-content-body (QTI 2.1 had none).
    assert "<qti-content-body>" in content
    bare = content.replace("<qti-content-body>", "").replace("</qti-content-body>", "")
    assert list(qti3_schema.iter_errors(bare))


def test_the_hand_written_qti3_item_follows_the_official_xsd(qti3_schema):
    path = Path(__file__).resolve().parent / "data" / "interchange" / "realworld.qti3.xml"
    content = path.read_text(encoding="utf-8")
    assert [str(error) for error in qti3_schema.iter_errors(content)] == []
