"""The graders (quizzes/grading.py): every question type, number parsing, text normalisation."""

import json
import math

import pytest

from quizzes.grading import (
    Grade,
    InvalidAnswer,
    format_number,
    grade,
    guess_for_spec,
    normalise_text,
    parse_number,
)


def option(key, text, correct=False, feedback=""):
    return {
        "key": key,
        "html": f"<p>{text}</p>",
        "text": text,
        "correct": correct,
        "feedback_html": f"<p>{feedback}</p>" if feedback else "",
    }


SINGLE = {
    "options": [
        option("a", "400 billion", correct=True, feedback="Right."),
        option("b", "17 billion", feedback="That is the active count."),
        option("c", "70 billion"),
    ]
}
MULTIPLE = {
    "options": [
        option("a", "Intended use", correct=True, feedback="Yes, use."),
        option("b", "Home address", feedback="No, private."),
        option("c", "Limitations", correct=True),
        option("d", "Evaluation", correct=True, feedback="Yes, evaluation."),
        option("e", "Shoe size"),
    ]
}
TRUEFALSE = {"answer": False, "feedback_true_html": "<p>No.</p>", "feedback_false_html": ""}
NUMERIC = {"answer": 10_000_000.0, "tolerance": 0.0, "units": True, "unit_label": "tokens"}
TEXT = {"accepted": ["Alexandr Wang", "Wang"], "normalised": ["alexandr wang", "wang"]}
MATCHING = {
    "pairs": [
        {"key": "1", "left_html": "<p>Scout</p>", "left": "Scout", "right_key": "r1"},
        {"key": "2", "left_html": "<p>Maverick</p>", "left": "Maverick", "right_key": "r2"},
        {"key": "3", "left_html": "<p>Llama 3.3</p>", "left": "Llama 3.3", "right_key": "r3"},
        {"key": "4", "left_html": "<p>Behemoth</p>", "left": "Behemoth", "right_key": "r2"},
    ],
    "rights": [
        {"key": "r1", "text": "10M tokens"},
        {"key": "r2", "text": "1M tokens"},
        {"key": "r3", "text": "128K tokens"},
        {"key": "r4", "text": "2K tokens"},
    ],
}


UNKNOWN_OPTION = "That option is not part of this question. Choose from the list."


def invalid(qtype, spec, data):
    with pytest.raises(InvalidAnswer) as info:
        grade(qtype, spec, data)
    return str(info.value)


# --- single ---------------------------------------------------------------------------------


def test_single_correct_choice_scores_one_with_its_feedback():
    result = grade("single", SINGLE, {"choices": ["a"]})
    assert result == Grade(
        score=1.0,
        correct=True,
        answer_display="400 billion",
        correct_display="400 billion",
        feedback_html="<p>Right.</p>",
        answer={"choices": ["a"]},
    )


def test_single_wrong_choice_scores_zero_and_names_the_right_answer():
    result = grade("single", SINGLE, {"choices": ["b"]})
    assert (result.score, result.correct) == (0.0, False)
    assert result.answer_display == "17 billion"
    assert result.correct_display == "400 billion"
    assert result.feedback_html == "<p>That is the active count.</p>"


def test_single_option_without_feedback_gives_empty_feedback():
    assert grade("single", SINGLE, {"choices": ["c"]}).feedback_html == ""


def test_single_accepts_a_bare_string_key():
    assert grade("single", SINGLE, {"choices": "a"}).answer == {"choices": ["a"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose one option."),
        ({"choices": []}, "Choose one option."),
        ({"choices": [""]}, "Choose one option."),
        ({"choices": ["a", "b"]}, "Choose only one option."),
        ({"choices": ["z"]}, "That option is not part of this question. Choose from the list."),
        (
            {"choices": ["a", "z"]},
            "That option is not part of this question. Choose from the list.",
        ),
        ({"choices": [1]}, "Choose an option from the list."),
        ({"choices": 1}, "Choose an option from the list."),
    ],
)
def test_single_rejects_missing_several_or_unknown_choices(data, message):
    assert invalid("single", SINGLE, data) == message


