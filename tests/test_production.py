"""Production settings, the SQLite tuning, /healthz and `make serve`."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection

from config.settings import envbool, envint, envlist
from config.sqlite.base import DatabaseWrapper as SQLiteWrapper
from tests.waiting import HTTP_SECONDS, SERVER_START_SECONDS, SUBPROCESS_SECONDS, wait_for

ROOT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'mailers': s.MAILERS, 'cache': s.CACHES['default']['BACKEND'], "
    "'session': s.SESSION_ENGINE, 'static': s.STORAGES['staticfiles']['BACKEND'], "
    "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'secure_cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
    "'proxy_header': s.SECURE_PROXY_SSL_HEADER, 'databases': s.DATABASES['default']['ENGINE']}))"
)


def production_env(tmp_path, **extra):
    """The environment of a production deployment: debug off, a real key, SMTP, SQLite."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV_FILE="",  # not the checkout's local .env from make run
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="courses.example.org",
        DJANGO_VAR_DIR=str(tmp_path / "var"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        EMAIL_HOST="smtp.example.org",
    )
    env.update(extra)
    return {key: value for key, value in env.items() if value is not None}


def run(args, env, timeout=SUBPROCESS_SECONDS):
    return subprocess.run(
        [sys.executable, "-W", "always", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_check_deploy_finds_nothing_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "Warning" not in result.stderr  # no deprecation warning either (MAILERS, not EMAIL_*)


def test_check_deploy_refuses_console_email_in_production(tmp_path):
    result = run(["manage.py", "check", "--deploy"], production_env(tmp_path, EMAIL_HOST=None))
    assert result.returncode == 1
    assert "mail.E001" in result.stderr


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, DJANGO_SECRET_KEY=None))
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_production_settings_come_from_the_environment(tmp_path):
    env = production_env(
        tmp_path,
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="hunter2",
        DJANGO_BEHIND_PROXY="true",
    )
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["mailers"] == {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "smtp.example.org",
                "port": 2525,
                "username": "mailer",
                "password": "hunter2",
                "use_tls": True,
                "timeout": 10,
            },
        }
    }
    assert figures["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert figures["session"] == "django.contrib.sessions.backends.cached_db"
    assert figures["static"] == "config.staticstorage.ImmutableManifestStaticFilesStorage"
    assert figures["ssl_redirect"] is True
    assert figures["hsts"] == 31536000
    assert figures["secure_cookies"] == [True, True]
    assert figures["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert figures["databases"] == "config.sqlite"


def test_debug_settings_use_the_console_mailer_and_plain_http(tmp_path):
    env = production_env(tmp_path, DJANGO_DEBUG="true", DJANGO_SECRET_KEY=None, EMAIL_HOST=None)
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["mailers"] == {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    }
    assert figures["ssl_redirect"] is False
    assert figures["hsts"] == 0
    assert figures["secure_cookies"] == [False, False]


def test_database_url_selects_postgresql(tmp_path):
    env = production_env(tmp_path, DATABASE_URL="postgres://app:pw@db.internal:5432/courses")
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["databases"] == "django.db.backends.postgresql"


def test_typed_environment_helpers_reject_bad_values(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    monkeypatch.setenv("X_COUNT", "two")
    monkeypatch.setenv("X_LIST", " a.example, ,b.example ")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        envbool("X_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="X_COUNT must be a whole number"):
        envint("X_COUNT", 1)
    assert envlist("X_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("X_FLAG", "off")
    assert envbool("X_FLAG", True) is False
    assert envint("X_UNSET_COUNT", 7) == 7


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite tuning")
def test_sqlite_connections_use_wal_normal_sync_busy_timeout_and_immediate(
    tmp_path, django_db_blocker
):
    # The test database lives in memory (no WAL there): open a file database with the same
    # settings, as every server process does.
    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "tuned.sqlite3")}
    wrapper = SQLiteWrapper(settings_dict, alias="tuning-check")
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 5000  # DJANGO_DB_LOCK_TIMEOUT_MS
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        assert wrapper.transaction_mode == "IMMEDIATE"
        assert settings_dict["CONN_MAX_AGE"] > 0
        wrapper.close()


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


@pytest.mark.django_db
def test_the_benchmark_baseline_is_not_routed_outside_bench_mode(client):
    assert client.get("/bench/baseline").status_code == 404


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url, headers=None, timeout=HTTP_SECONDS):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_make_serve_runs_gunicorn_with_hashed_compressed_static_files(tmp_path):
    port = _free_port()
    env = production_env(
        tmp_path,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_BEHIND_PROXY="true",
        GUNICORN_WORKERS="2",
        PORT=str(port),
        COURSE_FILES="tests/data/courses/good.md",
    )
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:

        def healthy():
            if server.poll() is not None:
                log.seek(0)
                raise AssertionError(f"make serve exited: {log.read()}")
            return _get(f"{base}/healthz", timeout=30)[0] == 200

        wait_for(healthy, what="make serve to answer /healthz", timeout=SERVER_START_SECONDS)

        status, headers, _ = _get(f"{base}/")
        assert status == 301  # plain HTTP is sent to HTTPS
        assert headers["Location"] == f"https://127.0.0.1:{port}/"

        status, headers, body = _get(f"{base}/", headers=https)
        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Set-Cookie" not in headers  # an anonymous page: no session, no CSRF cookie
        assert "cookie" not in headers.get("Vary", "").lower()
        stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "the page links the hashed stylesheet"

        status, headers, _ = _get(
            base + stylesheet.group(1).decode(), headers={**https, "Accept-Encoding": "gzip"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"]

        workers = subprocess.run(
            ["pgrep", "-f", "-g", str(server.pid), "gunicorn"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert len(workers) == 3  # the arbiter and two workers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.seek(0)
        output = log.read()
        log.close()
    assert re.search(r'"GET /healthz HTTP/1\.1" 200', output), output  # access log on stdout
