"""The question bank: parse, validate and apply a course's questions YAML.

See docs/course-format.md ("The question bank", "What the importer checks"). The course importer
(courses/importer.py) reads the course file; quizzes/importing.py then calls `parse_bank(doc)`
before anything is written, and `apply_bank(doc, course, objectives, lessons, report)` inside
its transaction.

Parsing turns each YAML item into a `QuestionDoc` whose `spec` has the shape that
quizzes/grading.py grades; every piece of author Markdown is rendered and sanitised here, once.
Applying matches questions by key: a new or changed question gets a new QuestionVersion (so past
responses stay on the version they answered), an unchanged one writes nothing, a removed one is
retired and a re-added one restored. It also keeps one quiz per objective and one course test.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
import yaml
from django.db.models import Max

from courses.importer import KEY_RE, CourseFileError, Problem
from courses.rendering import UnknownCallout, render, render_inline
from quizzes.grading import QUESTION_TYPES, InvalidAnswer, normalise_text, parse_number
from quizzes.models import FeedbackMode, Question, QuestionVersion, Quiz, QuizKind, Response

COURSE_TEST_SLUG = "course-test"
COURSE_TEST_QUESTIONS = 10
QUIZ_TITLE_LENGTH = 80
OPTION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")

COMMON_FIELDS = {"key", "objective", "type", "source", "prompt", "explanation"}
TYPE_FIELDS = {
    "single": {"options"},
    "multiple": {"options"},
    "truefalse": {"answer", "feedback_true", "feedback_false"},
    "numeric": {"answer", "tolerance", "units", "unit_label"},
    "text": {"accepted"},
    "matching": {"pairs", "distractors"},
}
OPTION_FIELDS = {"key", "text", "correct", "feedback"}
PAIR_FIELDS = {"left", "right"}


# --- YAML with line numbers -------------------------------------------------------------------


class LineDict(dict):
    """A YAML mapping that remembers its 1-based line and the line of each of its keys."""

    line: int = 1
    key_lines: dict
    duplicates: list


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts."""


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines, data.duplicates = {}, []
    yield data
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in data.key_lines:
                data.duplicates.append((key_node.value, key_node.start_mark.line + 1))
            data.key_lines[key_node.value] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_line_dict)


def _line(data: Any, key: str | None = None, default: int = 1) -> int:
    if isinstance(data, LineDict):
        return data.key_lines.get(key, data.line) if key else data.line
    return default


# --- parsed questions ------------------------------------------------------------------------


@dataclass
class QuestionDoc:
    key: str
    objective: str
    type: str
    lesson_slug: str
    anchor: str
    prompt: str  # Markdown as written
    explanation: str
    prompt_html: str  # sanitised
    explanation_html: str
    spec: dict  # the grader's data, see quizzes/grading.py
    line: int
    type_line: int = 0

    @property
    def source(self) -> str:
        return f"{self.lesson_slug}#{self.anchor}"

    @property
    def content_hash(self) -> str:
        """sha256 of everything a learner sees or is graded on; a change makes a new version."""
        content = {
            "type": self.type,
            "objective": self.objective,
            "source": self.source,
            "prompt": self.prompt,
            "explanation": self.explanation,
            "spec": self.spec,
        }
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


def inline_html(markdown_text: str) -> str:
    """Sanitised HTML for a label (an option, a left-hand item): one paragraph loses its <p>."""
    rendered = render_inline(markdown_text).strip()
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    if rendered.startswith("<p>") and rendered.endswith("</p>") and "<p>" not in inner:
        return inner
    return rendered


def plain_text(html_text: str) -> str:
    """Sanitised HTML to plain text (tags dropped, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(nh3.clean(html_text, tags=set())).split())


class _Checker:
    """Collects problems for one question bank file."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def text(self, item: LineDict, name: str, label: str, *, required: bool = True) -> str | None:
        """A text field: a non-empty string (numbers are taken as written)."""
        value = item.get(name)
        if value is None:
            if required:
                self.add(_line(item), f'{label}: missing required field "{name}"')
            return None
        if isinstance(value, bool):
            self.add(
                _line(item, name),
                f'{label}: "{name}" must be text; put yes/no/true/false in quotes',
            )
            return None
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            if required or isinstance(value, str):
                self.add(_line(item, name), f'{label}: "{name}" must be non-empty text')
            return None
        return value.strip()

    def markdown(self, item: LineDict, name: str, label: str, *, block: bool = False) -> str:
        """Render a text field already checked to be non-empty (inline unless `block`)."""
        source = str(item[name]).strip()
        if not block:
            return inline_html(source)
        try:
            return render(source).html
        except UnknownCallout as error:
            self.add(_line(item, name), f"{label}: {error}")
            return ""

    def unknown_fields(self, item: LineDict, allowed: set[str], label: str) -> None:
        for name in item:
            if name not in allowed:
                known = ", ".join(sorted(allowed))
                self.add(_line(item, str(name)), f'{label}: unknown field "{name}" (use {known})')
        for name, line in item.duplicates:
            self.add(line, f'{label}: field "{name}" is given twice')


