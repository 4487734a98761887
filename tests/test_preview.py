"""The author's live preview (authoring/preview.py, manage.py author, make author)."""

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from authoring import preview
from courses.models import Lesson
from tests.factories import make_user
from tests.waiting import HTTP_SECONDS, SERVER_START_SECONDS, SUBPROCESS_SECONDS, wait_for

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "lint"
LESSON_URL = "/courses/boiling-water/lessons/boiling-point/"


@pytest.fixture
def course(tmp_path):
    for name in ("clean.md", "clean.questions.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "clean.md"


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_it_watches_the_course_file_and_its_bank(course):
    assert preview.watched_files(course) == [course, course.parent / "clean.questions.yaml"]
    before = preview.snapshot(preview.watched_files(course))
    edit(course.parent / "clean.questions.yaml", "Air pressure falls", "Air pressure drops")
    assert preview.snapshot(preview.watched_files(course)) != before


@pytest.mark.django_db
def test_an_import_records_problems_then_success(course):
    state = preview.PreviewState(course_path=course)
    edit(course, "objectives=boiling", "objectives=boil")
    preview.import_course(state)
    assert state.problems == [
        f'{course}:12: lesson "boiling-point" names unknown objective "boil"',
    ]
    assert not Lesson.objects.exists()
    edit(course, "objectives=boil", "objectives=boiling")
    preview.import_course(state)
    assert state.problems == [] and state.slug == "boiling-water" and state.imports == 2
    assert 'created lesson "boiling-point"' in state.changes
    assert Lesson.objects.get().slug == "boiling-point"


@pytest.mark.django_db(transaction=True)  # the watcher thread writes with its own connection
def test_the_watcher_reimports_when_a_file_changes(course, monkeypatch):
    imported, looks = [], []
    real_snapshot = preview.snapshot
    monkeypatch.setattr(preview, "snapshot", lambda files: looks.append(1) or real_snapshot(files))
    state = preview.PreviewState(course_path=course)
    watcher = preview.Watcher(state, interval=0.05, on_import=lambda s: imported.append(s.imports))
    watcher.start()
    try:
        wait_for(lambda: len(looks) >= 3, what="the watcher to look at the files twice")
        assert imported == []  # nothing changed yet
        edit(course, "Food cooks more slowly there.", "Food cooks slowly there.")
        wait_for(lambda: imported, what="the watcher to import the edited course")
    finally:
        watcher.stop()
        watcher.join(60)
    assert imported == [1]
    assert "Food cooks slowly there." in Lesson.objects.get().body_markdown


@pytest.mark.django_db(transaction=True)
def test_a_save_before_the_watcher_first_looks_is_not_missed(course):
    """`manage.py author` imports, then starts the watcher: a save made meanwhile (or before a
    busy machine runs the thread) is compared with the files as the watcher was made."""
    imported = []
    state = preview.PreviewState(course_path=course)
    watcher = preview.Watcher(state, interval=0.05, on_import=lambda s: imported.append(s.imports))
    edit(course, "Food cooks more slowly there.", "Food cooks slowly there.")
    watcher.start()
    try:
        wait_for(lambda: imported, what="the watcher to import the course saved before it ran")
    finally:
        watcher.stop()
        watcher.join(60)
    assert "Food cooks slowly there." in Lesson.objects.get().body_markdown


def test_an_import_error_replaces_pages_but_not_static_files(course):
    state = preview.PreviewState(course_path=course, problems=[f"{course}:12: something wrong"])
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"page"]

    wrapped = preview.PreviewApp(app, state)
    statuses = []

    def start_response(status, headers):
        statuses.append((status, dict(headers)))

    body = b"".join(wrapped(request("/courses/x/"), start_response)).decode()
    status, headers = statuses[-1]
    assert status.startswith("200")  # the author's import report, not a server error
    assert "<code>clean.md:12: something wrong</code>" in body
    assert str(course.parent) not in body  # no absolute path
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert " style=" not in body and "<script" not in body
    assert b"".join(wrapped(request("/static/css/app.css"), start_response)) == b"page"
    state.problems = []
    assert b"".join(wrapped(request("/courses/x/"), start_response)) == b"page"
    assert calls == ["/static/css/app.css", "/courses/x/"]


