"""Synthetic learners, attempts, answers and mastery rows for demos and benchmarks.

    manage.py seed_demo_data --learners 2000 --seed 1 [--course SLUG] [--password-stdin]

Deterministic: the same seed, learner count, course and start date give the same data. Each
learner "demo-0001"... has an ability (normal, mean 0, SD 1) and an engagement; each question a
difficulty drawn from its key and the seed. A learner answers correctly with probability
guess + (1 - guess) * logistic(1.7 * (ability + learning - difficulty)), where learning grows
with each earlier attempt; a wrong answer is the one its question type simulates (for choice
questions, the first wrong option three times as often as the others: a plausible
misconception). Every answer is graded by its question type against the question's current
version, and the mastery rows come from progress.mastery.replay over each learner's answers,
exactly as recompute_mastery would.

The course is --course, else the first course imported (the oldest), and the command names it
before it writes. The demo learners' attempts, answers and mastery in that course are deleted
first, so a re-run replaces that course's demo class; their records in other courses are kept,
so each course can have its own demo class (the same "demo-" learners take part in each).
Demo learners left with no record in any course are deleted. Passwords are unusable unless
--password-stdin gives one (the same for every demo learner, hashed once).
"""

import itertools
import math
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router, transaction
from django.db.models import DateTimeField, JSONField

from courses.models import Course
from progress import itemtally, mastery, masterytally
from progress.models import Mastery, mastery_params
from progress.services import mastery_answer
from quizzes import grading, questiontypes
from quizzes.models import Attempt, Question, Quiz, QuizKind, Response

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


class Command(BaseCommand):
    help = "Make deterministic synthetic learners with attempts, answers and mastery rows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--learners",
            type=int,
            default=200,
            help="How many demo learners to create, 1 to 100000 (default 200).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed gives the same data (default 1).",
        )
        parser.add_argument(
            "--course", help="Course slug (default: the first course imported, the oldest)."
        )
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
        target = courses.filter(slug=course).first() if course else courses.order_by("pk").first()
        if target is None:
            raise CommandError(
                f"No course {course!r}." if course else "No course: run manage.py import_course."
            )
        why = "" if course else " (the first course imported; --course SLUG chooses another)"
        self.stdout.write(f"Course: {target.slug}{why}.")
        began = time.monotonic()
        data = DemoClass(target, seed=seed, start=start_at).build(learners)
        counts = {name: len(rows) for name, rows in data.items()}
        summary = (
            f"{counts['users']} learners, {counts['attempts']} attempts, "
            f"{counts['responses']} responses and {counts['mastery']} mastery rows"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: would create {summary}.")
            return
        with transaction.atomic():
            replaced = delete_demo_records(target)
            write(data, password)
            delete_demo_learners_without_records()
            for quiz_id in target.quizzes.values_list("pk", flat=True):
                itemtally.rebuild(quiz_id)  # the item analysis sums of the bulk-written attempts
            masterytally.rebuild(target.pk)  # the class mastery counts of the rows written
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {target.slug}: {summary} in {time.monotonic() - began:.1f} s"
                + (
                    f" (replaced the demo class of {replaced} learners in this course)."
                    if replaced
                    else "."
                )
            )
        )