# --- per type -------------------------------------------------------------------------------


def _options_spec(check: _Checker, item: LineDict, qtype: str, label: str) -> dict | None:
    raw = item.get("options")
    if not isinstance(raw, list) or len(raw) < 2:
        check.add(_line(item, "options"), f"{label}: options must be a list of at least two")
        return None
    options, keys, texts, ok = [], set(), set(), True
    for index, entry in enumerate(raw):
        if not isinstance(entry, LineDict):
            check.add(_line(item, "options"), f"{label}: option {index + 1} must have a text")
            ok = False
            continue
        option_label = f"{label}, option {index + 1}"
        check.unknown_fields(entry, OPTION_FIELDS, option_label)
        text = check.text(entry, "text", option_label)
        key = entry.get("key", string.ascii_lowercase[index] if index < 26 else str(index + 1))
        if not isinstance(key, str) or not OPTION_KEY_RE.match(key):
            check.add(
                _line(entry, "key"),
                f"{option_label}: key {key!r} must be letters, digits, - or _ (20 at most)",
            )
            ok = False
        elif key in keys:
            check.add(_line(entry, "key"), f'{label}: duplicate option key "{key}"')
            ok = False
        keys.add(key)
        correct = entry.get("correct", False)
        if not isinstance(correct, bool):
            check.add(_line(entry, "correct"), f"{option_label}: correct must be true or false")
            ok = False
        feedback = check.text(entry, "feedback", option_label, required=False)
        if text is None:
            ok = False
            continue
        option_html = check.markdown(entry, "text", option_label)
        option_text = plain_text(option_html)
        if option_text in texts:
            check.add(_line(entry, "text"), f'{label}: two options read "{option_text}"')
            ok = False
        texts.add(option_text)
        options.append(
            {
                "key": key,
                "html": option_html,
                "text": option_text,
                "correct": correct is True,
                "feedback_html": render_inline(feedback) if feedback else "",
            }
        )
    if not ok:
        return None
    correct_count = sum(1 for option in options if option["correct"])
    if correct_count == 0:
        check.add(_line(item, "options"), f"{label}: no option is marked correct: true")
        return None
    if qtype == "single" and correct_count > 1:
        check.add(
            _line(item, "options"),
            f"{label}: {correct_count} options are correct; a single question needs exactly one "
            "(use type: multiple for several)",
        )
        return None
    return {"options": options}


def _truefalse_spec(check: _Checker, item: LineDict, label: str) -> dict | None:
    answer = item.get("answer")
    if not isinstance(answer, bool):
        check.add(_line(item, "answer"), f"{label}: answer must be true or false")
        return None
    feedback_true = check.text(item, "feedback_true", label, required=False)
    feedback_false = check.text(item, "feedback_false", label, required=False)
    return {
        "answer": answer,
        "feedback_true_html": render_inline(feedback_true) if feedback_true else "",
        "feedback_false_html": render_inline(feedback_false) if feedback_false else "",
    }


