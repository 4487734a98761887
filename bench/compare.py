"""The app at a git ref against the current checkout, served side by side and measured
interleaved. Run with `make bench-compare REF=<git ref>`; docs/performance.md describes it.

    python bench/compare.py REF

REF's tree is extracted with `git archive REF | tar -x` into a temporary directory (no worktree
is made) and served from this project's virtualenv when every pin of REF's requirements.txt is
installed in it, else from a virtualenv of its own in the temporary directory. Each version
gets its own SQLite file, migrated, imported, seeded and prepared by its own code (manage.py,
bench/prepare.py), and is served by gunicorn with bench/run.py's settings (2 sync workers,
production settings, BENCH on), 127.0.0.1 only.

Before the runs, bench/count_queries.py counts the SQL statements of one request per endpoint
under each version, in a new process per endpoint. Then, in rounds (BENCH_ROUNDS), each
endpoint of both versions with `wrk -t4 -c4 -d<BENCH_DURATION>s` (bench/requests.lua, a fresh
list of answers per run): the current checkout first in odd rounds, REF first in even ones.
The report gives, per endpoint, both rates, each round's ratio current / REF and their median,
both p99s, and each worker's memory after the runs. An endpoint missing at either version is
skipped, and the report says so. The 1-minute load average is printed before every run.

Environment: bench/run.py's BENCH_DURATION, BENCH_ROUNDS, BENCH_LEARNERS, BENCH_SIGNED_IN and
BENCH_PORT.
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/run.py, as a script sees it
import run  # noqa: E402

ROOT = run.ROOT
COUNT_QUERIES = ROOT / "bench" / "count_queries.py"

# name, request file ({run}: a fresh list per run), what it is.
ENDPOINTS = [
    ("baseline", "baseline.tsv", "/bench/baseline, the trivial view"),
    ("question page", "question.tsv", "signed in, unanswered"),
    ("answer POST", "answer-{run}.tsv", "htmx, graded, stored"),
    ("progress page", "progress.tsv", "signed in"),
]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref", help="the git ref to compare the current checkout with")
    return parser.parse_args(argv)


def extract(ref, dest):
    """REF's tree in `dest` (git archive | tar -x, no worktree); returns its commit."""
    resolved = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if resolved.returncode != 0:
        raise SystemExit(f"{ref!r} is not a commit of this repository")
    commit = resolved.stdout.strip()
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        untar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, timeout=300)
    finally:
        archive.stdout.close()
        archive.wait(timeout=60)
    if archive.returncode != 0 or untar.returncode != 0:
        raise SystemExit(f"git archive {commit} | tar -x failed")
    return commit


PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def unmet_requirements(text):
    """The pins (name==version) of a requirements file that this Python does not have."""
    unmet = []
    for line in text.splitlines():
        pin = PIN.match(line.strip())
        if not pin:
            continue
        name, version = pin.groups()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            unmet.append(f"{name}=={version} (installed: {installed or 'none'})")
    return unmet


def python_for(tree, tmp):
    """(the Python that serves `tree`, which virtualenv it is): this project's virtualenv
    when it has every pin of the tree's requirements.txt, else a new one under `tmp`."""
    unmet = unmet_requirements((tree / "requirements.txt").read_text())
    if not unmet:
        return sys.executable, "the project's virtualenv (every pin of its requirements.txt)"
    run.log(f"  {len(unmet)} pins not in the project's virtualenv, e.g. {unmet[0]}: a new one")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(tree / "requirements.txt")], check=True, timeout=1200)
    return str(venv / "bin" / "python"), f"its own virtualenv ({len(unmet)} pins differ)"


