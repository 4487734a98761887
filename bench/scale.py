"""The scale curve (run by bench/run.py): how the reports and the progress page grow with the
number of answers.

    python bench/scale.py 1000 10000 100000 1000000

On the database the environment names (migrated, the course imported and a demo class seeded
by bench/run.py), for each number N of answers in turn, the course test is topped up to N
answers in finished attempts (synthetic learners, one finished attempt each, with the mastery
rows of the learner whose attempt they copy: the class grows with the answers, as it does in
life), the item analysis sums and the class mastery counts are rebuilt as after any bulk write
(rebuild_item_tallies, masterytally.rebuild; an answer through the app keeps them itself), and
one learner is given N / 100 answers. Then, in this process, through Django's test client:

- item analysis of the course test, class mastery of the course, and that learner's progress
  page, each "cold" (the shared cache emptied, so no cached standing, and a new database
  connection, in a process that has served each page once before the first point: modules
  imported, templates compiled, the course content loaded) and "warm" (median of 5 more);
- the page sizes and the process's peak memory.

Prints one JSON line per point. Bounded by bench/run.py's timeout.
"""

import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from prepare import top_up_report  # noqa: E402  (sets Django up)

from courses.models import Course  # noqa: E402
from progress import itemtally, masterytally  # noqa: E402
from progress.models import Mastery  # noqa: E402
from quizzes.models import Attempt, Question, Quiz, QuizKind, Response  # noqa: E402

BATCH = 5000
HEAVY = "demo-0001"
WARM = 5


def cold_start():
    """Empty the shared cache (the learners' cached standings) and open a new database
    connection. The process's course content stays: an import renews it, not a new answer."""
    caches["default"].clear()
    connections.close_all()


def timed(client, url):
    """(cold ms, warm ms (median), page bytes) of a GET."""
    cold_start()
    started = time.perf_counter()
    response = client.get(url)
    cold = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    warm = []
    for _ in range(WARM):
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
    return round(cold, 1), round(statistics.median(warm), 1), len(response.content)


def mastery_for_new_learners():
    """Mastery rows for the synthetic learners, copied from seeded learners' rows."""
    User = get_user_model()
    sources = {}
    for row in Mastery.objects.filter(user__username__startswith="demo-").order_by("user_id"):
        sources.setdefault(row.user_id, []).append(row)
    templates = list(sources.values())
    new = User.objects.filter(username__startswith="bench-cohort-", masteries__isnull=True)
    rows = []
    for i, user_id in enumerate(new.values_list("pk", flat=True).iterator(chunk_size=BATCH)):
        for row in templates[i % len(templates)]:
            rows.append(
                Mastery(
                    user_id=user_id,
                    objective_id=row.objective_id,
                    estimate=row.estimate,
                    level=row.level,
                    counted_answers=row.counted_answers,
                    review_box=row.review_box,
                    review_due_at=row.review_due_at,
                    state=row.state,
                    params_version=row.params_version,
                )
            )
        if len(rows) >= BATCH:
            Mastery.objects.bulk_create(rows)
            rows = []
    Mastery.objects.bulk_create(rows)


def heavy_history(user, course, target):
    """Practice attempts with answers until `user` has `target` answers in the course."""
    have = Response.objects.filter(user=user, objective__course=course).count()
    quizzes = list(Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE))
    pools = {
        quiz.pk: list(
            Question.objects.active()
            .filter(objective=quiz.objective)
            .select_related("current_version")[:5]
        )
        for quiz in quizzes
    }
    last = Response.objects.filter(user=user).order_by("-graded_at").first()
    at = last.graded_at if last else Attempt.objects.order_by("started_at").first().started_at
    i = 0
    while have < target:
        with transaction.atomic():
            attempts, plans = [], []
            while have < target and len(attempts) < BATCH // 5:
                quiz = quizzes[i % len(quizzes)]
                questions = pools[quiz.pk][: target - have]
                at += timedelta(minutes=7)
                attempts.append(
                    Attempt(
                        user=user,
                        quiz=quiz,
                        seed=i,
                        question_ids=[q.pk for q in questions],
                        started_at=at,
                        is_practice=True,
                    )
                )
                plans.append(questions)
                have += len(questions)
                i += 1
            attempts = Attempt.objects.bulk_create(attempts)
            Response.objects.bulk_create(
                Response(
                    attempt=attempt,
                    user=user,
                    question=question,
                    version=question.current_version,
                    objective_id=question.objective_id,
                    slot=slot,
                    answer={},
                    answer_display="-",
                    score=float((slot + attempt.seed) % 3 != 0),
                    graded_at=attempt.started_at + timedelta(seconds=20 * slot),
                    counted=slot == 1,
                    p_after=0.5,
                    level_after=1,
                )
                for attempt, questions in zip(attempts, plans, strict=True)
                for slot, question in enumerate(questions, start=1)
            )
    return have


def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main():
    points = sorted(int(n) for n in sys.argv[1:])
    course = Course.objects.published().first()
    test = Quiz.objects.get(course=course, kind=QuizKind.COURSE)
    User = get_user_model()
    heavy = User.objects.get(username=HEAVY)
    instructor = User.objects.filter(is_staff=True).order_by("pk").first()
    learner, teacher = Client(), Client()
    learner.force_login(heavy)
    teacher.force_login(instructor)
    urls = {
        "item analysis": reverse("reports:items", args=[test.pk]),
        "class mastery": reverse("reports:mastery", args=[course.pk]),
        "progress page": reverse("progress:progress", args=[course.slug]),
    }
    for name, url in urls.items():  # modules imported, templates compiled, content loaded
        (learner if name == "progress page" else teacher).get(url)
    for n in points:
        started = time.monotonic()
        answers = top_up_report(test, n)
        mastery_for_new_learners()
        grown = time.monotonic() - started
        started = time.monotonic()
        itemtally.rebuild(test.pk)
        masterytally.rebuild(course.pk)  # the mastery rows written in bulk, as seed_demo_data
        rebuilt = time.monotonic() - started
        history = heavy_history(heavy, course, max(1, n // 100))
        point = {
            "answers": answers,
            "learners": Mastery.objects.filter(objective__course=course)
            .values("user_id")
            .distinct()
            .count(),
            "heavy_learner_answers": history,
            "top_up_s": round(grown, 1),
            "rebuild_s": round(rebuilt, 1),
            "database": connections["default"].vendor,
        }
        for name, url in urls.items():
            client = learner if name == "progress page" else teacher
            cold, warm, size = timed(client, url)
            point[name] = {"cold_ms": cold, "warm_ms": warm, "kb": round(size / 1024, 1)}
        point["peak_mb"] = peak_mb()
        sys.stdout.write(json.dumps(point) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
