"""The question bank: parse, validate and apply a course's questions YAML.

See docs/course-format.md ("The question bank", "What the importer checks"). The course importer
(authoring/importer.py) reads the course file; authoring/importing.py then calls `parse_bank(doc)`
before anything is written, and `apply_bank(doc, course, objectives, lessons, report)` inside
its transaction.

Parsing turns each YAML item into a `QuestionDoc` whose `spec` its question type
(quizzes/questiontypes/) builds and grades; every piece of author Markdown is rendered and
sanitised here, once.
Applying matches questions by key: a new or changed question gets a new QuestionVersion (so past
responses stay on the version they answered), an unchanged one writes nothing, a removed one is
retired and a re-added one restored. It also keeps one quiz per objective and one course test.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
import yaml
from django.db.models import Max

from authoring.importer import (
    KEY_RE,
    CourseDoc,
    CourseFileError,
    ImportReport,
    Problem,
    yaml_error,
)
from authoring.sourcefiles import LimitedSafeLoader, SourceFileError, read_text
from courses.models import Course, Lesson, Objective
from courses.rendering import CalloutError, render, render_inline
from lib.sync import retire_missing, save_changed
from quizzes import questiontypes
from quizzes.models import (
    OBJECTIVE_QUIZ_SIZE,
    FeedbackMode,
    Question,
    QuestionVersion,
    Quiz,
    QuizKind,
    Response,
)

COURSE_TEST_SLUG = "course-test"
COURSE_TEST_QUESTIONS = 10
QUIZ_TITLE_LENGTH = 80

COMMON_FIELDS = {"key", "objective", "type", "source", "prompt", "explanation"}
# Optional fields for the course linter (authoring/lint.py), not shown to learners: the cognitive
# level a question asks for, and whether its answer is inferred rather than stated in its source.
REVIEW_FIELDS = {"level", "inference"}
LEVELS = ("recall", "apply", "analyse")


# --- YAML with line numbers -------------------------------------------------------------------


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its 1-based line and the line of each of its keys."""

    line: int = 1
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]


class _LineLoader(LimitedSafeLoader):
    """The importer's safe loader (depth and alias limits) whose mappings are LineDicts."""


def _construct_line_dict(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
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
    spec: dict[str, Any]  # the grader's data, see the type's module in quizzes/questiontypes/
    line: int
    type_line: int = 0
    level: str = "recall"  # one of LEVELS
    inference: bool = False  # the answer is reasoned from its source section, not stated there

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

    def text(
        self, item: dict[Any, Any], name: str, label: str, *, required: bool = True
    ) -> str | None:
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

    def markdown(self, item: dict[Any, Any], name: str, label: str, *, block: bool = False) -> str:
        """Render a text field already checked to be non-empty (inline unless `block`)."""
        source = str(item[name]).strip()
        if not block:
            return inline_html(source)
        try:
            return render(source).html
        except CalloutError as error:
            self.add(_line(item, name), f"{label}: {error}")
            return ""

    # For question types building their spec (quizzes.questiontypes.base.SpecChecker).
    line = staticmethod(_line)
    inline_html = staticmethod(inline_html)
    plain_text = staticmethod(plain_text)

    @staticmethod
    def is_mapping(value: Any) -> bool:
        return isinstance(value, dict)  # a LineDict from YAML, or plain data (no lines)

    def unknown_fields(self, item: dict[Any, Any], allowed: set[str], label: str) -> None:
        for name in item:
            if name not in allowed:
                known = ", ".join(sorted(allowed))
                self.add(_line(item, str(name)), f'{label}: unknown field "{name}" (use {known})')
        for name, line in getattr(item, "duplicates", ()):
            self.add(line, f'{label}: field "{name}" is given twice')


# --- parse --------------------------------------------------------------------------------


def _questions_line(doc: CourseDoc) -> int:
    """The line of `questions:` in the course file's front matter (1 if not found)."""
    try:
        lines = doc.path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n + 1 for n, line in enumerate(lines) if line.startswith("questions:")), 1)


def _load(doc: CourseDoc, check: _Checker) -> tuple[Any, list[int]]:
    """The bank's data and the 1-based line of each top-level item (None if unreadable)."""
    path = doc.questions_path
    if path is None:
        return None, []
    try:
        text = read_text(path)
    except FileNotFoundError:
        check.problems.append(
            Problem(doc.path, _questions_line(doc), f'question bank "{path}" does not exist')
        )
        return None, []
    except SourceFileError as error:
        check.add(error.line, f"the question bank {error}")
        return None, []
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        line, problem = yaml_error(error)
        check.add(line, f"malformed YAML: {problem}")
        return None, []
    finally:
        loader.dispose()
    lines = (
        [child.start_mark.line + 1 for child in node.value]
        if isinstance(node, yaml.SequenceNode)
        else []
    )
    return data, lines


