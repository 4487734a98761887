"""Live preview for authors (`make author COURSE=...`, `manage.py author`).

The author command serves the app with Django's development server and, in a thread of the same
process, polls the course file and its question bank (stdlib only: their modification times and
sizes, every `interval` seconds). When either changes it imports the course again, exactly as
`import_course` does (validation first, one transaction, the linter's report kept).

What the author sees while previewing:
- an import that fails replaces every page with one that lists the problems, each with its
  file and line (`PreviewApp`), until the files are fixed; the server keeps running;
- the course home lists the linter's findings (`course_home_context`).

Nothing here runs outside the author command: `PREVIEW` is None in every other process.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections, transaction
from django.http.request import split_domain_port, validate_host
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.csp import CSP, build_policy

from authoring import importing
from authoring.importer import CourseFileError, ImportReport

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from authoring.lint import Finding
    from courses.models import Course

logger = logging.getLogger(__name__)

_QUESTIONS_LINE = re.compile(r"^questions\s*:\s*['\"]?(?P<name>[^'\"#]+?)['\"]?\s*$", re.M)


@dataclass
class PreviewState:
    """The course being previewed and the outcome of its latest import."""

    course_path: Path
    slug: str = ""
    problems: list[str] = field(default_factory=list)  # "file:line: message", empty if it imported
    findings: list[Finding] = field(default_factory=list)  # of the latest import
    changes: list[str] = field(default_factory=list)
    imported_at: datetime | None = None
    imports: int = 0  # imports tried, successful or not


PREVIEW: PreviewState | None = None  # set by the author command, in its process only


def watched_files(course_path: Path) -> list[Path]:
    """The course file and, if its front matter names one, its question bank."""
    files = [course_path]
    try:
        text = course_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return files
    match = _QUESTIONS_LINE.search(text)
    if match:
        files.append(course_path.parent / match["name"].strip())
    return files


def snapshot(paths: list[Path]) -> dict[Path, tuple[int, int] | None]:
    """(modification time in ns, size) of each file; None for a missing one."""
    state: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            state[path] = None
        else:
            state[path] = (stat.st_mtime_ns, stat.st_size)
    return state


def import_course(state: PreviewState) -> None:
    """Import the previewed course once, recording problems or the linter's findings."""
    from authoring.course_review import record
    from authoring.lint import lint

    state.imports += 1
    try:
        doc = importing.parse_course_file(state.course_path)
    except CourseFileError as error:
        state.problems = [str(problem) for problem in error.problems]
        state.findings = []
        return
    report = ImportReport()
    try:
        with transaction.atomic():
            course = importing.import_course(doc, report)
            result = lint(doc)
            record(course, result)
    except CourseFileError as error:  # its slug belongs to a course from another file
        state.problems = [str(problem) for problem in error.problems]
        state.findings = []
        return
    state.slug = doc.slug
    state.problems = []
    state.findings = result.findings
    state.changes = report.changes
    state.imported_at = timezone.now()


class Watcher(threading.Thread):
    """Polls the course's files and imports the course again whenever they change."""

    def __init__(
        self,
        state: PreviewState,
        interval: float = 1.0,
        on_import: Callable[[PreviewState], None] | None = None,
    ):
        super().__init__(name="course-preview-watcher", daemon=True)
        self.state = state
        self.interval = interval
        self.on_import = on_import or (lambda state: None)
        self.stopped = threading.Event()
        # The files as they are now, not when the thread first runs: a save made between the
        # first import and the thread's first look is then seen, however late the thread starts.
        self.seen = snapshot(watched_files(state.course_path))

    def run(self) -> None:
        seen = self.seen
        while not self.stopped.wait(self.interval):
            files = watched_files(self.state.course_path)
            current = snapshot(files)
            if current == seen:
                continue
            # Editors often write a file in several steps: wait for it to settle.
            time.sleep(min(0.2, self.interval))
            seen = snapshot(files)
            self.reimport()

    def reimport(self) -> None:
        close_old_connections()
        try:
            import_course(self.state)
        except Exception:  # the preview must survive anything an edit can cause
            logger.exception("the course could not be imported")
            self.state.problems = [
                f"{self.state.course_path}:1: the import failed unexpectedly; see the console"
            ]
        finally:
            close_old_connections()
        self.on_import(self.state)

    def stop(self) -> None:
        self.stopped.set()


class PreviewApp:
    """WSGI middleware: while the course does not import, every page shows why.

    It answers only requests for one of its own hosts (settings.ALLOWED_HOSTS, as Django
    does once the course imports): a page read through another name (DNS rebinding, while an
    author previews) gets 400. File names are shown relative to the course's folder, never
    as absolute paths."""

    def __init__(self, app: WSGIApplication, state: PreviewState):
        self.app = app
        self.state = state
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def _relative(self, text: str) -> str:
        folder = str(Path(self.state.course_path).resolve().parent) + os.sep
        return text.replace(folder, "").replace(str(self.state.course_path.parent) + os.sep, "")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            body = b"Bad Request: this preview answers only its own host name.\n"
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        problems = [self._relative(problem) for problem in self.state.problems]
        path = environ.get("PATH_INFO", "")
        if not problems or path.startswith(self.static_prefix) or path == "/favicon.ico":
            return self.app(environ, start_response)
        body = render_to_string(
            "authoring/preview_error.html",
            {"problems": problems, "course_path": self.state.course_path.name},
        ).encode()
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            (str(CSP.HEADER_ENFORCE), build_policy(settings.SECURE_CSP)),  # type: ignore[arg-type]
        ]
        # The preview works: what it shows is the author's import report, not a server fault
        # (a 500 would tell the browser and any monitor that the app crashed).
        start_response("200 OK", headers)
        return [body]


def course_home_context(course: Course) -> dict[str, PreviewState]:
    """The linter's findings for the course home, while this course is being previewed."""
    state = PREVIEW
    if state is None or state.slug != course.slug:
        return {}
    return {"preview": state}