def test_single_repeated_key_counts_once():
    assert grade("single", SINGLE, {"choices": ["a", "a"]}).score == 1.0


# --- multiple -------------------------------------------------------------------------------


def test_multiple_all_correct_picks_score_one():
    result = grade("multiple", MULTIPLE, {"choices": ["d", "a", "c"]})
    assert (result.score, result.correct) == (1.0, True)
    assert result.answer == {"choices": ["a", "c", "d"]}  # stored in the author's order
    assert result.answer_display == "Intended use; Limitations; Evaluation"
    assert result.correct_display == "Intended use; Limitations; Evaluation"
    assert result.feedback_html == "<p>Yes, use.</p>\n<p>Yes, evaluation.</p>"


def test_multiple_partial_credit_is_right_minus_wrong_over_correct_count():
    assert grade("multiple", MULTIPLE, {"choices": ["a"]}).score == pytest.approx(1 / 3)
    assert grade("multiple", MULTIPLE, {"choices": ["a", "c"]}).score == pytest.approx(2 / 3)
    result = grade("multiple", MULTIPLE, {"choices": ["a", "c", "b"]})
    assert result.score == pytest.approx(1 / 3)
    assert result.correct is False
    assert result.feedback_html == "<p>Yes, use.</p>\n<p>No, private.</p>"


def test_multiple_every_option_picked_is_not_full_marks():
    result = grade("multiple", MULTIPLE, {"choices": ["a", "b", "c", "d", "e"]})
    assert result.score == pytest.approx(1 / 3)


def test_multiple_more_wrong_than_right_clamps_to_zero():
    assert grade("multiple", MULTIPLE, {"choices": ["b", "e"]}).score == 0.0
    assert grade("multiple", MULTIPLE, {"choices": ["a", "b", "e"]}).score == 0.0


def test_multiple_needs_at_least_one_known_choice():
    assert invalid("multiple", MULTIPLE, {"choices": []}) == "Choose at least one option."
    assert invalid("multiple", MULTIPLE, {"choices": ["a", "x"]}).startswith("That option")


# --- true or false --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "False", " FALSE ", False])
def test_truefalse_right_value_scores_one(value):
    result = grade("truefalse", TRUEFALSE, {"value": value})
    assert (result.score, result.correct) == (1.0, True)
    assert (result.answer_display, result.correct_display) == ("False", "False")
    assert result.answer == {"value": False}
    assert result.feedback_html == ""


def test_truefalse_wrong_value_scores_zero_with_the_feedback_for_true():
    result = grade("truefalse", TRUEFALSE, {"value": "true"})
    assert (result.score, result.answer_display, result.feedback_html) == (
        0.0,
        "True",
        "<p>No.</p>",
    )


@pytest.mark.parametrize("data", [{}, {"value": ""}, {"value": "yes"}, {"value": 1}])
def test_truefalse_rejects_anything_but_true_or_false(data):
    assert invalid("truefalse", TRUEFALSE, data) == "Choose true or false."


# --- numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "10000000",
        "10,000,000",
        "10M",
        "10m",
        "10 M",
        "10 million",
        "10 Million",
        "10 mn",
        "10 mln",
        "10M tokens",
        "10 million tokens",
        "10,000,000 token",
        "0.01bn",
        "10000K",
        "10 000 000",
        "+10M",
    ],
)
def test_numeric_accepts_every_way_of_writing_ten_million(text):
    result = grade("numeric", NUMERIC, {"text": text})
    assert result.correct, text
    assert result.answer_display == "10,000,000 tokens"
    assert result.answer == {"text": text, "value": 10_000_000.0}


