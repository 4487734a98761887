"""Fair grading of short text answers: bracketed abbreviations, and near misses when allowed.

Every rule that credits more answers is paired with near-miss WRONG answers that must stay wrong.
"""

import shutil
from pathlib import Path

import pytest

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from quizzes.grading import grade
from quizzes.text_match import match_text

DATA = Path(__file__).resolve().parent / "data" / "courses"

OSI = ["Open Source Initiative", "OSI"]
WANG = ["Alexandr Wang", "Wang"]


def text_spec(accepted, *, allow_typos=False):
    spec = {"accepted": accepted, "normalised": []}
    if allow_typos:
        spec["allow_typos"] = True
    return spec


# --- brackets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        ("Open Source Initiative (OSI)", OSI),
        ("OSI (Open Source Initiative)", OSI),
        ("the Open Source Initiative (OSI).", ["The Open Source Initiative", "OSI"]),
        # One side accepted, the other its abbreviation or expansion.
        ("Open Source Initiative (OSI)", ["Open Source Initiative"]),
        ("Open Source Initiative (OSI)", ["OSI"]),
        ("Meta Superintelligence Labs (MSL)", ["Meta Superintelligence Labs"]),
        ("MSL (Meta Superintelligence Labs)", ["Meta Superintelligence Labs"]),
        ("Mixture-of-Experts (MoE)", ["Mixture of Experts"]),
        ("FAIR (Fundamental AI Research)", ["FAIR"]),
        ("Monthly active users (MAU)", ["monthly active users"]),
    ],
)
def test_a_term_with_its_abbreviation_in_brackets_is_right(answer, accepted):
    result = grade("text", text_spec(accepted), {"text": answer})

    assert result.correct
    assert result.feedback_html == ""


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        # A hedge: two different answers, one of them right.
        ("Llama 3 (Llama 4)", ["Llama 4"]),
        ("Llama 4 (Llama 3)", ["Llama 4"]),
        ("Zuckerberg (Altman)", ["Mark Zuckerberg", "Zuckerberg"]),
        ("Alexandr Wang (Scale AI)", WANG),
        ("Open Source Initiative (Linux Foundation)", OSI),
        ("Open Source Initiative (FSF)", OSI),
        # Something added outside the brackets.
        ("Open Source Initiative (OSI) or the FSF", OSI),
        ("not the Open Source Initiative (OSI)", OSI),
        # Neither side accepted, even if they abbreviate each other.
        ("Free Software Foundation (FSF)", OSI),
        # Brackets without a term before them.
        ("(OSI)", ["Open Source Initiative"]),
        # The initials of only part of the term.
        ("Open Source Initiative (OS)", ["Open Source Initiative"]),
        ("Meta Superintelligence Labs (ML)", ["Meta Superintelligence Labs"]),
    ],
)
def test_brackets_credit_no_hedge_and_nothing_added(answer, accepted):
    assert not grade("text", text_spec(accepted), {"text": answer}).correct


