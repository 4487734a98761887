"""The blind review pack (authoring/review_pack.py, manage.py review_pack): write, fill, score."""

import random
import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from authoring.importing import parse_course_file
from quizzes import questiontypes
from quizzes.questiontypes.base import InvalidAnswer

DATA = Path(__file__).parent / "data" / "lint"
pytestmark = pytest.mark.django_db  # parsing a bank reads the database (type changes)


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_pack(text):
    """{number: (prompt, instruction, {letter: option text})}, read from the Markdown."""
    questions = {}
    for block in re.split(r"^### Question ", text, flags=re.M)[1:]:
        number, body = block.split("\n", 1)
        paragraphs = [p.strip() for p in body.strip().split("\n\n")]
        options = dict(re.findall(r"^- \*\*([A-Z])\.\*\* (.+)$", body, flags=re.M))
        questions[int(number)] = (paragraphs[0], paragraphs[1], options)
    return questions


def write(tmp_path, course="clean", seed="42"):
    pack = tmp_path / "pack.md"
    out, _ = run("review_pack", str(DATA / f"{course}.md"), "-o", str(pack), "--seed", seed)
    return pack, tmp_path / "pack.answers.yaml", out


def test_the_pack_shows_questions_as_a_learner_sees_them_without_keys(tmp_path):
    pack, sheet, out = write(tmp_path)
    assert f"Wrote {pack} (5 questions, seed 42) and its answer sheet {sheet}" in out
    text = pack.read_text()
    quizzes = text.split("## Quiz 1: ")[1]
    assert quizzes.startswith("Explain at what temperature water boils")
    # No bank keys, levels, explanations or keys in the questions.
    doc = parse_course_file(DATA / "clean.md")
    for question in doc.bank:
        assert question.key not in text
        assert question.explanation.strip() not in text
    for word in ("recall", "apply", "analyse", "correct: ", "feedback"):
        assert word not in quizzes
    questions = read_pack(text)
    assert sorted(questions) == [1, 2, 3, 4, 5]
    shown = {prompt: (instruction, options) for prompt, instruction, options in questions.values()}
    instruction, options = shown[
        "A climber heats soup near a summit. Compared with home, what happens?"
    ]
    assert instruction == "*Choose one.*"
    assert sorted(options.values()) == [
        "It boils at a higher temperature",
        "It boils at a lower temperature",
        "It cannot boil at all",
    ]
    assert shown["Which of these happen as you climb high?"][0] == "*Choose every correct option.*"
    assert shown["Climbing a mountain makes the air pressure rise."] == ("*True or false?*", {})
    prompt = "At sea level, at what temperature in degrees Celsius does pure water boil?"
    assert shown[prompt] == ("*Answer with a number (in °C).*", {})
    # The same seed writes the same pack; other seeds other orders.
    (tmp_path / "again").mkdir()
    again, _sheet, _out = write(tmp_path / "again")
    assert again.read_text() == text
    orders = set()
    for seed in range(10):
        (tmp_path / str(seed)).mkdir()
        other, _sheet, _out = write(tmp_path / str(seed), seed=str(seed))
        orders.add(other.read_text().split("## Quiz 1")[1])
    assert len(orders) > 5
    data = yaml.safe_load(sheet.read_text())
    assert (data["course"], data["seed"]) == ("boiling-water", 42)
    assert data["answers"][1] == {
        "answer": None, "level": None, "scenario": False, "guessed": False, "note": ""
    }  # fmt: skip


def fill(pack, sheet):
    """Answer as a reviewer would: read the pack, pick letters by their text."""
    bank = {q.prompt.strip(): q for q in parse_course_file(DATA / "clean.md").bank}
    data = yaml.safe_load(sheet.read_text())
    numbers = {}
    for number, (prompt, _instruction, options) in read_pack(pack.read_text()).items():
        question = bank[prompt]
        numbers[question.key] = number
        letter = {text: letter for letter, text in options.items()}
        entry = data["answers"][number]
        match question.key:
            case "sea-level-boiling-point":
                entry.update(answer=100, level="recall")
            case "soup-on-a-summit":
                entry.update(
                    answer=letter["It boils at a lower temperature"],
                    level="recall",
                    scenario="yes",
                )
            case "pressure-with-height":
                entry.update(answer="true", note="I misread it")
            case "bubble-gas":
                entry.update(answer="steam", level="recall")
            case "effects-of-height":
                picked = ["Air pressure falls", "Food cooks more slowly", "Water freezes faster"]
                entry.update(
                    answer=", ".join(letter[text] for text in picked),
                    level="analyse",
                    guessed=True,
                )
    sheet.write_text(yaml.safe_dump(data))
    return numbers


