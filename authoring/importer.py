"""Build courses from course documents (see docs/course-format.md).

Two phases: `parse_course()` reads and validates a course file into plain dataclasses, collecting
every problem with its file and line; `apply_course()` writes a parsed course to the database,
matching objectives and lessons by their stable keys. The question bank a course file names is
read and written by authoring/bank.py; authoring/importing.py composes the two, and the
`import_course` command validates every file before it writes anything, in one transaction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.conf import settings
from django.db import transaction

from authoring import sourcefiles
from courses.models import Course, CourseStatus, Lesson, Objective
from courses.rendering import (
    CalloutError,
    Rendered,
    fence_spans,
    fenced_lines,
    render,
    render_inline,
)
from lib.sync import retire_missing, save_changed

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_ATTRS_RE = re.compile(r"^\{:\s*lesson\s+(?P<attrs>[^}]*)\}\s*$")
WORDS_PER_MINUTE = 200

if TYPE_CHECKING:
    from authoring.bank import QuestionDoc


@dataclass
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CourseFileError(Exception):
    """A course document failed validation; `problems` lists each one with file and line.

    `doc` is the document as far as it could be read, when it could be, so that its question
    bank can still be checked in the same run."""

    def __init__(self, problems: list[Problem], doc: CourseDoc | None = None):
        self.problems = problems
        self.doc = doc
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ObjectiveDoc:
    key: str
    text: str
    line: int
    title: str = ""


@dataclass
class LessonDoc:
    slug: str
    title: str
    objective_keys: list[str]
    minutes: int
    markdown: str
    rendered: Rendered
    line: int


@dataclass
class CourseDoc:
    path: Path
    title: str
    slug: str
    summary: str
    slug_line: int = 1
    status: str = CourseStatus.LIVE
    objectives: list[ObjectiveDoc] = field(default_factory=list)
    lessons: list[LessonDoc] = field(default_factory=list)
    questions_path: Path | None = None
    bank: list[QuestionDoc] = field(default_factory=list)  # the parsed bank (authoring/bank.py)
    # Keys and slugs the file declares but that failed validation: the bank is still checked
    # (every problem in one pass) without reporting its references to them as unknown.
    unreadable_objectives: set[str] = field(default_factory=set)
    unreadable_lessons: set[str] = field(default_factory=set)

    def lesson(self, slug: str) -> LessonDoc | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    @property
    def objective_keys(self) -> set[str]:
        return {objective.key for objective in self.objectives}


def _line_of(lines: list[str], pattern: str, start: int = 0, default: int = 1) -> int:
    """1-based number of the first line at or after `start` matching `pattern`."""
    regex = re.compile(pattern)
    for number in range(start, len(lines)):
        if regex.search(lines[number]):
            return number + 1
    return default


def yaml_error(error: yaml.YAMLError) -> tuple[int, str]:
    """The 1-based line that caused a YAML error, and what is wrong, in the author's terms.

    PyYAML marks where it gave up: for an unclosed quote or bracket that is the end of the text,
    so the line where the quoted text or the bracket started (its context) is the useful one.
    """
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "invalid YAML"
    if problem == "mapping values are not allowed here":
        # The classic: a colon and a space inside a text ("prompt: What does `a: b` mean?").
        problem += (
            ": a colon followed by a space starts a new key. Put the whole text in quotes "
            '(prompt: "What does `a: b` mean?") or write it as a block (prompt: >-, then the '
            'text indented on the next line); see "Writing the YAML" in docs/course-format.md'
        )
    context = getattr(error, "context", None) or ""
    context_mark = getattr(error, "context_mark", None)
    if context_mark is not None and context.startswith("while scanning"):
        what = context.removeprefix("while scanning ")
        return context_mark.line + 1, f"{problem} ({what} starting here is never closed)"
    return (mark.line + 1 if mark else 1), problem


def _split_front_matter(
    path: Path, text: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, list[str], int]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(path, 1, "missing front matter: the file must start with ---"))
        return None, lines, 0
    for number in range(1, len(lines)):
        if lines[number].strip() == "---":
            break
    else:
        problems.append(Problem(path, 1, "front matter is not closed by a line ---"))
        return None, lines, 0
    try:
        data = sourcefiles.load_yaml("\n".join(lines[1:number]))
    except yaml.YAMLError as error:
        line, problem = yaml_error(error)
        problems.append(Problem(path, line + 1, f"malformed front matter: {problem}"))
        return None, lines, number + 1
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, "front matter must be a mapping of keys to values"))
        return None, lines, number + 1
    return data, lines, number + 1


def _parse_objectives(
    path: Path, data: dict[str, Any], lines: list[str], problems: list[Problem]
) -> list[ObjectiveDoc]:
    objectives: list[ObjectiveDoc] = []
    raw = data.get("objectives")
    if not isinstance(raw, list) or not raw:
        line = _line_of(lines, r"^objectives\s*:")
        problems.append(Problem(path, line, "front matter needs a list of objectives"))
        return objectives
    seen = set()
    cursor = _line_of(lines, r"^objectives\s*:") - 1
    for item in raw:
        key = item.get("key") if isinstance(item, dict) else None
        line = _line_of(lines, r"^\s*-", cursor + 1, cursor + 1)
        cursor = line
        if not isinstance(key, str) or not KEY_RE.match(key):
            problems.append(
                Problem(path, line, f"objective key {key!r} must be lowercase words joined by -")
            )
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(path, line, f'objective "{key}" needs a text'))
            continue
        title = item.get("title", "")
        if not isinstance(title, str) or len(title) > 120:
            problems.append(
                Problem(
                    path, line, f'objective "{key}": title must be text of 120 characters or less'
                )
            )
            continue
        if key in seen:
            problems.append(Problem(path, line, f'duplicate objective key "{key}"'))
            continue
        seen.add(key)
        objectives.append(ObjectiveDoc(key=key, text=text.strip(), line=line, title=title.strip()))
    return objectives


def _parse_attrs(raw: str) -> dict[str, str]:
    attrs = {}
    for part in raw.split():
        name, _, value = part.partition("=")
        attrs[name] = value
    return attrs


def _parse_lessons(
    path: Path,
    lines: list[str],
    body_start: int,
    objective_keys: set[str],
    problems: list[Problem],
) -> list[LessonDoc]:
    # Find the level-1 headings outside fenced code blocks (a "# comment" in code is code).
    in_code = [False] * body_start + fenced_lines(lines[body_start:])
    starts = [
        number
        for number in range(body_start, len(lines))
        if not in_code[number] and re.match(r"^#\s+\S", lines[number])
    ]
    for start, end in fence_spans(lines[body_start:]):
        if end is None:
            opening = re.match(r"[`~]+", lines[body_start + start])
            fence = opening.group() if opening else "```"
            problems.append(
                Problem(
                    path,
                    body_start + start + 1,
                    f"this fenced code block is never closed: end it with a line {fence}",
                )
            )
    first = starts[0] if starts else len(lines)
    stray = next((n for n in range(body_start, first) if lines[n].strip()), None)
    if stray is not None:
        problems.append(
            Problem(path, stray + 1, "text before the first lesson: start a lesson with # Title")
        )
    if not starts:
        problems.append(Problem(path, body_start + 1, "the course has no lessons (# headings)"))
        return []

    lessons: list[LessonDoc] = []
    slugs: dict[str, int] = {}
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        title = lines[start].lstrip("#").strip()
        attr_line = lines[start + 1] if start + 1 < end else ""
        match = LESSON_ATTRS_RE.match(attr_line.strip())
        if match is None:
            problems.append(
                Problem(
                    path,
                    start + 2,
                    f'lesson "{title}" needs an attribute line after its heading, like '
                    "{: lesson slug=my-lesson objectives=objective-key }",
                )
            )
            continue
        attrs = _parse_attrs(match["attrs"])
        slug = attrs.get("slug", "")
        if not KEY_RE.match(slug):
            problems.append(
                Problem(path, start + 2, f'lesson "{title}" needs a slug of lowercase words and -')
            )
            continue
        if slug in slugs:
            problems.append(
                Problem(
                    path,
                    start + 1,
                    f'duplicate lesson slug "{slug}" (first used on line {slugs[slug]})',
                )
            )
            continue
        slugs[slug] = start + 1
        keys = [key for key in attrs.get("objectives", "").split(",") if key]
        if not keys:
            problems.append(Problem(path, start + 2, f'lesson "{slug}" names no objectives'))
        for key in keys:
            if key not in objective_keys:
                problems.append(
                    Problem(path, start + 2, f'lesson "{slug}" names unknown objective "{key}"')
                )
        body = "\n".join(lines[start + 2 : end])
        try:
            rendered = render(body)
        except CalloutError as error:
            problems.append(Problem(path, start + 3 + error.line_offset, str(error)))
            continue
        if rendered.words == 0:
            problems.append(Problem(path, start + 1, f'lesson "{slug}" is empty'))
            continue
        minutes_given = attrs.get("minutes")
        if minutes_given is None:
            minutes = max(1, math.ceil(rendered.words / WORDS_PER_MINUTE))
        elif not minutes_given.isdigit() or int(minutes_given) < 1:
            problems.append(
                Problem(path, start + 2, f'lesson "{slug}": minutes must be a whole number')
            )
            continue
        else:
            minutes = int(minutes_given)
        lessons.append(
            LessonDoc(
                slug=slug,
                title=title,
                objective_keys=keys,
                minutes=minutes,
                markdown=body,
                rendered=rendered,
                line=start + 1,
            )
        )
    return lessons


# Every key the front matter may have (docs/course-format.md); any other is an import error,
# so a misspelt `stauts: retired` is not silently ignored.
FRONT_MATTER_KEYS = frozenset({"title", "slug", "summary", "objectives", "questions", "status"})


def parse_course(path: Path | str) -> CourseDoc:
    """Read and validate a course file (not its question bank); raise CourseFileError."""
    path = Path(path)
    problems: list[Problem] = []
    try:
        text = sourcefiles.read_text(path)
    except FileNotFoundError:
        raise CourseFileError([Problem(path, 1, "no such file")]) from None
    except sourcefiles.SourceFileError as error:
        raise CourseFileError([Problem(path, error.line, f"the file {error}")]) from None

    data, lines, body_start = _split_front_matter(path, text.replace("\r\n", "\n"), problems)
    if data is None:
        raise CourseFileError(problems)

    for key in data:
        if key not in FRONT_MATTER_KEYS:
            line = _line_of(lines, rf"^{re.escape(str(key))}\s*:", 0, 1)
            known = ", ".join(sorted(FRONT_MATTER_KEYS))
            problems.append(
                Problem(path, line, f'unknown front-matter key "{key}": the keys are {known}')
            )
    status = data.get("status", CourseStatus.LIVE)
    if status not in CourseStatus.values:
        line = _line_of(lines, r"^status\s*:", 0, 1)
        problems.append(
            Problem(path, line, f"status must be live, hidden or retired, not {status!r}")
        )
        status = CourseStatus.LIVE

    values = {}
    for name in ("title", "slug", "summary"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            line = _line_of(lines, rf"^{name}\s*:", 0, 1)
            problems.append(Problem(path, line, f"front matter needs a {name}"))
        else:
            values[name] = value.strip()
    if "slug" in values and not KEY_RE.match(values["slug"]):
        line = _line_of(lines, r"^slug\s*:")
        problems.append(Problem(path, line, "the course slug must be lowercase words joined by -"))
    objectives = _parse_objectives(path, data, lines, problems)
    lessons = _parse_lessons(
        path, lines, body_start, {objective.key for objective in objectives}, problems
    )

    doc = CourseDoc(
        path=path,
        title=values.get("title", ""),
        slug=values.get("slug", ""),
        summary=values.get("summary", ""),
        slug_line=_line_of(lines, r"^slug\s*:"),
        status=status,
        objectives=objectives,
        lessons=lessons,
    )
    questions = data.get("questions")
    if questions is not None:
        line = _line_of(lines, r"^questions\s*:")
        if not isinstance(questions, str):
            problems.append(Problem(path, line, "questions must name a file"))
        else:
            try:
                doc.questions_path = sourcefiles.bank_path(path, questions)
            except sourcefiles.SourceFileError as error:
                problems.append(Problem(path, line, str(error)))
    # Keys and slugs the file declares but that failed validation: the question bank is still
    # checked against this partial document (authoring.importing), so one run reports every
    # problem of both files.
    doc.unreadable_objectives = _declared_objectives(data) - doc.objective_keys
    doc.unreadable_lessons = _declared_lessons(lines, body_start) - {
        lesson.slug for lesson in lessons
    }
    if problems:
        raise CourseFileError(problems, doc=doc)
    return doc


def _declared_objectives(data: dict[str, Any]) -> set[str]:
    raw = data.get("objectives")
    items = raw if isinstance(raw, list) else []
    return {
        item["key"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


def _declared_lessons(lines: list[str], body_start: int) -> set[str]:
    slugs = set()
    for line in lines[body_start:]:
        match = LESSON_ATTRS_RE.match(line.strip())
        if match:
            slugs.add(_parse_attrs(match["attrs"]).get("slug", ""))
    return slugs


def check_objectives_used(doc: CourseDoc, problems: list[Problem]) -> None:
    """An objective no lesson teaches and no question tests is a mistake, not an empty quiz."""
    taught = {key for lesson in doc.lessons for key in lesson.objective_keys}
    tested = {question.objective for question in doc.bank}
    for objective in doc.objectives:
        if objective.key not in taught and objective.key not in tested:
            problems.append(
                Problem(
                    doc.path,
                    objective.line,
                    f'objective "{objective.key}" is taught by no lesson and tested by no '
                    "question: name it in a lesson's objectives= and give it questions, "
                    "or remove it",
                )
            )


@dataclass
class ImportReport:
    changes: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.changes.append(message)


def _sync(instance: Any, report: ImportReport, label: str, **values: Any) -> bool:
    """Set changed fields on an existing instance and save only those."""
    changed = save_changed(instance, **values)
    if changed:
        report.add(f"updated {label} ({', '.join(changed)})")
    return bool(changed)


def source_identity(path: Path | str) -> str:
    """Which file a course comes from: its path relative to the project folder (so it is the
    same on every machine the project is deployed to), or its absolute path if it lies outside
    the project. Symlinks and `..` are resolved, so every spelling of one file is one identity.
    A relative path is taken from the current directory, as the importer reads it."""
    resolved = Path(path).resolve()
    project = Path(settings.BASE_DIR).resolve()
    return (
        resolved.relative_to(project).as_posix()
        if resolved.is_relative_to(project)
        else str(resolved)
    )


def _check_source(doc: CourseDoc, course: Course, replace: bool) -> None:
    """Refuse a file that claims the slug of a course imported from another file.

    Copying a course file as a template and forgetting to change its slug would otherwise
    overwrite that course and retire all its lessons and questions. A course imported before
    its source was recorded (empty source_path) is claimed by the next file that imports it.
    """
    if replace or not course.source_path:
        return
    if source_identity(course.source_path) != source_identity(doc.path):
        raise CourseFileError(
            [
                Problem(
                    doc.path,
                    doc.slug_line,
                    f'the slug "{doc.slug}" is taken by the course imported from '
                    f"{course.source_path}: give this file a slug of its own, or import it with "
                    "--replace to make it that course's source",
                )
            ]
        )


@dataclass
class AppliedCourse:
    """What apply_course wrote: the course, its objectives by key and its lessons by slug."""

    course: Course
    objectives: dict[str, Objective]
    lessons: dict[str, Lesson]


@transaction.atomic
def apply_course(
    doc: CourseDoc, report: ImportReport | None = None, *, replace: bool = False
) -> AppliedCourse:
    """Write a parsed course to the database, by stable keys; nothing learners made is lost.

    The caller records `Course.imported_at` once everything of the file is written
    (authoring.importing.import_course).

    Raises CourseFileError (and writes nothing) if the course's slug belongs to a course
    imported from another file, unless `replace` makes this file its source.
    """
    report = report if report is not None else ImportReport()
    summary_html = render_inline(doc.summary)
    source = source_identity(doc.path)
    course = Course.objects.filter(slug=doc.slug).first()
    if course is None:
        course = Course.objects.create(
            slug=doc.slug,
            title=doc.title,
            summary=doc.summary,
            summary_html=summary_html,
            source_path=source,
            retired=doc.status == CourseStatus.RETIRED,
            hidden=doc.status == CourseStatus.HIDDEN,
        )
        report.add(f'created course "{doc.slug}"')
    else:
        _check_source(doc, course, replace)
        _sync(
            course,
            report,
            f'course "{doc.slug}"',
            title=doc.title,
            summary=doc.summary,
            summary_html=summary_html,
            retired=doc.status == CourseStatus.RETIRED,
            hidden=doc.status == CourseStatus.HIDDEN,
        )
        if course.source_path != source:
            if course.source_path and source_identity(course.source_path) != source:
                report.add(f'course "{doc.slug}" now comes from {source}')  # --replace
            course.source_path = source  # recorded, or written the same way as today
            course.save(update_fields=["source_path"])

    objectives = {objective.key: objective for objective in course.objectives.all()}
    for position, item in enumerate(doc.objectives):
        objective = objectives.get(item.key)
        if objective is None:
            objectives[item.key] = Objective.objects.create(
                course=course, key=item.key, title=item.title, text=item.text, position=position
            )
            report.add(f'created objective "{item.key}"')
        else:
            _sync(
                objective,
                report,
                f'objective "{item.key}"',
                title=item.title,
                text=item.text,
                position=position,
                retired=False,
            )
    for key in retire_missing(objectives, doc.objective_keys):
        report.add(f'retired objective "{key}"')

    lessons = {lesson.slug: lesson for lesson in course.lessons.prefetch_related("objectives")}
    doc_slugs = set()
    for position, lesson_doc in enumerate(doc.lessons):
        doc_slugs.add(lesson_doc.slug)
        values = {
            "title": lesson_doc.title,
            "position": position,
            "minutes": lesson_doc.minutes,
            "body_markdown": lesson_doc.markdown,
            "body_html": lesson_doc.rendered.html,
            "toc": lesson_doc.rendered.toc,
            "retired": False,
        }
        lesson = lessons.get(lesson_doc.slug)
        if lesson is None:
            lesson = Lesson.objects.create(course=course, slug=lesson_doc.slug, **values)
            lessons[lesson_doc.slug] = lesson
            report.add(f'created lesson "{lesson_doc.slug}"')
        else:
            _sync(lesson, report, f'lesson "{lesson_doc.slug}"', **values)
        wanted = {objectives[key].pk for key in lesson_doc.objective_keys}
        current = {objective.pk for objective in lesson.objectives.all()} if lesson.pk else set()
        if wanted != current:
            lesson.objectives.set(wanted)
            if current:
                report.add(f'updated lesson "{lesson_doc.slug}" (objectives)')
    for slug in retire_missing(lessons, doc_slugs):
        report.add(f'retired lesson "{slug}"')

    return AppliedCourse(course, objectives, lessons)
