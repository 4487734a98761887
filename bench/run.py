"""The benchmark: gunicorn (2 workers) under wrk, on SQLite and, when DATABASE_URL is set, on
PostgreSQL too. Run with `make bench`; results and the method are in docs/performance.md.

For each database: a fresh database (a temporary SQLite file, or a new PostgreSQL database next
to the one DATABASE_URL names, dropped afterwards), migrate, import the course, seed the demo
class (seed_demo_data), collect the static files, start gunicorn with production settings
(debug off, BENCH on for the baseline view), log learners and an instructor in through the login
form, write the request lists (bench/prepare.py), then for each endpoint run
`wrk -t4 -c4 -d<BENCH_DURATION>s --latency` BENCH_RUNS times and keep the median. Every step is
bounded in time. Prints a table of requests per second, p50 and p99 latency, the ratio to the
baseline, non-2xx responses and the targets, then each worker's resident memory.

Environment: BENCH_DURATION (s, default 10), BENCH_RUNS (3), BENCH_LEARNERS (seeded class, 300),
BENCH_SIGNED_IN (learners logged in, 16), BENCH_REPORT_RESPONSES (100000), DATABASE_URL.
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

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "requests.lua"
RESULTS = ROOT / "bench-results"
PASSWORD = "bench-" + secrets.token_urlsafe(12)


def envint(name, default):
    value = os.environ.get(name, "")
    return int(value) if value else default


DURATION = envint("BENCH_DURATION", 10)
RUNS = envint("BENCH_RUNS", 3)
LEARNERS = envint("BENCH_LEARNERS", 300)
SIGNED_IN = envint("BENCH_SIGNED_IN", 16)
REPORT_RESPONSES = envint("BENCH_REPORT_RESPONSES", 100_000)
THREADS = CONNECTIONS = 4

# name, request file, what it is, target as a ratio to the baseline (or None)
ENDPOINTS = [
    ("baseline", "baseline.tsv", "minimal Django view (no DB, no template)", None),
    ("course home", "course.tsv", "anonymous", None),
    ("lesson page", "lesson.tsv", "anonymous, every lesson in turn", 0.5),
    ("question page", "question.tsv", "signed in, unanswered", 0.15),
    ("answer POST", "answer-{run}.tsv", "htmx, graded, mastery updated", 0.08),
    ("progress page", "progress.tsv", "signed in", None),
    ("item analysis", "report.tsv", "admin report, course test", None),
]


def log(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def ensure_wrk():
    if not shutil.which("wrk"):
        log("wrk is missing: installing it with apt-get")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=300)
            subprocess.run(install, check=True, capture_output=True, timeout=300)
    return shutil.which("wrk")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, stdin=None, timeout=900):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
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


def has_command(env, name):
    result = subprocess.run(
        [sys.executable, "manage.py", "help", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    return result.returncode == 0


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


def check(base, request_file):
    """The first request of a list answers 2xx (else the endpoint is skipped, with the reason).
    Returns (problem or None, milliseconds the request took: a cold one, before any cache)."""
    method, path, cookie, csrf, body = request_file.read_text().split("\n")[0].split("\t")
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


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(output):
    def latency(percent):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(match.group(1)) * UNITS[match.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    repeated = re.search(r"repeated requests: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
        "repeated": int(repeated.group(1)) if repeated else 0,
    }


def run_wrk(wrk, base, request_file):
    env = {**os.environ, "BENCH_REQUESTS": str(request_file), "BENCH_THREADS": str(THREADS)}
    args = [
        wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s",
        "--latency", "-s", str(LUA), base + "/",
    ]  # fmt: skip
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=DURATION + 60)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stdout}{result.stderr}")
    if result.stderr.strip():
        log("    " + result.stderr.strip().replace("\n", "\n    ")[:2000])
    return parse_wrk(result.stdout)


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


def postgres_database(url):
    """A fresh database beside the one `url` names: (its URL, a function that drops it)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def execute(sql):
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), lambda: execute(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def bench_database(wrk, label, database_url):
    log(f"\n== {label}")
    tmp = Path(tempfile.mkdtemp(prefix="coursework-bench-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_")) and key != "DATABASE_URL"
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
    drop = None
    if database_url:
        env["DATABASE_URL"], drop = postgres_database(database_url)
    server = None
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "import_course", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.md")))
        if not has_command(env, "seed_demo_data"):
            raise SystemExit("manage.py seed_demo_data is missing: cannot seed the class")
        seeded = manage(
            env,
            "seed_demo_data",
            "--learners",
            str(LEARNERS),
            "--seed",
            "1",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        log("  " + seeded.strip().splitlines()[-1])
        manage(
            env,
            "create_instructor",
            "bench-instructor@example.com",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        manage(env, "collectstatic", "--no-input", "--verbosity", "0")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = (tmp / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "--timeout",
                "60",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit(f"gunicorn did not answer /healthz: see {tmp / 'gunicorn.log'}")

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
        prepared = subprocess.run(
            [
                sys.executable,
                "bench/prepare.py",
                str(sessions),
                str(requests),
                "--runs",
                str(RUNS),
                "--answers-per-run",
                str(max(2000, 500 * DURATION)),
                "--report-responses",
                str(REPORT_RESPONSES),
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if prepared.returncode != 0:
            raise SystemExit(f"bench/prepare.py failed:\n{prepared.stdout}{prepared.stderr}")
        facts = json.loads(prepared.stdout.strip().splitlines()[-1])
        log(f"  prepare: {time.monotonic() - started:.1f} s, {facts}")

        results = []
        for name, filename, what, target in ENDPOINTS:
            problem, first_ms = check(base, requests / filename.format(run=0))  # answer-0: spare
            log(f"  {name}: first request {first_ms:.0f} ms")
            if problem:
                log(f"  {name}: skipped, {problem}")
                results.append({"name": name, "what": what, "skipped": problem})
                continue
            runs = []
            for run in range(1, RUNS + 1):
                runs.append(run_wrk(wrk, base, requests / filename.format(run=run)))
                log(
                    f"  {name} run {run}: {runs[-1]['rps']:.0f} req/s, "
                    f"p50 {runs[-1]['p50']:.2f} ms, p99 {runs[-1]['p99']:.2f} ms, "
                    f"non-2xx {runs[-1]['non2xx']}"
                )
            results.append(
                {
                    "name": name,
                    "what": what,
                    "target": target,
                    "first_ms": first_ms,
                    "rps": statistics.median(r["rps"] for r in runs),
                    "p50": statistics.median(r["p50"] for r in runs),
                    "p99": statistics.median(r["p99"] for r in runs),
                    "non2xx": sum(r["non2xx"] for r in runs),
                    "repeated": sum(r["repeated"] for r in runs),
                    "socket_errors": "; ".join(
                        r["socket_errors"] for r in runs if r["socket_errors"]
                    ),
                    "runs": runs,
                }
            )
        memory = worker_memory(server.pid)
        bad = ("Traceback", "database is locked", "Internal Server Error")
        errors = [
            line
            for line in (tmp / "gunicorn.log").read_text().splitlines()
            if any(word in line for word in bad)
        ]
        return {
            "label": label,
            "facts": facts,
            "results": results,
            "memory": memory,
            "errors": errors,
        }
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        if drop is not None:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


def table(outcome):
    results = outcome["results"]
    baseline = next((r for r in results if r["name"] == "baseline" and "rps" in r), None)
    lines = [
        f"### {outcome['label']}",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | ratio to baseline | target | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['name']} | skipped: {r['skipped']} | | | | | |")
            continue
        ratio = r["rps"] / baseline["rps"] if baseline else float("nan")
        target = ""
        if r["target"] is not None:
            met = ratio >= r["target"]
            if r["name"] == "answer POST":
                met = met and r["non2xx"] == 0 and r["p99"] <= 50
                target = (
                    f">= {r['target']}, p99 <= 50 ms, no non-2xx: {'met' if met else 'NOT met'}"
                )
            else:
                target = f">= {r['target']}: {'met' if met else 'NOT met'}"
        if r["name"] == "item analysis":
            met = r["p50"] < 1000 and r["first_ms"] < 1000
            answers = outcome["facts"]["report_responses"]
            target = (
                f"< 1 s over {answers:,} answers (first request {r['first_ms']:.0f} ms): "
                f"{'met' if met else 'NOT met'}"
            )
        lines.append(
            f"| {r['name']} ({r['what']}) | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {ratio:.3f} | {target} | {r['non2xx']} |"
        )
    lines.append("")
    for worker in outcome["memory"]:
        verdict = "met" if worker["peak_mb"] < 120 else "NOT met"
        lines.append(
            f"- worker {worker['pid']}: {worker['rss_mb']} MB resident, "
            f"peak {worker['peak_mb']} MB (target < 120 MB: {verdict})"
        )
    repeated = [r for r in results if r.get("repeated") and r["name"] == "answer POST"]
    for r in repeated:
        lines.append(f"- {r['name']}: {r['repeated']} requests repeated an earlier one")
    if outcome["errors"]:
        lines.append(
            f"- server log: {len(outcome['errors'])} error lines, e.g. {outcome['errors'][0]}"
        )
    else:
        lines.append('- server log: no traceback, no "database is locked"')
    return "\n".join(lines)


def main():
    started = time.monotonic()
    wrk = ensure_wrk()
    log(
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, median of {RUNS} runs; "
        f"{os.cpu_count()} CPUs; class of {LEARNERS}, {SIGNED_IN} signed in"
    )
    targets = [("SQLite", None)]
    if os.environ.get("DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["DATABASE_URL"]))
    outcomes = [bench_database(wrk, label, url) for label, url in targets]
    report = "\n\n".join(table(outcome) for outcome in outcomes)
    log("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(outcomes, indent=2))
    log(f"\nwritten to bench-results/{stamp}.md and .json in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
