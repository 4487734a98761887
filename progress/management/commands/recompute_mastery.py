"""Rebuild every Mastery row (and each Response's counted/p_after/level_after) from responses.

Responses are the source of truth; a Mastery row is a cache. This replays each learner's
responses per objective in (graded_at, id) order with progress.mastery.replay, using the same
answer definition (progress.services.mastery_answer, through stored_answer) and pool size
(Question.objects.pool_sizes) as the live update.
"""

from itertools import groupby

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import Objective
from lib.dates import iso
from progress import mastery, masterytally
from progress.models import Mastery, mastery_params
from progress.services import stored_answer
from quizzes.models import Question, Response

RESPONSE_FIELDS = ["counted", "p_after", "level_after"]


def _fmt(value):
    return "-" if value is None else f"{value:.4f}"


def _label(level):
    return mastery.LEVEL_LABELS[int(level)]


def _when(value):
    return iso(value) or "-"


def _state_fields(row):
    """The fields compared and written, as a tuple (estimate rounded to 4 decimals)."""
    return (
        round(row.estimate, 4),
        row.level,
        row.counted_answers,
        row.review_box,
        row.review_due_at,
        row.params_version,
    )


class Command(BaseCommand):
    help = (
        "Rebuild every mastery row from the learners' responses. With --check, write nothing, "
        "report each difference and exit non-zero if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="report differences, write nothing"
        )
        parser.add_argument("--user", metavar="USERNAME", help="only this learner")

    def handle(self, *args, check, user, **options):
        users = get_user_model().objects.all()
        if user is not None:
            users = users.filter(**{get_user_model().USERNAME_FIELD: user})
            if not users.exists():
                raise CommandError(f'No learner with username "{user}".', returncode=2)
        with transaction.atomic():
            differences, written = self.rebuild(users, check=check)
            if check:
                transaction.set_rollback(True)
        for line in differences:
            self.stdout.write(line)
        if check:
            if differences:
                raise CommandError(
                    f"{len(differences)} difference(s) between the stored and rebuilt mastery.",
                    returncode=1,
                )
            self.stdout.write(self.style.SUCCESS("Mastery rows agree with the responses."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rebuilt: {written[0]} mastery row(s) and {written[1]} response(s) updated."
                )
            )

    def rebuild(self, users, *, check):
        """Replay everything; return (difference lines, (mastery rows, responses) written).

        Queries: users (usernames), objectives, pool sizes, mastery rows (locked), responses
        with their questions and versions (one ordered query), then the bulk writes.
        """
        names = dict(users.values_list("pk", get_user_model().USERNAME_FIELD))
        objectives = {objective.pk: objective for objective in Objective.objects.all()}
        sizes = Question.objects.pool_sizes(list(objectives))
        stored = {
            (row.user_id, row.objective_id): row
            for row in Mastery.objects.select_for_update().filter(user_id__in=list(names))
        }
        responses = (
            Response.objects.filter(user_id__in=list(names))
            .select_related("question", "version")
            .only(
                "id",
                "user_id",
                "objective_id",
                "question_id",
                "score",
                "revealed",
                "graded_at",
                "counted",
                "p_after",
                "level_after",
                "question__type",
                "version__spec",
            )  # fmt: skip
            .order_by("user_id", "objective_id", "graded_at", "id")
        )
        differences: list[str] = []
        changed_responses: list[Response] = []
        changed_rows: list[Mastery] = []
        new_rows: list[Mastery] = []
        seen = set()
        for (user_id, objective_id), group in groupby(
            responses.iterator(chunk_size=2000), key=lambda r: (r.user_id, r.objective_id)
        ):
            batch = list(group)
            objective = objectives[objective_id]
            params = mastery_params(objective)
            by_id = {response.pk: response for response in batch}
            answers = [stored_answer(response) for response in batch]
            state, outcomes = mastery.replay(
                answers, pool_size=sizes.get(objective_id, 0), params=params
            )
            for answer, outcome in outcomes:
                response = by_id[answer.id]
                rebuilt = (outcome.counted, outcome.p, int(outcome.level))
                was = (response.counted, response.p_after, response.level_after)
                if _rounded(was) != _rounded(rebuilt):
                    differences.append(
                        f"{names[user_id]} · {objective.key} · response {response.pk}: "
                        f"counted {was[0]} -> {rebuilt[0]}, estimate after {_fmt(was[1])} -> "
                        f"{_fmt(rebuilt[1])}, level after {was[2]} -> {rebuilt[2]}"
                    )
                if was != rebuilt:
                    response.counted, response.p_after, response.level_after = rebuilt
                    changed_responses.append(response)
            seen.add((user_id, objective_id))
            self._compare(
                stored.get((user_id, objective_id)), user_id, objective, state,
                names, differences, changed_rows, new_rows,
            )  # fmt: skip
        # Rows without any response go back to a fresh state.
        for key, row in stored.items():
            if key not in seen:
                objective = objectives[row.objective_id]
                fresh = mastery.State(p=mastery_params(objective).l0)
                self._compare(
                    row, row.user_id, objective, fresh, names, differences, changed_rows, new_rows
                )
        if not check:
            Response.objects.bulk_update(changed_responses, RESPONSE_FIELDS, batch_size=500)
            Mastery.objects.bulk_update(changed_rows, Mastery.STATE_FIELDS, batch_size=500)
            Mastery.objects.bulk_create(new_rows, batch_size=500)
            if changed_rows or new_rows:  # written without signals: the next report recounts
                masterytally.mark_stale()
        return differences, (len(changed_rows) + len(new_rows), len(changed_responses))

    def _compare(self, row, user_id, objective, state, names, differences, changed, new):
        rebuilt = Mastery(user_id=user_id, objective=objective)
        _fill(rebuilt, state, objective)
        if row is None:
            if state.n:
                differences.append(
                    f"{names[user_id]} · {objective.key}: no mastery row; rebuilt "
                    f"{_label(rebuilt.level)} {_fmt(rebuilt.estimate)}, box "
                    f"{rebuilt.review_box or '-'}, due {_when(rebuilt.review_due_at)}"
                )
            new.append(rebuilt)
            return
        was = mastery.State.from_json(row.state or {}, mastery_params(objective))
        same = _state_fields(row) == _state_fields(rebuilt)
        if not same or (row.state and _key(was) != _key(state)):
            differences.append(
                f"{names[user_id]} · {objective.key}: stored {_label(row.level)} "
                f"{_fmt(row.estimate)}, box {row.review_box or '-'}, due "
                f"{_when(row.review_due_at)}; rebuilt {_label(rebuilt.level)} "
                f"{_fmt(rebuilt.estimate)}, box {rebuilt.review_box or '-'}, due "
                f"{_when(rebuilt.review_due_at)}"
            )
        if row.state != rebuilt.state or _state_fields(row) != _state_fields(rebuilt):
            _fill(row, state, objective)
            changed.append(row)


def _key(state):
    """A state for comparison: the estimate to 4 decimals, times compared as instants."""
    return (round(state.p, 4), state.n, state.last, state.last_t, state.first_correct,
            state.spaced, state.level, state.box, state.due)  # fmt: skip


def _rounded(view):
    """A response's (counted, p_after, level_after) with the estimate to 4 decimals."""
    counted, p, level = view
    return counted, None if p is None else round(p, 4), level


def _fill(row, state, objective):
    row.set_state(state, params_version=objective.params_version)
