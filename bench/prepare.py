"""Write the request lists the benchmark replays, from the seeded database (run by bench/run.py).

    python bench/prepare.py SESSIONS.json OUT_DIR --runs 3 --answers-per-run 6000
        --report-responses 100000

SESSIONS.json maps each signed-in learner's username to its cookies ({"sessionid", "csrftoken"})
and names the instructor. Writes, in OUT_DIR, one file per endpoint in the format of
bench/requests.lua (METHOD, PATH, COOKIE, CSRF, BODY, tab-separated):

- question.tsv: the unanswered question pages of fresh attempts, rotating over the learners;
- answer-<run>.tsv: for each run (and run 0 for the check), fresh (attempt, slot) answers,
  each posted once as htmx does, 70% right, learners interleaved so that concurrent requests
  are different learners';
- progress.tsv, course.tsv, lesson.tsv (every lesson, anonymous), baseline.tsv, report.tsv
  (item analysis of the course test), mastery.tsv (class mastery), reports-index.tsv (the
  reports' index, to load the admin in the workers before the reports are timed);

and facts.json (the report's quiz and its number of responses). The report's quiz (the course
test) is topped up to --report-responses answers with synthetic learners whose one finished
attempt each copies a seeded attempt's answers, inserted in bulk.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from courses.models import Course  # noqa: E402
from progress import itemtally  # noqa: E402
from quizzes import grading  # noqa: E402
from quizzes.draw import draw, new_seed  # noqa: E402
from quizzes.models import Attempt, Question, Quiz, QuizKind, Response  # noqa: E402
from tests.quiz_helpers import post_data  # noqa: E402  (the form data a browser posts)

BATCH = 5000


def line(method, path, cookies=None, body=None):
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    csrf = (cookies or {}).get("csrftoken", "") if method == "POST" else ""
    fields = [method, path, cookie, csrf, body or ""]
    assert not any("\t" in f or "\n" in f for f in fields)
    return "\t".join(fields) + "\n"


def write(out, name, lines):
    (out / name).write_text("".join(lines))


def fresh_attempts(user, quizzes, count, rng):
    """`count` new open attempts of `user`, drawn as the start view draws them."""
    attempts = []
    for i in range(count):
        quiz = quizzes[i % len(quizzes)]
        pool = list(
            Question.objects.active().filter(objective=quiz.objective).values_list("pk", flat=True)
        )
        seed = new_seed()
        attempts.append(
            Attempt(
                user=user,
                quiz=quiz,
                seed=seed,
                question_ids=draw({quiz.objective_id: pool}, quiz.questions_per_attempt, seed),
                started_at=timezone.now(),
            )
        )
    return Attempt.objects.bulk_create(attempts)


def answer_data(attempt, question, *, right):
    """The form data a browser posts: right or wrong (matching: always right)."""
    spec = question.current_version.spec
    if question.type == "numeric":
        value = float(spec["answer"])
        return {"text": grading.format_number(value if right else value * 2 + 1)}
    if question.type == "text":
        return {"text": spec["accepted"][0] if right else "not sure"}
    # Choices and true/false through the tests' helper (option tokens come from the form);
    # its wrong matching pairs fit the tests' questions only.
    return post_data(attempt, question, correct=right or question.type == "matching")


def slots(attempt):
    return range(1, len(attempt.question_ids) + 1)


def top_up_report(quiz, target):
    """Synthetic learners, one finished attempt each copying a seeded one, until the quiz has
    `target` answers in finished attempts. Returns the number of answers then."""
    finished = Attempt.objects.filter(quiz=quiz, finished_at__isnull=False, is_practice=False)
    have = Response.objects.filter(attempt__in=finished).count()
    sources = list(finished.annotate(n=Count("responses")).filter(n__gt=0)[:500])
    if have >= target or not sources:
        return have
    answers = {a.pk: list(Response.objects.filter(attempt=a).order_by("slot")) for a in sources}
    User = get_user_model()
    i = User.objects.filter(username__startswith="bench-cohort-").count()  # a second top-up
    while have < target:
        with transaction.atomic():
            users, plan = [], []
            while have < target and len(plan) < BATCH // 10:
                source = sources[i % len(sources)]
                users.append(User(username=f"bench-cohort-{i:06d}", password="!"))
                plan.append(source)
                have += len(answers[source.pk])
                i += 1
            users = User.objects.bulk_create(users)
            attempts = Attempt.objects.bulk_create(
                Attempt(
                    user=user,
                    quiz=quiz,
                    seed=source.seed,
                    question_ids=source.question_ids,
                    started_at=source.started_at,
                    finished_at=source.finished_at,
                    score=source.score,
                    max_score=source.max_score,
                    answered_slots=source.answered_slots,
                    answered_count=source.answered_count,
                    score_so_far=source.score_so_far,
                )
                for user, source in zip(users, plan, strict=True)
            )
            rows = []
            for user, attempt, source in zip(users, attempts, plan, strict=True):
                for r in answers[source.pk]:
                    rows.append(
                        Response(
                            attempt=attempt,
                            user=user,
                            question_id=r.question_id,
                            version_id=r.version_id,
                            objective_id=r.objective_id,
                            slot=r.slot,
                            answer=r.answer,
                            answer_display=r.answer_display,
                            score=r.score,
                            graded_at=r.graded_at,
                            counted=r.counted,
                            p_after=r.p_after,
                            level_after=r.level_after,
                        )  # fmt: skip
                    )
            Response.objects.bulk_create(rows, batch_size=BATCH)
    return have


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sessions", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answers-per-run", type=int, default=6000)
    parser.add_argument("--report-responses", type=int, default=100_000)
    args = parser.parse_args()
    sessions = json.loads(args.sessions.read_text())
    learners = sessions["learners"]
    out = args.out
    rng = random.Random(7)

    course = Course.objects.published().first()
    quizzes = list(Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE))
    users = {u.username: u for u in get_user_model().objects.filter(username__in=learners)}
    names = sorted(learners)

    # The question page: unanswered slots of two fresh attempts per learner.
    pages = []
    for name in names:
        for attempt in fresh_attempts(users[name], quizzes, 2, rng):
            attempt.quiz = next(q for q in quizzes if q.pk == attempt.quiz_id)
            for slot in slots(attempt):
                url = reverse(
                    "quizzes:question", args=[course.slug, attempt.quiz.slug, attempt.pk, slot]
                )
                pages.append(line("GET", url, learners[name]))
    rng.shuffle(pages)
    write(out, "question.tsv", pages)

    # The answer POST: fresh slots for every run, interleaving learners.
    per_attempt = min(q.questions_per_attempt for q in quizzes)
    attempts_each = -(-args.answers_per_run // (per_attempt * len(names)))
    questions = Question.objects.select_related("current_version").in_bulk()
    for run in range(args.runs + 1):  # answer-0.tsv: spare slots for the endpoint check
        queues = {}
        for name in names:
            queue = []
            for attempt in fresh_attempts(users[name], quizzes, attempts_each, rng):
                quiz = next(q for q in quizzes if q.pk == attempt.quiz_id)
                attempt.quiz = quiz
                for slot in slots(attempt):
                    question = questions[attempt.question_ids[slot - 1]]
                    data = answer_data(attempt, question, right=rng.random() < 0.7)
                    url = reverse(
                        "quizzes:answer", args=[course.slug, quiz.slug, attempt.pk, slot]
                    )
                    queue.append(line("POST", url, learners[name], urlencode(data, doseq=True)))
            queues[name] = queue
        posts = [item for group in zip(*queues.values(), strict=False) for item in group]
        write(out, f"answer-{run}.tsv", posts)

    progress = reverse("progress:progress", args=[course.slug])
    write(out, "progress.tsv", [line("GET", progress, learners[name]) for name in names])
    write(out, "course.tsv", [line("GET", course.get_absolute_url())])
    write(
        out,
        "lesson.tsv",
        [line("GET", lesson.get_absolute_url()) for lesson in course.lessons.published()],
    )
    write(out, "baseline.tsv", [line("GET", "/bench/baseline")])

    test = Quiz.objects.filter(course=course, kind=QuizKind.COURSE).first()
    responses = top_up_report(test, args.report_responses)
    itemtally.rebuild(test.pk)  # the bulk-written attempts, as rebuild_item_tallies would
    report = reverse("reports:items", args=[test.pk])
    write(out, "report.tsv", [line("GET", report, sessions["instructor"])])
    index = reverse("reports:index")
    write(out, "reports-index.tsv", [line("GET", index, sessions["instructor"])])
    mastery = reverse("reports:mastery", args=[course.pk])
    write(out, "mastery.tsv", [line("GET", mastery, sessions["instructor"])])
    facts = {"report_quiz": test.slug, "report_responses": responses, "learners": len(names)}
    (out / "facts.json").write_text(json.dumps(facts))
    sys.stdout.write(json.dumps(facts) + "\n")


if __name__ == "__main__":
    main()
