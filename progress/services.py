"""The one operation spanning the quiz and the learner's progress: storing a graded answer.

`record_answer` stores the Response and applies it to the learner's Mastery row for the
question's objective in one short transaction, holding the row locks (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the IMMEDIATE transaction mode takes the write lock at BEGIN), so two
answers at once are applied one after the other and neither update is lost.

The attempt's row is locked first, by both `record_answer` and `close_attempt`: an answer and
a Finish at the same moment are applied one after the other, so no answer is stored in a
finished attempt and a finished attempt's score counts every answer stored in it; and of two
last answers at once, the second sees the first and finishes the attempt. The attempt carries
its own state (the slots answered, their number and total score), read from its locked row and
updated by the same transaction, so no request counts its responses.

`mastery_answer` is the one definition of the mastery model's view of an answer. Every writer
of mastery rows uses it: the live answer here, the rebuild (`recompute_mastery`) and the demo
data (`seed_demo_data`), so replaying the responses always gives the stored rows.
"""

from django.db import transaction
from django.utils import timezone

from progress import itemtally, mastery, masterytally
from progress.models import Mastery, mastery_params
from progress.standing import check_course_completion
from quizzes import grading
from quizzes.models import Attempt, Question, Response


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


class AttemptFinished(Exception):
    """The attempt was finished (by another request) before this answer could be stored."""


ATTEMPT_STATE = ("finished_at", "answered_slots", "answered_count", "score_so_far")


def _lock_attempt(attempt):
    """Lock the attempt's row until commit and read its state into `attempt` (the slots
    answered, their number and total score: exact while the lock is held); raise
    AttemptFinished if it is finished.

    One statement: the state is in the locked row itself, and on PostgreSQL a statement that
    waited for the row lock returns the row as the transaction that held the lock left it.
    """
    rows = Attempt.objects.select_for_update(no_key=True).filter(pk=attempt.pk)
    state = rows.values(*ATTEMPT_STATE).get()
    if state["finished_at"] is not None:
        raise AttemptFinished
    for name, value in state.items():
        setattr(attempt, name, value)


def _advance_attempt(attempt, slot, score, now):
    """Add the answer in `slot` to the attempt's state (read under its lock by _lock_attempt);
    the last answer of a quiz attempt (not a practice session, which grows one question at a
    time) finishes it through Attempt.finish, with the total of its scores. One UPDATE."""
    values = {
        "answered_slots": [*attempt.answered_slots, slot],
        "answered_count": attempt.answered_count + 1,
        "score_so_far": attempt.score_so_far + score,
    }
    if not attempt.is_practice and values["answered_count"] >= len(attempt.question_ids):
        if attempt.finish(now=now, score=values["score_so_far"], **values):
            itemtally.attempt_finished(attempt)  # in this transaction, as close_attempt
        return
    Attempt.objects.filter(pk=attempt.pk).update(**values)
    for name, value in values.items():
        setattr(attempt, name, value)


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
    """(the learner's Mastery row for the objective, locked for update; whether this
    transaction created it). Created if missing."""
    rows = Mastery.objects.select_for_update()
    try:  # get(), not first(): (user, objective) is unique, and no ORDER BY to build
        return rows.get(user_id=user_id, objective=objective), False
    except Mastery.DoesNotExist:
        # INSERT ... ON CONFLICT DO NOTHING: no savepoint, and safe if another request won.
        Mastery.objects.bulk_create(
            [Mastery(user_id=user_id, objective=objective)], ignore_conflicts=True
        )
        row = rows.get(user_id=user_id, objective=objective)
        # Ours if nothing was ever applied to it: an answer that inserts a row applies itself
        # to it before its transaction commits, so another request's row is never empty.
        return row, not row.state


@transaction.atomic
def record_answer(*, attempt, question, grade, now=None, pool=None):
    """Store a graded answer and update the learner's mastery of its objective, atomically.

    `question` comes with `current_version` and `objective` loaded; `grade` is the
    grading.Grade of the answer. `now` is the grading time; by default it is taken once the
    mastery row is locked, so the order of `graded_at` is the order the updates were applied
    and replaying the responses rebuilds the same row. `pool` is the objective's pool size
    (Question.objects.pool_size; read here if not given). The attempt's state is updated in
    the same transaction, and the answer that completes a quiz attempt (not a practice
    session, which grows one question at a time) finishes it with the total of its scores.

    Queries: the objective's pool size unless given, the attempt row (locked, with its state),
    the mastery row (locked; created if missing), the response INSERT, the mastery UPDATE, the
    class mastery counts when the level or the stuck state changed (one UPDATE; when the row is
    new, its course's counts row locked and an EXISTS, and an UPDATE if it is the learner's
    first in the course: progress.masterytally), the attempt UPDATE
    (its state; finished after its last answer, then the item analysis sums:
    progress.itemtally); the completion check when an objective reaches Proficient.

    The response returned carries `completed_course`: whether this answer completed the
    course (so the page that shows it needs no query to celebrate).

    Raises AttemptFinished if the attempt is finished, and IntegrityError if the question
    was already answered in this attempt; either way nothing is changed.
    """
    objective = question.objective
    version = question.current_version
    if pool is None:
        pool = Question.objects.pool_size(objective.pk)
    _lock_attempt(attempt)
    row, created = _locked_mastery(attempt.user_id, objective)
    row.objective = objective  # loaded already (the standing cache's signal reads its course)
    level_before, counted_before = row.level, row.counted_answers
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
        feedback_html=grade.feedback_html,
    )
    answer = mastery_answer(
        question_id=question.pk,
        qtype=question.type,
        spec=version.spec,
        score=response.score,
        revealed=response.revealed,
        at=now,
    )
    outcome = mastery.apply_answer(state, answer, pool_size=pool, params=params)
    response.counted = outcome.counted
    response.p_after = outcome.p
    response.level_after = int(outcome.level)
    response.save(force_insert=True)

    row.set_state(state, params_version=objective.params_version)
    row._tallied = True  # counted below: its save does not mark the class counts stale
    row.save(update_fields=[*Mastery.STATE_FIELDS, "updated_at"])
    masterytally.mastery_written(row, level_before, counted_before, created=created)

    response.completed_course = False
    if outcome.previous_level < mastery.Level.PROFICIENT <= outcome.level:
        # The only answer that can complete the course: one raising an objective to Proficient.
        completion = check_course_completion(attempt.user, objective.course, now=now)
        response.completed_course = completion is not None and completion.completed_at == now

    _advance_attempt(attempt, response.slot, grade.score, now)
    return response


@transaction.atomic
def close_attempt(attempt, *, now=None):
    """Finish an open attempt now with the total of the answers stored in it (unanswered
    questions score 0), under the attempt's lock, so an answer arriving at the same moment is
    either counted or refused. Returns False if it was already finished."""
    try:
        _lock_attempt(attempt)
    except AttemptFinished:
        return False
    finished = attempt.finish(now=now, score=attempt.score_so_far)
    if finished:
        itemtally.attempt_finished(attempt)
    return finished