def _parse_question(
    check: _Checker,
    doc: CourseDoc,
    item: Any,
    index: int,
    line: int,
    *,
    draft: bool = False,
    unpointed: bool = False,
) -> QuestionDoc | None:
    if not isinstance(item, dict):
        check.add(line, f"question {index + 1} must be a mapping of fields (key: ..., type: ...)")
        return None
    before = len(check.problems)
    key = item.get("key")
    if key is None:
        check.add(_line(item, default=line), f'question {index + 1}: missing required field "key"')
        return None
    if not isinstance(key, str) or not KEY_RE.match(key) or len(key) > 120:
        check.add(_line(item, "key"), f"question key {key!r} must be lowercase words joined by -")
        return None
    label = f'question "{key}"'
    # A draft (a question read from another format) may lack what only its author can add.
    draft_gaps = {name for name in ("source", "explanation") if draft and not item.get(name)}
    if unpointed and not item.get("source"):  # the linter's reading: it reports the gap
        draft_gaps.add("source")
    for name in ("objective", "type", "source", "prompt", "explanation"):
        if (name not in item or item[name] is None) and name not in draft_gaps:
            check.add(_line(item, default=line), f'{label}: missing required field "{name}"')
    qtype = item.get("type")
    if qtype is not None and qtype not in questiontypes.names():
        check.add(
            _line(item, "type"),
            f'{label}: unknown type "{qtype}" (use {", ".join(questiontypes.names())})',
        )
        qtype = None
    if qtype is not None:
        check.unknown_fields(
            item, COMMON_FIELDS | REVIEW_FIELDS | questiontypes.get(qtype).fields, label
        )
    level, inference = _review_fields(check, item, label)

    objective = item.get("objective")
    if objective is not None and (
        not isinstance(objective, str)
        or (objective not in doc.objective_keys and objective not in doc.unreadable_objectives)
    ):
        check.add(_line(item, "objective"), f'{label}: unknown objective "{objective}"')

    lesson_slug = anchor = "" if "source" in draft_gaps else None
    source = item.get("source")
    if source is not None:
        lesson_slug, hash_sign, anchor = str(source).partition("#")
        lesson = doc.lesson(lesson_slug)
        if not hash_sign or not lesson_slug or not anchor:
            check.add(_line(item, "source"), f'{label}: source must be "lesson-slug#section-id"')
        elif lesson is None:
            if lesson_slug not in doc.unreadable_lessons:
                check.add(
                    _line(item, "source"),
                    f'{label}: source "{source}": no lesson "{lesson_slug}"',
                )
        elif anchor not in {entry["id"] for entry in lesson.rendered.toc}:
            check.add(
                _line(item, "source"), f'{label}: source "{source}" has no section "{anchor}"'
            )

    prompt = check.text(item, "prompt", label, required=False) if "prompt" in item else None
    explanation = (
        check.text(item, "explanation", label, required=False)
        if "explanation" in item and "explanation" not in draft_gaps
        else None
    )
    if "explanation" in draft_gaps:
        explanation = ""
    spec = questiontypes.get(qtype).build_spec(check, item, label) if qtype else None
    if len(check.problems) > before or spec is None or prompt is None or explanation is None:
        return None
    # No problem was reported, so every required field was given and is valid.
    assert isinstance(objective, str) and isinstance(qtype, str)
    assert lesson_slug is not None and anchor is not None
    return QuestionDoc(
        key=key,
        objective=objective,
        type=qtype,
        lesson_slug=lesson_slug,
        anchor=anchor,
        prompt=prompt,
        explanation=explanation,
        prompt_html=check.markdown(item, "prompt", label, block=True),
        explanation_html=(
            check.markdown(item, "explanation", label, block=True) if explanation else ""
        ),
        spec=spec,
        line=_line(item, default=line),
        type_line=_line(item, "type", default=line),
        level=level,
        inference=inference,
    )


def _review_fields(check: _Checker, item: dict[Any, Any], label: str) -> tuple[str, bool]:
    """The optional `level` (default recall) and `inference` (default false) of a question."""
    level = item.get("level", "recall")
    if level not in LEVELS:
        check.add(
            _line(item, "level"),
            f"{label}: level must be one of {', '.join(LEVELS)} (not {level!r})",
        )
        level = "recall"
    inference = item.get("inference", False)
    if not isinstance(inference, bool):
        check.add(_line(item, "inference"), f"{label}: inference must be true or false")
        inference = False
    return level, inference


