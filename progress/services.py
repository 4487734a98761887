"""The one operation spanning the quiz and the learner's progress: storing a graded answer.

`record_answer` stores the Response and applies it to the learner's Mastery row for the
question's objective in one short transaction, holding the row lock (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction mode takes the write lock at BEGIN), so two
answers at once are applied one after the other and neither update is lost.

`mastery_answer` is the one definition of the mastery model's view of an answer. Every writer
of mastery rows uses it: the live answer here, the rebuild (`recompute_mastery`) and the demo
data (`seed_demo_data`), so replaying the responses always gives the stored rows.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from progress import mastery
from progress.models import Mastery, mastery_params
from progress.standing import check_course_completion
from quizzes import grading
from quizzes.models import Question, Response


def course_tz():
    return ZoneInfo(settings.TIME_ZONE)


def mastery_answer(*, question_id, qtype, spec, score, revealed, at, id=0):
    """The mastery model's view of one answer.

    Keyed by the question's id, so a question counts once toward the model's distinct-question
    rules whoever wrote the answer; scored 0 when the answer was revealed first; with the guess
    parameter of the question version answered. `id` breaks ties between answers at the same
    time (the response's id).
    """
    return mastery.Answer(
        id=id,
        question=str(question_id),
        score=0.0 if revealed else score,
        at=at,
        guess=grading.guess_for_spec(qtype, spec),
    )


def stored_answer(response):
    """mastery_answer of a stored Response (its question and version loaded)."""
    return mastery_answer(
        id=response.pk,
        question_id=response.question_id,
        qtype=response.question.type,
        spec=response.version.spec,
        score=response.score,
        revealed=response.revealed,
        at=response.graded_at,
    )


def _locked_mastery(user_id, objective):
    """The learner's Mastery row for the objective, created if missing, locked for update."""
    rows = Mastery.objects.select_for_update()
    try:  # get(), not first(): (user, objective) is unique, and no ORDER BY to build
        return rows.get(user_id=user_id, objective=objective)
    except Mastery.DoesNotExist:
        # INSERT ... ON CONFLICT DO NOTHING: no savepoint, and safe if another request won.
        Mastery.objects.bulk_create(
            [Mastery(user_id=user_id, objective=objective)], ignore_conflicts=True
        )
        return rows.get(user_id=user_id, objective=objective)


@transaction.atomic
def record_answer(*, attempt, question, grade, now=None, pool=None):
    """Store a graded answer and update the learner's mastery of its objective, atomically.

    `question` comes with `current_version` and `objective` loaded; `grade` is the
    grading.Grade of the answer. `now` is the grading time; by default it is taken once the
    mastery row is locked, so the order of `graded_at` is the order the updates were applied
    and replaying the responses rebuilds the same row. `pool` is the objective's pool size
    (Question.objects.pool_size; read here if not given). The answer that completes a quiz
    attempt (not a practice session, which grows one question at a time) finishes it.

    Queries: the objective's pool size unless given, the mastery row (locked; created if
    missing), the response INSERT, the mastery UPDATE; for a quiz attempt, the count and sum of its
    responses, and the attempt UPDATE after its last answer; the completion check when an
    objective reaches Proficient.

    Raises IntegrityError (and changes nothing) if the question was already answered in
    this attempt.
    """
    objective = question.objective
    version = question.current_version
    if pool is None:
        pool = Question.objects.pool_size(objective.pk)
    row = _locked_mastery(attempt.user_id, objective)
    if now is None:
        now = timezone.now()
    params = mastery_params(objective)
    state = mastery.State.from_json(row.state, params)
    response = Response(
        attempt=attempt,
        user_id=attempt.user_id,
        question=question,
        version=version,
        objective=objective,
        slot=attempt.question_ids.index(question.pk) + 1,
        answer=grade.answer,
        answer_display=grade.answer_display,
        score=grade.score,
        graded_at=now,
    )
    answer = mastery_answer(
        question_id=question.pk,
        qtype=question.type,
        spec=version.spec,
        score=response.score,
        revealed=response.revealed,
        at=now,
    )
    outcome = mastery.apply_answer(state, answer, pool_size=pool, params=params, tz=course_tz())
    response.counted = outcome.counted
    response.p_after = outcome.p
    response.level_after = int(outcome.level)
    response.save(force_insert=True)

    row.set_state(state, params_version=objective.params_version)
    row.save(update_fields=[*Mastery.STATE_FIELDS, "updated_at"])

    if outcome.previous_level < mastery.Level.PROFICIENT <= outcome.level:
        # The only answer that can complete the course: one raising an objective to Proficient.
        check_course_completion(attempt.user, objective.course, now=now)

    if not attempt.is_practice:
        done = attempt.responses.aggregate(n=Count("id"), total=Sum("score"))
        if done["n"] >= len(attempt.question_ids):
            attempt.finish(now=now, score=done["total"])
    return response
