"""What every format shares: the bank as plain data, the extension we keep, errors and limits.

Export reads the course's own bank (the YAML items as the author wrote them, Markdown and all)
after the course file has been validated; import produces items of the same shape, which go
through the bank's own checks (`authoring.bank.build_questions`), so a question read from GIFT,
Moodle XML or QTI has the same spec as the same question written in YAML.

Each format keeps what it cannot hold (the lesson pointer `source`, `level`, `inference`,
`allow_typos`, `units`, `unit_label`, non-default option keys, matching distractors in GIFT) in
its own extension point as a small JSON object (`extension()`), so our own exports come back
exactly; other tools ignore it, and `warnings` says what they lose.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from authoring.importer import CourseDoc
from authoring.importing import parse_course_file
from authoring.sourcefiles import SourceFileError, load_yaml, read_text
from courses.models import Course
from quizzes import questiontypes
from quizzes.questiontypes import Shape

FORMATS = ("gift", "moodle-xml", "qti3", "qti21")
EXTENSION_NAME = "coursework"  # the name our extension goes by in every format

# Moodle's list of allowed grades (question/format.php, `get_grade_options`), as fractions of
# the full mark: a multiple-answer question is exact in Moodle only with these.
MOODLE_GRADES = [Fraction(1, n) for n in range(1, 11)] + [
    Fraction(9, 10),
    Fraction(5, 6),
    Fraction(4, 5),
    Fraction(3, 4),
    Fraction(7, 10),
    Fraction(2, 3),
    Fraction(3, 5),
    Fraction(2, 5),
    Fraction(3, 10),
    Fraction(1, 20),
]
MAX_MOODLE_CORRECT = 10  # 1/n is an allowed grade for n <= 10 only


class InterchangeError(Exception):
    """A file that cannot be read or a bank that cannot be written: one line for people."""


class ExportRefused(InterchangeError):
    """A question the format cannot express exactly (never rounded)."""


@dataclass
class Exported:
    """One export: the file's content and what other tools lose, one warning a line."""

    content: bytes
    filename: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Imported:
    """What a reader made of a file: bank items, categories per item and refusals."""

    items: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)  # per item, the source's name
    refused: list[str] = field(default_factory=list)  # "where: reason", one per question
    warnings: list[str] = field(default_factory=list)

    def add(self, item: dict[str, Any], category: str | None) -> None:
        self.items.append(item)
        self.categories.append(category)


# --- the course's bank as plain data ----------------------------------------------------------


def course_file(course: str) -> Path:
    """The course file for `course`: a path to a course Markdown file, or an imported
    course's slug (its source_path)."""
    path = Path(course)
    if path.suffix == ".md" or path.is_file():
        return path
    found = Course.objects.filter(slug=course).values_list("source_path", flat=True).first()
    if found is None:
        raise InterchangeError(f'no course "{course}" (give its slug or its .md file)')
    if not found:
        raise InterchangeError(f'course "{course}" has no course file recorded; import it first')
    return Path(found)


def load_bank(path: Path) -> tuple[CourseDoc, list[dict[str, Any]]]:
    """The parsed, valid course at `path` and its bank's items as the author wrote them.

    Raises authoring.importer.CourseFileError if the course or its bank is invalid."""
    doc = parse_course_file(path)
    if doc.questions_path is None:
        return doc, []
    data = load_yaml(read_text(doc.questions_path)) or []
    return doc, [_clean(item) for item in data]


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    """An item with its text fields stripped the way the bank reads them."""
    return {
        name: value.strip() if isinstance(value, str) else value for name, value in item.items()
    }


def shape(item: dict[str, Any]) -> Shape | None:
    """What a bank item is in the formats' shared vocabulary (its type says); None for a type
    they cannot hold."""
    return questiontypes.shape_of(item.get("type"))


def type_name(of: Shape) -> str:
    """The type a question of this shape read from a file becomes: the first registered."""
    return questiontypes.for_shape(of).name


def new_item(of: Shape, **fields: Any) -> dict[str, Any]:
    """A bank item read from a file: its type (`type_name`) and `fields`."""
    return {"type": type_name(of), **fields}


def default_option_key(index: int) -> str:
    return string.ascii_lowercase[index] if index < 26 else str(index + 1)


def extension(item: dict[str, Any]) -> dict[str, Any]:
    """What no format holds: kept in the format's extension point for our own round trip."""
    ext: dict[str, Any] = {}
    for name in ("source", "level", "inference", "allow_typos", "units", "unit_label"):
        if name in item:
            ext[name] = item[name]
    options = item.get("options") or []
    keys = [option.get("key") for option in options]
    if any(key is not None and key != default_option_key(i) for i, key in enumerate(keys)):
        ext["option_keys"] = [
            key if key is not None else default_option_key(i) for i, key in enumerate(keys)
        ]
    return ext