def test_numeric_wrong_value_scores_zero():
    result = grade("numeric", NUMERIC, {"text": "1M"})
    assert (result.score, result.correct) == (0.0, False)
    assert result.answer_display == "1,000,000 tokens"
    assert result.correct_display == "10,000,000 tokens"


def test_numeric_tolerance_is_inclusive_at_both_boundaries():
    spec = {"answer": 100.0, "tolerance": 0.5, "units": False, "unit_label": ""}
    assert grade("numeric", spec, {"text": "100.5"}).correct
    assert grade("numeric", spec, {"text": "99.5"}).correct
    assert not grade("numeric", spec, {"text": "100.51"}).correct
    assert not grade("numeric", spec, {"text": "99.49"}).correct
    assert grade("numeric", spec, {"text": "99.5"}).correct_display == "100 (± 0.5)"


def test_numeric_epsilon_absorbs_float_error_but_nothing_more():
    spec = {"answer": 0.3, "tolerance": 0.0, "units": False, "unit_label": ""}
    assert grade("numeric", spec, {"text": "0.3"}).correct
    spec = {"answer": 1.0, "tolerance": 0.1, "units": False, "unit_label": ""}
    assert grade("numeric", spec, {"text": "1.1"}).correct  # 1.1 - 1.0 > 0.1 in floats
    spec = {"answer": 1417.0, "tolerance": 0.0, "units": False, "unit_label": ""}
    assert not grade("numeric", spec, {"text": "1417.001"}).correct


def test_numeric_negative_answers():
    spec = {"answer": -3.5, "tolerance": 0.0, "units": False, "unit_label": ""}
    assert grade("numeric", spec, {"text": "-3.5"}).correct
    assert grade("numeric", spec, {"text": "\u22123.5"}).correct  # typographic minus
    assert not grade("numeric", spec, {"text": "3.5"}).correct


def test_numeric_without_units_refuses_suffixes_but_allows_separators():
    spec = {"answer": 1417.0, "tolerance": 0.0, "units": False, "unit_label": ""}
    assert grade("numeric", spec, {"text": "1,417"}).correct
    assert invalid("numeric", spec, {"text": "1.417K"}) == "Enter a number in digits."


@pytest.mark.parametrize(
    "text", ["", "   ", "ten", "1e309", "1e6", "nan", "inf", "-inf", "--5", "1,5", "10MM", "M"]
)
def test_numeric_rejects_what_is_not_a_number(text):
    assert (
        invalid("numeric", NUMERIC, {"text": text})
        == "Enter a number in digits; you may add a word like thousand, million or billion."
    )


def test_numeric_rejects_missing_or_non_text_input():
    assert (
        invalid("numeric", NUMERIC, {})
        == "Enter a number in digits; you may add a word like thousand, million or billion."
    )
    assert (
        invalid("numeric", NUMERIC, {"text": 10})
        == "Enter a number in digits; you may add a word like thousand, million or billion."
    )


# --- parse_number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10,000,000", 10_000_000),
        ("10M", 10_000_000),
        ("10 million", 10_000_000),
        ("10 mn", 10_000_000),
        ("1.5bn", 1_500_000_000),
        ("1.5 billion", 1_500_000_000),
        ("128K", 128_000),
        ("128 thousand", 128_000),
        ("2tn", 2_000_000_000_000),
        ("1,417", 1417),
        ("0.1M", 100_000),
        (".5", 0.5),
        ("-2", -2),
        ("007", 7),
    ],
)
def test_parse_number_reads_plain_numbers_and_scale_words(text, value):
    assert parse_number(text, units=True) == value


def test_parse_number_is_exact_for_decimal_multiples():
    assert parse_number("0.1M", units=True) == 100_000.0
    assert parse_number("1.001bn", units=True) == 1_001_000_000.0


@pytest.mark.parametrize(
    "text", ["10M", "10 million", "128K", "1.5bn", "1e3", "ten", "1,00", "1,0000", "1.2.3", "5."]
)
def test_parse_number_without_units_takes_only_plain_numbers(text):
    with pytest.raises(InvalidAnswer):
        parse_number(text, units=False)