# --- near misses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "accepted", "spelling"),
    [
        ("Alexander Wang", WANG, "Alexandr Wang"),  # a letter added
        ("Alexandr Wang", ["Alexandr Wang"], None),  # exact: no note
        ("Alexadr Wang", WANG, "Alexandr Wang"),  # a letter dropped
        ("Alexandr Wang", ["Alexander Wang"], "Alexander Wang"),
        ("Alexnadr Wang", WANG, "Alexandr Wang"),  # two neighbours swapped
        ("Zuckerburg", ["Zuckerberg"], "Zuckerberg"),  # a letter changed
        ("Mark Zukerberg", ["Mark Zuckerberg", "Zuckerberg"], "Mark Zuckerberg"),
        ("Llama 4 Maverik", ["Llama 4 Maverick"], "Llama 4 Maverick"),
    ],
)
def test_with_allow_typos_a_one_edit_near_miss_is_right_with_a_spelling_note(
    answer, accepted, spelling
):
    result = grade("text", text_spec(accepted, allow_typos=True), {"text": answer})

    assert result.correct
    if spelling:
        assert result.feedback_html == f"<p>Check the spelling: {spelling}</p>"
    else:
        assert result.feedback_html == ""


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        # Other names one edit away from a short answer or a short word.
        ("Wong", WANG),
        ("Wing", WANG),
        ("Alexandr Wong", WANG),
        ("Alexander Wong", WANG),  # two edits
        ("Scott", ["Scout"]),
        ("Lama 4 Scout", ["Llama 4 Scout"]),  # the edited word has five letters
        # Numbers are never typos.
        ("Llama 3", ["Llama 4"]),
        ("Llama 3.4", ["Llama 3.3"]),
        ("Llama 4 Maverick 2", ["Llama 4 Maverick"]),
        ("128K", ["129K"]),
        # Two edits, or a word missing or added.
        ("Alxander Wang", ["Alexandr Wang"]),
        ("Wang Alexandr", ["Alexandr Wang"]),
        ("Alexandr", ["Alexandr Wang"]),
        ("Alexandr Wang Jr", ["Alexandr Wang"]),
        ("Zuckerberg", ["Mark Zuckerberg"]),
        # Two letters changed in a long word.
        ("Bihemuth", ["Behemoth"]),
        ("Avocade", ["Avocados"]),
    ],
)
def test_with_allow_typos_near_miss_wrong_answers_stay_wrong(answer, accepted):
    result = grade("text", text_spec(accepted, allow_typos=True), {"text": answer})

    assert not result.correct
    assert result.feedback_html == ""


@pytest.mark.parametrize("answer", ["Alexander Wang", "Alexadr Wang", "Zuckerburg"])
def test_without_allow_typos_a_misspelling_is_wrong(answer):
    spec = text_spec(["Alexandr Wang", "Wang", "Zuckerberg"])

    assert not grade("text", spec, {"text": answer}).correct


def test_a_near_miss_regrades_the_same_from_its_stored_answer():
    spec = text_spec(WANG, allow_typos=True)
    first = grade("text", spec, {"text": "Alexander Wang"})

    again = grade("text", spec, first.answer)

    assert (again.correct, again.feedback_html) == (first.correct, first.feedback_html)


def test_the_spelling_note_is_escaped():
    result = match_text("Alexander <b>", ["Alexandr <b>"], allow_typos=True)

    assert result.spelling == "Alexandr <b>"
    spec = text_spec(["Alexandr <b>"], allow_typos=True)
    assert "&lt;b&gt;" in grade("text", spec, {"text": "Alexander <b>"}).feedback_html


# --- the bank fields -----------------------------------------------------------------------


@pytest.fixture
def course_file(tmp_path):
    for name in ("quiz-course.md", "quiz-course.questions.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "quiz-course.md"


def set_text_question(course_file, extra):
    bank = course_file.with_name("quiz-course.questions.yaml")
    text = bank.read_text()
    old = "  accepted:\n    - research\n"
    assert old in text
    bank.write_text(text.replace(old, old + extra, 1))
    return bank


@pytest.mark.django_db
def test_allow_typos_level_and_inference_are_read_from_the_bank(course_file):
    set_text_question(course_file, "  allow_typos: true\n  level: apply\n  inference: true\n")

    doc = parse_course_file(course_file)

    question = next(q for q in doc.bank if q.key == "free-for")
    assert question.spec["allow_typos"] is True
    assert (question.level, question.inference) == ("apply", True)
    other = next(q for q in doc.bank if q.key != "free-for")
    assert (other.level, other.inference) == ("recall", False)
    assert "allow_typos" not in other.spec


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  allow_typos: sometimes\n", 'question "free-for": allow_typos must be true or false'),
        (
            "  level: evaluate\n",
            "question \"free-for\": level must be one of recall, apply, analyse (not 'evaluate')",
        ),
        ("  inference: maybe\n", 'question "free-for": inference must be true or false'),
    ],
)
def test_bad_values_of_the_new_fields_are_reported_with_file_and_line(course_file, extra, message):
    bank = set_text_question(course_file, extra)
    line = bank.read_text().split("\n").index(extra.rstrip("\n")) + 1

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(p) for p in info.value.problems] == [f"{bank}:{line}: {message}"]