def _number(value: Any) -> float | None:
    """A YAML number, or a string such as "10,000,000" or "10M"; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = parse_number(value, units=True)
        except InvalidAnswer:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _numeric_spec(check: _Checker, item: LineDict, label: str) -> dict | None:
    ok = True
    if "answer" not in item:
        check.add(_line(item), f'{label}: missing required field "answer"')
        return None
    answer = _number(item["answer"])
    if answer is None:
        check.add(_line(item, "answer"), f"{label}: answer {item['answer']!r} is not a number")
        ok = False
    tolerance = _number(item.get("tolerance", 0))
    if tolerance is None or tolerance < 0:
        check.add(_line(item, "tolerance"), f"{label}: tolerance must be a number, zero or more")
        ok = False
    units = item.get("units", False)
    if not isinstance(units, bool):
        check.add(_line(item, "units"), f"{label}: units must be true or false")
        ok = False
    unit_label = check.text(item, "unit_label", label, required=False) or ""
    if not ok:
        return None
    return {"answer": answer, "tolerance": tolerance, "units": units, "unit_label": unit_label}


def _text_spec(check: _Checker, item: LineDict, label: str) -> dict | None:
    raw = item.get("accepted")
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        check.add(_line(item, "accepted"), f"{label}: accepted must list at least one answer")
        return None
    accepted, normalised = [], []
    for index, value in enumerate(raw):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            check.add(
                _line(item, "accepted"),
                f"{label}: accepted answer {index + 1} must be text (quote yes/no/true/false)",
            )
            return None
        text = str(value).strip()
        norm = normalise_text(text)
        if not norm:
            check.add(
                _line(item, "accepted"),
                f"{label}: accepted answer {index + 1} has no letters or digits",
            )
            return None
        accepted.append(text)
        if norm not in normalised:
            normalised.append(norm)
    return {"accepted": accepted, "normalised": normalised}


def _matching_spec(check: _Checker, item: LineDict, label: str) -> dict | None:
    raw = item.get("pairs")
    if not isinstance(raw, list) or len(raw) < 2:
        check.add(_line(item, "pairs"), f"{label}: pairs must be a list of at least two")
        return None
    pairs, rights, right_keys, lefts, ok = [], [], {}, set(), True

    def right_key(text: str) -> str:
        if text not in right_keys:
            right_keys[text] = f"r{len(right_keys) + 1}"
            rights.append({"key": right_keys[text], "text": text})
        return right_keys[text]

    for index, entry in enumerate(raw):
        pair_label = f"{label}, pair {index + 1}"
        if not isinstance(entry, LineDict):
            check.add(_line(item, "pairs"), f"{pair_label}: needs a left and a right")
            ok = False
            continue
        check.unknown_fields(entry, PAIR_FIELDS, pair_label)
        left = check.text(entry, "left", pair_label)
        right = check.text(entry, "right", pair_label)
        if left is None or right is None:
            ok = False
            continue
        left_html = check.markdown(entry, "left", pair_label)
        left_text = plain_text(left_html)
        if left_text in lefts:
            check.add(_line(entry), f'{label}: two pairs have the left item "{left_text}"')
            ok = False
        lefts.add(left_text)
        pairs.append(
            {
                "key": str(index + 1),
                "left_html": left_html,
                "left": left_text,
                "right_key": right_key(plain_text(inline_html(right))),
            }
        )
    distractors = item.get("distractors", [])
    if not isinstance(distractors, list):
        check.add(_line(item, "distractors"), f"{label}: distractors must be a list")
        return None
    matched = set(right_keys)
    for index, value in enumerate(distractors):
        if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value):
            check.add(_line(item, "distractors"), f"{label}: distractor {index + 1} must be text")
            ok = False
            continue
        text = plain_text(inline_html(str(value)))
        if text in matched:
            check.add(
                _line(item, "distractors"),
                f'{label}: distractor "{text}" is also the right item of a pair',
            )
            ok = False
        right_key(text)
    if len(right_keys) < 2 and ok:
        check.add(_line(item, "pairs"), f"{label}: every pair has the same right item")
        ok = False
    return {"pairs": pairs, "rights": rights} if ok else None


# --- parse --------------------------------------------------------------------------------


def _questions_line(doc) -> int:
    """The line of `questions:` in the course file's front matter (1 if not found)."""
    try:
        lines = doc.path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n + 1 for n, line in enumerate(lines) if line.startswith("questions:")), 1)


def _load(doc, check: _Checker) -> tuple[Any, list[int]]:
    """The bank's data and the 1-based line of each top-level item (None if unreadable)."""
    path = doc.questions_path
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        check.problems.append(
            Problem(doc.path, _questions_line(doc), f'question bank "{path}" does not exist')
        )
        return None, []
    except UnicodeDecodeError:
        check.add(1, "the question bank is not UTF-8 text")
        return None, []
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "invalid YAML"
        check.add(mark.line + 1 if mark else 1, f"malformed YAML: {problem}")
        return None, []
    finally:
        loader.dispose()
    lines = (
        [child.start_mark.line + 1 for child in node.value]
        if isinstance(node, yaml.SequenceNode)
        else []
    )
    return data, lines


