"""GIFT, Moodle's text format: a writer and a reader.

Written from Moodle's documentation of the format (docs.moodle.org "GIFT format") and its
importer's rules: `::name::` then `[markdown]` then the question text and an answer block in
braces; `=right`, `~wrong`, `~%50%weighted`, `#feedback` after an answer, `####general
feedback` last in the block; `{TRUE#feedback if wrong#feedback if right}`; `{#answer:tolerance}`
or `{#low..high}`; `{=a =b}` short answer; `{=left -> right}` matching; `$CATEGORY: a/b`;
`//` comment lines; the escapes `\\~ \\= \\# \\{ \\} \\: \\\\` and `\\n` for a line break.

Our extension is a comment line `// coursework: {json}` just before the question it belongs to
(Moodle ignores comments). The question's name is its key.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

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
    new_item,
    number_text,
    parse_extension,
    parse_number,
    shape,
)
from interchange.html_text import html_to_markdown
from quizzes.questiontypes import Shape

SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    out = "".join("\\" + char if char in SPECIAL else char for char in str(text).strip())
    return out.replace("\r\n", "\n").replace("\n", "\\n")


# --- writing ------------------------------------------------------------------------------------


def write(course_slug: str, items: list[dict[str, Any]]) -> Exported:
    lines: list[str] = [f"// Question bank of the course {course_slug}, in GIFT.", ""]
    warnings: list[str] = []
    category = None
    for item in items:
        objective = item["objective"]
        if objective != category:
            lines += [f"$CATEGORY: $course$/top/{course_slug}/{objective}", ""]
            category = objective
        ext = extension(item)
        extra: list[str] = []
        if shape(item) is Shape.PAIRS and item.get("distractors"):
            ext["distractors"] = list(item["distractors"])
            extra.append("the matching distractors (GIFT cannot hold them)")
        if (
            shape(item) is Shape.PAIRS
            and len(item["pairs"]) + len(item.get("distractors", [])) < 3
        ):
            extra.append(
                "nothing: but Moodle refuses a matching question with fewer than 3 answers"
            )
        if ext:
            lines.append(f"// {EXTENSION_NAME}: {extension_json(ext)}")
        lines.append(
            f"::{escape(item['key'])}::[markdown]{escape(item['prompt'])}{{{_answers(item)}"
            f"\n\t####{escape(item['explanation'])}\n}}"
        )
        lines.append("")
        warnings += losses(item, "GIFT", extra=tuple(extra))
    return Exported("\n".join(lines).encode("utf-8"), f"{course_slug}.gift.txt", warnings)


def _feedback(entry: dict[str, Any], name: str = "feedback") -> str:
    value = entry.get(name)
    return f"#{escape(value)}" if value else ""


WEIGHT_LIKE = re.compile(r"^\s*%-?[0-9.]+%")


def _check_writable(item: dict[str, Any]) -> None:
    """Refuse what GIFT would read back differently (it has no escape for these)."""
    texts = [str(option["text"]) for option in item.get("options", [])]
    texts += [str(answer) for answer in item.get("accepted", [])]
    for text in texts:
        if WEIGHT_LIKE.match(text):
            raise ExportRefused(
                f'question "{item["key"]}": the answer "{text}" would read as a GIFT weight '
                "(%..%); use Moodle XML or QTI"
            )
    for pair in item.get("pairs", []):
        if "->" in str(pair["left"]):
            raise ExportRefused(
                f'question "{item["key"]}": the matching item "{pair["left"]}" contains "->", '
                "which GIFT cannot escape; use Moodle XML or QTI"
            )


def _answers(item: dict[str, Any]) -> str:
    _check_writable(item)
    kind = shape(item)
    if kind is Shape.ONE_CHOICE:
        return "".join(
            f"\n\t{'=' if option.get('correct') else '~'}{escape(option['text'])}"
            f"{_feedback(option)}"
            for option in item["options"]
        )
    if kind is Shape.SEVERAL_CHOICES:
        right, wrong = multiple_weights(item, moodle=True)
        return "".join(
            f"\n\t~%{moodle_percent(right if option.get('correct') else wrong)}%"
            f"{escape(option['text'])}{_feedback(option)}"
            for option in item["options"]
        )
    if kind is Shape.TRUE_FALSE:
        is_true = item["answer"] is True
        # Moodle: the first feedback is shown for a wrong answer, the second for a right one.
        when_true, when_false = item.get("feedback_true"), item.get("feedback_false")
        if_wrong, if_right = (when_false, when_true) if is_true else (when_true, when_false)
        text = "TRUE" if is_true else "FALSE"
        if if_wrong or if_right:
            text += f"#{escape(if_wrong or '')}#{escape(if_right or '')}"
        return text
    if kind is Shape.NUMBER:
        tolerance = item.get("tolerance", 0)
        return f"#{number_text(item['answer'])}:{number_text(tolerance)}"
    if kind is Shape.SHORT_TEXT:
        return "".join(f"\n\t={escape(answer)}" for answer in item["accepted"])
    if kind is Shape.PAIRS:
        return "".join(
            f"\n\t={escape(pair['left'])} -> {escape(pair['right'])}" for pair in item["pairs"]
        )
    raise ExportRefused(f'question "{item.get("key")}": GIFT cannot hold type {item.get("type")}')


# --- reading ------------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            out.append("\n" if following == "n" else following)
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out).strip()


def _split_unescaped(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped marker characters: [(marker, text after it), ...]."""
    parts: list[tuple[str, str]] = []
    current, marker, index = [], "", 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in markers:
            if current or marker:
                parts.append((marker, "".join(current)))
            current, marker = [], char
        else:
            current.append(char)
        index += 1
    if current or marker:
        parts.append((marker, "".join(current)))
    return parts


