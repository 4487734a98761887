"""Export a course's bank to a format, and import a file into bank YAML: the two entry points
(the management commands and the admin download call these).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from authoring.bank import QuestionDoc, build_questions
from authoring.importer import KEY_RE, CourseDoc, CourseFileError
from authoring.sourcefiles import SourceFileError
from interchange import gift, moodle_xml, qti
from interchange.common import (
    FORMATS,
    Exported,
    Imported,
    InterchangeError,
    decode_text,
    dump_items,
    load_bank,
    read_limited,
)


def load_items(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """The slug and bank items of the valid course file at `path`; InterchangeError if the
    course does not import."""
    try:
        doc, items = load_bank(path)
    except CourseFileError as error:
        first = error.problems[0] if error.problems else "invalid course"
        raise InterchangeError(
            f"the course file is invalid ({len(error.problems)} problem(s)), first: {first}"
        ) from None
    except (OSError, SourceFileError) as error:
        raise InterchangeError(f"{path}: cannot be read: {error}") from None
    return doc.slug, items


def export(path: Path, format_name: str) -> Exported:
    """The bank of the course file at `path` in `format_name`; InterchangeError (or its
    ExportRefused) if the course is invalid or a question cannot be written exactly."""
    slug, items = load_items(path)
    return export_items(slug, items, format_name)


def export_items(slug: str, items: list[dict[str, Any]], format_name: str) -> Exported:
    if format_name == "gift":
        return gift.write(slug, items)
    if format_name == "moodle-xml":
        return moodle_xml.write(slug, items)
    if format_name in ("qti3", "qti21"):
        return qti.write(slug, items, version3=format_name == "qti3")
    raise InterchangeError(f"unknown format {format_name!r} (use {', '.join(FORMATS)})")


def sniff(data: bytes, filename: str) -> str:
    """Which reader a file needs: by content, not by name."""
    if data[:4] == b"PK\x03\x04":
        return "qti"
    head = data[:2000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"<quiz" in data[:4000]:
            return "moodle-xml"
        return "qti"
    return "gift"


def read_file(path: Path) -> Imported:
    """Read any supported file into bank items (objectives not yet assigned)."""
    data = read_limited(path)
    name = str(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InterchangeError(f"{name}: is UTF-16 text; save it as UTF-8")
    kind = sniff(data, name)
    if kind == "gift":
        return gift.read(decode_text(data, name), name)
    if kind == "moodle-xml":
        return moodle_xml.read(data, name)
    return qti.read(data, name)


def assign_objectives(doc: CourseDoc, imported: Imported, fallback: str | None) -> list[str]:
    """Give each item an objective: its category's last part when it names an objective of the
    course (by key, title or text, case-insensitive), else `fallback`. Returns problems."""
    names: dict[str, str] = {}
    for entry in doc.objectives:
        for name in (entry.key, entry.title, entry.text):
            if name:
                names.setdefault(name.strip().lower(), entry.key)
    problems: list[str] = []
    for item, category in zip(imported.items, imported.categories, strict=True):
        last = (category or "").rstrip("/").rsplit("/", 1)[-1].strip().lower()
        objective = names.get(last) or fallback
        if objective is None:
            problems.append(
                f'question "{item.get("key")}": category "{category or ""}" names no objective '
                "of the course; give --objective KEY"
            )
        else:
            item["objective"] = objective
    return problems


def order_fields(item: dict[str, Any]) -> dict[str, Any]:
    """An item's fields in the order the bank's documentation writes them."""
    order = ["key", "objective", "type", "source", "level", "inference", "prompt"]
    ordered = {name: item[name] for name in order if name in item}
    rest = {name: value for name, value in item.items() if name not in ordered}
    explanation = rest.pop("explanation", None)
    ordered.update(rest)
    if explanation is not None:
        ordered["explanation"] = explanation
    return ordered


def convert(
    path: Path, doc: CourseDoc, existing_keys: set[str], fallback: str | None
) -> tuple[list[dict[str, Any]], list[QuestionDoc], Imported, list[str]]:
    """Read `path` and validate its questions against the course: (items, their parsed
    questions, what the reader made of it, problems that stop the import)."""
    imported = read_file(path)
    problems = assign_objectives(doc, imported, fallback)
    items = [order_fields(item) for item in imported.items]
    _keys(items)
    for item in items:
        if not item.get("key"):
            problems.append(f"{path}: a question has no name or identifier to use as its key")
        elif item["key"] in existing_keys:
            problems.append(f'question "{item["key"]}": the course bank already has this key')
    if problems:
        return items, [], imported, problems
    try:
        questions = build_questions(doc, items, path, drafts=True)
    except CourseFileError as error:
        return items, [], imported, [str(problem) for problem in error.problems]
    return items, questions, imported, []


def _keys(items: list[dict[str, Any]]) -> None:
    """Names from other tools as bank keys: lowercase words joined by -, unique in the file."""
    seen: set[str] = set()
    for item in items:
        # Like Moodle, a question without a name is named by the first words of its text.
        raw = str(item.get("key") or " ".join(str(item.get("prompt", "")).split()[:8]))
        key = raw if KEY_RE.match(raw) else re.sub(r"[-_]+", "-", slugify(raw))[:120].strip("-")
        base, number = key, 2
        while key and key in seen:
            key, number = f"{base}-{number}", number + 1
        seen.add(key)
        item["key"] = key


__all__ = ["FORMATS", "convert", "dump_items", "export", "read_file"]
