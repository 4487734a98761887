"""The peer for `make bench`: tomwalker/django_quiz as PyPI's django-quiz-app 0.5.1 on Django
1.8 (bench/peer/requirements.txt, bench/peer/UPSTREAM.md), served beside the app with the same
gunicorn settings (2 sync workers), on its own SQLite file, from its own virtualenv
bench/peer/.venv on Python 3.6 (PEER_PYTHON, else `pyenv prefix 3.6.15`, else python3.6 on
PATH). Without such a Python the peer is skipped, and the report says why. bench/run.py runs
its endpoints interleaved with the app's, round by round.
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

PEER = Path(__file__).resolve().parent / "peer"
PEER_VENV = PEER / ".venv"
REQUIREMENTS = PEER / "requirements.txt"
# Django 1.8 lists Python 3.2-3.5, none of which pyenv has here; 3.6 runs it (on 3.8 the
# package's models no longer load: "__class__ not set"); the pins are for 3.6.
SUPPORTED = ((3, 6), (3, 6))
PYENV_VERSION = "3.6.15"

# The peer's endpoints: request file, the text every 2xx response must contain.
ENDPOINTS = {
    "ping": ("ping.tsv", "ok"),
    "question page": ("question.tsv", 'name="question_id"'),
    "answer POST": ("answer.tsv", "Your answer was"),
}
POSTING, READING = 4, 4  # learners: one per connection


def _version(python):
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_python():
    """(path of a Python 3.6 for the peer, None) or (None, why there is none)."""
    candidates = []
    if os.environ.get("PEER_PYTHON"):
        candidates.append(os.environ["PEER_PYTHON"])
    if shutil.which("pyenv"):
        try:
            prefix = subprocess.run(
                ["pyenv", "prefix", PYENV_VERSION], capture_output=True, text=True, timeout=30
            )
            if prefix.returncode == 0 and prefix.stdout.strip():
                candidates.append(str(Path(prefix.stdout.strip()) / "bin" / "python3.6"))
        except (OSError, subprocess.TimeoutExpired):
            pass
    if shutil.which("python3.6"):
        candidates.append(shutil.which("python3.6"))
    for python in candidates:
        version = _version(python)
        if version and SUPPORTED[0] <= version <= SUPPORTED[1]:
            return python, None
    return None, (
        "no Python 3.6 found (the peer's Django 1.8 runs on it): set PEER_PYTHON, or install "
        "3.6.15 with pyenv (tried: " + (", ".join(candidates) or "pyenv, python3.6 on PATH") + ")"
    )


def ensure_venv(python):
    """bench/peer/.venv with the pinned requirements; (its python, None) or (None, why not)."""
    stamp = PEER_VENV / ".requirements-sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    peer_python = PEER_VENV / "bin" / "python"
    if stamp.exists() and stamp.read_text() == digest and peer_python.exists():
        return str(peer_python), None
    try:
        if not peer_python.exists():
            subprocess.run([python, "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
        subprocess.run(
            [str(peer_python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(REQUIREMENTS)],
            check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        return None, f"bench/peer/.venv could not be made: {error} {detail[-500:]}"
    stamp.write_text(digest)
    return str(peer_python), None


class Peer:
    """The peer's server and request lists, in `tmp`."""

    def __init__(self, python, tmp, learners, password, port):
        self.python, self.tmp, self.learners = python, tmp, learners
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="peerproject.settings",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            PEER_DB=str(tmp / "peer.sqlite3"),
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.password, self.port = password, port
        self.server = None
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = tmp / "peer-gunicorn.log"
        self.requests = tmp / "peer-requests"

    def run(self, *args, stdin=None, timeout=600):
        result = subprocess.run(
            [self.python, *args], cwd=PEER, env=self.env, input=stdin, capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"peer {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self, login):
        """Migrate, seed, serve, sign the learners in (`login`, bench/run.py's), write the
        request lists. Returns what was seeded. The package ships no migrations: Django 1.8's
        migrate makes the tables of such apps itself (the old syncdb)."""
        self.run("-W", "ignore", "manage.py", "migrate", "--noinput", "-v", "0")
        seeded = self.run(
            "-W", "ignore", "peer_bench.py", "seed", str(self.learners),
            stdin=self.password + "\n",
        )  # fmt: skip
        gunicorn = str(Path(self.python).parent / "gunicorn")
        self.server = subprocess.Popen(
            [gunicorn, "peerproject.wsgi", "--workers", "2", "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "60"],
            cwd=PEER, env=self.env, stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/ping", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError as error:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    why = f"the peer did not answer /ping: see {self.log_path}"
                    raise RuntimeError(why) from error
                time.sleep(0.3)
        names = [f"learner{i:03d}" for i in range(1, POSTING + READING + 1)]
        cookies = [login(self.base, name, self.password) for name in names]
        sessions = self.tmp / "peer-sessions.json"
        sessions.write_text(
            json.dumps({"posting": cookies[:POSTING], "reading": cookies[POSTING:]})
        )
        self.requests.mkdir()
        self.run("peer_bench.py", "requests", str(sessions), str(self.requests))
        return seeded.strip()

    def reset(self):
        """Every learner back to an open sitting at each quiz's first question (untimed)."""
        self.run("peer_bench.py", "reset", str(self.learners))

    def request_file(self, name):
        filename, marker = ENDPOINTS[name]
        return self.requests / filename, marker

    def stop(self):
        if self.server is None:
            return
        os.killpg(self.server.pid, 15)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, 9)
            self.server.wait()
        self.server = None
