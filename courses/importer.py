"""Build courses from course documents (see docs/course-format.md).

Two phases: `parse_course()` reads and validates a course file into plain dataclasses, collecting
every problem with its file and line; `apply_course()` writes a parsed course to the database,
matching objectives and lessons by their stable keys. The question bank a course file names is
read and written by quizzes/bank.py; quizzes/importing.py composes the two, and the
`import_course` command validates every file before it writes anything, in one transaction.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from courses.models import Course, Lesson, Objective
from courses.rendering import Rendered, UnknownCallout, render, render_inline

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_ATTRS_RE = re.compile(r"^\{:\s*lesson\s+(?P<attrs>[^}]*)\}\s*$")
WORDS_PER_MINUTE = 200


@dataclass
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class CourseFileError(Exception):
    """A course document failed validation; `problems` lists each one with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
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
    objectives: list[ObjectiveDoc] = field(default_factory=list)
    lessons: list[LessonDoc] = field(default_factory=list)
    questions_path: Path | None = None
    bank: list = field(default_factory=list)  # the parsed question bank (quizzes/bank.py)

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


def _split_front_matter(path: Path, text: str, problems: list[Problem]):
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
        data = yaml.safe_load("\n".join(lines[1:number]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or "invalid YAML"
        problems.append(Problem(path, line, f"malformed front matter: {problem}"))
        return None, lines, number + 1
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, "front matter must be a mapping of keys to values"))
        return None, lines, number + 1
    return data, lines, number + 1


def _parse_objectives(path, data, lines, problems) -> list[ObjectiveDoc]:
    objectives = []
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


def _parse_lessons(path, lines, body_start, objective_keys, problems) -> list[LessonDoc]:
    # Find the level-1 headings outside fenced code blocks.
    starts, in_fence = [], False
    for number in range(body_start, len(lines)):
        line = lines[number]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and re.match(r"^#\s+\S", line):
            starts.append(number)
    first = starts[0] if starts else len(lines)
    stray = next((n for n in range(body_start, first) if lines[n].strip()), None)
    if stray is not None:
        problems.append(
            Problem(path, stray + 1, "text before the first lesson: start a lesson with # Title")
        )
    if not starts:
        problems.append(Problem(path, body_start + 1, "the course has no lessons (# headings)"))
        return []

    lessons, slugs = [], set()
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
            problems.append(Problem(path, start + 1, f'duplicate lesson slug "{slug}"'))
            continue
        slugs.add(slug)
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
        except UnknownCallout as error:
            problems.append(Problem(path, start + 3 + error.line_offset, str(error)))
            continue
        if rendered.words == 0:
            problems.append(Problem(path, start + 1, f'lesson "{slug}" is empty'))
            continue
        minutes = attrs.get("minutes")
        if minutes is None:
            minutes = max(1, math.ceil(rendered.words / WORDS_PER_MINUTE))
        elif not minutes.isdigit() or int(minutes) < 1:
            problems.append(
                Problem(path, start + 2, f'lesson "{slug}": minutes must be a whole number')
            )
            continue
        lessons.append(
            LessonDoc(
                slug=slug,
                title=title,
                objective_keys=keys,
                minutes=int(minutes),
                markdown=body,
                rendered=rendered,
                line=start + 1,
            )
        )
    return lessons


def parse_course(path: Path | str) -> CourseDoc:
    """Read and validate a course file (not its question bank); raise CourseFileError."""
    path = Path(path)
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseFileError([Problem(path, 1, "no such file")]) from None
    except UnicodeDecodeError:
        raise CourseFileError([Problem(path, 1, "the file is not UTF-8 text")]) from None

    data, lines, body_start = _split_front_matter(path, text.replace("\r\n", "\n"), problems)
    if data is None:
        raise CourseFileError(problems)

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
        objectives=objectives,
        lessons=lessons,
    )
    questions = data.get("questions")
    if questions is not None:
        if not isinstance(questions, str):
            line = _line_of(lines, r"^questions\s*:")
            problems.append(Problem(path, line, "questions must name a file"))
        else:
            doc.questions_path = path.parent / questions
    if problems:
        raise CourseFileError(problems)
    return doc


@dataclass
class ImportReport:
    changes: list[str] = field(default_factory=list)

    def add(self, message: str):
        self.changes.append(message)


def _sync(instance, report: ImportReport, label: str, **values) -> bool:
    """Set changed fields on an existing instance and save only those."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
        report.add(f"updated {label} ({', '.join(changed)})")
    return bool(changed)


@dataclass
class AppliedCourse:
    """What apply_course wrote: the course, its objectives by key and its lessons by slug."""

    course: Course
    objectives: dict[str, Objective]
    lessons: dict[str, Lesson]


@transaction.atomic
def apply_course(doc: CourseDoc, report: ImportReport | None = None) -> AppliedCourse:
    """Write a parsed course to the database, by stable keys; nothing learners made is lost.

    The caller records `Course.imported_at` once everything of the file is written
    (quizzes.importing.import_course).
    """
    report = report if report is not None else ImportReport()
    summary_html = render_inline(doc.summary)
    course = Course.objects.filter(slug=doc.slug).first()
    if course is None:
        course = Course.objects.create(
            slug=doc.slug,
            title=doc.title,
            summary=doc.summary,
            summary_html=summary_html,
            source_path=str(doc.path),
        )
        report.add(f'created course "{doc.slug}"')
    else:
        _sync(
            course,
            report,
            f'course "{doc.slug}"',
            title=doc.title,
            summary=doc.summary,
            summary_html=summary_html,
            retired=False,
        )

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
    for key, objective in objectives.items():
        if key not in doc.objective_keys and not objective.retired:
            _sync(objective, report, f'objective "{key}" (retired)', retired=True)

    lessons = {lesson.slug: lesson for lesson in course.lessons.prefetch_related("objectives")}
    doc_slugs = set()
    for position, item in enumerate(doc.lessons):
        doc_slugs.add(item.slug)
        values = {
            "title": item.title,
            "position": position,
            "minutes": item.minutes,
            "body_markdown": item.markdown,
            "body_html": item.rendered.html,
            "toc": item.rendered.toc,
            "retired": False,
        }
        lesson = lessons.get(item.slug)
        if lesson is None:
            lesson = Lesson.objects.create(course=course, slug=item.slug, **values)
            lessons[item.slug] = lesson
            report.add(f'created lesson "{item.slug}"')
        else:
            _sync(lesson, report, f'lesson "{item.slug}"', **values)
        wanted = {objectives[key].pk for key in item.objective_keys}
        current = {objective.pk for objective in lesson.objectives.all()} if lesson.pk else set()
        if wanted != current:
            lesson.objectives.set(wanted)
            if current:
                report.add(f'updated lesson "{item.slug}" (objectives)')
    for slug, lesson in lessons.items():
        if slug not in doc_slugs and not lesson.retired:
            _sync(lesson, report, f'lesson "{slug}" (retired)', retired=True)

    return AppliedCourse(course, objectives, lessons)