def parse_bank(doc: CourseDoc, *, unpointed: bool = False) -> list[QuestionDoc]:
    """Read and validate `doc.questions_path` for a parsed course; raise CourseFileError.

    Every problem is collected, with the question bank file and line, before raising. With
    `unpointed` (the linter's reading), a question without `source` is read with an empty
    lesson pointer for the linter to report; an import refuses it.
    """
    if doc.questions_path is None:
        return []
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

    questions = _build(check, doc, data, lines, unpointed=unpointed)
    if check.problems:
        raise CourseFileError(check.problems)
    return questions


def build_questions(
    doc: CourseDoc,
    items: list[Any],
    path: Path,
    *,
    drafts: bool = False,
    lines: list[int] | None = None,
) -> list[QuestionDoc]:
    """Validate questions given as plain data (dicts in the bank's YAML shape) against a
    parsed course; raise CourseFileError naming `path`.

    The seam for readers of other formats (the interchange app): they produce the same dicts
    the YAML bank holds, and get the same checks and the same specs. Source positions are
    optional: `lines` gives each item's line in `path` (problems name it), a LineDict item
    knows the line of each field, and a problem carries line 1 otherwise. With `drafts`, a
    question without `source` (its lesson_slug and anchor are then "") or without
    `explanation` (then "") is accepted: only its author can add them, and the course import
    refuses it until they do.
    """
    check = _Checker(path)
    if lines is not None and len(lines) != len(items):
        raise ValueError("build_questions: one line per item, or none")
    positions = lines if lines is not None else [1] * len(items)
    questions = _build(check, doc, items, positions, drafts=drafts)
    if check.problems:
        raise CourseFileError(check.problems)
    return questions


def _build(
    check: _Checker,
    doc: CourseDoc,
    data: list[Any],
    lines: list[int],
    *,
    drafts: bool = False,
    unpointed: bool = False,
) -> list[QuestionDoc]:
    questions: list[QuestionDoc] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        question = _parse_question(
            check, doc, item, index, lines[index], draft=drafts, unpointed=unpointed
        )
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
    return questions


def _check_type_changes(check: _Checker, doc: CourseDoc, questions: list[QuestionDoc]) -> None:
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


def _sync(instance: Any, report: ImportReport, label: str, **values: Any) -> None:
    """Set changed fields and save only those; report them under `label`."""
    changed = save_changed(instance, **values)
    if changed:
        names = ", ".join(name.removesuffix("_id") for name in changed)
        report.add(f"updated {label} ({names})")


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


def _apply_questions(
    doc: CourseDoc,
    course: Course,
    objectives: dict[str, Objective],
    lessons: dict[str, Lesson],
    report: ImportReport,
) -> None:
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
            "level": item.level,
            "inference": item.inference,
        }
        question = existing.get(item.key)
        if question is None:
            question = Question.objects.create(course=course, key=item.key, **values)
            _new_version(question, item, 1)
            report.add(f'created question "{item.key}"')
            continue
        # One line per question in the report, whatever changed.
        restored = question.retired
        if restored:
            question.retired = False
            question.save(update_fields=["retired"])
        changes = [name.removesuffix("_id") for name in save_changed(question, **values)]
        current = question.current_version
        if current is None or current.content_hash != item.content_hash:
            latest = question.versions.aggregate(latest=Max("number"))["latest"] or 0
            _new_version(question, item, latest + 1)
            changes.append(f"new version {latest + 1}")
        if restored:
            details = f" ({', '.join(changes)})" if changes else ""
            report.add(f'restored question "{item.key}"{details}')
        elif changes:
            report.add(f'updated question "{item.key}" ({", ".join(changes)})')
    for key in retire_missing(existing, {item.key for item in doc.bank}):
        report.add(f'retired question "{key}"')


def _apply_quizzes(
    doc: CourseDoc, course: Course, objectives: dict[str, Objective], report: ImportReport
) -> None:
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
                questions_per_attempt=(
                    COURSE_TEST_QUESTIONS if slug == COURSE_TEST_SLUG else OBJECTIVE_QUIZ_SIZE
                ),
                feedback_mode=(
                    FeedbackMode.END if slug == COURSE_TEST_SLUG else FeedbackMode.IMMEDIATE
                ),
                **values,
            )
            report.add(f'created quiz "{slug}"')
        else:
            _sync(quiz, report, f'quiz "{slug}"', **values)


def apply_bank(
    doc: CourseDoc,
    course: Course,
    objectives: dict[str, Objective],
    lessons: dict[str, Lesson],
    report: ImportReport,
) -> None:
    """Write a parsed bank (`doc.bank`) to the database; called inside
    authoring.importing.import_course's transaction.

    `objectives` and `lessons` map keys and slugs to the course's saved rows.
    """
    _apply_questions(doc, course, objectives, lessons, report)
    _apply_quizzes(doc, course, objectives, report)