def _find_unescaped(text: str, char: str, start: int = 0) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Questions and commands with their first line: blank lines separate them."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if current:
                blocks.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(line.rstrip("\r"))
    if current:
        blocks.append((start, current))
    return blocks


def read(text: str, filename: str) -> Imported:
    """Read a GIFT file; InterchangeError (one line) for a malformed one."""
    result = Imported()
    category: str | None = None
    for line_number, lines in _blocks(text):
        where = f"{filename}:{line_number}"
        ext: dict[str, Any] = {}
        body: list[str] = []
        for offset, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("//"):
                comment = stripped[2:].strip()
                if comment.startswith(f"{EXTENSION_NAME}:"):
                    ext = parse_extension(
                        comment.removeprefix(f"{EXTENSION_NAME}:"), f"{where}+{offset}"
                    )
                continue
            if stripped.startswith("$CATEGORY:"):
                category = stripped.removeprefix("$CATEGORY:").strip() or None
                continue
            body.append(line)
        if not body:
            continue
        try:
            item = _question("\n".join(body), where, result.warnings)
        except _Refused as refusal:
            result.refused.append(f"{where}: {refusal}")
            continue
        apply_extension(item, ext)
        result.add(item, category)
    return result


class _Refused(Exception):
    """A well-formed question we cannot grade."""


NAME_RE = re.compile(r"^::(?P<name>(?:\\.|[^:\\]|:(?!:))*)::", re.DOTALL)
FORMAT_RE = re.compile(r"^\s*\[(?P<format>html|moodle|plain|markdown)\]", re.IGNORECASE)


def _question(text: str, where: str, notes: list[str]) -> dict[str, Any]:
    text = text.strip()
    name = None
    match = NAME_RE.match(text)
    if match:
        name = _unescape(match["name"])
        text = text[match.end() :]
    fmt = FORMAT_RE.match(text)
    text_format = "moodle"
    if fmt:
        text_format = fmt["format"].lower()
        text = text[fmt.end() :]
    open_at = _find_unescaped(text, "{")
    if open_at < 0:
        raise _Refused("a description (no answer block), not a question")
    close_at = _find_unescaped(text, "}", open_at)
    if close_at < 0:
        raise InterchangeError(f"{where}: the answer block opened with {{ is not closed")
    before, block, after = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    if _find_unescaped(after, "{") >= 0:
        raise _Refused("several answer blocks (an embedded-answers/cloze question)")
    prompt = _unescape(before)
    if after.strip():  # a missing-word question: the blank is where the block was
        prompt = f"{prompt} _____ {_unescape(after)}"
    if text_format == "html":
        prompt = html_to_markdown(prompt)
    general = ""
    split = _general_feedback(block)
    if split is not None:
        block, general = split
    if not prompt:
        raise InterchangeError(f"{where}: the question has no text")
    item: dict[str, Any] = {"key": name, "prompt": prompt, "explanation": _unescape(general)}
    item.update(_answer_block(block.strip(), where, notes))
    return item


def _general_feedback(block: str) -> tuple[str, str] | None:
    index = 0
    while index < len(block):
        if block[index] == "\\":
            index += 2
            continue
        if block.startswith("####", index):
            return block[:index], block[index + 4 :]
        index += 1
    return None