def apply_extension(item: dict[str, Any], ext: dict[str, Any]) -> None:
    """Put an extension's fields back on an imported item."""
    for name in ("source", "level", "inference", "allow_typos", "units", "unit_label"):
        if name in ext:
            item[name] = ext[name]
    keys = ext.get("option_keys")
    options = item.get("options")
    if isinstance(keys, list) and isinstance(options, list) and len(keys) == len(options):
        for option, key in zip(options, keys, strict=True):
            option["key"] = key
    if "distractors" in ext and shape(item) is Shape.PAIRS:
        item["distractors"] = ext["distractors"]


def extension_json(ext: dict[str, Any]) -> str:
    return json.dumps(ext, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_extension(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        raise InterchangeError(f"{where}: the {EXTENSION_NAME} extension is not JSON") from None
    if not isinstance(data, dict):
        raise InterchangeError(f"{where}: the {EXTENSION_NAME} extension must be an object")
    return data


def losses(item: dict[str, Any], format_name: str, *, extra: tuple[str, ...] = ()) -> list[str]:
    """One warning per field other tools lose in this format."""
    key = item.get("key")
    lost = []
    if shape(item) is Shape.SHORT_TEXT:
        lost.append("lenient text matching (accents, punctuation, abbreviations)")
        if item.get("allow_typos"):
            lost.append("allow_typos")
    if shape(item) is Shape.NUMBER:
        if item.get("units"):
            lost.append('units (answers such as "10M")')
        if item.get("unit_label"):
            lost.append("unit_label")
    lost.extend(extra)
    return [f'{format_name}: question "{key}": other tools lose {what}' for what in lost]


def multiple_weights(item: dict[str, Any], *, moodle: bool) -> tuple[Fraction, Fraction]:
    """The weight of a right and of a wrong option of a `multiple` question: +1/n and -1/n for
    n right options reproduce our score max(0, (right - wrong) / n) exactly. Moodle's formats
    allow only its grade list, so more than ten right options are refused, not rounded."""
    right = sum(1 for option in item.get("options", []) if option.get("correct") is True)
    weight = Fraction(1, right)
    if moodle and weight not in MOODLE_GRADES:
        raise ExportRefused(
            f'question "{item.get("key")}": {right} right options need a grade of 1/{right}, '
            f"which is not in Moodle's list of grades (at most {MAX_MOODLE_CORRECT} right "
            "options); split the question or use QTI"
        )
    return weight, -weight


def moodle_percent(weight: Fraction) -> str:
    """A grade as Moodle writes it: 100, 50, 33.33333, -14.28571..."""
    value = float(weight * 100)
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def fraction_from_percent(text: str, where: str) -> Fraction:
    """A Moodle percentage as a fraction of the mark, snapped to Moodle's grade list when it is
    one of its rounded values (33.33333 is 1/3)."""
    try:
        value = Fraction(text.strip()) / 100
    except (ValueError, ZeroDivisionError):
        raise InterchangeError(f"{where}: grade {text!r} is not a number") from None
    for grade in MOODLE_GRADES:
        for signed in (grade, -grade):
            if abs(value - signed) < Fraction(1, 10**6):
                return signed
    return value


def number_text(value: Any) -> str:
    """A YAML number as text, integral values without ".0"."""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def parse_number(text: str, where: str) -> int | float:
    try:
        number = float(text.strip())
    except ValueError:
        raise InterchangeError(f"{where}: {text.strip()!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InterchangeError(f"{where}: {text.strip()!r} is not a finite number")
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def max_bytes() -> int:
    return int(settings.COURSE_FILE_MAX_BYTES)


def read_limited(path: Path) -> bytes:
    """A file's bytes, refused if it is not a regular file or is over the course-file limit."""
    import os
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InterchangeError(f"{path}: no such file") from None
    except OSError as error:
        raise InterchangeError(f"{path}: cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InterchangeError(f"{path}: is not a regular file")
    limit = max_bytes()
    if info.st_size > limit:
        raise InterchangeError(
            f"{path}: is larger than the limit of {limit} bytes (settings.COURSE_FILE_MAX_BYTES)"
        )
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise InterchangeError(f"{path}: is larger than the limit of {limit} bytes")
    return data


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (a BOM is dropped); anything else is refused with one line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InterchangeError(f"{where}:{line}: is not UTF-8 text") from None
    if "\x00" in text:
        raise InterchangeError(f"{where}: contains a NUL byte: is it a binary file?")
    return text


class _BankDumper(yaml.SafeDumper):
    """Writes text of several lines as a YAML block (|), as an author would."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value == value.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _represent_text)


def dump_items(items: list[dict[str, Any]]) -> str:
    """Bank items as YAML in the bank's own layout, one blank line between questions."""
    blocks = []
    for item in items:
        missing = [
            text
            for name, text in (
                ("source", "source: lesson-slug#section-id"),
                ("explanation", "explanation: why the answer is right"),
            )
            if not item.get(name)
        ]
        item = {name: value for name, value in item.items() if value != ""}
        note = ""
        if missing:
            note = f"# draft: add {' and '.join(missing)} (the course import needs it)\n"
        blocks.append(
            note
            + yaml.dump(
                [item],
                Dumper=_BankDumper,
                sort_keys=False,
                allow_unicode=True,
                width=100,
                default_flow_style=False,
            )
        )
    return "\n".join(blocks)


__all__ = ["SourceFileError"]