class DemoClass:
    """Builds unsaved users, attempts, responses and mastery rows for one course."""

    def __init__(self, course, *, seed, start):
        self.course = course
        self.seed = seed
        self.start = start
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
        self.pool_sizes = Question.objects.pool_sizes([o.pk for o in self.objectives])
        self.params = {o.pk: mastery_params(o) for o in self.objectives}
        self.versions = {o.pk: o.params_version for o in self.objectives}

    def build(self, count):
        """Unsaved users and plain records of attempts, answers and mastery (see write())."""
        rng = random.Random(self.seed)
        users: list[Any] = []
        attempts: list[AttemptRecord] = []
        responses: list[AnswerRecord] = []
        # (user index, objective id) -> [(Answer, AnswerRecord)]
        answers: defaultdict[tuple[int, int], list[tuple[Any, AnswerRecord]]] = defaultdict(list)
        for index in range(count):
            username = f"{PREFIX}{index + 1:04d}"
            users.append(
                get_user_model()(
                    username=username,
                    email=f"{username}@example.com",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    date_joined=self.start,
                )
            )
            learner = Learner(index, rng.gauss(0.0, 1.0), attempts, responses, answers)
            engagement = rng.random()
            at = self.start + timedelta(hours=rng.uniform(0, 24 * 7))
            for position, objective in enumerate(self.objectives):
                quiz = self.quizzes.get(objective.pk)
                if quiz is None or (position and rng.random() > 0.35 + engagement):
                    continue
                tries = 1 + (rng.random() < engagement) + (rng.random() < engagement / 2)
                for k in range(tries):
                    if not quiz.may_start_another(k):  # the quiz's limit on attempts
                        break
                    at = self._attempt(rng, learner, quiz, self.pools[objective.pk], k, at)
                    at += timedelta(hours=rng.uniform(20, 80))
            if self.course_quiz and rng.random() < engagement:
                self._attempt(rng, learner, self.course_quiz, self.questions, 1, at)
        masteries = self._mastery(answers)
        return {"users": users, "attempts": attempts, "responses": responses, "mastery": masteries}

    def _attempt(self, rng, learner, quiz, pool, k, at):
        """Record one finished attempt of `learner` at `quiz`; return its finishing time."""
        drawn = rng.sample(pool, min(quiz.questions_per_attempt, len(pool)))
        attempt_index = len(learner.attempts)
        record = AttemptRecord(learner.index, quiz.pk, rng.getrandbits(48), [q.pk for q in drawn])
        record.started_at = at
        total = 0.0
        for slot, question in enumerate(drawn, start=1):
            at += timedelta(seconds=rng.uniform(15, 90))
            guess = self.guess[question.pk]
            skill = 1.7 * (learner.ability + 0.45 * k - self.difficulty[question.pk])
            correct = rng.random() < guess + (1 - guess) * logistic(skill)
            spec = question.current_version.spec
            question_type = questiontypes.get(question.type)
            result = question_type.grade(spec, question_type.simulated_answer(rng, spec, correct))
            total += result.score
            answer_record = AnswerRecord(attempt_index, learner.index, question, slot, result, at)
            learner.responses.append(answer_record)
            answer = mastery_answer(
                id=len(learner.responses),
                question_id=question.pk,
                qtype=question.type,
                spec=spec,
                score=result.score,
                revealed=False,
                at=at,
            )
            learner.answers[(learner.index, question.objective_id)].append((answer, answer_record))
        record.finished_at = at + timedelta(seconds=rng.uniform(5, 30))
        record.score = total
        learner.attempts.append(record)
        return record.finished_at

    def _mastery(self, answers):
        """Replay each learner's answers per objective; fill in each answer's outcome."""
        rows = []
        for (user_index, objective_id), pairs in answers.items():
            records = {answer.id: record for answer, record in pairs}
            state, outcomes = mastery.replay(
                [answer for answer, _ in pairs],
                pool_size=self.pool_sizes.get(objective_id, 0),
                params=self.params.get(objective_id, mastery.DEFAULT_PARAMS),
            )
            for answer, outcome in outcomes:
                records[answer.id].outcome = outcome
            rows.append((user_index, objective_id, state, self.versions.get(objective_id, 1)))
        return rows


class Learner:
    """A synthetic learner while the class is built: index, ability and the shared lists."""

    __slots__ = ("index", "ability", "attempts", "responses", "answers")

    def __init__(self, index, ability, attempts, responses, answers):
        self.index, self.ability = index, ability
        self.attempts, self.responses, self.answers = attempts, responses, answers


class AttemptRecord:
    __slots__ = ("user", "quiz_id", "seed", "question_ids", "started_at", "finished_at", "score")
    started_at: datetime
    finished_at: datetime
    score: float

    def __init__(self, user, quiz_id, seed, question_ids):
        self.user, self.quiz_id, self.seed, self.question_ids = user, quiz_id, seed, question_ids


class AnswerRecord:
    __slots__ = ("attempt", "user", "question", "slot", "grade", "at", "outcome")

    def __init__(self, attempt, user, question, slot, grade, at):
        self.attempt, self.user, self.question, self.slot = attempt, user, question, slot
        self.grade, self.at, self.outcome = grade, at, None


def demo_learners():
    return get_user_model().objects.filter(username__startswith=PREFIX)


