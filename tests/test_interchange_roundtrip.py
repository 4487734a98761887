"""Every question of every bank in the repository goes export -> import and comes back as the
same question (spec, prompt, explanation, objective, source, level, inference) in each format,
and grades the same: its model answer 1.0 before and after, a wrong answer the same score."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from authoring.bank import QuestionDoc
from interchange import common, convert
from interchange.common import ExportRefused
from quizzes import questiontypes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def banks() -> list[Path]:
    """Every course file in the repository that names a question bank."""
    found = []
    for folder in ("fixtures", "docs/example", "tests/data/courses"):
        for path in sorted((ROOT / folder).glob("*.md")):
            head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
            if "\nquestions:" in head:
                found.append(path)
    return found


def test_the_repository_has_banks_of_every_type():
    types = set()
    for path in banks():
        doc, _items = common.load_bank(path)
        types |= {question.type for question in doc.bank}
    assert len(banks()) >= 3
    assert types == set(questiontypes.names())


def _same(question: QuestionDoc) -> dict:
    return {
        "key": question.key,
        "objective": question.objective,
        "type": question.type,
        "source": question.source,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "spec": question.spec,
        "level": question.level,
        "inference": question.inference,
    }


def _wrong_answer(question: QuestionDoc) -> dict:
    qtype = questiontypes.get(question.type)
    return qtype.simulated_answer(random.Random(7), question.spec, False)


@pytest.mark.parametrize("format_name", common.FORMATS)
@pytest.mark.parametrize("course", banks(), ids=lambda path: path.name)
def test_round_trip(course, format_name, tmp_path):
    doc, items = common.load_bank(course)
    # Each question the format can hold; one it cannot is refused with a reason (tested in
    # test_interchange.py), never written approximately.
    holdable = []
    for item in items:
        try:
            convert.export_items(doc.slug, [item], format_name)
        except ExportRefused:
            continue
        holdable.append(item)
    keys = {item["key"] for item in holdable}
    original = [question for question in doc.bank if question.key in keys]
    assert original
    exported = convert.export_items(doc.slug, holdable, format_name)
    file = tmp_path / exported.filename
    file.write_bytes(exported.content)
    got, questions, imported, problems = convert.convert(file, doc, set(), None)
    assert problems == [] and imported.refused == []
    assert [_same(q) for q in questions] == [_same(q) for q in original]
    for before, after in zip(original, questions, strict=True):
        qtype = questiontypes.get(before.type)
        assert qtype.grade(after.spec, qtype.model_answer(before.spec)).score == 1.0
        wrong = _wrong_answer(before)
        assert qtype.grade(after.spec, wrong).score == qtype.grade(before.spec, wrong).score < 1.0
