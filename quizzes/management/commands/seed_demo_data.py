"""Synthetic learners, attempts, answers and mastery rows for demos and benchmarks.

    manage.py seed_demo_data --learners 2000 --seed 1 [--course SLUG] [--password-stdin]

Deterministic: the same seed, learner count, course and start date give the same data. Each
learner "demo-0001"... has an ability (normal, mean 0, SD 1) and an engagement; each question a
difficulty drawn from its key and the seed. A learner answers correctly with probability
guess + (1 - guess) * logistic(1.7 * (ability + learning - difficulty)), where learning grows
with each earlier attempt; a wrong answer picks one wrong option, the first wrong option three
times as often as the others (a plausible misconception). Every answer is graded by
quizzes.grading against the question's current version, and the mastery rows come from
quizzes.mastery.replay over each learner's answers, exactly as recompute_mastery would.

Existing "demo-" users are deleted first (with their attempts, answers and mastery), so a
re-run replaces the demo class. Passwords are unusable unless --password-stdin gives one
(the same for every demo learner, hashed once).
"""

import math
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import Course
from quizzes import grading, mastery
from quizzes.models import Attempt, Mastery, Question, Quiz, QuizKind, Response

PREFIX = "demo-"
FIRST_NAMES = [
    "Ada", "Alan", "Amara", "Ben", "Chen", "Dana", "Emil", "Fatima", "Grace", "Hugo", "Ines",
    "Jonas", "Kemi", "Lars", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara",
    "Uma", "Viktor", "Wen", "Yusuf", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanova",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva",
    "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
]  # fmt: skip
BATCH = 2000


def logistic(x):
    return 1 / (1 + math.exp(-x))


def choose_answer(rng, question, spec, correct):
    """Input data for the grader: the right answer when ``correct``, else a plausible wrong one."""
    qtype = question.type
    if qtype in ("single", "multiple"):
        options = spec["options"]
        right = [o["key"] for o in options if o.get("correct")]
        wrong = [o["key"] for o in options if not o.get("correct")]
        if correct or not wrong:
            return {"choices": right if qtype == "multiple" else right[:1]}
        weights = [3] + [1] * (len(wrong) - 1)
        pick = rng.choices(wrong, weights=weights)[0]
        if qtype == "single":
            return {"choices": [pick]}
        kept = right[:-1] if len(right) > 1 and rng.random() < 0.5 else right
        return {"choices": [*kept, pick]}
    if qtype == "truefalse":
        value = bool(spec["answer"]) if correct else not spec["answer"]
        return {"value": "true" if value else "false"}
    if qtype == "numeric":
        answer = float(spec["answer"])
        tolerance = abs(float(spec.get("tolerance") or 0))
        value = answer if correct else answer * rng.choice([10, 0.1, 2]) + tolerance + 1
        return {"text": grading.format_number(value)}
    if qtype == "text":
        return {"text": spec["accepted"][0] if correct else rng.choice(["not sure", "no idea"])}
    if qtype == "matching":
        pairs = spec["pairs"]
        given = {pair["key"]: pair["right_key"] for pair in pairs}
        if not correct and len(pairs) > 1:
            a, b = rng.sample(range(len(pairs)), 2)
            ka, kb = pairs[a]["key"], pairs[b]["key"]
            given[ka], given[kb] = given[kb], given[ka]
        return {"pairs": given}
    raise CommandError(f"question {question.key}: unknown type {qtype!r}")


class Command(BaseCommand):
    help = "Make deterministic synthetic learners with attempts, answers and mastery rows."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--course", help="Course slug (default: the first published one).")
        parser.add_argument(
            "--start",
            default="2026-09-07",
            help="Date of the first answers, YYYY-MM-DD (default 2026-09-07).",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Give every demo learner the password read from standard input.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Build the data, write nothing."
        )

    def handle(self, *args, learners, seed, course, start, password_stdin, dry_run, **options):
        if not 1 <= learners <= 100_000:
            raise CommandError("--learners must be between 1 and 100000.")
        try:
            start_at = datetime.fromisoformat(start).replace(hour=9, tzinfo=UTC)
        except ValueError:
            raise CommandError(f"--start {start!r} is not a date like 2026-09-07.") from None
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        courses = Course.objects.published()
        target = courses.filter(slug=course).first() if course else courses.first()
        if target is None:
            raise CommandError(
                f"No course {course!r}." if course else "No course: run manage.py import_course."
            )
        began = time.monotonic()
        data = DemoClass(target, seed=seed, start=start_at).build(learners)
        counts = {name: len(rows) for name, rows in data.items()}
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: would create {counts}.")
            return
        with transaction.atomic():
            deleted = get_user_model().objects.filter(username__startswith=PREFIX).delete()[0]
            write(data, password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {target.slug}: {counts['users']} learners, "
                f"{counts['attempts']} attempts, "
                f"{counts['responses']} responses, {counts['mastery']} mastery rows "
                f"in {time.monotonic() - began:.1f} s"
                + (f" (replaced {deleted} old demo rows)." if deleted else ".")
            )
        )