@pytest.mark.parametrize(
    "text",
    ["1e309", "nan", "NaN", "inf", "Infinity", "--5", "+-5", "ten", "1 0", "0x10", "1" * 61],
)
def test_parse_number_rejects_words_exponents_and_non_finite_values(text):
    with pytest.raises(InvalidAnswer):
        parse_number(text, units=True)


def test_parse_number_results_are_always_finite():
    assert math.isfinite(parse_number("9" * 55 + "tn", units=True))


def test_format_number_drops_trailing_zeroes_and_groups_thousands():
    assert format_number(10_000_000.0) == "10,000,000"
    assert format_number(1.5) == "1.5"
    assert format_number(-1417.0) == "-1,417"
    assert format_number(0.1 + 0.2) == "0.3"


# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["Alexandr Wang", "alexandr wang.", "ALEXANDR  WANG", " Alexándr-Wang! ", "wang"]
)
def test_text_matches_after_normalising(typed):
    result = grade("text", TEXT, {"text": typed})
    assert result.correct, typed
    assert result.correct_display == "Alexandr Wang"


def test_text_wrong_answer_scores_zero_and_shows_the_first_accepted():
    result = grade("text", TEXT, {"text": "  Alexander   Wang "})
    assert (result.score, result.correct) == (0.0, False)
    assert result.answer_display == "Alexander Wang"
    assert result.answer == {"text": "Alexander Wang", "normalised": "alexander wang"}
    assert result.correct_display == "Alexandr Wang"


def test_text_spec_without_normalised_list_still_grades():
    assert grade("text", {"accepted": ["Café"]}, {"text": "cafe"}).correct


@pytest.mark.parametrize("data", [{}, {"text": ""}, {"text": "   "}, {"text": None}])
def test_text_rejects_empty_answers(data):
    assert invalid("text", TEXT, data) == "Type your answer."


def test_text_rejects_punctuation_only_and_overlong_answers():
    assert invalid("text", TEXT, {"text": "?!"}) == "Type your answer in words or numbers."
    assert invalid("text", TEXT, {"text": "a" * 501}) == "Keep your answer under 500 characters."


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Alexandr Wang", "alexandr wang"),
        ("  ÉDOUARD   Grave ", "edouard grave"),
        ("Llama-3.3, 70B!", "llama 3 3 70b"),
        ("Meta's", "metas"),
        ("Meta\u2019s", "metas"),
        ("Straße", "strasse"),
        ("ﬁne", "fine"),  # NFKD splits the ligature
        ("", ""),
    ],
)
def test_normalise_text(raw, normalised):
    assert normalise_text(raw) == normalised


# --- matching -------------------------------------------------------------------------------


ALL_RIGHT = {"1": "r1", "2": "r2", "3": "r3", "4": "r2"}


def test_matching_all_pairs_right_scores_one():
    result = grade("matching", MATCHING, {"pairs": ALL_RIGHT})
    assert (result.score, result.correct) == (1.0, True)
    assert result.answer == {"pairs": ALL_RIGHT}
    assert result.answer_display == (
        "Scout → 10M tokens; Maverick → 1M tokens; Llama 3.3 → 128K tokens; Behemoth → 1M tokens"
    )
    assert result.correct_display == result.answer_display


def test_matching_scores_the_share_of_correct_pairs():
    data = {"pairs": {**ALL_RIGHT, "1": "r4", "3": "r2"}}
    result = grade("matching", MATCHING, data)
    assert (result.score, result.correct) == (0.5, False)
    assert result.answer_display.startswith("Scout → 2K tokens;")