def _parse_question(check: _Checker, doc, item: Any, index: int, line: int) -> QuestionDoc | None:
    if not isinstance(item, LineDict):
        check.add(line, f"question {index + 1} must be a mapping of fields (key: ..., type: ...)")
        return None
    before = len(check.problems)
    key = item.get("key")
    if key is None:
        check.add(item.line, f'question {index + 1}: missing required field "key"')
        return None
    if not isinstance(key, str) or not KEY_RE.match(key) or len(key) > 120:
        check.add(_line(item, "key"), f"question key {key!r} must be lowercase words joined by -")
        return None
    label = f'question "{key}"'
    for name in ("objective", "type", "source", "prompt", "explanation"):
        if name not in item or item[name] is None:
            check.add(item.line, f'{label}: missing required field "{name}"')
    qtype = item.get("type")
    if qtype is not None and qtype not in QUESTION_TYPES:
        check.add(
            _line(item, "type"),
            f'{label}: unknown type "{qtype}" (use {", ".join(QUESTION_TYPES)})',
        )
        qtype = None
    if qtype is not None:
        check.unknown_fields(item, COMMON_FIELDS | TYPE_FIELDS[qtype], label)

    objective = item.get("objective")
    if objective is not None and (
        not isinstance(objective, str) or objective not in doc.objective_keys
    ):
        check.add(_line(item, "objective"), f'{label}: unknown objective "{objective}"')

    lesson_slug = anchor = None
    source = item.get("source")
    if source is not None:
        lesson_slug, hash_sign, anchor = str(source).partition("#")
        lesson = doc.lesson(lesson_slug)
        if not hash_sign or not lesson_slug or not anchor:
            check.add(_line(item, "source"), f'{label}: source must be "lesson-slug#section-id"')
        elif lesson is None:
            check.add(
                _line(item, "source"), f'{label}: source "{source}": no lesson "{lesson_slug}"'
            )
        elif anchor not in {entry["id"] for entry in lesson.rendered.toc}:
            check.add(
                _line(item, "source"), f'{label}: source "{source}" has no section "{anchor}"'
            )

    prompt = check.text(item, "prompt", label, required=False) if "prompt" in item else None
    explanation = (
        check.text(item, "explanation", label, required=False) if "explanation" in item else None
    )
    builders = {
        "single": lambda: _options_spec(check, item, "single", label),
        "multiple": lambda: _options_spec(check, item, "multiple", label),
        "truefalse": lambda: _truefalse_spec(check, item, label),
        "numeric": lambda: _numeric_spec(check, item, label),
        "text": lambda: _text_spec(check, item, label),
        "matching": lambda: _matching_spec(check, item, label),
    }
    spec = builders[qtype]() if qtype else None
    if len(check.problems) > before or spec is None or prompt is None or explanation is None:
        return None
    return QuestionDoc(
        key=key,
        objective=objective,
        type=qtype,
        lesson_slug=lesson_slug,
        anchor=anchor,
        prompt=prompt,
        explanation=explanation,
        prompt_html=check.markdown(item, "prompt", label, block=True),
        explanation_html=check.markdown(item, "explanation", label, block=True),
        spec=spec,
        line=item.line,
        type_line=_line(item, "type"),
    )


def parse_bank(doc) -> list[QuestionDoc]:
    """Read and validate `doc.questions_path` for a parsed course; raise CourseFileError.

    Every problem is collected, with the question bank file and line, before raising.
    """
    check = _Checker(doc.questions_path)
    for objective in doc.objectives:
        if objective.key == COURSE_TEST_SLUG:
            check.problems.append(
                Problem(
                    doc.path,
                    objective.line,
                    f'objective key "{COURSE_TEST_SLUG}" is reserved for the course test',
                )
            )
    data, lines = _load(doc, check)
    if check.problems:
        raise CourseFileError(check.problems)
    if data is None:
        data = []
    if not isinstance(data, list):
        check.add(_line(data), "the question bank must be a YAML list of questions (- key: ...)")
        raise CourseFileError(check.problems)

    questions, seen = [], {}
    for index, item in enumerate(data):
        question = _parse_question(check, doc, item, index, lines[index])
        key = item.get("key") if isinstance(item, dict) else None
        if isinstance(key, str):
            if key in seen:
                check.add(
                    _line(item, "key"),
                    f'duplicate question key "{key}" (first used on line {seen[key]})',
                )
                continue
            seen[key] = _line(item, "key")
        if question is not None:
            questions.append(question)
    _check_type_changes(check, doc, questions)
    if check.problems:
        raise CourseFileError(check.problems)
    return questions


