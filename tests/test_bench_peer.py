"""The benchmark's peer (bench/peer/: PyPI's django-quiz-app 0.5.1 on Django 1.8, in its own
virtualenv on Python 3.6): its project imports, migrates, seeds, serves /ping and a question page,
and the answer list `make bench` replays answers each learner's questions in order, every one
accepted. Skipped, with the reason, when no Python 3.6 is found."""

import json
import os
import subprocess
import sys

import pytest

from bench import peer_run

pytestmark = pytest.mark.slow

# Run by the peer's Python in bench/peer/: Django's test client against a fresh SQLite file.
SCRIPT = r"""
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "peerproject.settings"
django.setup()
from django.core.management import call_command
from django.test import Client
import peer_bench

out = sys.argv[1]
call_command("migrate", interactive=False, verbosity=0)
peer_bench.seed(8, "a long peer password")
facts = {}
facts["ping"] = Client().get("/ping").content.decode()
clients, cookies = [], []
for i in range(1, 9):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=peer_bench.username(i), password="a long peer password")
    client.get("/accounts/login/")  # the CSRF cookie, as the login form sets it
    clients.append(client)
    cookies.append({k: client.cookies[k].value for k in ("sessionid", "csrftoken")})
with open(os.path.join(out, "sessions.json"), "w") as f:
    json.dump({"posting": cookies[:4], "reading": cookies[4:]}, f)
peer_bench.requests(os.path.join(out, "sessions.json"), out)
page = clients[4].get("/q/quiz-1/take/")
facts["question"] = [page.status_code, page.content.count(b'name="answers"'),
                     b'name="question_id"' in page.content]
# The first learner's list, replayed in order across the end of quiz 1 (25 answers).
lines = open(os.path.join(out, "answer.tsv")).read().splitlines()[0::4][:25]
marked = 0
for line in lines:
    method, path, cookie, token, body = line.split("\t")
    response = clients[0].post(path, data=body, content_type="application/x-www-form-urlencoded",
                               HTTP_X_CSRFTOKEN=token)
    marked += response.status_code == 200 and b"Your answer was" in response.content
facts["answered"] = [len(lines), marked]
from quiz.models import Progress, Sitting
facts["possible"] = Progress.objects.get(user__username=peer_bench.username(1)).score
facts["open"] = Sitting.objects.filter(user__username=peer_bench.username(1)).count()
sys.stdout.write(json.dumps(facts) + "\n")
"""


@pytest.fixture(scope="module")
def peer_python():
    python, why = peer_run.find_python()
    if python is None:
        pytest.skip(f"the benchmark's peer needs Python 3.6 for its Django 1.8: {why}")
    peer_python, why = peer_run.ensure_venv(python)
    if peer_python is None:
        pytest.skip(f"the peer's virtualenv could not be made: {why}")
    return peer_python


def test_the_peer_serves_ping_a_question_and_takes_the_answer_list_in_order(peer_python, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PEER_DB=str(tmp_path / "peer.sqlite3"), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [peer_python, "-W", "ignore", "-c", SCRIPT, str(tmp_path)],
        cwd=peer_run.PEER, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["ping"] == "ok\n"
    assert facts["question"] == [200, 4, True]
    assert facts["answered"] == [25, 25]  # every answer graded: none out of step
    # 25 answers counted in the learner's progress; quiz 1's sitting finished and deleted
    # (exam_paper off), quiz 2's moved on: 4 of the 5 seeded open sittings remain.
    assert facts["possible"].split(",")[2] == "25"
    assert facts["open"] == 4
    assert (tmp_path / "ping.tsv").read_text() == "GET\t/ping\t\t\t\n"
    questions = (tmp_path / "question.tsv").read_text().splitlines()
    assert [line.split("\t")[1] for line in questions] == [
        "/q/quiz-1/take/", "/q/quiz-2/take/", "/q/quiz-3/take/", "/q/quiz-4/take/",
    ]  # fmt: skip


def test_a_missing_python_is_reported_not_hidden(monkeypatch):
    monkeypatch.setenv("PEER_PYTHON", sys.executable)  # 3.12+: too new for Django 1.8
    monkeypatch.setenv("PATH", "/nonexistent")
    python, why = peer_run.find_python()
    assert python is None
    assert "Python 3.6" in why and sys.executable in why
