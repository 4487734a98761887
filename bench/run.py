"""The benchmark: gunicorn (2 workers) under wrk, on SQLite and, when DATABASE_URL is set, on
PostgreSQL too. Run with `make bench`; the method and the results are in docs/performance.md.

For each database: a fresh database (a temporary SQLite file, or a new PostgreSQL database next
to the one DATABASE_URL names, dropped afterwards), migrate, import the course, seed the demo
class, collect the static files, start gunicorn with production settings (debug off, BENCH on
for the baseline view), log learners and an instructor in through the login form, and write the
request lists (bench/prepare.py). A bare Django project (bench/bare/) is served beside it with
the same gunicorn settings: the reference trivial view.

On SQLite, tomwalker/django_quiz (PyPI's django-quiz-app 0.5.1 on Django 1.8, installed into
its own virtualenv bench/peer/.venv on Python 3.6: bench/peer_run.py, bench/peer/UPSTREAM.md)
is served beside it, as the outside side-by-side review did; without a Python 3.6 it is
skipped, and the report says why.

Then, in rounds (BENCH_ROUNDS, default 5): the app's baseline, the bare project, then each
endpoint, all with `wrk -t4 -c4 -d<BENCH_DURATION>s`; one more baseline closes the last round.
django_quiz's /ping, question page and answer POST run next to the app's baseline, question
page and answer POST (the app first in odd rounds, the peer in even ones), and the report
gives the per-round app / django_quiz ratios and their median.
An endpoint's ratio in a round is its requests per second over the mean of the baselines
either side of it (the one that opened its round and the one that opened the next), and the
table gives the median of those paired ratios, so a load spike lands on both sides of a ratio
instead of on one endpoint. After the rounds: the question page and the answer POST at 16 and
64 connections, the admin reports timed cold and warm, each worker's memory, the server log.

Every answer POST answers a question not answered before (a list per run, never replayed).
The 1-minute load average is printed before every run, with a warning when it is above the
number of CPUs: figures taken then are not worth much. Every step is bounded in time and
every request goes to 127.0.0.1.

Environment: BENCH_DURATION (s per run, 10), BENCH_ROUNDS (5), BENCH_LEARNERS (seeded class,
300), BENCH_SIGNED_IN (learners logged in, 64), BENCH_REPORT_RESPONSES (100000), DATABASE_URL,
BENCH_PORT (the first port of the servers; unset: ports the system picks), PEER_PYTHON (a
Python 3.6 for django_quiz; else `pyenv prefix 3.6.15`, else python3.6 on PATH).
"""

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import peer_run

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "requests.lua"
RESULTS = ROOT / "bench-results"
# Random, and nothing like the accounts' names (the similarity validator refuses that).
PASSWORD = secrets.token_urlsafe(16)
CPUS = os.cpu_count() or 1


def envint(name, default):
    value = os.environ.get(name, "")
    return int(value) if value else default


DURATION = envint("BENCH_DURATION", 10)
ROUNDS = envint("BENCH_ROUNDS", 5)
LEARNERS = envint("BENCH_LEARNERS", 300)
SIGNED_IN = envint("BENCH_SIGNED_IN", 64)
REPORT_RESPONSES = envint("BENCH_REPORT_RESPONSES", 100_000)
SCALE_CONNECTIONS = (16, 64)

# name, request file ({run}: a fresh list per run), what it is, target ratio to the baseline.
ENDPOINTS = [
    ("bare Django", "bare.tsv", "bench/bare: startproject's middleware, same view", 1 / 1.1),
    ("course home", "course.tsv", "anonymous", None),
    ("lesson page", "lesson.tsv", "anonymous, every lesson in turn", 0.9),
    ("question page", "question.tsv", "signed in, unanswered", 0.3),
    ("answer POST", "answer-{run}.tsv", "htmx, graded, stored, mastery updated", 0.2),
    ("progress page", "progress.tsv", "signed in", 0.2),
]
ANSWER_P99_MS = 40  # at 4 connections
SCALE_P99_MS = {"answer POST": 300}  # at 64 connections
REPORT_COLD_MS, REPORT_WARM_MS = 300, 100
MEMORY_MB = 80
# The scale curve (bench/scale.py): answers at each point; the largest runs on PostgreSQL when
# DATABASE_URL is set. Flat means: cold under REPORT_COLD_MS at every point.
SCALE_POINTS = [
    int(n) for n in os.environ.get("BENCH_SCALE", "1000,10000,100000,1000000").split(",") if n
]
SCALE_TIMEOUT = 2400