def _check_type_changes(check: _Checker, doc, questions: list[QuestionDoc]) -> None:
    """Refuse to change the type of a question learners have answered.

    A response is graded and shown with its question's type, so an answered question keeps its
    type for good; a question of another type needs a new key. Reads the database: one query,
    and a second only when a type changed.
    """
    stored = dict(Question.objects.filter(course__slug=doc.slug).values_list("key", "type"))
    changed = {q.key: q for q in questions if q.key in stored and stored[q.key] != q.type}
    if not changed:
        return
    answered = set(
        Response.objects.filter(question__course__slug=doc.slug, question__key__in=changed)
        .values_list("question__key", flat=True)
        .distinct()
    )
    for key in sorted(answered, key=lambda k: changed[k].type_line):
        question = changed[key]
        check.add(
            question.type_line,
            f'question "{key}": learners have answered it as a {stored[key]} question; '
            f"give the {question.type} question a new key",
        )


# --- apply --------------------------------------------------------------------------------


def quiz_title(objective_text: str, limit: int = QUIZ_TITLE_LENGTH) -> str:
    """ "Quiz: " and the objective's text, cut at a word boundary with an ellipsis if long."""
    text = " ".join(objective_text.split()).rstrip(".")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"Quiz: {text}"


def _sync(instance, report, label: str, **values) -> list[str]:
    """Set changed fields and save only those; report them under `label`."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
        names = ", ".join(name.removesuffix("_id") for name in changed)
        report.add(f"updated {label} ({names})")
    return changed


def _new_version(question: Question, item: QuestionDoc, number: int) -> QuestionVersion:
    version = QuestionVersion.objects.create(
        question=question,
        number=number,
        prompt_html=item.prompt_html,
        explanation_html=item.explanation_html,
        spec=item.spec,
        content_hash=item.content_hash,
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return version


def _apply_questions(doc, course, objectives, lessons, report) -> None:
    existing = {
        question.key: question
        for question in Question.objects.filter(course=course).select_related("current_version")
    }
    for position, item in enumerate(doc.bank):
        values = {
            "objective_id": objectives[item.objective].pk,
            "type": item.type,
            "lesson_id": lessons[item.lesson_slug].pk,
            "anchor": item.anchor,
            "position": position,
        }
        question = existing.get(item.key)
        if question is None:
            question = Question.objects.create(course=course, key=item.key, **values)
            _new_version(question, item, 1)
            report.add(f'created question "{item.key}"')
            continue
        if question.retired:
            question.retired = False
            question.save(update_fields=["retired"])
            report.add(f'restored question "{item.key}"')
        _sync(question, report, f'question "{item.key}"', **values)
        current = question.current_version
        if current is None or current.content_hash != item.content_hash:
            latest = question.versions.aggregate(latest=Max("number"))["latest"] or 0
            _new_version(question, item, latest + 1)
            report.add(f'updated question "{item.key}" (new version {latest + 1})')
    keys = {item.key for item in doc.bank}
    for key, question in existing.items():
        if key not in keys and not question.retired:
            question.retired = True
            question.save(update_fields=["retired"])
            report.add(f'retired question "{key}"')


def _apply_quizzes(doc, course, objectives, report) -> None:
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.filter(course=course)}
    wanted = [
        (
            item.key,
            {
                "kind": QuizKind.OBJECTIVE,
                "objective_id": objectives[item.key].pk,
                "title": quiz_title(item.title or item.text),
                "position": position,
            },
        )
        for position, item in enumerate(doc.objectives)
    ]
    wanted.append(
        (
            COURSE_TEST_SLUG,
            {
                "kind": QuizKind.COURSE,
                "objective_id": None,
                "title": "Course test",
                "position": len(doc.objectives),
            },
        )
    )
    for slug, values in wanted:
        quiz = quizzes.get(slug)
        if quiz is None:
            # Instructor-owned settings are set only here, on creation; re-imports keep them.
            Quiz.objects.create(
                course=course,
                slug=slug,
                questions_per_attempt=(COURSE_TEST_QUESTIONS if slug == COURSE_TEST_SLUG else 5),
                feedback_mode=(
                    FeedbackMode.END if slug == COURSE_TEST_SLUG else FeedbackMode.IMMEDIATE
                ),
                **values,
            )
            report.add(f'created quiz "{slug}"')
        else:
            _sync(quiz, report, f'quiz "{slug}"', **values)


def apply_bank(doc, course, objectives: dict, lessons: dict, report) -> None:
    """Write a parsed bank (`doc.bank`) to the database; called inside import_course's transaction.

    `objectives` and `lessons` map keys and slugs to the course's saved rows.
    """
    _apply_questions(doc, course, objectives, lessons, report)
    _apply_quizzes(doc, course, objectives, report)