TF_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _answer_block(block: str, where: str, notes: list[str]) -> dict[str, Any]:
    if not block:
        raise _Refused("an essay question (empty answer block) cannot be graded here")
    head = _split_unescaped(block, "#")
    first = head[0][1].strip() if head and head[0][0] == "" else ""
    if first.upper() in TF_WORDS:
        answer = TF_WORDS[first.upper()]
        feedbacks = [_unescape(text) for marker, text in head[1:]]
        wrong = feedbacks[0] if feedbacks else ""
        right = feedbacks[1] if len(feedbacks) > 1 else ""
        when_true, when_false = (right, wrong) if answer else (wrong, right)
        item = new_item(Shape.TRUE_FALSE, answer=answer)
        if when_true:
            item["feedback_true"] = when_true
        if when_false:
            item["feedback_false"] = when_false
        return item
    if block.startswith("#"):
        return _numeric(block[1:], where, notes)
    entries = _split_unescaped(block, "=~")
    entries = [(marker, text) for marker, text in entries if marker or text.strip()]
    if any(marker == "" for marker, _ in entries):
        raise InterchangeError(f"{where}: answers must start with = or ~")
    if entries and all(marker == "=" and _has_arrow(text) for marker, text in entries):
        return _matching(entries, where)
    if entries and all(marker == "=" for marker, _ in entries):
        accepted = []
        for _marker, text in entries:
            weight, accepted_text, _feedback = _answer(text, where)
            if weight is None or weight == 1:
                accepted.append(accepted_text)
            else:
                notes.append(f"{where}: the partly right answer {accepted_text!r} is dropped")
        if not accepted:
            raise _Refused("a short-answer question with no fully right answer")
        return new_item(Shape.SHORT_TEXT, accepted=accepted)
    return _choice(entries, where, notes)


def _has_arrow(text: str) -> bool:
    return "->" in text


def _answer(text: str, where: str) -> tuple[Fraction | None, str, str]:
    """One answer: (weight or None, text, feedback)."""
    weight = None
    body = text.strip()
    if body.startswith("%"):
        end = body.find("%", 1)
        if end < 0:
            raise InterchangeError(f"{where}: an answer weight %..% is not closed")
        weight = fraction_from_percent(body[1:end], where)
        body = body[end + 1 :]
    parts = _split_unescaped(body, "#")
    answer = _unescape(parts[0][1]) if parts and parts[0][0] == "" else ""
    feedback = "".join(_unescape(part) for marker, part in parts[1:2])
    return weight, answer, feedback


def _choice(entries: list[tuple[str, str]], where: str, notes: list[str]) -> dict[str, Any]:
    options = []
    weights = []
    for marker, text in entries:
        weight, answer, feedback = _answer(text, where)
        if not answer:
            raise InterchangeError(f"{where}: an answer has no text")
        if weight is None:
            weight = Fraction(1) if marker == "=" else Fraction(0)
        weights.append(weight)
        option: dict[str, Any] = {"text": answer}
        if weight > 0:
            option["correct"] = True
        if feedback:
            option["feedback"] = feedback
        options.append(option)
    right = [w for w in weights if w > 0]
    several = not (len(right) == 1 and right[0] == 1)
    if several:
        ours = [Fraction(1 if w > 0 else -1, len(right)) for w in weights]
        if weights != ours:
            notes.append(
                f"{where}: the answer weights become our multiple-answer scoring "
                f"(+1/{len(right)} for each right option, -1/{len(right)} for each wrong one)"
            )
    return new_item(Shape.SEVERAL_CHOICES if several else Shape.ONE_CHOICE, options=options)


def _numeric(body: str, where: str, notes: list[str]) -> dict[str, Any]:
    entries = [(marker, text.strip()) for marker, text in _split_unescaped(body, "=")]
    entries = [(marker, text) for marker, text in entries if marker or text]
    if entries and entries[0][0] == "=":
        full = [
            text.removeprefix("%100%")
            for _marker, text in entries
            if not text.startswith("%") or text.startswith("%100%")
        ]
        if not full:
            raise _Refused("a numeric question with no fully right answer")
        if len(entries) > 1:
            notes.append(f"{where}: only the first fully right number is kept")
        body = full[0]
    parts = _split_unescaped(body, "#")
    value = _unescape(parts[0][1]) if parts and parts[0][0] == "" else ""
    if not value:
        raise InterchangeError(f"{where}: the numeric answer block has no number")
    if ".." in value:
        low_text, _, high_text = value.partition("..")
        low, high = parse_number(low_text, where), parse_number(high_text, where)
        if high < low:
            raise InterchangeError(f"{where}: the range {value} runs backwards")
        middle = (low + high) / 2
        answer = int(middle) if float(middle).is_integer() else middle
        tolerance = (high - low) / 2
    else:
        number, _, tolerance_text = value.partition(":")
        answer = parse_number(number, where)
        tolerance = parse_number(tolerance_text, where) if tolerance_text else 0
    item = new_item(Shape.NUMBER, answer=answer)
    if tolerance:
        item["tolerance"] = int(tolerance) if float(tolerance).is_integer() else tolerance
    return item


def _matching(entries: list[tuple[str, str]], where: str) -> dict[str, Any]:
    pairs = []
    distractors = []
    for _marker, text in entries:
        left, _, right = text.partition("->")
        left, right = _unescape(left), _unescape(right)
        if not right:
            raise InterchangeError(f"{where}: a matching pair has no right-hand side")
        if left:
            pairs.append({"left": left, "right": right})
        else:
            distractors.append(right)
    item = new_item(Shape.PAIRS, pairs=pairs)
    if distractors:
        item["distractors"] = distractors
    return item
