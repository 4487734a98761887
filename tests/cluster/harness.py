"""Two app servers on one PostgreSQL database and one Redis, driven through HTTP.

Used by tests/cluster/test_cluster.py (`make test-cluster`) and tests/cluster/measure.py. The
Cluster starts, in a temporary folder:

- its own redis-server (CLUSTER_REDIS_PORT, default 6390, no persistence), which the test
  stops and starts again; it never touches another Redis;
- a fresh PostgreSQL database (CLUSTER_DATABASE_URL, default
  postgres://postgres@127.0.0.1:5432/cluster_test), dropped afterwards;
- server A and server B with `make serve` (migrate, import the courses, collectstatic, then
  gunicorn with --no-control-socket), each with its own var/ and static folders, on
  CLUSTER_PORTS (default 8301,8302), both with the same secret key, database and REDIS_URL.

Every wait is on a condition, with a generous bound (tests/waiting.py): a busy machine makes
the run slower, never red. For the same reason each server is given a Redis socket timeout of
REDIS_TIMEOUT_MS=5000 (production's 250 ms would turn a slow answer from a busy Redis into an
outage; a stopped Redis still fails at once, its port refuses) and a gunicorn worker timeout of
GUNICORN_TIMEOUT=300 s. stop() ends every process it started (by process group) and drops the
database.
"""

import atexit
import http.client
import http.cookies
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

from tests import waiting

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

DATABASE_URL = os.environ.get(
    "CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cluster_test"
)
REDIS_PORT = int(os.environ.get("CLUSTER_REDIS_PORT", "6390"))
PORTS = [int(p) for p in os.environ.get("CLUSTER_PORTS", "8301,8302").split(",")]
WORKERS = int(os.environ.get("CLUSTER_WORKERS", "2"))
# A bound on one request in a worker (gunicorn kills a worker past it), not a target.
GUNICORN_TIMEOUT = 300


class Failed(Exception):
    pass


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(what, check, timeout=waiting.WAIT_SECONDS):
    """Poll `check()` until it is true (an OSError, such as a refused connection or a busy
    server's silence, counts as not yet); Failed, naming `what`, after `timeout` seconds."""
    try:
        return waiting.wait_for(check, what=what, timeout=timeout)
    except waiting.WaitTimeout as error:
        raise Failed(str(error)) from None


class Browser:
    """One visitor: its own cookies, sent to whichever server it asks (as behind a load
    balancer, where both servers have the same host name). Redirects are not followed."""

    def __init__(self):
        self.cookies = {}

    def request(self, server, method, path, data=None, htmx=False, timeout=waiting.HTTP_SECONDS):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(data or {}, doseq=True)
        if htmx:
            headers["HX-Request"] = "true"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response, content

    def get(self, server, path, **kwargs):
        return self.request(server, "GET", path, **kwargs)

    def post(self, server, path, data=None, **kwargs):
        return self.request(server, "POST", path, data, **kwargs)

    def login(self, server, username, password, path="/accounts/login/"):
        """The login form, as a browser posts it. Returns the status of the POST."""
        if "csrftoken" not in self.cookies:
            self.get(server, path)
        status, _, _ = self.post(server, path, {"username": username, "password": password})
        return status


class Server:
    def __init__(self, name, port, env, folder):
        self.name, self.port, self.env, self.folder = name, port, env, folder
        self.process = None
        self.log_path = folder / "serve.log"

    def __repr__(self):
        return f"server {self.name} (:{self.port})"

    def start(self):
        if port_open(self.port):
            raise Failed(f"port {self.port} is already in use: set CLUSTER_PORTS")
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "serve",
                f"PORT={self.port}",
                f"WORKERS={WORKERS}",
                f"GUNICORN_TIMEOUT={GUNICORN_TIMEOUT}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(f"{self} to answer /healthz", self.healthy, waiting.SERVER_START_SECONDS)

    def healthy(self):
        if self.process.poll() is not None:
            raise Failed(f"{self} exited: {self.log()[-3000:]}")
        try:
            return self.health()[0] == 200
        except OSError:
            return False

    def health(self):
        status, _, body = Browser().get(self, "/healthz", timeout=60)
        return status, body

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=60)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def manage(self, *args, stdin=None, timeout=600, check=True):
        """manage.py beside this server: its environment, its var/ folder."""
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise Failed(f"manage.py {' '.join(args)}: {result.stdout}{result.stderr}")
        return result


