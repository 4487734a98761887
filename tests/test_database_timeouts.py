"""A lock held longer than the database's timeouts while a learner answers: the answer fails
within the timeout with the clear "not saved" message (a 503), nothing is stored, /healthz
answers 503 within a second meanwhile, and once the lock is gone the same answer is stored once.

On PostgreSQL (DATABASE_URL, `make test-postgres`) another connection holds the attempts table
in ACCESS EXCLUSIVE mode against the live server, whose connections carry the settings'
statement_timeout and lock_timeout. On SQLite the test database lives in memory, where locks
do not wait at all, so a server process (`manage.py runserver`) serves a file database with a
short busy timeout (DJANGO_DB_LOCK_TIMEOUT_MS) while another connection holds the write lock.
"""

import http.client
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from progress.models import Mastery
from quizzes.models import Attempt, Response
from tests.factories import (
    make_course,
    make_quiz,
    make_truefalse_question,
    make_user,
    objectives_of,
)
from tests.quiz_helpers import answer_url, start_url

# With the class-at-once test (tests/test_concurrency.py) in one xdist group: never side by side.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("database-load")]

ROOT = Path(__file__).resolve().parent.parent
SQLITE_SERVER_PORT = int(os.environ.get("TIMEOUT_TEST_PORT", "8631"))
SQLITE_LOCK_TIMEOUT_MS = 1500


class Server:
    """HTTP to one server, as a signed-in browser (session and CSRF cookies)."""

    def __init__(self, url, session_key):
        self.url = urlsplit(url)
        self.csrf = secrets.token_hex(16)
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"

    def request(self, method, path, body=None, *, htmx=False, timeout=60):
        conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=timeout)
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        return response, text, time.monotonic() - started


def answer_against_a_held_lock(server, answer_path, bound_seconds, hold, release):
    """Post the answer (htmx and plain) while `hold()`'s lock is held; check the outcome."""
    hold()
    try:
        response, _text, took = server.request("GET", "/healthz", timeout=10)
        assert response.status == 503
        assert took < 1.0, f"/healthz took {took:.2f} s"
        response, text, took = server.request("POST", answer_path, "value=true", htmx=True)
        assert response.status == 503, text
        assert response.getheader("Retry-After")
        assert "data-unavailable" in text and "Nothing was lost" in text
        assert took < bound_seconds, f"the answer took {took:.1f} s (bound {bound_seconds} s)"

        response, text, took = server.request("POST", answer_path, "value=true")
        assert response.status == 503, text
        assert "What you just sent was not saved." in text
        assert took < bound_seconds
    finally:
        release()


# --- PostgreSQL: the live server's connections and a table lock -------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's timeouts")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "locked",
    [
        Attempt,  # the answer's first read waits
        Response,  # the answer's transaction has locked the attempt and created the learner's
        # mastery row when it waits to insert the response: all of it must be rolled back
    ],
)
def test_postgresql_answer_fails_within_the_lock_timeout_and_healthz_says_503(live_server, locked):
    import psycopg

    course = make_course()
    objective = objectives_of(course)[0]
    make_truefalse_question(objective)
    quiz = make_quiz(course, objective)
    user = make_user()
    client = Client()
    client.force_login(user)
    server = Server(live_server.url, client.cookies["sessionid"].value)
    response, text, _ = server.request("POST", start_url(quiz), "")
    assert response.status == 302, text
    attempt = Attempt.objects.get(user=user, quiz=quiz)
    path = answer_url(attempt, 1)

    db = connection.settings_dict
    holder = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"] or 5432, autocommit=True,
    )  # fmt: skip
    table = locked._meta.db_table

    def hold():
        holder.execute("BEGIN")
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

    def release():
        holder.execute("ROLLBACK")

    lock_s = settings.DB_LOCK_TIMEOUT_MS / 1000
    statement_s = settings.DB_STATEMENT_TIMEOUT_MS / 1000
    assert lock_s < statement_s < 30  # well under gunicorn's worker timeout
    try:
        answer_against_a_held_lock(server, path, statement_s + 2, hold, release)
    finally:
        holder.close()
    assert not Response.objects.filter(attempt=attempt).exists()
    assert not Mastery.objects.filter(user=user).exists()
    attempt.refresh_from_db()
    assert attempt.answered_count == 0

    response, text, _ = server.request("POST", path, "value=true", htmx=True)
    assert response.status == 200 and "result" in text, text
    assert Response.objects.filter(attempt=attempt, slot=1).count() == 1


# --- SQLite: a server process on a file database and the write lock ---------------------------

SETUP = """
from django.test import Client
from tests.factories import make_course, make_quiz, make_truefalse_question, make_user
from tests.factories import objectives_of
from tests.quiz_helpers import start_url
course = make_course()
objective = objectives_of(course)[0]
make_truefalse_question(objective)
quiz = make_quiz(course, objective)
client = Client()
client.force_login(make_user())
print(json.dumps({"session": client.cookies["sessionid"].value, "start": start_url(quiz)}))
"""


def manage(env, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait_until_serving(url, server, deadline_seconds=120):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read()
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer /healthz within {deadline_seconds} s")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's busy timeout")
def test_sqlite_answer_fails_within_the_busy_timeout_and_healthz_says_503(tmp_path):
    env = {
        **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_DB_LOCK_TIMEOUT_MS": str(SQLITE_LOCK_TIMEOUT_MS),
    }
    manage(env, "migrate", "--no-input")
    made = json.loads(manage(env, "shell", "-c", "import json\n" + SETUP).strip().splitlines()[-1])
    url = urlsplit(f"http://127.0.0.1:{SQLITE_SERVER_PORT}")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{url.port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    database = tmp_path / "db.sqlite3"
    try:
        wait_until_serving(url, process)
        server = Server(url.geturl(), made["session"])
        response, text, _ = server.request("POST", made["start"], "")
        assert response.status == 302, text
        path = response.getheader("Location").replace("/q/1/", "/q/1/answer")
        assert re.search(r"/attempts/\d+/q/1/answer$", path), path

        holder = sqlite3.connect(database, isolation_level=None, timeout=30)
        try:
            answer_against_a_held_lock(
                server,
                path,
                SQLITE_LOCK_TIMEOUT_MS / 1000 + 3,
                lambda: holder.execute("BEGIN IMMEDIATE"),
                lambda: holder.execute("ROLLBACK"),
            )
            assert holder.execute("SELECT count(*) FROM quizzes_response").fetchone()[0] == 0

            response, text, _ = server.request("POST", path, "value=true", htmx=True)
            assert response.status == 200 and "result" in text, text
            stored = holder.execute(
                "SELECT count(*) FROM quizzes_response WHERE slot = 1"
            ).fetchone()[0]
            assert stored == 1
        finally:
            holder.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()
