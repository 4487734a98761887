"""Two app servers on one PostgreSQL database and one Redis, proven through HTTP.

Run with `make test-cluster` (skipped by the ordinary run: tests/cluster/conftest.py). The tests
share one cluster (tests/cluster/harness.py) and run in this order; the last two stop Redis
while 32 learners answer, and start it again, and then make the database refuse connections.
"""

import contextlib
import re
import secrets
import sys
import threading
import time
from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.cluster.harness import (
    WORKERS,
    Browser,
    Cluster,
    Failed,
    _postgres,
    database_name,
    query,
    wait_for,
)
from tests.waiting import WAIT_SECONDS

pytestmark = pytest.mark.cluster

LEARNERS = 32
# A bound on one run of the learners (each takes every quiz up to 3 times), not a target.
LEARNERS_SECONDS = 900
PASSWORD = "cluster-" + secrets.token_urlsafe(12)


def report(message):
    """A figure for the log of `make test-cluster` (which runs with -s)."""
    sys.stdout.write(f"\n  {message}\n")


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster()
    try:
        cluster.start()
        cluster.a.manage(
            "shell",
            "-c",
            # One password hash for all: hashing 34 passwords one by one took minutes on a
            # busy machine, and what these tests check does not need 34 salts.
            "import sys\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.hashers import make_password\n"
            "User = get_user_model()\n"
            "password = make_password(sys.stdin.readline().strip())\n"
            f"names = [f'learner-{{i:02d}}' for i in range(1, {LEARNERS} + 1)] + ['target']\n"
            "User.objects.bulk_create(\n"
            "    [User(username=name, password=password) for name in names]\n"
            "    + [User(username='root', email='root@example.com', password=password,\n"
            "            is_staff=True, is_superuser=True)]\n"
            ")\n",
            stdin=PASSWORD + "\n",
        )
        yield cluster
    except Failed as error:
        pytest.fail(f"{error}\n{cluster.logs()}")
    finally:
        errors = []
        for server in cluster.servers:
            lines = server.log().splitlines()
            for number, line in enumerate(lines):
                if "Traceback" in line or "Internal Server Error" in line:
                    # With what follows, to the next log line: the error, not only its start.
                    errors.append("\n".join(lines[max(0, number - 1) : number + 40]))
        cluster.stop()
        assert not errors, errors


@pytest.fixture(scope="module")
def course(cluster):
    """The course served: its home page path, one lesson path, its quizzes' paths."""
    status, _, page = Browser().get(cluster.a, "/")
    assert status == 200
    home = re.search(r'href="(/courses/[\w-]+/)"', page).group(1)
    status, _, page = Browser().get(cluster.a, home)
    assert status == 200
    quizzes = list(dict.fromkeys(re.findall(rf'href="({home}quizzes/[\w-]+/)"', page)))
    lesson = re.search(rf'href="({home}lessons/[\w-]+/)"', page).group(1)
    assert quizzes, "the course home links no quiz"
    return {"home": home, "lesson": lesson, "quizzes": quizzes}


def test_a_session_started_on_a_is_signed_in_on_b(cluster, course):
    browser = Browser()
    assert browser.login(cluster.a, "learner-01", PASSWORD) == 302
    progress = course["home"] + "progress/"
    for server in (cluster.b, cluster.a):
        status, _, page = browser.get(server, progress)
        assert status == 200, f"{server} answered {status}: not signed in"
        assert "learner-01" in page
    # And a logout on B is a logout on A.
    assert browser.post(cluster.b, "/accounts/logout/")[0] == 302
    assert browser.get(cluster.a, progress)[0] == 302