class Redis:
    """A redis-server of our own on REDIS_PORT: no persistence, stopped and started at will."""

    def __init__(self, folder):
        self.folder = folder
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{REDIS_PORT}/0"

    def start(self):
        if port_open(REDIS_PORT):
            raise Failed(f"port {REDIS_PORT} is already in use: set CLUSTER_REDIS_PORT")
        server = shutil.which("redis-server")
        if not server:
            raise Failed("redis-server is not installed (apt-get install redis-server)")
        args = [server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.folder)]
        log = (self.folder / "redis.log").open("a")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for("redis-server to accept connections", lambda: port_open(REDIS_PORT))

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=60)


def _postgres(sql):
    import psycopg

    parts = urllib.parse.urlsplit(DATABASE_URL)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=60) as conn:
        return conn.execute(sql)


def database_name():
    name = urllib.parse.urlsplit(DATABASE_URL).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise Failed(f"unexpected database name {name!r}")
    return name


def query(sql, params=()):
    """One query on the cluster's database (for the checks that count stored rows)."""
    import psycopg

    with psycopg.connect(DATABASE_URL, connect_timeout=60) as conn:
        return conn.execute(sql, params).fetchall()


class Cluster:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="coursework-cluster-"))
        self.courses = self.folder / "courses"
        shutil.copytree(ROOT / "fixtures", self.courses)
        self.redis = Redis(self.folder)
        self.stopped = False
        self.secret = secrets.token_urlsafe(50)
        self.servers = [
            Server(name, port, self._env(name), self.folder / name)
            for name, port in zip("AB", PORTS, strict=True)
        ]

    @property
    def a(self):
        return self.servers[0]

    @property
    def b(self):
        return self.servers[1]

    def _env(self, name):
        folder = self.folder / name
        folder.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "EMAIL_", "PYTEST_"))
            and key not in ("DATABASE_URL", "REDIS_URL", "BENCH")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_SECRET_KEY=self.secret,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_COOKIES="false",
            DJANGO_HSTS_SECONDS="0",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_VAR_DIR=str(folder / "var"),
            DJANGO_STATIC_ROOT=str(folder / "static"),
            DATABASE_URL=DATABASE_URL,
            REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
            REDIS_TIMEOUT_MS="5000",
            COURSE_FILES=" ".join(str(p) for p in sorted(self.courses.glob("*.md"))),
        )
        return env

    def start(self):
        # Stopped however the run ends: normally, at exit, or on SIGTERM (`timeout` in the
        # Makefile), since the servers and Redis run in sessions of their own.
        atexit.register(self.stop)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._terminated)
        name = database_name()
        _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres(f'CREATE DATABASE "{name}"')
        self.redis.start()
        # One after the other: the second `make serve` finds the database migrated and the
        # courses imported (the importer changes nothing then).
        for server in self.servers:
            server.start()

    def _terminated(self, signum, frame):
        self.stop()
        raise SystemExit(128 + signum)

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        for server in self.servers:
            server.stop()
        self.redis.stop()
        try:
            _postgres(f'DROP DATABASE IF EXISTS "{database_name()}" WITH (FORCE)')
        finally:
            if os.environ.get("CLUSTER_KEEP_FILES") != "1":
                shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self):
        return "\n".join(f"--- {s}\n{s.log()[-5000:]}" for s in self.servers)