def delete_demo_records(course):
    """Delete the demo learners' attempts, answers and mastery in `course` (other courses'
    are kept); return how many learners had some."""
    users = demo_learners()
    attempts = Attempt.objects.filter(user__in=users, quiz__course=course)
    count = attempts.values("user").distinct().count()
    # Answers and mastery rows first: nothing depends on them, so each goes in one DELETE
    # statement instead of being collected in memory by the attempts' cascade.
    Response.objects.filter(user__in=users, objective__course=course).delete()
    Mastery.objects.filter(user__in=users, objective__course=course).delete()
    attempts.delete()
    return count


def delete_demo_learners_without_records():
    """Demo learners with no attempt and no mastery row in any course (a smaller class than
    before) are deleted."""
    demo_learners().filter(attempts__isnull=True).exclude(
        pk__in=Mastery.objects.values("user")
    ).delete()


RESPONSE_FIELDS = [
    "attempt_id",
    "user_id",
    "question_id",
    "version_id",
    "objective_id",
    "slot",
    "answer",
    "answer_display",
    "score",
    "revealed",
    "graded_at",
    "counted",
    "p_after",
    "level_after",
]


def insert_many(model, attnames, rows):
    """INSERT plain rows in batches with executemany, values prepared by each field.

    bulk_create spends most of its time compiling SQL per value; for the hundred thousand
    answers of a benchmark class this is about ten times faster, on SQLite and PostgreSQL.
    """
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in attnames]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
    sql += f"VALUES ({placeholders})"
    # Only JSON and date-time values need the field's conversion; numbers, booleans and
    # strings go to the driver as they are.
    prepared = [
        i for i, field in enumerate(fields) if isinstance(field, JSONField | DateTimeField)
    ]

    def prepare(row):
        row = list(row)
        for i in prepared:
            row[i] = fields[i].get_db_prep_save(row[i], connection)
        return row

    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, BATCH):
            cursor.executemany(sql, [prepare(row) for row in batch])


def write(data, password):
    """Insert everything with bulk_create; users first so the others get their ids."""
    encoded = make_password(password) if password else None
    users = data["users"]
    User = get_user_model()
    # Demo learners of another course's class take part again under the same name.
    existing = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk")
    )
    for user in users:
        if encoded:
            user.password = encoded
        else:
            user.set_unusable_password()
        user.pk = existing.get(user.username)
    User.objects.bulk_create([u for u in users if u.pk is None], batch_size=BATCH)
    if encoded:
        User.objects.filter(pk__in=existing.values()).update(password=encoded)
    answered: dict[int, tuple[list[int], float]] = {}  # attempt index: (slots, total score)
    for r in sorted(data["responses"], key=lambda r: r.at):
        slots, total = answered.get(r.attempt, ([], 0.0))
        answered[r.attempt] = ([*slots, r.slot], total + r.grade.score)
    attempts = [
        Attempt(
            user_id=users[r.user].pk,
            quiz_id=r.quiz_id,
            seed=r.seed,
            question_ids=r.question_ids,
            started_at=r.started_at,
            finished_at=r.finished_at,
            score=r.score,
            max_score=len(r.question_ids),
            answered_slots=answered.get(i, ([], 0.0))[0],
            answered_count=len(answered.get(i, ([], 0.0))[0]),
            score_so_far=answered.get(i, ([], 0.0))[1],
        )
        for i, r in enumerate(data["attempts"])
    ]
    Attempt.objects.bulk_create(attempts, batch_size=BATCH)

    insert_many(
        Response,
        RESPONSE_FIELDS,
        (
            (
                attempts[r.attempt].pk,
                users[r.user].pk,
                r.question.pk,
                r.question.current_version_id,
                r.question.objective_id,
                r.slot,
                r.grade.answer,
                r.grade.answer_display,
                r.grade.score,
                False,
                r.at,
                r.outcome.counted,
                r.outcome.p,
                int(r.outcome.level),
            )
            for r in data["responses"]
        ),
    )
    Mastery.objects.bulk_create(
        (
            _mastery_row(users[user].pk, objective_id, state, version)
            for user, objective_id, state, version in data["mastery"]
        ),
        batch_size=BATCH,
    )


def _mastery_row(user_id, objective_id, state, params_version):
    row = Mastery(user_id=user_id, objective_id=objective_id)
    row.set_state(state, params_version=params_version)
    return row