def test_a_filled_sheet_is_scored_against_the_keys(tmp_path):
    pack, sheet, _out = write(tmp_path)
    numbers = fill(pack, sheet)
    out, _ = run("review_pack", str(DATA / "clean.md"), "--score", str(sheet))
    n = numbers
    assert out.startswith(
        "Blind review of Boiling water (seed 42): 5 of 5 answered, score 3.5 of 5 (70%)."
    )
    assert (
        f'  {n["pressure-with-height"]}. pressure-with-height [boiling]: answered "True"; '
        'key "False"\n      note: I misread it'
    ) in out
    assert (
        f'  {n["effects-of-height"]}. effects-of-height [boiling]: answered "Air pressure falls; '
        'Food cooks more slowly; Water freezes faster" (scored 0.5); key "Air pressure falls; '
        'Food cooks more slowly"'
    ) in out
    assert f"  {n['effects-of-height']}. effects-of-height [boiling]: wrong" in out
    assert f"  {n['soup-on-a-summit']}. soup-on-a-summit: reviewer recall, bank apply " \
        "(DISAGREE), scenario" in out  # fmt: skip
    assert f"  {n['bubble-gas']}. bubble-gas: reviewer recall, bank recall (agree)" in out
    assert f"  {n['pressure-with-height']}. pressure-with-height: reviewer -, bank recall " \
        "(not given)" in out  # fmt: skip
    assert "  boiling: 5 questions, score 3.5 of 5 (70%), 2 disagreement(s)" in out
    assert (
        "    levels by the reviewer: 3 recall, 1 analyse; above recall 25% (bank 40%); level "
        "agreement 3 of 4"
    ) in out
    assert (
        "    scenarios: 1; guessable from form: 1 of 3 choice and true/false questions (33%)"
    ) in out


def test_a_sheet_that_cannot_be_scored_is_a_clear_error(tmp_path):
    pack, sheet, _out = write(tmp_path)
    fill(pack, sheet)
    data = yaml.safe_load(sheet.read_text())
    data["answers"][1].update(level="evaluate", guessed="perhaps")
    data["answers"][9] = {"answer": "A"}
    sheet.write_text(yaml.safe_dump(data))
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("review_pack", str(DATA / "clean.md"), "--score", str(sheet),
                     stdout=StringIO(), stderr=err)  # fmt: skip
    assert info.value.returncode == 2
    problems = err.getvalue()
    assert "question 9: there is no such question in the pack" in problems
    assert "question 1: level must be one of recall, apply, analyse (not 'evaluate')" in problems
    assert "question 1: guessed must be yes or no (not 'perhaps')" in problems
    # A letter the question does not print.
    data = yaml.safe_load(sheet.read_text())
    del data["answers"][9]
    data["answers"][1].update(level=None, guessed=False)
    choice = next(n for n, e in data["answers"].items() if isinstance(e["answer"], str)
                  and len(e["answer"]) == 1)  # fmt: skip
    data["answers"][choice]["answer"] = "Z"
    sheet.write_text(yaml.safe_dump(data))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("review_pack", str(DATA / "clean.md"), "--score", str(sheet),
                     stdout=StringIO(), stderr=err)  # fmt: skip
    assert f"question {choice}: no choice Z; choose from A, B, C" in err.getvalue()
    # A sheet from another pack of the course, or not YAML at all.
    data["seed"] = 41
    data["bank"] = "000000000000"
    sheet.write_text(yaml.safe_dump(data))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("review_pack", str(DATA / "clean.md"), "--score", str(sheet),
                     stdout=StringIO(), stderr=err)  # fmt: skip
    assert "the bank has changed since this pack was written" in err.getvalue()
    sheet.write_text("answers: [unclosed")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("review_pack", str(DATA / "clean.md"), "--score", str(sheet),
                     stdout=StringIO(), stderr=err)  # fmt: skip
    assert "the answer sheet is not valid YAML" in err.getvalue()
    with pytest.raises(CommandError, match="cannot read the answer sheet"):
        run("review_pack", str(DATA / "clean.md"), "--score", str(tmp_path / "missing.yaml"))


def test_matching_and_true_false_on_paper():
    doc = parse_course_file(DATA / "flawed.md")
    pairs = next(q for q in doc.bank if q.type == "matching")
    qtype = questiontypes.get("matching")
    paper = qtype.paper(pairs.spec, random.Random(1))
    assert [number for number, _text in paper.rows] == ["1", "2"]
    right = {pair["key"]: pair["right_key"] for pair in pairs.spec["pairs"]}
    letter_of = {key: letter for letter, key in paper.keys.items() if letter.isalpha()}
    answer = {int(number): letter_of[right[paper.keys[number]]] for number, _text in paper.rows}
    assert qtype.grade(pairs.spec, qtype.paper_answer(pairs.spec, paper, answer)).score == 1
    written = " ".join(f"{n}{letter}" for n, letter in answer.items())
    assert qtype.grade(pairs.spec, qtype.paper_answer(pairs.spec, paper, written)).score == 1
    with pytest.raises(InvalidAnswer, match="no choice Z for item 1"):
        qtype.paper_answer(pairs.spec, paper, {1: "Z"})
    truefalse = questiontypes.get("truefalse")
    spec = {"answer": False, "feedback_true_html": "", "feedback_false_html": ""}
    paper = truefalse.paper(spec, random.Random(1))
    assert truefalse.paper_answer(spec, paper, "False") == {"value": False}
    assert truefalse.paper_answer(spec, paper, False) == {"value": False}
    with pytest.raises(InvalidAnswer):
        truefalse.paper_answer(spec, paper, "maybe")
