"""Moodle XML (`<quiz><question type="...">`): a writer and a reader.

Written from Moodle's documentation of the format (docs.moodle.org "Moodle XML format"):
`multichoice` (`<single>`, answers with a percentage `fraction` from Moodle's grade list),
`truefalse`, `numerical` (`<tolerance>`), `shortanswer` (`<usecase>`) and `matching`
(`<subquestion>`; one with empty text is an extra wrong answer), `<generalfeedback>`,
per-answer `<feedback>`, `<idnumber>`, `<tags>`, and category pseudo-questions
(`$course$/top/...`). Text is written with `format="markdown"`, which Moodle accepts.

Our extension is a tag `coursework:{json}`; the objective is the category's last part.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from interchange.common import (
    EXTENSION_NAME,
    Exported,
    ExportRefused,
    Imported,
    InterchangeError,
    apply_extension,
    extension,
    extension_json,
    fraction_from_percent,
    losses,
    moodle_percent,
    multiple_weights,
    number_text,
    parse_extension,
    parse_number,
    shape,
    type_name,
)
from interchange.html_text import html_to_markdown
from interchange.safexml import parse_xml
from quizzes.questiontypes import Shape

REASONS = {
    "cloze": "an embedded-answers (cloze) question",
    "multianswer": "an embedded-answers (cloze) question",
    "essay": "an essay question is marked by hand",
    "calculated": "a calculated question (formulas with random values)",
    "calculatedsimple": "a calculated question (formulas with random values)",
    "calculatedmulti": "a calculated question (formulas with random values)",
    "ddwtos": "a drag-and-drop question",
    "ddimageortext": "a drag-and-drop question",
    "ddmarker": "a drag-and-drop (hotspot) question",
    "gapselect": "a select-missing-words question",
    "description": "a description, not a question",
    "randomsamatch": "a random short-answer matching question",
}


# --- writing ------------------------------------------------------------------------------------


def _text(parent: Element, tag: str, text: str, fmt: str | None = "markdown") -> Element:
    element = SubElement(parent, tag)
    if fmt:
        element.set("format", fmt)
    SubElement(element, "text").text = text
    return element


def _plain(parent: Element, tag: str, text: str) -> Element:
    element = SubElement(parent, tag)
    element.text = text
    return element


def write(course_slug: str, items: list[dict[str, Any]]) -> Exported:
    quiz = Element("quiz")
    warnings: list[str] = []
    category = None
    for item in items:
        if item["objective"] != category:
            category = item["objective"]
            cat = SubElement(quiz, "question", type="category")
            _text(cat, "category", f"$course$/top/{course_slug}/{category}", fmt=None)
        quiz.append(_question(item))
        warnings += losses(item, "Moodle XML")
    indent(quiz)
    content = tostring(quiz, encoding="utf-8", xml_declaration=True)
    return Exported(content + b"\n", f"{course_slug}.moodle.xml", warnings)


MOODLE_TYPES = {
    Shape.ONE_CHOICE: "multichoice",
    Shape.SEVERAL_CHOICES: "multichoice",
    Shape.TRUE_FALSE: "truefalse",
    Shape.NUMBER: "numerical",
    Shape.SHORT_TEXT: "shortanswer",
    Shape.PAIRS: "matching",
}


SUPPORTED = set(MOODLE_TYPES.values())  # Moodle's own names, which a reader compares


def _question(item: dict[str, Any]) -> Element:
    kind = shape(item)
    if kind is None:
        raise ExportRefused(
            f'question "{item["key"]}": Moodle XML cannot hold type {item.get("type")}'
        )
    question = Element("question", type=MOODLE_TYPES[kind])
    _text(question, "name", item["key"], fmt=None)
    _text(question, "questiontext", item["prompt"])
    _text(question, "generalfeedback", item["explanation"])
    _plain(question, "defaultgrade", "1")
    _plain(question, "penalty", "0")
    _plain(question, "hidden", "0")
    _plain(question, "idnumber", item["key"])
    if kind in (Shape.ONE_CHOICE, Shape.SEVERAL_CHOICES):
        _choices(question, item)
    elif kind is Shape.TRUE_FALSE:
        for value in (True, False):
            answer = SubElement(
                question,
                "answer",
                fraction="100" if item["answer"] is value else "0",
                format="moodle_auto_format",
            )
            SubElement(answer, "text").text = "true" if value else "false"
            _text(
                answer, "feedback", item.get("feedback_true" if value else "feedback_false") or ""
            )
    elif kind is Shape.NUMBER:
        answer = SubElement(question, "answer", fraction="100", format="moodle_auto_format")
        SubElement(answer, "text").text = number_text(item["answer"])
        _text(answer, "feedback", "")
        _plain(answer, "tolerance", number_text(item.get("tolerance", 0)))
    elif kind is Shape.SHORT_TEXT:
        _plain(question, "usecase", "0")
        for accepted in item["accepted"]:
            answer = SubElement(question, "answer", fraction="100", format="moodle_auto_format")
            SubElement(answer, "text").text = str(accepted).strip()
            _text(answer, "feedback", "")
    elif kind is Shape.PAIRS:
        _plain(question, "shuffleanswers", "true")
        for pair in item["pairs"]:
            sub = _text(question, "subquestion", str(pair["left"]).strip())
            answer = SubElement(sub, "answer")
            SubElement(answer, "text").text = str(pair["right"]).strip()
        for distractor in item.get("distractors", []):
            sub = _text(question, "subquestion", "")
            answer = SubElement(sub, "answer")
            SubElement(answer, "text").text = str(distractor).strip()
    ext = extension(item)
    tags = SubElement(question, "tags")
    tag = SubElement(tags, "tag")
    SubElement(tag, "text").text = f"objective:{item['objective']}"
    if ext:
        tag = SubElement(tags, "tag")
        SubElement(tag, "text").text = f"{EXTENSION_NAME}:{extension_json(ext)}"
    return question


def _choices(question: Element, item: dict[str, Any]) -> None:
    multiple = shape(item) is Shape.SEVERAL_CHOICES
    if multiple:
        right, wrong = multiple_weights(item, moodle=True)
    _plain(question, "single", "false" if multiple else "true")
    _plain(question, "shuffleanswers", "true")
    _plain(question, "answernumbering", "abc")
    for option in item["options"]:
        correct = option.get("correct") is True
        if multiple:
            fraction = moodle_percent(right if correct else wrong)
        else:
            fraction = "100" if correct else "0"
        answer = SubElement(question, "answer", fraction=fraction, format="markdown")
        SubElement(answer, "text").text = str(option["text"]).strip()
        _text(answer, "feedback", str(option.get("feedback") or "").strip())


# --- reading ------------------------------------------------------------------------------------


def _child_text(element: Element | None, where: str, *, tag: str = "text") -> str:
    """The text of an element's <text>, as Markdown (HTML is converted)."""
    if element is None:
        return ""
    text_element = element.find(tag)
    raw = (text_element.text or "") if text_element is not None else (element.text or "")
    fmt = element.get("format", "moodle_auto_format")
    if fmt == "html":
        return html_to_markdown(raw)
    return raw.strip()