def log(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def load_average():
    return float(Path("/proc/loadavg").read_text().split()[0])


def note_load(what):
    """The 1-minute load average before a run, printed with a warning above the CPU count."""
    load = load_average()
    warning = f"  WARNING: load {load:.2f} > {CPUS} CPUs, this run is unreliable" * (load > CPUS)
    log(f"  [load {load:.2f}] {what}{warning}")
    return load


def ensure_wrk():
    if not shutil.which("wrk"):
        log("wrk is missing: installing it with apt-get")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=300)
            subprocess.run(install, check=True, capture_output=True, timeout=300)
    return shutil.which("wrk")


_next_port = envint("BENCH_PORT", 0)


def free_port():
    """A port for a server: the next from BENCH_PORT when it is set, else one the system picks."""
    global _next_port
    if _next_port:
        _next_port += 1
        return _next_port - 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, stdin=None, timeout=900, cwd=ROOT, python=sys.executable):
    """manage.py of the tree `cwd` (this checkout unless told) run by `python`."""
    started = time.monotonic()
    result = subprocess.run(
        [python, "manage.py", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    log(f"  manage.py {args[0]}: {time.monotonic() - started:.1f} s")
    return result.stdout


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base, username, password):
    """Log in through the login form, as a browser does: the session and CSRF cookies."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    try:
        opener.open(f"{base}/accounts/login/", data=data, timeout=30)
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise SystemExit(f"login of {username} failed with {error.code}") from None
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"login of {username} failed: no session cookie")
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies["csrftoken"]}


def timed_request(base, request_line):
    """Send one request of a list; returns (problem or None, milliseconds it took)."""
    method, path, cookie, csrf, body = request_line.split("\t")
    headers = {"Cookie": cookie} if cookie else {}
    if csrf:
        headers.update({"X-CSRFToken": csrf, "HX-Request": "true"})
    request = urllib.request.Request(
        base + path, method=method, headers=headers, data=body.encode() if body else None
    )
    if body:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=60) as response:
            response.read()
            problem = None if 200 <= response.status < 300 else f"answered {response.status}"
    except urllib.error.HTTPError as error:
        problem = f"answered {error.code} for {path}"
    except OSError as error:
        problem = f"failed: {error}"
    return problem, (time.perf_counter() - started) * 1000


def first_line(request_file):
    return request_file.read_text().split("\n")[0]


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * UNITS[match.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    repeated = re.search(r"repeated requests: (\d+)", output)
    unmarked = re.search(r"2xx without the marker: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "repeated": int(repeated.group(1)) if repeated else 0,
        "unmarked": int(unmarked.group(1)) if unmarked else 0,
    }


def run_wrk(wrk, base, request_file, connections=4, marker=""):
    # One wrk thread per connection: bench/requests.lua gives thread i the lines i, i + n...,
    # and the lists interleave the learners, so each connection is always the same learner
    # (as in a class, where a learner does not answer two questions at the same moment).
    threads = connections
    env = {**os.environ, "BENCH_REQUESTS": str(request_file), "BENCH_THREADS": str(threads)}
    env["BENCH_MARKER"] = marker  # when set, 2xx responses without it are counted
    args = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{DURATION}s", "--timeout", "10s",
        "--latency", "-s", str(LUA), base + "/",
    ]  # fmt: skip
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=DURATION + 60)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stdout}{result.stderr}")
    if result.stderr.strip():
        log("    " + result.stderr.strip().replace("\n", "\n    ")[:2000])
    return parse_wrk(result.stdout)


def describe(run):
    return (
        f"{run['rps']:.0f} req/s, p50 {run['p50']:.1f} ms, p99 {run['p99']:.1f} ms, "
        f"non-2xx {run['non2xx']}, socket errors {run['socket_errors']}"
    )


def worker_memory(master_pid):
    """Resident and peak resident memory (MB) of each gunicorn worker."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    memory = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
        memory.append({"pid": int(pid), "rss_mb": round(rss, 1), "peak_mb": round(hwm, 1)})
    return memory


def postgres_database(url, suffix="_bench"):
    """A fresh database beside the one `url` names: (its URL, a function that drops it)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def execute(sql):
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), lambda: execute(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def gunicorn(wsgi_app, env, log_path, cwd=ROOT, bin_dir=VENV_BIN):
    """gunicorn with the benchmark's settings (2 sync workers) on a free port: (process, URL).
    It serves the tree `cwd` (this checkout unless told) with the gunicorn of `bin_dir`."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            wsgi_app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--timeout",
            "60",
        ],  # fmt: skip
        cwd=cwd,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return server, f"http://127.0.0.1:{port}"


