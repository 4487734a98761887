"""Where the question page, the answer POST and the progress page spend their time: cProfile
over many requests through Django's test client (the whole middleware stack, production
settings, debug off), on a fresh SQLite database with the course imported and a seeded class.

    .venv/bin/python bench/profile_paths.py [--requests 300] [--top 25]

Prints, for each path, the mean time per request with and without the profiler, then the
functions with the most time of their own (tottime) and the most cumulative time. Bounded: a
few hundred requests each, about a minute on a quiet machine.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMP = Path(tempfile.mkdtemp(prefix="coursework-profile-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_DEBUG="false",
    DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    DJANGO_ALLOWED_HOSTS="testserver",
    DJANGO_SECURE_SSL_REDIRECT="false",
    DJANGO_SECURE_COOKIES="false",
    DJANGO_HSTS_SECONDS="0",
    DJANGO_VAR_DIR=str(TMP / "var"),
    DJANGO_STATIC_ROOT=str(TMP / "static"),
)
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)
HX = {"HTTP_HX_REQUEST": "true"}


def setup():
    call_command("migrate", "--no-input", verbosity=0)
    call_command("import_course", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.md")))
    stdin, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
    try:
        call_command("seed_demo_data", "--learners", "30", "--seed", "1", "--password-stdin")
    finally:
        sys.stdin = stdin
    call_command("collectstatic", "--no-input", verbosity=0)


def requests(count):
    """`count` unanswered question pages and as many fresh answers, of 4 signed-in learners."""
    import prepare
    from django.contrib.auth import get_user_model

    from courses.models import Course
    from quizzes.models import Question, Quiz, QuizKind

    course = Course.objects.published().first()
    quizzes = list(Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE))
    questions = Question.objects.select_related("current_version").in_bulk()
    rng = random.Random(7)
    clients, pages, posts = [], [], []
    names = [f"demo-{i:04d}" for i in range(1, 5)]
    for name in names:
        client = Client()
        assert client.login(username=name, password=PASSWORD)
        clients.append(client)
    per_attempt = min(q.questions_per_attempt for q in quizzes)
    each = -(-(2 * count) // (per_attempt * len(names))) + 1
    for client, name in zip(clients, names, strict=True):
        user = get_user_model().objects.get(username=name)
        for n, attempt in enumerate(prepare.fresh_attempts(user, quizzes, each, rng)):
            quiz = next(q for q in quizzes if q.pk == attempt.quiz_id)
            attempt.quiz = quiz
            for slot in prepare.slots(attempt):
                args = [course.slug, quiz.slug, attempt.pk, slot]
                if n % 2:  # half the attempts for the pages, half for the answers
                    pages.append((client, reverse("quizzes:question", args=args)))
                else:
                    question = questions[attempt.question_ids[slot - 1]]
                    data = prepare.answer_data(attempt, question, right=rng.random() < 0.7)
                    posts.append((client, reverse("quizzes:answer", args=args), data))
    rng.shuffle(pages)
    progress = [(client, reverse("progress:progress", args=[course.slug])) for client in clients]
    return pages[: 2 * count], posts[: 2 * count], progress * (count // 2)


def measure(name, calls, top):
    """Half the calls timed plainly, the other half under cProfile."""
    half = len(calls) // 2
    started = time.perf_counter()
    for call in calls[:half]:
        call()
    plain = (time.perf_counter() - started) / half * 1000
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for call in calls[half:]:
        call()
    profiler.disable()
    profiled = (time.perf_counter() - started) / (len(calls) - half) * 1000
    out = sys.stdout
    out.write(f"\n== {name}: {plain:.2f} ms per request ({profiled:.2f} ms under cProfile)\n")
    ours = f"^{re.escape(str(ROOT))}/(?!\\.venv)"  # the project's own functions
    for order, restriction, title in (
        ("tottime", (top,), "by own time"),
        ("cumulative", (ours, top), "the project's functions, by cumulative time"),
    ):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats(order)
        stats.print_stats(*restriction)
        lines = text.getvalue().replace(str(ROOT) + "/", "").splitlines()
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        out.write(f"-- {title}\n" + "\n".join(lines[start:]) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    try:
        setup()
        pages, posts, progress = requests(args.requests)

        def get(client, url):
            def call():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return call

        def post(client, url, data):
            def call():
                response = client.post(url, data, **HX)
                assert response.status_code == 200, (url, response.status_code)

            return call

        warm = 20  # each worker's first requests load the content and compile the templates
        for client, url in pages[:warm]:
            get(client, url)()
        for client, url, data in posts[:warm]:
            post(client, url, data)()
        measure("question page", [get(c, u) for c, u in pages[warm:]], args.top)
        measure("answer POST", [post(c, u, d) for c, u, d in posts[warm:]], args.top)
        # The learners' own progress pages, again and again, as the benchmark asks them.
        measure("progress page", [get(c, u) for c, u in progress], args.top)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