def test_five_failed_logins_split_across_a_and_b_lock_the_account_on_both(cluster):
    attacker = Browser()
    statuses = [
        attacker.login(server, "target", "wrong password")
        for server in (cluster.a, cluster.b, cluster.a, cluster.b, cluster.a)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    for server in (cluster.a, cluster.b):
        status, response, page = attacker.post(
            server, "/accounts/login/", {"username": "target", "password": PASSWORD}
        )
        assert status == 429, f"{server} let the right password in: {status}"
        assert int(response.headers["Retry-After"]) > 0
        assert "Too many failed logins" in page


def test_a_reimport_beside_a_shows_on_bs_next_anonymous_request(cluster, course):
    visitor = Browser()
    for server in (cluster.b, cluster.b, cluster.a):  # B's page cache holds the lesson
        status, _, page = visitor.get(server, course["lesson"])
        assert status == 200
    marker = f"Cluster check {secrets.token_hex(6)}."
    assert marker not in page
    slug = course["lesson"].rstrip("/").rsplit("/", 1)[1]
    for path in cluster.courses.glob("*.md"):
        text = path.read_text()
        lesson_line = re.search(rf"^\{{: lesson slug={slug}\b.*$", text, re.M)
        if lesson_line:
            end = lesson_line.end()
            path.write_text(text[:end] + f"\n\n{marker}\n" + text[end:])
            break
    else:
        pytest.fail(f"no course file has the lesson {slug}")
    started = time.monotonic()
    courses = [str(p) for p in sorted(cluster.courses.glob("*.md"))]
    cluster.a.manage("import_course", *courses)
    # B's workers remember the content version for 1 s after they last read it, which was
    # before `started`: past this point none can still hold the old one. (A lower bound, not a
    # race: a busy machine only makes the wait longer.)
    time.sleep(max(0.0, 1.1 - (time.monotonic() - started)))
    status, response, page = Browser().get(cluster.b, course["lesson"])
    assert status == 200
    assert marker in page, "server B served the lesson from before the re-import"
    assert "private" in response.headers["Cache-Control"]


def test_an_lti_launch_begun_on_a_completes_on_b(cluster, course):
    """The OIDC login on A keeps its nonce in the shared cache; the platform's signed launch is
    posted to B, which finds it (and takes it: replayed on A, it is refused)."""
    from urllib.parse import parse_qsl, urlsplit

    from tests.lti_platform import CLIENT_ID, DEPLOYMENT_ID, LmsPlatform, Message

    lms = LmsPlatform(host="127.0.0.1").start(f"http://127.0.0.1:{cluster.a.port}")
    try:
        cluster.a.manage(
            "lti_register_platform",
            "--name=Cluster LMS",
            f"--issuer={lms.issuer}",
            f"--client-id={CLIENT_ID}",
            f"--oidc-url={lms.url}/auth",
            f"--token-url={lms.url}/token",
            f"--key-set-url={lms.url}/jwks",
            f"--deployment={DEPLOYMENT_ID}",
        )
        target = course["home"].strip("/").split("/")[-1]
        message = Message(
            user="u-cluster", role="learner", name="Cy Luster", target=f"course:{target}"
        )
        login = urlsplit(lms.login_url(message))
        browser = Browser()
        status, response, _ = browser.get(cluster.a, f"{login.path}?{login.query}")
        assert status == 302, "no cookie check"
        status, response, _ = browser.get(cluster.a, response.headers["Location"])
        assert status == 302
        auth = urlsplit(response.headers["Location"])
        assert auth.netloc == urlsplit(lms.url).netloc, response.headers["Location"]
        answer = lms.id_token_for(dict(parse_qsl(auth.query)))
        form = {"id_token": answer["id_token"], "state": answer["state"]}
        status, response, page = browser.post(cluster.b, "/lti/launch", form)
        assert status == 302, f"B refused the launch begun on A: {status} {page[:2000]}"
        assert response.headers["Location"] == course["home"]
        for server in (cluster.b, cluster.a):
            status, response, page = browser.get(server, course["home"])
            assert status == 200 and "Log out" in page, f"{server}: not signed in"
            assert f"frame-ancestors {lms.url}" in response.headers["Content-Security-Policy"]
        replay, _, _ = browser.post(cluster.a, "/lti/launch", form)  # its state cookie too
        assert replay == 403, "A accepted a launch B had already used"
    finally:
        lms.stop()


class AnswerForm(HTMLParser):
    """The fields of a question page's answer form, filled in as a hurried learner would:
    the first option of each choice, "1" in each text box, and for a matching question's lists
    the first option not chosen in an earlier list (an option fits one item only)."""

    def __init__(self, page):
        super().__init__()
        self.in_form = False
        self.select = None
        self.chosen = set()  # options already chosen in a list
        self.data = {}
        self.action = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("action") or "").endswith("/answer"):
            self.in_form, self.action = True, attrs["action"]
        if not self.in_form or not attrs.get("name") and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.data.setdefault(attrs["name"], attrs.get("value", "on"))
            elif kind in ("hidden", "submit"):
                if attrs.get("value") is not None:
                    self.data.setdefault(attrs["name"], attrs["value"])
            else:
                self.data.setdefault(attrs["name"], "1")
        elif tag == "textarea":
            self.data.setdefault(attrs["name"], "1")
        elif tag == "select":
            self.select = attrs["name"]
        elif (
            tag == "option"
            and self.select
            and attrs.get("value")
            and self.select not in self.data
            and attrs["value"] not in self.chosen
        ):
            self.data[self.select] = attrs["value"]
            self.chosen.add(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


class Learner:
    """A learner answering through both servers in turn; counts what the servers said."""

    def __init__(self, number, servers):
        self.username = f"learner-{number:02d}"
        self.browser = Browser()
        self.servers = servers
        self.turn = number

    def start_run(self, statuses):
        self.statuses = statuses
        self.answered = 0
        self.attempts = 0
        self.answered_at = []
        self.problems = []
        self.told_stored = []  # (attempt id, slot) the server said it stored
        self.not_stored = []  # (attempt id, slot) of answers that failed
        self.unavailable = []  # (method, path, Retry-After) of each 503

    def server(self):
        self.turn += 1
        return self.servers[self.turn % 2]

    def call(self, method, path, data=None, htmx=False):
        server = self.server()
        try:
            status, response, page = self.browser.request(server, method, path, data, htmx=htmx)
        except OSError as error:
            self.statuses[f"{type(error).__name__}"] += 1
            self.problems.append(f"{method} {path} on {server}: {error}")
            return None, None, ""
        self.statuses[status] += 1
        if status == 503:
            self.unavailable.append((method, path, response.getheader("Retry-After")))
        if status >= 500:
            self.problems.append(f"{method} {path} on {server}: {status}")
        return status, response, page

    def sign_in(self):
        status = self.browser.login(self.server(), self.username, PASSWORD)
        if status != 302:
            self.problems.append(f"login of {self.username}: {status}")
        return status == 302

    def take(self, quiz):
        """Start an attempt at `quiz`, answer every question (every other one as htmx does),
        finish it. False when no attempt could be started."""
        status, response, _ = self.call("POST", quiz + "start")
        if status != 302:
            return False
        slot_path = response.headers["Location"]
        attempt = re.match(r"(.*/attempts/\d+/)q/\d+/$", slot_path).group(1)
        slot = 1
        while True:
            status, _, page = self.call("GET", f"{attempt}q/{slot}/")
            if status != 200:
                break
            form = AnswerForm(page)
            if form.action is None:
                self.problems.append(f"no answer form at {attempt}q/{slot}/")
                break
            htmx = slot % 2 == 0
            status, response, page = self.call("POST", form.action, form.data, htmx=htmx)
            key = (int(re.search(r"/attempts/(\d+)/", attempt).group(1)), slot)
            if status in (200, 302):
                self.answered += 1
                self.answered_at.append(time.monotonic())
                # Stored and shown: an htmx result, or a redirect back to this question (a
                # course test's draft moves on to the next question instead).
                location = response.headers.get("Location", "")
                if 'class="result result--' in page or location.endswith(f"/q/{slot}/"):
                    self.told_stored.append(key)
            else:
                self.not_stored.append(key)
                self.problems.append(f"answer {form.action}: {status}")
            slot += 1
        self.call("POST", attempt + "finish")
        self.attempts += 1
        return True


# The learners' browsers, signed in during the first run and kept for the next.
LEARNER_SESSIONS = {}


def stored_answers():
    """Answers stored for the learners of these tests (from the database itself)."""
    [(count,)] = query(
        "SELECT count(*) FROM quizzes_response r JOIN quizzes_attempt a ON r.attempt_id = a.id "
        "JOIN auth_user u ON a.user_id = u.id WHERE u.username LIKE 'learner-%%'"
    )
    return count


def assert_mastery_matches_recompute(cluster):
    result = cluster.b.manage("recompute_mastery", "--check", check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def run_learners(cluster, course, until, on_the_way=None):
    """LEARNERS threads, each signing in (the first time) and taking quizzes through A and B
    in turn until `until()` is true (at least one each); `on_the_way` runs meanwhile."""
    statuses = Counter()
    learners = LEARNER_SESSIONS.setdefault(
        "all", [Learner(i, cluster.servers) for i in range(1, LEARNERS + 1)]
    )
    errors = []

    def work(learner):
        learner.start_run(statuses)
        try:
            if not learner.browser.cookies.get("sessionid") and not learner.sign_in():
                return
            quizzes = course["quizzes"]
            for n in range(len(quizzes) * 3):
                quiz = quizzes[(learner.turn + n) % len(quizzes)]
                learner.take(quiz)
                if until():
                    return
        except Exception as error:  # reported below, with the learner
            errors.append(f"{learner.username}: {error!r}")

    threads = [threading.Thread(target=work, args=(lr,), daemon=True) for lr in learners]
    for thread in threads:
        thread.start()
    if on_the_way is not None:
        on_the_way()
    for thread in threads:
        thread.join(timeout=LEARNERS_SECONDS)
    assert not any(t.is_alive() for t in threads), (
        f"learners still answering after {LEARNERS_SECONDS} s"
    )
    assert not errors, errors
    return learners, statuses


def test_a_deactivation_committed_while_its_sessions_request_on_both_holds_on_both(cluster):
    """The revoked user's session sends requests to A and B while the deactivation is saved but
    not committed (they read and cache the old row); after the commit, the next request on
    either server is signed out, and the name form restores nothing. Then the same for a
    deletion: the row never comes back."""
    cluster.a.manage(
        "shell",
        "-c",
        "import sys\n"
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.create_user('revoked', password=sys.stdin.readline().strip())\n",
        stdin=PASSWORD + "\n",
    )
    victim = Browser()
    assert victim.login(cluster.a, "revoked", PASSWORD) == 302
    folder = cluster.folder

    def change_in_the_window(change):
        """`change` (Python lines on `user`) in a transaction held open until the victim's
        requests to both servers have run inside it."""
        saved, go = folder / "saved", folder / "go"
        saved.unlink(missing_ok=True)
        go.unlink(missing_ok=True)
        script = (
            "import pathlib, time\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.db import transaction\n"
            "with transaction.atomic():\n"
            "    user = get_user_model().objects.get(username='revoked')\n"
            f"    {change}\n"
            f"    pathlib.Path({str(saved)!r}).touch()\n"
            "    deadline = time.monotonic() + 120\n"
            f"    while not pathlib.Path({str(go)!r}).exists() and time.monotonic() < deadline:\n"
            "        time.sleep(0.05)\n"
        )
        done = {}
        thread = threading.Thread(
            target=lambda: done.update(result=cluster.a.manage("shell", "-c", script))
        )
        thread.start()
        wait_for("the change to be saved", saved.exists, 120)
        statuses = [
            victim.get(server, "/accounts/settings/")[0] for server in (cluster.a, cluster.b) * 2
        ]
        go.touch()
        thread.join(180)
        assert "result" in done, "the change did not commit"
        return statuses

    during = change_in_the_window("user.is_active = False; user.save()")
    assert during == [200] * 4, during  # served (and cached) the old row inside the window
    for server in (cluster.b, cluster.a):
        assert victim.get(server, "/accounts/settings/")[0] == 302, f"{server} still signs in"
    victim.post(cluster.a, "/accounts/settings/", {"first_name": "Back", "last_name": ""})
    assert query("SELECT is_active FROM auth_user WHERE username = 'revoked'") == [(False,)]

    # Active again, signed in again, then deleted with its session's requests in the window.
    cluster.a.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "user = get_user_model().objects.get(username='revoked')\n"
        "user.is_active = True\n"
        "user.save()\n",
    )
    assert victim.login(cluster.b, "revoked", PASSWORD) == 302
    during = change_in_the_window("user.delete()")
    assert during == [200] * 4, during
    for server in (cluster.a, cluster.b):
        assert victim.get(server, "/accounts/settings/")[0] == 302, f"{server} still signs in"
        victim.post(server, "/accounts/settings/", {"first_name": "Zombie", "last_name": ""})
    assert query("SELECT count(*) FROM auth_user WHERE username = 'revoked'") == [(0,)]
    assert Browser().login(cluster.a, "revoked", PASSWORD) == 200  # refused: the form again


def answers_since(moment):
    """Answers the learners have had accepted since `moment` (time.monotonic())."""
    learners = LEARNER_SESSIONS.get("all", [])
    return sum(1 for lr in learners for t in list(lr.answered_at) if t > moment)


def wait_for_answers(since, what):
    """Wait until the learners have had LEARNERS answers accepted since `since`."""
    wait_for(
        f"{LEARNERS} answers {what}",
        lambda: answers_since(since) >= LEARNERS,
        timeout=WAIT_SECONDS,
    )


def test_32_learners_answering_through_both_servers_lose_no_answer(cluster, course):
    before = stored_answers()
    learners, statuses = run_learners(cluster, course, until=lambda: True)
    problems = [p for lr in learners for p in lr.problems]
    assert not problems, problems[:20]
    assert not [s for s in statuses if not isinstance(s, int) or s >= 500], statuses
    answered = sum(lr.answered for lr in learners)
    assert answered >= LEARNERS
    assert stored_answers() - before == answered, statuses
    assert_mastery_matches_recompute(cluster)
    report(f"{answered} answers by {LEARNERS} learners, all stored; responses {dict(statuses)}")


def test_stopping_redis_mid_run_loses_no_answer_and_the_servers_recover(cluster, course):
    before = stored_answers()
    done = threading.Event()
    seen = {}

    def outage():
        wait_for_answers(time.monotonic(), "before Redis is stopped")
        cluster.redis.stop()
        seen["down at"] = time.monotonic()
        for server in cluster.servers:
            wait_for(
                f"{server} to report the cache degraded",
                lambda s=server: (
                    s.health()
                    == (
                        200,
                        "degraded: shared cache unavailable, serving from the database\n",
                    )
                ),
                timeout=WAIT_SECONDS,
            )
        # While Redis is down: a learner can sign in (fail open), an admin cannot (closed),
        # and a session started now on A is signed in on B.
        learner = Browser()
        seen["learner login"] = learner.login(cluster.a, "learner-02", PASSWORD)
        seen["learner on B"] = learner.get(cluster.b, course["home"] + "progress/")[0]
        admin = Browser()
        seen["admin login"] = admin.login(cluster.b, "root", PASSWORD, path="/admin/login/")
        wait_for_answers(seen["down at"], "while Redis is down")
        cluster.redis.start()
        seen["up at"] = time.monotonic()
        for server in cluster.servers:
            wait_for(
                f"{server} to recover",
                lambda s=server: s.health() == (200, "ok\n"),
                timeout=WAIT_SECONDS,
            )
        seen["learner on A after"] = learner.get(cluster.a, course["home"] + "progress/")[0]

        # Each worker leaves Redis alone for a moment after a failure (config/sharedcache.py),
        # so the admin login opens again within that back-off, not necessarily at once.
        def admin_login():
            seen["admin login after"] = Browser().login(
                cluster.a, "root", PASSWORD, "/admin/login/"
            )
            return seen["admin login after"] != 503

        with contextlib.suppress(Failed):  # the assertion below shows the last status
            wait_for("the admin login to open again", admin_login, timeout=WAIT_SECONDS)
        wait_for_answers(seen["up at"], "after Redis is back")
        done.set()

    def outage_or_stop():
        try:
            outage()
        finally:
            done.set()

    learners, statuses = run_learners(
        cluster, course, until=done.is_set, on_the_way=outage_or_stop
    )
    down_at, up_at = seen.pop("down at"), seen.pop("up at")
    during = sum(1 for lr in learners for t in lr.answered_at if down_at < t < up_at)
    assert during >= LEARNERS, f"only {during} answers while Redis was down"
    assert seen == {
        "learner login": 302,
        "learner on B": 200,
        "admin login": 503,
        "learner on A after": 200,
        "admin login after": 302,
    }
    problems = [p for lr in learners for p in lr.problems]
    assert not problems, problems[:20]
    assert not [s for s in statuses if not isinstance(s, int) or s >= 500], statuses
    answered = sum(lr.answered for lr in learners)
    assert stored_answers() - before == answered, statuses
    assert_mastery_matches_recompute(cluster)
    report(
        f"{answered} answers, all stored, {during} of them in the {up_at - down_at:.1f} s "
        f"Redis was down; responses {dict(statuses)}; quizzes {len(course['quizzes'])}; "
        f"(attempts, learners): {sorted(Counter(lr.attempts for lr in learners).items())}"
    )


def stored_per_slot(after_id):
    """(attempt id, slot): number of responses, for the learners' responses after `after_id`."""
    rows = query(
        "SELECT r.attempt_id, r.slot, count(*) FROM quizzes_response r "
        "JOIN quizzes_attempt a ON r.attempt_id = a.id JOIN auth_user u ON a.user_id = u.id "
        "WHERE u.username LIKE 'learner-%%' AND r.id > %s GROUP BY r.attempt_id, r.slot",
        (after_id,),
    )
    return {(attempt, slot): count for attempt, slot, count in rows}


def test_the_database_refusing_connections_mid_run_answers_503_with_retry_after(cluster, course):
    """The cluster's database stops accepting connections (and its connections are ended)
    while 32 learners answer: every failure is a 503 with Retry-After, /healthz says 503,
    every answer a learner was told is stored is stored exactly once and no failed one is,
    each server logs the outage once (start and end, no traceback), and all recover."""
    [(last_id,)] = query("SELECT coalesce(max(id), 0) FROM quizzes_response")
    name = database_name()
    done = threading.Event()
    seen = {}

    def refuse(allow):
        _postgres(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            _postgres(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )

    def outage():
        # Learners answering before the fault: wait for answers, not for a time.
        wait_for(
            "answers before the outage", lambda: stored_per_slot(last_id), timeout=WAIT_SECONDS
        )
        refuse(False)
        seen["down at"] = time.monotonic()
        try:
            for server in cluster.servers:
                wait_for(
                    f"{server} to answer /healthz with 503",
                    lambda s=server: s.health()[0] == 503,
                    timeout=WAIT_SECONDS,
                )
            wait_for(
                "learners to meet the outage",
                lambda: sum(len(lr.unavailable) for lr in LEARNER_SESSIONS["all"]) >= LEARNERS,
                timeout=WAIT_SECONDS,
            )
        finally:
            refuse(True)
        seen["up at"] = time.monotonic()
        for server in cluster.servers:
            wait_for(f"{server} to recover", lambda s=server: s.health()[0] == 200, WAIT_SECONDS)
        after = sum(lr.answered for lr in LEARNER_SESSIONS["all"])
        wait_for(
            "answers after the outage",
            lambda: sum(lr.answered for lr in LEARNER_SESSIONS["all"]) >= after + LEARNERS,
            timeout=WAIT_SECONDS,
        )
        done.set()

    def outage_or_stop():
        try:
            outage()
        finally:
            done.set()

    learners, statuses = run_learners(
        cluster, course, until=done.is_set, on_the_way=outage_or_stop
    )
    unavailable = [u for lr in learners for u in lr.unavailable]
    assert unavailable, "no request met the outage"
    assert all(retry == "5" for _method, _path, retry in unavailable), unavailable[:10]
    failures = [s for s in statuses if not isinstance(s, int) or (s >= 500 and s != 503)]
    assert not failures, statuses
    problems = [p for lr in learners for p in lr.problems if not p.endswith(": 503")]
    assert not problems, problems[:20]

    stored = stored_per_slot(last_id)
    told = [key for lr in learners for key in lr.told_stored]
    assert told, "no answer was stored"
    assert len(told) == len(set(told))
    assert not [key for key in told if stored.get(key) != 1], stored
    failed = [key for lr in learners for key in lr.not_stored]
    assert failed, "no answer failed during the outage"
    assert not [key for key in failed if key in stored], "a failed answer was stored"
    assert_mastery_matches_recompute(cluster)
    for server in cluster.servers:
        log = server.log()
        assert 1 <= log.count("Database unavailable, answering 503") <= WORKERS, log
        assert re.search(r"Database back after [\d.]+ s; \d+ requests? answered 503", log), log
    report(
        f"database refused connections for {seen['up at'] - seen['down at']:.1f} s: "
        f"{len(unavailable)} requests answered 503 with Retry-After, {len(told)} answers "
        f"told stored and stored once, {len(failed)} failed and not stored; "
        f"responses {dict(statuses)}"
    )