def wait_until_up(base, path, log_path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + path, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {path}: see {log_path}")


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def middleware_costs(env):
    """bench/middleware_cost.py for the app and the bare project (in process, a few seconds)."""
    costs = {}
    for settings in ("config.settings", "bench.bare.settings"):
        result = subprocess.run(
            [sys.executable, "bench/middleware_cost.py", "--settings", settings],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if result.returncode != 0:
            log(f"  middleware cost of {settings} failed:\n{result.stderr[-2000:]}")
            continue
        lines = result.stdout.strip().splitlines()
        log("  " + "\n  ".join(lines[:-1]))
        costs[settings] = json.loads(lines[-1])
    return costs


def timed_report(base, request_file, warm=5):
    """The report's first (cold) request and the median of `warm` more, in milliseconds."""
    line = first_line(request_file)
    problem, cold = timed_request(base, line)
    if problem:
        return {"skipped": problem}
    warm_ms = [timed_request(base, line)[1] for _ in range(warm)]
    return {"cold_ms": cold, "warm_ms": statistics.median(warm_ms), "warm_runs": warm_ms}


def start_peer(tmp, learners):
    """django_quiz served beside the app (bench/peer_run.py): (Peer, facts), or (None,
    {"skipped": why}) when no Python 3.6 is found, its virtualenv cannot be made or the peer
    does not start."""
    python, why = peer_run.find_python()
    if python is None:
        log(f"  django_quiz: skipped, {why}")
        return None, {"skipped": why}
    started = time.monotonic()
    peer_python, why = peer_run.ensure_venv(python)
    if peer_python is None:
        log(f"  django_quiz: skipped, {why}")
        return None, {"skipped": why}
    peer = peer_run.Peer(peer_python, tmp, learners, PASSWORD, free_port())
    try:
        seeded = peer.start(login)
    except (RuntimeError, SystemExit, subprocess.TimeoutExpired, OSError) as error:
        peer.stop()
        why = f"django_quiz did not start: {str(error)[-500:]}"
        log(f"  {why}")
        return None, {"skipped": why}
    show = "import sys, django; print(sys.version.split()[0], django.__version__)"
    version = subprocess.run(
        [peer_python, "-c", show],
        capture_output=True, text=True, timeout=60,
    ).stdout.split()  # fmt: skip
    log(f"  django_quiz on {peer.base}: {seeded}; Python {version[0]}, Django {version[1]}; "
        f"{time.monotonic() - started:.1f} s")  # fmt: skip
    return peer, {"seeded": seeded, "python": version[0], "django": version[1]}


def app_env(tmp):
    """The app's environment for a benchmark server or script: production settings, debug
    off, BENCH on, its files under `tmp`, no DATABASE_URL (the caller sets it)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "REDIS_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_VAR_DIR=str(tmp / "var"),
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        BENCH="true",
    )
    return env


def bench_database(wrk, label, database_url, bare_base):
    log(f"\n== {label}")
    tmp = Path(tempfile.mkdtemp(prefix="coursework-bench-"))
    env = app_env(tmp)
    drop = None
    if database_url:
        env["DATABASE_URL"], drop = postgres_database(database_url)
    server = peer = None
    peer_outcome = {"skipped": "not run on PostgreSQL (the outside review ran it on SQLite)"}
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "import_course", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.md")))
        seeded = manage(
            env, "seed_demo_data", "--learners", str(LEARNERS), "--seed", "1",
            "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
        log("  " + seeded.strip().splitlines()[-1])
        manage(
            env, "create_instructor", "bench-instructor@example.com", "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        costs = middleware_costs(env) if not database_url else {}

        server_log = tmp / "gunicorn.log"
        server, base = gunicorn("config.wsgi", env, server_log)
        wait_until_up(base, "/healthz", server_log)

        learners = {
            f"demo-{i:04d}": login(base, f"demo-{i:04d}", PASSWORD)
            for i in range(1, min(SIGNED_IN, LEARNERS) + 1)
        }
        instructor = login(base, "bench-instructor@example.com", PASSWORD)
        sessions = tmp / "sessions.json"
        sessions.write_text(json.dumps({"learners": learners, "instructor": instructor}))
        requests = tmp / "requests"
        requests.mkdir()
        started = time.monotonic()
        answer_lists = ROUNDS + len(SCALE_CONNECTIONS)
        prepared = subprocess.run(
            [
                sys.executable,
                "bench/prepare.py",
                str(sessions),
                str(requests),
                "--runs",
                str(answer_lists),
                "--answers-per-run",
                str(max(3000, 800 * DURATION)),
                "--report-responses",
                str(REPORT_RESPONSES),
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if prepared.returncode != 0:
            raise SystemExit(f"bench/prepare.py failed:\n{prepared.stdout}{prepared.stderr}")
        facts = json.loads(prepared.stdout.strip().splitlines()[-1])
        log(f"  prepare: {time.monotonic() - started:.1f} s, {facts}")
        (requests / "bare.tsv").write_text("GET\t/bench/baseline\t\t\t\n")

        def base_of(name):
            return bare_base if name == "bare Django" else base

        skipped = {}
        for name, filename, _what, _target in ENDPOINTS:  # answer-0.tsv: spare slots
            problem, first_ms = timed_request(
                base_of(name), first_line(requests / filename.format(run=0))
            )
            log(f"  {name}: first request {first_ms:.0f} ms{', ' + problem if problem else ''}")
            if problem:
                skipped[name] = problem

        # The peer (django_quiz, bench/peer_run.py), on SQLite only, as the outside review.
        if not database_url:
            peer, peer_outcome = start_peer(tmp, learners=LEARNERS)
        peer_runs = {name: [] for name in peer_run.ENDPOINTS}

        def run_peer(round_, name):
            if name == "answer POST":
                peer.reset()  # every learner back to an open sitting at question 1 (untimed)
            request_file, marker = peer.request_file(name)
            load = note_load(f"round {round_}: django_quiz {name}")
            peer_runs[name].append(
                run_wrk(wrk, peer.base, request_file, marker=marker) | {"load": load}
            )
            log(f"    django_quiz {name}: {describe(peer_runs[name][-1])}, "
                f"2xx without the marker {peer_runs[name][-1]['unmarked']}")  # fmt: skip

        def run_app(round_, name, filename):
            load = note_load(f"round {round_}: {name}")
            request_file = requests / filename.format(run=round_)
            runs[name].append(run_wrk(wrk, base_of(name), request_file) | {"load": load})
            log(f"    {name}: {describe(runs[name][-1])}")

        # Rounds: baseline, then every endpoint; a last baseline closes the last round. The
        # peer's /ping, question page and answer POST run next to the app's baseline, question
        # page and answer POST; the app goes first in odd rounds, the peer in even ones.
        baselines, runs = [], {name: [] for name, *_ in ENDPOINTS}
        for round_ in range(1, ROUNDS + 2):
            peer_first = peer is not None and round_ % 2 == 0 and round_ <= ROUNDS
            if peer_first:
                run_peer(round_, "ping")
            load = note_load(f"round {round_}: baseline")
            baselines.append(run_wrk(wrk, base, requests / "baseline.tsv") | {"load": load})
            log(f"    baseline: {describe(baselines[-1])}")
            if round_ > ROUNDS:
                break
            if peer is not None and not peer_first:
                run_peer(round_, "ping")
            for name, filename, _what, _target in ENDPOINTS:
                if name in skipped:
                    continue
                paired = peer is not None and name in peer_runs
                if paired and peer_first:
                    run_peer(round_, name)
                run_app(round_, name, filename)
                if paired and not peer_first:
                    run_peer(round_, name)

        # More connections: the question page and fresh answers at 16 and 64.
        scale = []
        for i, connections in enumerate(SCALE_CONNECTIONS, start=ROUNDS + 1):
            for name, filename in (
                ("question page", "question.tsv"),
                ("answer POST", "answer-{run}.tsv"),
            ):
                if name in skipped:
                    continue
                load = note_load(f"{name} at {connections} connections")
                run = run_wrk(wrk, base, requests / filename.format(run=i), connections)
                scale.append(run | {"name": name, "connections": connections, "load": load})
                log(f"    {name} at {connections}: {describe(run)}")

        note_load("reports, cold then warm")
        # Each worker's first admin page imports the admin and compiles its templates (about
        # a second on a quiet machine): warm both workers on the reports' index first, so
        # "cold" is the report's own data (its cache empty), as in the scale curve.
        for _ in range(10):
            timed_request(base, first_line(requests / "reports-index.tsv"))
        reports = {}
        for name, filename in (("item analysis", "report.tsv"), ("class mastery", "mastery.tsv")):
            reports[name] = timed_report(base, requests / filename)
            log(f"    {name}: {reports[name]}")

        memory = worker_memory(server.pid)
        bad = ("Traceback", "database is locked", "Internal Server Error")
        errors = [
            line for line in server_log.read_text().splitlines() if any(w in line for w in bad)
        ]
        if peer is not None:
            peer_outcome.update(
                runs=peer_runs, memory=worker_memory(peer.server.pid),
                errors=[
                    line for line in peer.log_path.read_text().splitlines()
                    if any(w in line for w in bad)
                ],
            )  # fmt: skip
        return {
            "label": label, "facts": facts, "baselines": baselines, "runs": runs,
            "skipped": skipped, "scale": scale, "reports": reports, "memory": memory,
            "errors": errors, "middleware": costs, "peer": peer_outcome,
        }  # fmt: skip
    finally:
        if peer is not None:
            peer.stop()
        if server is not None:
            stop(server)
        if drop is not None:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


def paired_ratios(outcome, name):
    """The endpoint's req/s in each round over the mean of the baselines either side of it."""
    baselines = outcome["baselines"]
    return [
        run["rps"] / ((baselines[i]["rps"] + baselines[i + 1]["rps"]) / 2)
        for i, run in enumerate(outcome["runs"][name])
    ]


def verdict(met):
    return "met" if met else "NOT met"


def table(outcome):
    baselines = outcome["baselines"]
    loads = [b["load"] for b in baselines] + [
        r["load"] for runs in outcome["runs"].values() for r in runs
    ]
    lines = [
        f"### {outcome['label']}",
        "",
        f"wrk -t4 -c4 -d{DURATION}s, {ROUNDS} interleaved rounds; "
        f"1-minute load average before the runs: {min(loads):.2f} to {max(loads):.2f} "
        f"(median {statistics.median(loads):.2f}) on {CPUS} CPUs",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ratio (paired median) | per-round ratios "
        "| target | non-2xx + socket errors |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |",
        f"| baseline (app's /bench/baseline) | "
        f"{statistics.median(b['rps'] for b in baselines):.0f} | "
        f"{statistics.median(b['p50'] for b in baselines):.2f} | "
        f"{statistics.median(b['p99'] for b in baselines):.2f} | 1 | | | "
        f"{sum(b['non2xx'] + b['socket_errors'] for b in baselines)} |",
    ]
    for name, _filename, what, target in ENDPOINTS:
        if name in outcome["skipped"]:
            lines.append(f"| {name} | skipped: {outcome['skipped'][name]} | | | | | | |")
            continue
        runs = outcome["runs"][name]
        ratios = paired_ratios(outcome, name)
        ratio = statistics.median(ratios)
        p99 = statistics.median(r["p99"] for r in runs)
        errors = sum(r["non2xx"] + r["socket_errors"] for r in runs)
        text = ""
        if name == "bare Django":
            # The app's baseline against the bare project: within 10% means bare <= 1.1 x app.
            ratio_app = 1 / ratio
            text = f"app baseline / bare = {ratio_app:.3f} >= 0.9: {verdict(ratio_app >= 0.9)}"
        elif name == "answer POST":
            met = ratio >= target and p99 <= ANSWER_P99_MS and errors == 0
            text = f">= {target}, p99 <= {ANSWER_P99_MS} ms, 0 errors: {verdict(met)}"
        elif target is not None:
            text = f">= {target}: {verdict(ratio >= target)}"
        lines.append(
            f"| {name} ({what}) | {statistics.median(r['rps'] for r in runs):.0f} | "
            f"{statistics.median(r['p50'] for r in runs):.2f} | {p99:.2f} | {ratio:.3f} | "
            f"{', '.join(f'{x:.3f}' for x in ratios)} | {text} | {errors} |"
        )
    if outcome["scale"]:
        lines += [
            "",
            "| endpoint | connections | req/s | p50 ms | p99 ms | non-2xx | socket errors "
            "| load before | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for run in outcome["scale"]:
            text = ""
            if run["connections"] == 64 and run["name"] in SCALE_P99_MS:
                limit = SCALE_P99_MS[run["name"]]
                met = run["p99"] <= limit and run["non2xx"] + run["socket_errors"] == 0
                text = f"0 errors, p99 <= {limit} ms: {verdict(met)}"
            lines.append(
                f"| {run['name']} | {run['connections']} | {run['rps']:.0f} | {run['p50']:.1f} "
                f"| {run['p99']:.1f} | {run['non2xx']} | {run['socket_errors']} "
                f"| {run['load']:.2f} | {text} |"
            )
    lines.append("")
    answers = outcome["facts"].get("report_responses", 0)
    for name, report in outcome["reports"].items():
        if "skipped" in report:
            lines.append(f"- {name}: skipped, {report['skipped']}")
            continue
        text = f"- {name} ({answers:,} answers): cold {report['cold_ms']:.0f} ms, warm "
        text += f"{report['warm_ms']:.0f} ms (median of {len(report['warm_runs'])})"
        met = report["cold_ms"] < REPORT_COLD_MS and report["warm_ms"] < REPORT_WARM_MS
        text += f"; target < {REPORT_COLD_MS} ms cold, < {REPORT_WARM_MS} ms warm: "
        text += verdict(met)
        lines.append(text)
    for worker in outcome["memory"]:
        lines.append(
            f"- app worker {worker['pid']}: {worker['rss_mb']} MB resident after the run, peak "
            f"{worker['peak_mb']} MB (target < {MEMORY_MB} MB after the run: "
            f"{verdict(worker['rss_mb'] < MEMORY_MB)})"
        )
    answers_repeated = sum(r["repeated"] for r in outcome["runs"].get("answer POST", []))
    answers_repeated += sum(r["repeated"] for r in outcome["scale"] if r["name"] == "answer POST")
    lines.append(f"- answer POSTs that repeated an earlier one: {answers_repeated}")
    if outcome["errors"]:
        lines.append(
            f"- server log: {len(outcome['errors'])} error lines, e.g. {outcome['errors'][0]}"
        )
    else:
        lines.append('- server log: no traceback, no "database is locked"')
    for settings, cost in outcome["middleware"].items():
        lines.append(f"- in process, {settings}: {cost['whole_us']:.0f} us per trivial request")
    return "\n".join(lines)


PEER_TARGETS = {"question page": 4, "answer POST": 5}  # app / django_quiz, issue 25


def peer_table(outcome):
    """The app beside django_quiz, round by round: the paired ratios and the workers."""
    peer = outcome.get("peer") or {}
    if "runs" not in peer:
        return f"- django_quiz side by side: skipped, {peer.get('skipped', 'not run')}"
    app_runs = {"ping": outcome["baselines"][:ROUNDS], **outcome["runs"]}
    lines = [
        "",
        f"#### Beside django_quiz (django-quiz-app 0.5.1 from PyPI in bench/peer/.venv; Python "
        f"{peer['python']}, Django {peer['django']}, gunicorn 2 sync workers, SQLite; "
        f"{peer['seeded']}; 4 signed-in learners, one per connection, interleaved in each round)",
        "",
        "| endpoint | app req/s | django_quiz req/s | django_quiz p50 / p99 ms "
        "| app / django_quiz (paired median) | per round | django_quiz / its /ping | target "
        "| django_quiz non-2xx + socket errors | 2xx without its marker |",
        "| --- | ---: | ---: | --- | ---: | --- | ---: | --- | ---: | ---: |",
    ]
    for name, runs in peer["runs"].items():
        mine = app_runs.get(name, [])
        if not runs or len(mine) < len(runs):
            continue
        ratios = [a["rps"] / p["rps"] for a, p in zip(mine, runs, strict=False) if p["rps"]]
        own = [r["rps"] / p["rps"] for r, p in zip(runs, peer["runs"]["ping"], strict=False)]
        ratio = statistics.median(ratios)
        target = PEER_TARGETS.get(name)
        text = f">= {target}: {verdict(ratio >= target)}" if target else ""
        label = "trivial view (app /bench/baseline, django_quiz /ping)" if name == "ping" else name
        lines.append(
            f"| {label} | {statistics.median(r['rps'] for r in mine):.0f} "
            f"| {statistics.median(r['rps'] for r in runs):.0f} "
            f"| {statistics.median(r['p50'] for r in runs):.1f} / "
            f"{statistics.median(r['p99'] for r in runs):.1f} | {ratio:.2f} "
            f"| {', '.join(f'{x:.2f}' for x in ratios)} | {statistics.median(own):.3f} | {text} "
            f"| {sum(r['non2xx'] + r['socket_errors'] for r in runs)} "
            f"| {sum(r['unmarked'] for r in runs)} |"
        )
    lines.append("")
    for worker in peer["memory"]:
        lines.append(
            f"- django_quiz worker {worker['pid']}: {worker['rss_mb']} MB resident after the "
            f"run, peak {worker['peak_mb']} MB"
        )
    if peer["errors"]:
        lines.append(
            f"- django_quiz log: {len(peer['errors'])} error lines, e.g. {peer['errors'][0]}"
        )
    else:
        lines.append('- django_quiz log: no traceback, no "database is locked"')
    return "\n".join(lines)


def scale_curve(points, database_url=None):
    """bench/scale.py on a fresh database (SQLite, or PostgreSQL beside DATABASE_URL): a list
    of points, or {"skipped": why}."""
    label = "PostgreSQL" if database_url else "SQLite"
    log(f"\n== scale curve on {label}: {', '.join(f'{n:,}' for n in points)} answers")
    tmp = Path(tempfile.mkdtemp(prefix="coursework-bench-scale-"))
    env = app_env(tmp)
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"  # Django's test client, in process
    drop = None
    if database_url:
        env["DATABASE_URL"], drop = postgres_database(database_url, "_scale")
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "import_course", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.md")))
        manage(
            env, "seed_demo_data", "--learners", "25", "--seed", "1", "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
        manage(
            env, "create_instructor", "bench-instructor@example.com", "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")
        note_load(f"scale curve on {label}")
        try:
            result = subprocess.run(
                [sys.executable, "bench/scale.py", *map(str, points)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=SCALE_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired as timeout:  # keep the points measured by then
            stdout = timeout.stdout or ""
            if isinstance(stdout, bytes):
                stdout = stdout.decode(errors="replace")
            result = subprocess.CompletedProcess(timeout.cmd, -1, stdout, "")
        out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode == -1:
            out.append({"skipped": f"the next point: over {SCALE_TIMEOUT} s"})
        elif result.returncode != 0:
            out.append({"skipped": f"bench/scale.py failed: {result.stderr.strip()[-500:]}"})
        for point in out:
            log(f"    {json.dumps(point)}")
        return out
    finally:
        if drop is not None:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


SCALED = ("item analysis", "class mastery", "progress page")


def scale_table(points):
    lines = [
        "### Scale curve",
        "",
        "In process (Django's test client), on a fresh database per curve: the course test topped"
        " up to N answers by synthetic learners (one finished attempt each, with mastery rows),"
        " the item analysis sums and class mastery counts rebuilt, one learner given N / 100"
        " answers. Cold: shared cache emptied (no cached standing), new database connection, in"
        " a process that served each page once before; warm: median of 5.",
        "",
        "| answers | database | learners | that learner's answers "
        + "".join(f"| {name} cold / warm ms (KB) " for name in SCALED)
        + "| sums rebuilt s | process peak MB |",
        "| ---: | --- | ---: | ---: " + "| --- " * len(SCALED) + "| ---: | ---: |",
    ]
    for point in points:
        if "skipped" in point:
            lines.append(f"| skipped: {point['skipped']} |")
            continue
        cells = "".join(
            f"| {p['cold_ms']:.0f} / {p['warm_ms']:.0f} ({p['kb']:.0f}) "
            for p in (point[name] for name in SCALED)
        )
        lines.append(
            f"| {point['answers']:,} | {point['database']} | {point['learners']:,} "
            f"| {point['heavy_learner_answers']:,} {cells}| {point['rebuild_s']} "
            f"| {point['peak_mb']} |"
        )
    measured = [p for p in points if "skipped" not in p]
    lines.append("")
    for name in SCALED[:2]:
        worst = max((p[name]["cold_ms"] for p in measured), default=None)
        if worst is not None:
            lines.append(
                f"- {name}: cold at most {worst:.0f} ms at every point "
                f"(target < {REPORT_COLD_MS} ms at 100,000 and 1,000,000 answers): "
                + verdict(all(p[name]["cold_ms"] < REPORT_COLD_MS for p in measured))
            )
    return "\n".join(lines)


def main():
    started = time.monotonic()
    wrk = ensure_wrk()
    log(
        f"wrk -t4 -c4 -d{DURATION}s in {ROUNDS} interleaved rounds, then 16 and 64 "
        f"connections; {CPUS} CPUs; class of {LEARNERS}, {SIGNED_IN} signed in"
    )
    note_load("start")
    tmp = Path(tempfile.mkdtemp(prefix="coursework-bench-bare-"))
    bare_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    bare_env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    bare, bare_base = gunicorn("bench.bare.wsgi", bare_env, tmp / "bare.log")
    try:
        wait_until_up(bare_base, "/bench/baseline", tmp / "bare.log")
        targets = [("SQLite", None)]
        if os.environ.get("DATABASE_URL"):
            targets.append(("PostgreSQL", os.environ["DATABASE_URL"]))
        outcomes = [bench_database(wrk, label, url, bare_base) for label, url in targets]
    finally:
        stop(bare)
        shutil.rmtree(tmp, ignore_errors=True)
    points = []
    if SCALE_POINTS:
        postgres = os.environ.get("DATABASE_URL")
        on_sqlite = SCALE_POINTS[:-1] if postgres else SCALE_POINTS
        points = scale_curve(on_sqlite) if on_sqlite else []
        if postgres:
            points += scale_curve(SCALE_POINTS[-1:], postgres)
    report = "\n\n".join(table(outcome) + "\n" + peer_table(outcome) for outcome in outcomes)
    if points:
        report += "\n\n" + scale_table(points)
    log("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps({"runs": outcomes, "scale": points}, indent=2)
    )
    log(f"\nwritten to bench-results/{stamp}.md and .json in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