def request(path, host="127.0.0.1:8000"):
    return {"PATH_INFO": path, "HTTP_HOST": host}


@pytest.mark.parametrize("host", ["rebind.evil.example", "rebind.evil.example:8000", ""])
def test_the_preview_answers_only_its_own_host(course, host):
    state = preview.PreviewState(course_path=course, problems=[f"{course}:12: something wrong"])
    wrapped = preview.PreviewApp(lambda environ, start: [b"page"], state)
    statuses = []
    body = b"".join(wrapped(request("/", host), lambda s, h: statuses.append(s)))
    assert statuses == ["400 Bad Request"]
    assert str(course) not in body.decode()
    state.problems = []
    assert b"".join(wrapped(request("/", host), lambda s, h: statuses.append(s))) != b"page"


@pytest.mark.django_db
def test_the_course_home_lists_findings_only_while_previewing(course, client, monkeypatch):
    edit(course.parent / "clean.questions.yaml", "It cannot boil at all", "All of the above")
    state = preview.PreviewState(course_path=course)
    preview.import_course(state)
    client.force_login(make_user())  # signed in: no page cache between the two requests
    html = client.get("/courses/boiling-water/").content.decode()
    assert "preview-findings" not in html
    monkeypatch.setattr(preview, "PREVIEW", state)
    html = client.get("/courses/boiling-water/").content.decode()
    assert "Preview: the course linter" in html
    assert "the option &quot;All of the above&quot;" in html


def _free_port():
    for port in range(8640, 8700):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8640-8699")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=HTTP_SECONDS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _poll(url, predicate, timeout=SERVER_START_SECONDS):
    def answered():
        status, body = _get(url)
        return (status, body) if predicate(status, body) else None

    return wait_for(answered, what=f"{url} to answer as expected", timeout=timeout)


def test_manage_py_author_reimports_on_save(course, tmp_path):
    """The real thing: a server process, a browser's view of it, an author saving files."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=SUBPROCESS_SECONDS
    )
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "author", str(course), f"127.0.0.1:{port}", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _poll(base + LESSON_URL, lambda status, body: status == 200)
        # An edit to a lesson shows on the next request.
        edit(course, "Food cooks more slowly there.", "Food takes longer to cook there.")
        _poll(base + LESSON_URL, lambda status, body: "Food takes longer to cook there." in body)
        # A mistake shows as a page with the file and line, and the server keeps running.
        edit(course, "{#mountain}", "{#on-a-mountain}")
        status, body = _poll(base + "/", lambda status, body: "The course did not import" in body)
        assert status == 200
        bank = course.parent / "clean.questions.yaml"
        assert 'clean.questions.yaml:16: question "soup-on-a-summit": source' in body.replace(
            "&quot;", '"'
        )
        assert str(course.parent) not in body  # file names only, no absolute path
        assert "The course did not import" in body
        # Another host name (DNS rebinding) is refused, the error page too.
        rebound = urllib.request.Request(base + "/", headers={"Host": "rebind.evil.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=30)
        assert refused.value.code == 400
        # Fixed: pages come back, and the linter's findings show on the course home.
        edit(bank, "It cannot boil at all", "All of the above")
        edit(course, "{#on-a-mountain}", "{#mountain}")
        status, body = _poll(
            base + "/courses/boiling-water/", lambda status, body: "All of the above" in body
        )
        assert status == 200 and "Preview: the course linter" in body
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()
    assert "not imported (3 problem(s))" in output
    assert 'imported (updated lesson "boiling-point"' in output