class Version:
    """One version of the app: its tree, Python, database, server and request lists."""

    def __init__(self, label, tree, python, tmp):
        self.label, self.tree, self.python, self.tmp = label, tree, python, tmp
        self.env = run.app_env(tmp)
        self.requests = tmp / "requests"
        self.server = None

    def manage(self, *args, **kwargs):
        return run.manage(self.env, *args, cwd=self.tree, python=self.python, **kwargs)

    def prepare(self):
        """Migrate, import, seed, serve, log in, write the request lists (its own code)."""
        run.log(f"\n== {self.label}: {self.tree}")
        self.manage("migrate", "--no-input")
        self.manage("import_course", *sorted(str(p) for p in self.tree.glob("fixtures/*.md")))
        password = run.PASSWORD + "\n"
        seeded = self.manage(
            "seed_demo_data", "--learners", str(run.LEARNERS), "--seed", "1",
            "--password-stdin", stdin=password,
        )  # fmt: skip
        run.log("  " + seeded.strip().splitlines()[-1])
        instructor = "bench-instructor@example.com"
        self.manage("create_instructor", instructor, "--password-stdin", stdin=password)
        self.manage("collectstatic", "--no-input", "--verbosity", "0")
        self.log_path = self.tmp / "gunicorn.log"
        bin_dir = Path(self.python).parent
        self.server, self.base = run.gunicorn(
            "config.wsgi", self.env, self.log_path, cwd=self.tree, bin_dir=bin_dir
        )
        run.wait_until_up(self.base, "/healthz", self.log_path)
        learners = {
            f"demo-{i:04d}": run.login(self.base, f"demo-{i:04d}", run.PASSWORD)
            for i in range(1, min(run.SIGNED_IN, run.LEARNERS) + 1)
        }
        sessions = self.tmp / "sessions.json"
        sessions.write_text(
            json.dumps(
                {
                    "learners": learners,
                    "instructor": run.login(self.base, instructor, run.PASSWORD),
                }
            )
        )
        self.requests.mkdir()
        started = time.monotonic()
        prepared = subprocess.run(
            [
                self.python, "bench/prepare.py", str(sessions), str(self.requests),
                "--runs", str(run.ROUNDS), "--answers-per-run", str(max(3000, 800 * run.DURATION)),
                "--report-responses", "0",
            ],
            cwd=self.tree, env=self.env, capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
        if prepared.returncode != 0:
            raise SystemExit(f"{self.label}: bench/prepare.py failed:\n{prepared.stderr[-3000:]}")
        run.log(f"  prepare: {time.monotonic() - started:.1f} s")

    def request_file(self, filename, round_=0):
        return self.requests / filename.format(run=round_)

    def count_queries(self):
        """bench/count_queries.py under this version, a new process per endpoint:
        {endpoint: {"first": n, "other": n, "again": n} or {"failed": why}}."""
        counts = {}
        for name, filename, _what in ENDPOINTS:
            result = subprocess.run(
                [self.python, str(COUNT_QUERIES), f"{name}={self.request_file(filename)}"],
                cwd=self.tree, env=self.env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            if result.returncode != 0:
                counts[name] = {"failed": result.stderr.strip()[-300:]}
            else:
                counts.update(json.loads(result.stdout.strip().splitlines()[-1]))
        return counts

    def errors(self):
        bad = ("Traceback", "database is locked", "Internal Server Error")
        return [
            line for line in self.log_path.read_text().splitlines() if any(b in line for b in bad)
        ]

    def stop(self):
        if self.server is not None:
            run.stop(self.server)
            self.server = None


def paired_ratios(current_runs, ref_runs):
    """current / REF in each round (both ran in the same round, one after the other)."""
    return [c["rps"] / r["rps"] for c, r in zip(current_runs, ref_runs, strict=True)]


def reading(ratios):
    """The rounds' ratios current / REF in words: the median, and whether every round agrees."""
    ratio = statistics.median(ratios)
    worse = ratio < 0.995
    text = f"worse by {(1 - ratio) * 100:.0f}%" if worse else f"no worse ({ratio:.2f}x REF)"
    if min(ratios) < 1 < max(ratios):
        return text + f"; the rounds straddle 1 ({min(ratios):.2f}-{max(ratios):.2f})"
    return text + " in every round" if worse else text


def measure(wrk, versions, skipped):
    """The rounds: {label: {endpoint: [wrk results]}}; current first in odd rounds."""
    runs = {v.label: {name: [] for name, *_ in ENDPOINTS} for v in versions}
    for round_ in range(1, run.ROUNDS + 1):
        order = versions if round_ % 2 else versions[::-1]
        for name, filename, _what in ENDPOINTS:
            if name in skipped:
                continue
            for version in order:
                load = run.note_load(f"round {round_}: {version.label} {name}")
                result = run.run_wrk(wrk, version.base, version.request_file(filename, round_))
                runs[version.label][name].append(result | {"load": load})
                run.log(f"    {version.label} {name}: {run.describe(result)}")
    return runs


def report(outcome):
    current, ref = outcome["labels"]
    runs = outcome["runs"]
    loads = [r["load"] for per in runs.values() for rs in per.values() for r in rs]
    median = statistics.median
    lines = [
        f"### {current} against {ref}",
        "",
        f"wrk -t4 -c4 -d{run.DURATION}s, {run.ROUNDS} interleaved rounds, SQLite, gunicorn 2 "
        f"sync workers each; 1-minute load average before the runs: {min(loads, default=0):.2f}"
        f" to {max(loads, default=0):.2f} (median {median(loads) if loads else 0:.2f}) on "
        f"{run.CPUS} CPUs. {ref}: {outcome['ref_python']}. Rates and p99s: medians of the "
        "rounds.",
        "",
        f"| endpoint | {current} req/s | {ref} req/s | ratio current / REF (median) "
        f"| per round | {current} p99 ms | {ref} p99 ms | non-2xx + socket errors | reading |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for name, _filename, what in ENDPOINTS:
        if name in outcome["skipped"]:
            lines.append(f"| {name} | skipped: {outcome['skipped'][name]} | | | | | | | |")
            continue
        mine, theirs = runs[current][name], runs[ref][name]
        ratios = paired_ratios(mine, theirs)
        errors = sum(r["non2xx"] + r["socket_errors"] for r in mine + theirs)
        lines.append(
            f"| {name} ({what}) | {median(r['rps'] for r in mine):.0f} "
            f"| {median(r['rps'] for r in theirs):.0f} | {median(ratios):.3f} "
            f"| {', '.join(f'{x:.3f}' for x in ratios)} | {median(r['p99'] for r in mine):.1f} "
            f"| {median(r['p99'] for r in theirs):.1f} | {errors} | {reading(ratios)} |"
        )
    repeated = sum(r["repeated"] for per in runs.values() for r in per.get("answer POST", []))
    lines += ["", f"- answer POSTs that repeated an earlier one: {repeated}"]
    for label in (current, ref):
        for worker in outcome["memory"][label]:
            lines.append(
                f"- {label} worker {worker['pid']}: {worker['rss_mb']} MB resident after the "
                f"run, peak {worker['peak_mb']} MB"
            )
        errors = outcome["errors"][label]
        lines.append(
            f"- {label} server log: {len(errors)} error lines, e.g. {errors[0]}"
            if errors
            else f'- {label} server log: no traceback, no "database is locked"'
        )
    lines += [
        "",
        "SQL statements of one request (bench/count_queries.py, in process, before the runs; "
        "a new process per endpoint; BEGIN, COMMIT and savepoints not counted): first / other "
        "/ again = the first request of the process (course content not cached in it), "
        "another learner's, that learner once more (the same page; for the answer, another "
        "fresh answer of theirs)",
        "",
        f"| endpoint | {current} | {ref} |",
        "| --- | --- | --- |",
    ]
    queries = outcome["queries"]

    def counts(label, name):
        found = queries[label].get(name, {"failed": "not counted"})
        if "failed" in found:
            return f"failed: {found['failed'][-200:]}"
        return " / ".join(str(n) for n in found.values())

    for name, *_ in ENDPOINTS:
        lines.append(f"| {name} | {counts(current, name)} | {counts(ref, name)} |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.monotonic()
    wrk = run.ensure_wrk()
    run.note_load("start")
    tmp = Path(tempfile.mkdtemp(prefix="coursework-compare-"))
    versions = []
    try:
        commit = extract(args.ref, tmp / "ref" / "tree")
        ref_python, ref_venv = python_for(tmp / "ref" / "tree", tmp / "ref")
        run.log(f"{args.ref} is {commit[:7]}, served from {ref_venv}")
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        (tmp / "current").mkdir()
        ref_label = commit[:7] if commit.startswith(args.ref) else f"{args.ref} ({commit[:7]})"
        versions = [
            Version(f"current {head}", ROOT, sys.executable, tmp / "current"),
            Version(f"REF {ref_label}", tmp / "ref" / "tree", ref_python, tmp / "ref"),
        ]
        for version in versions:
            version.prepare()
        # Counted before any run, so "first" is each process's and each learner's first page.
        queries = {v.label: v.count_queries() for v in versions}
        run.log(f"  queries: {json.dumps(queries)}")
        skipped = {}
        for name, filename, _what in ENDPOINTS:  # answer-0.tsv: spare slots
            for version in versions:
                problem, ms = run.timed_request(
                    version.base, run.first_line(version.request_file(filename))
                )
                run.log(f"  {version.label} {name}: first request {ms:.0f} ms {problem or ''}")
                if problem:
                    skipped[name] = f"{version.label} {problem}"
        runs = measure(wrk, versions, skipped)
        outcome = {
            "labels": [v.label for v in versions], "ref_commit": commit, "ref_python": ref_venv,
            "runs": runs, "skipped": skipped, "queries": queries,
            "memory": {v.label: run.worker_memory(v.server.pid) for v in versions},
            "errors": {v.label: v.errors() for v in versions},
        }  # fmt: skip
    finally:
        for version in versions:
            version.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(outcome)
    run.log("\n" + text)
    run.RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (run.RESULTS / f"compare-{stamp}.md").write_text(text + "\n")
    (run.RESULTS / f"compare-{stamp}.json").write_text(json.dumps(outcome, indent=2))
    run.log(f"\nwritten to bench-results/compare-{stamp}.md and .json in "
            f"{time.monotonic() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