def read(data: bytes, filename: str) -> Imported:
    root = parse_xml(data, filename)
    if root.tag != "quiz":
        raise InterchangeError(f"{filename}: not Moodle XML (the root element is <{root.tag}>)")
    result = Imported()
    category: str | None = None
    for number, question in enumerate(root.findall("question"), 1):
        kind = question.get("type", "")
        name = _child_text(question.find("name"), filename)
        where = f"{filename}: question {number}" + (f' "{name}"' if name else "")
        if kind == "category":
            category = _child_text(question.find("category"), where) or None
            continue
        if kind not in SUPPORTED:
            reason = REASONS.get(kind, f'type "{kind}" has no equivalent here')
            result.refused.append(f"{where}: {reason}; not converted")
            continue
        item = _read_question(question, kind, name, where, result)
        if item is None:
            continue
        ext: dict[str, Any] = {}
        for tag in question.findall("tags/tag/text"):
            value = (tag.text or "").strip()
            if value.startswith(f"{EXTENSION_NAME}:"):
                ext = parse_extension(value.removeprefix(f"{EXTENSION_NAME}:"), where)
        apply_extension(item, ext)
        result.add(item, category)
    return result


def _read_question(
    question: Element, kind: str, name: str, where: str, result: Imported
) -> dict[str, Any] | None:
    idnumber = (question.findtext("idnumber") or "").strip()
    item: dict[str, Any] = {
        "key": idnumber or name,
        "prompt": _child_text(question.find("questiontext"), where),
        "explanation": _child_text(question.find("generalfeedback"), where),
    }
    answers = question.findall("answer")
    if kind == MOODLE_TYPES[Shape.ONE_CHOICE]:
        single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
        options = []
        for answer in answers:
            fraction = fraction_from_percent(answer.get("fraction", "0"), where)
            option: dict[str, Any] = {"text": _child_text(answer, where)}
            if fraction > 0:
                option["correct"] = True
            feedback = _child_text(answer.find("feedback"), where)
            if feedback:
                option["feedback"] = feedback
            options.append(option)
        right = sum(1 for option in options if option.get("correct"))
        one = single and right == 1
        item["type"] = type_name(Shape.ONE_CHOICE if one else Shape.SEVERAL_CHOICES)
        fractions = [fraction_from_percent(a.get("fraction", "0"), where) for a in answers]
        expected = [Fraction(1 if f > 0 else -1, right) for f in fractions] if right else []
        if one and max(fractions, default=0) != 1:
            result.warnings.append(f"{where}: the right option now has the full mark")
        if not one and fractions != expected:
            result.warnings.append(
                f"{where}: the grades become our multiple-answer scoring (+1/{right} for each "
                f"right option, -1/{right} for each wrong one)"
            )
        item["options"] = options
    elif kind == MOODLE_TYPES[Shape.TRUE_FALSE]:
        value = None
        for answer in answers:
            word = _child_text(answer, where).lower()
            if word not in ("true", "false"):
                raise InterchangeError(f"{where}: a true/false answer reads {word!r}")
            feedback = _child_text(answer.find("feedback"), where)
            if feedback:
                item[f"feedback_{word}"] = feedback
            if fraction_from_percent(answer.get("fraction", "0"), where) == 1:
                value = word == "true"
        if value is None:
            raise InterchangeError(f"{where}: neither true nor false has the full mark")
        item["type"] = type_name(Shape.TRUE_FALSE)
        item["answer"] = value
    elif kind == MOODLE_TYPES[Shape.NUMBER]:
        full = [a for a in answers if fraction_from_percent(a.get("fraction", "0"), where) == 1]
        if not full:
            result.refused.append(f"{where}: a numerical question with no fully right answer")
            return None
        if len(full) > 1 or question.find("units/unit") is not None:
            result.warnings.append(
                f"{where}: only the first right answer is kept (no units, one answer)"
            )
        item["type"] = type_name(Shape.NUMBER)
        item["answer"] = parse_number(_child_text(full[0], where), where)
        tolerance = parse_number(full[0].findtext("tolerance") or "0", where)
        if tolerance:
            item["tolerance"] = tolerance
    elif kind == MOODLE_TYPES[Shape.SHORT_TEXT]:
        accepted = [
            _child_text(a, where)
            for a in answers
            if fraction_from_percent(a.get("fraction", "0"), where) == 1
        ]
        if len(accepted) < len(answers):
            result.warnings.append(f"{where}: partly right answers are dropped")
        if (question.findtext("usecase") or "0").strip() == "1":
            result.warnings.append(f"{where}: case-sensitive matching becomes case-insensitive")
        if not accepted:
            result.refused.append(f"{where}: a short-answer question with no fully right answer")
            return None
        item["type"] = type_name(Shape.SHORT_TEXT)
        item["accepted"] = accepted
    elif kind == MOODLE_TYPES[Shape.PAIRS]:
        pairs: list[dict[str, str]] = []
        distractors: list[str] = []
        for sub in question.findall("subquestion"):
            left = _child_text(sub, where)
            right_text = _child_text(sub.find("answer"), where)
            if left:
                pairs.append({"left": left, "right": right_text})
            elif right_text:
                distractors.append(right_text)
        item["type"] = type_name(Shape.PAIRS)
        item["pairs"] = pairs
        if distractors:
            item["distractors"] = distractors
    return item