def test_matching_all_wrong_scores_zero():
    data = {"pairs": {"1": "r4", "2": "r4", "3": "r4", "4": "r4"}}
    assert grade("matching", MATCHING, data).score == 0.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Match every item on the left."),
        ({"pairs": "r1"}, "Match every item on the left."),
        ({"pairs": {"1": "r1", "2": "r2", "3": "r3"}}, "Match every item on the left."),
        ({"pairs": {**ALL_RIGHT, "4": ""}}, "Match every item on the left."),
        (
            {"pairs": {**ALL_RIGHT, "4": "r9"}},
            "That choice is not part of this question. Choose from the list.",
        ),
        ({"pairs": {**ALL_RIGHT, "9": "r1"}}, "That item is not part of this question."),
    ],
)
def test_matching_rejects_unanswered_or_unknown_items(data, message):
    assert invalid("matching", MATCHING, data) == message


# --- common ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "spec", "data"),
    [
        ("single", SINGLE, {"choices": ["b"]}),
        ("multiple", MULTIPLE, {"choices": ["a", "b"]}),
        ("truefalse", TRUEFALSE, {"value": "true"}),
        ("numeric", NUMERIC, {"text": "10M"}),
        ("text", TEXT, {"text": "Wang"}),
        ("matching", MATCHING, {"pairs": ALL_RIGHT}),
    ],
)
def test_every_grade_is_in_range_and_its_answer_is_json(qtype, spec, data):
    result = grade(qtype, spec, data)
    assert 0.0 <= result.score <= 1.0
    assert result.correct == (result.score == 1.0)
    assert json.loads(json.dumps(result.answer)) == result.answer
    assert grade(qtype, spec, result.answer) == result  # a stored answer grades the same again


def test_unknown_question_type_is_a_programming_error_not_an_invalid_answer():
    with pytest.raises(ValueError, match="unknown question type 'essay'") as info:
        grade("essay", {}, {})
    assert not isinstance(info.value, InvalidAnswer)


def test_non_mapping_input_is_an_invalid_answer():
    assert invalid("single", SINGLE, ["a"]) == "Answer the question before submitting."


def test_guess_follows_the_mastery_model():
    assert guess_for_spec("single", SINGLE) == pytest.approx(0.30)  # min(0.30, 1/3)
    four = {"options": [*SINGLE["options"], option("d", "7 billion")]}
    assert guess_for_spec("single", four) == pytest.approx(0.25)
    assert guess_for_spec("multiple", MULTIPLE) == pytest.approx(0.10)
    assert guess_for_spec("truefalse", TRUEFALSE) == pytest.approx(0.30)
    assert guess_for_spec("numeric", NUMERIC) == pytest.approx(0.05)
    assert guess_for_spec("text", TEXT) == pytest.approx(0.05)
    assert guess_for_spec("matching", MATCHING) == pytest.approx(0.10)


def test_a_single_choice_guess_is_one_over_its_options_at_most_030():
    def single(k):
        return {"options": [option(f"k{i}", f"Option {i}", correct=i == 0) for i in range(k)]}

    assert guess_for_spec("single", single(4)) == 0.25
    assert guess_for_spec("single", single(5)) == 0.20
    assert guess_for_spec("single", single(2)) == 0.30
    assert guess_for_spec("single", {}) == 0.30  # options unknown
    with pytest.raises(ValueError):
        guess_for_spec("essay", {})


def test_multiple_select_shows_each_distinct_feedback_once_and_joins_texts_cleanly():
    spec = {
        "options": [
            {
                "key": "a",
                "html": "A",
                "text": "First one.",
                "correct": True,
                "feedback_html": "Yes.",
            },
            {
                "key": "b",
                "html": "B",
                "text": "Second one.",
                "correct": True,
                "feedback_html": "Yes.",
            },
            {"key": "c", "html": "C", "text": "Third.", "correct": False, "feedback_html": "No."},
        ]
    }
    result = grade("multiple", spec, {"choices": ["a", "b", "c"]})
    assert result.feedback_html == "Yes.\nNo."
    assert result.answer_display == "First one; Second one; Third."
