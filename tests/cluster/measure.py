"""Throughput of the cluster of tests/cluster/harness.py under wrk: the figures of docs/deploy.md.

    .venv/bin/python -m tests.cluster.measure        (MEASURE_SECONDS, default 10 per run)

Starts the two servers (as `make test-cluster` does: make serve, 2 workers each, one PostgreSQL
database, one Redis), seeds a class (seed_demo_data, 100 learners), signs 16 of them in, writes
fresh answer lists with bench/prepare.py, then for the anonymous lesson page and the answer POST
(htmx, graded, mastery updated) runs wrk (4 connections, --latency) against server A alone,
then against A and B at once (4 connections each, as a load balancer would spread them).
Prints requests per second, p50 and p99, non-2xx responses, the CPU time the app workers, the
database's PostgreSQL backends and Redis spent per request (from /proc: a figure that a busy,
shared machine distorts much less than requests per second), Redis commands per request and the
load average before each run. Bounded in time; stops
everything it started.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.cluster.harness import REDIS_PORT, ROOT, Browser, Cluster, database_name, query

SECONDS = int(os.environ.get("MEASURE_SECONDS", "10"))
LUA = ROOT / "bench" / "requests.lua"
PASSWORD = "measure-" + secrets.token_urlsafe(12)


def log(message):
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def load():
    return Path("/proc/loadavg").read_text().split()[:3]


def wrk(server, requests, results, key):
    env = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_THREADS": "2"}
    args = ["wrk", "-t2", "-c4", f"-d{SECONDS}s", "--timeout", "10s", "--latency"]
    args += ["-s", str(LUA), f"http://127.0.0.1:{server.port}/"]
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=SECONDS + 60)
    text = out.stdout

    def ms(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    results[key] = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": ms(50),
        "p99": ms(99),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def redis_commands():
    """Commands Redis has processed so far (our own redis-server of the harness)."""
    out = subprocess.run(
        ["redis-cli", "-p", str(REDIS_PORT), "info", "stats"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    return int(re.search(r"total_commands_processed:(\d+)", out).group(1))


def cpu_seconds(pids):
    """User + system CPU time used so far by these processes (0 for one that has gone)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_pids(servers):
    """Every process under each server's `make serve`: the gunicorn master and its workers."""
    pids, todo = [], [server.process.pid for server in servers]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return pids


def database_pids():
    rows = query("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database_name(),))
    return [pid for (pid,) in rows]


def measure(name, servers, lists, redis):
    before = load()
    commands = redis_commands()
    groups = {
        "app": worker_pids(servers),
        "PostgreSQL": database_pids(),
        "Redis": [redis.process.pid],
    }
    cpu = {group: cpu_seconds(pids) for group, pids in groups.items()}
    results = {}
    threads = [
        threading.Thread(target=wrk, args=(server, path, results, server.name))
        for server, path in zip(servers, lists, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 90)
    total = sum(r["rps"] for r in results.values())
    requests = max(1, total * SECONDS)
    per_request = (redis_commands() - commands - 1) / requests
    cpu_ms = {
        group: (cpu_seconds(groups[group]) - used) * 1000 / requests for group, used in cpu.items()
    }
    cpu_text = ", ".join(f"{group} {ms:.2f}" for group, ms in cpu_ms.items())
    detail = ", ".join(
        f"{key}: {r['rps']:.0f}/s p50 {r['p50']:.1f} ms p99 {r['p99']:.1f} ms "
        f"non-2xx {r['non2xx']}"
        for key, r in sorted(results.items())
    )
    log(
        f"  {name}: {total:.0f} req/s ({detail}); CPU ms per request: {cpu_text}; "
        f"{per_request:.1f} Redis commands per request; load average before {' '.join(before)}"
    )


def main():
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    cluster = Cluster()
    try:
        log(f"== starting the cluster (load average {' '.join(load())})")
        cluster.start()
        a, b = cluster.a, cluster.b
        seeded = a.manage(
            "seed_demo_data", "--learners", "100", "--seed", "1", "--password-stdin",
            stdin=PASSWORD + "\n", timeout=900,
        )  # fmt: skip
        log("  " + seeded.stdout.strip().splitlines()[-1])
        a.manage(
            "create_instructor", "measure@example.com", "--password-stdin", stdin=PASSWORD + "\n"
        )
        learners = {}
        for i in range(1, 17):
            browser = Browser()
            assert browser.login(a if i % 2 else b, f"demo-{i:04d}", PASSWORD) == 302
            learners[f"demo-{i:04d}"] = {
                "sessionid": browser.cookies["sessionid"],
                "csrftoken": browser.cookies["csrftoken"],
            }
        instructor = Browser()
        assert instructor.login(a, "measure@example.com", PASSWORD) == 302
        work = Path(tempfile.mkdtemp(prefix="coursework-measure-"))
        sessions = work / "sessions.json"
        sessions.write_text(json.dumps({"learners": learners, "instructor": instructor.cookies}))
        lists = work / "requests"
        lists.mkdir()
        prepared = subprocess.run(
            [
                sys.executable,
                "bench/prepare.py",
                str(sessions),
                str(lists),
                "--runs",
                "3",
                "--answers-per-run",
                str(max(2000, 300 * SECONDS)),
                "--report-responses",
                "0",
            ],  # fmt: skip
            cwd=ROOT,
            env=a.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if prepared.returncode != 0:
            raise SystemExit(f"bench/prepare.py failed:\n{prepared.stdout}{prepared.stderr}")
        log("== wrk, 4 connections per server, 2 gunicorn workers per server")
        measure("lesson page, A alone", [a], [lists / "lesson.tsv"], cluster.redis)
        measure("lesson page, A and B at once", [a, b], [lists / "lesson.tsv"] * 2, cluster.redis)
        measure("answer POST, A alone", [a], [lists / "answer-1.tsv"], cluster.redis)
        measure(
            "answer POST, A and B at once",
            [a, b],
            [lists / "answer-2.tsv", lists / "answer-3.tsv"],
            cluster.redis,
        )
        measure(
            "question page, A and B at once", [a, b], [lists / "question.tsv"] * 2, cluster.redis
        )
        shutil.rmtree(work, ignore_errors=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