class DemoClass:
    """Builds unsaved users, attempts, responses and mastery rows for one course."""

    def __init__(self, course, *, seed, start):
        self.course = course
        self.seed = seed
        self.start = start
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.objectives = list(course.objectives.active().order_by("position"))
        questions = list(
            Question.objects.active()
            .filter(course=course, current_version__isnull=False)
            .select_related("current_version")
            .order_by("position")
        )
        if not questions:
            raise CommandError(f"Course {course.slug} has no questions: import its question bank.")
        self.questions = questions
        self.pools = defaultdict(list)
        for question in questions:
            self.pools[question.objective_id].append(question)
        self.quizzes = {
            quiz.objective_id: quiz
            for quiz in Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE)
        }
        self.course_quiz = Quiz.objects.filter(course=course, kind=QuizKind.COURSE).first()
        self.difficulty = {
            q.pk: random.Random(f"{seed}:{q.key}").gauss(0.0, 0.9) for q in questions
        }
        self.guess = {
            q.pk: grading.guess_for_spec(q.type, q.current_version.spec) for q in questions
        }
        self.params = {o.pk: o.mastery_params() for o in self.objectives}
        self.versions = {o.pk: o.params_version for o in self.objectives}

    def build(self, count):
        rng = random.Random(self.seed)
        users, attempts, responses = [], [], []
        answers = defaultdict(list)  # (id(user), objective id) -> [(Answer, Response)]
        for index in range(count):
            username = f"{PREFIX}{index + 1:04d}"
            user = get_user_model()(
                username=username,
                email=f"{username}@example.com",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                date_joined=self.start,
            )
            users.append(user)
            ability = rng.gauss(0.0, 1.0)
            engagement = rng.random()
            at = self.start + timedelta(hours=rng.uniform(0, 24 * 7))
            for position, objective in enumerate(self.objectives):
                quiz = self.quizzes.get(objective.pk)
                if quiz is None or (position and rng.random() > 0.35 + engagement):
                    continue
                tries = 1 + (rng.random() < engagement) + (rng.random() < engagement / 2)
                if quiz.attempts_allowed:
                    tries = min(tries, quiz.attempts_allowed)
                for k in range(tries):
                    at = self._attempt(rng, user, quiz, self.pools[objective.pk], ability, k, at,
                                       attempts, responses, answers)  # fmt: skip
                    at += timedelta(hours=rng.uniform(20, 80))
            if self.course_quiz and rng.random() < engagement:
                self._attempt(rng, user, self.course_quiz, self.questions, ability, 1, at,
                              attempts, responses, answers)  # fmt: skip
        masteries = self._mastery(users, answers)
        return {"users": users, "attempts": attempts, "responses": responses, "mastery": masteries}

    def _attempt(self, rng, user, quiz, pool, ability, k, at, attempts, responses, answers):
        drawn = rng.sample(pool, min(quiz.questions_per_attempt, len(pool)))
        attempt = Attempt(
            user=user,
            quiz=quiz,
            seed=rng.getrandbits(48),
            question_ids=[q.pk for q in drawn],
            started_at=at,
            max_score=len(drawn),
        )
        total = 0.0
        for slot, question in enumerate(drawn, start=1):
            at += timedelta(seconds=rng.uniform(15, 90))
            guess = self.guess[question.pk]
            skill = 1.7 * (ability + 0.45 * k - self.difficulty[question.pk])
            correct = rng.random() < guess + (1 - guess) * logistic(skill)
            spec = question.current_version.spec
            result = grading.grade(
                question.type, spec, choose_answer(rng, question, spec, correct)
            )
            total += result.score
            response = Response(
                attempt=attempt,
                user=user,
                question=question,
                version=question.current_version,
                objective_id=question.objective_id,
                slot=slot,
                answer=result.answer,
                answer_display=result.answer_display,
                score=result.score,
                graded_at=at,
            )
            responses.append(response)
            answer = mastery.Answer(len(responses), question.key, result.score, at, guess)
            answers[(id(user), question.objective_id)].append((answer, response))
        attempt.finished_at = at + timedelta(seconds=rng.uniform(5, 30))
        attempt.score = total
        attempts.append(attempt)
        return attempt.finished_at

    def _mastery(self, users, answers):
        rows = []
        for (_, objective_id), pairs in answers.items():
            response_by_answer = {answer.id: response for answer, response in pairs}
            state, outcomes = mastery.replay(
                [answer for answer, _ in pairs],
                pool_size=len(self.pools[objective_id]),
                params=self.params.get(objective_id, mastery.DEFAULT_PARAMS),
                tz=self.tz,
            )
            for answer, outcome in outcomes:
                response = response_by_answer[answer.id]
                response.counted = outcome.counted
                response.p_after = outcome.p
                response.level_after = int(outcome.level)
            user = pairs[0][1].user
            rows.append(
                Mastery(
                    user=user,
                    objective_id=objective_id,
                    estimate=state.p,
                    level=int(state.level),
                    counted_answers=state.n,
                    review_box=state.box,
                    review_due_at=state.due,
                    state=state.to_json(),
                    params_version=self.versions.get(objective_id, 1),
                )
            )
        return rows


def write(data, password):
    """Insert everything with bulk_create; users first so the others get their ids."""
    encoded = make_password(password) if password else None
    for user in data["users"]:
        if encoded:
            user.password = encoded
        else:
            user.set_unusable_password()
    User = get_user_model()
    User.objects.bulk_create(data["users"], batch_size=BATCH)
    for attempt in data["attempts"]:
        attempt.user = attempt.user  # refresh user_id now that the user has one
    Attempt.objects.bulk_create(data["attempts"], batch_size=BATCH)
    for response in data["responses"]:
        response.attempt = response.attempt
        response.user = response.user
    Response.objects.bulk_create(data["responses"], batch_size=BATCH)
    for row in data["mastery"]:
        row.user = row.user
    Mastery.objects.bulk_create(data["mastery"], batch_size=BATCH)
