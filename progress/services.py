"""The one operation spanning the quiz and the learner's progress: storing a graded answer.

`record_answer` stores the Response and applies it to the learner's Mastery row for the
question's objective in one short transaction, holding the row lock (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction mode takes the write lock at BEGIN), so two
answers at once are applied one after the other and neither update is lost. Everything that
is only read (the question, its version, the pool size, the grade) is read before.

`mastery_answer` and `pool_size` are the definitions the rebuild (`recompute_mastery`) must
share with the live update so that replaying the responses gives the same row.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quizzes import grading, mastery
from quizzes.models import Attempt, Mastery, Question, Response
from quizzes.progress import check_course_completion


def course_tz():
    return ZoneInfo(settings.TIME_ZONE)


def pool_size(objective_id):
    """Number of active questions of an objective (caps the distinct-question minimums)."""
    return Question.objects.active().filter(objective_id=objective_id).count()


def mastery_answer(response, *, qtype=None, spec=None):
    """The mastery model's view of a stored response (its version's guess, s=0 if revealed)."""
    qtype = qtype or response.question.type
    spec = response.version.spec if spec is None else spec
    return mastery.Answer(
        id=response.pk or 0,
        question=str(response.question_id),
        score=0.0 if response.revealed else response.score,
        at=response.graded_at,
        guess=grading.guess_for_spec(qtype, spec),
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
def record_answer(
    *, attempt, question, grade, now=None, pool=None, answered_before=None, score_before=0.0
):
    """Store a graded answer and update the learner's mastery of its objective, atomically.

    `question` comes with `current_version` and `objective` loaded; `grade` is the
    grading.Grade of the answer. `now` is the grading time; by default it is taken once the
    mastery row is locked, so the order of `graded_at` is the order the updates were applied
    and replaying the responses rebuilds the same row. `pool` is the objective's pool size
    (read here if not given). `answered_before` and `score_before` are the number and total
    score of the attempt's other responses: when this answer completes the attempt, the
    attempt is finished with the total (pass None to leave the attempt open). Two last
    answers to different questions of one attempt at once may both leave it open; the
    summary page then offers Finish.

    Raises IntegrityError (and changes nothing) if the question was already answered in
    this attempt.
    """
    objective = question.objective
    version = question.current_version
    if pool is None:
        pool = pool_size(objective.pk)
    row = _locked_mastery(attempt.user_id, objective)
    if now is None:
        now = timezone.now()
    params = objective.mastery_params()
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
    outcome = mastery.apply_answer(
        state,
        mastery_answer(response, qtype=question.type, spec=version.spec),
        pool_size=pool,
        params=params,
        tz=course_tz(),
    )
    response.counted = outcome.counted
    response.p_after = outcome.p
    response.level_after = int(outcome.level)
    response.save(force_insert=True)

    row.set_state(state, params_version=objective.params_version)
    row.save(update_fields=[*Mastery.STATE_FIELDS, "updated_at"])

    if outcome.previous_level < mastery.Level.PROFICIENT <= outcome.level:
        # The only answer that can complete the course: one raising an objective to Proficient.
        check_course_completion(attempt.user, objective.course, now=now)

    if answered_before is not None and answered_before + 1 >= len(attempt.question_ids):
        finish_attempt(attempt, now=now, score=score_before + grade.score)
    return response


def finish_attempt(attempt, *, now, score):
    """Close an open attempt with its score (the sum of its response scores); one UPDATE.

    Returns False if the attempt was already finished (by another request).
    """
    values = {"finished_at": now, "score": score, "max_score": len(attempt.question_ids)}
    done = Attempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(**values)
    if done:
        for name, value in values.items():
            setattr(attempt, name, value)
    return bool(done)
