"""Starting an attempt at a quiz so that the quiz's attempt limit holds under parallel requests.

`start_attempt` counts the learner's attempts at the quiz and creates the new one in one
transaction that first locks the learner's user row, so two starts at once (a double click, two
tabs, a script sending many) run one after the other: the second sees the attempt the first
made. PostgreSQL: SELECT ... FOR NO KEY UPDATE on the user row (it does not block the
foreign-key checks of answers being stored for the learner meanwhile). SQLite has no row locks:
the transaction writes first (a no-op UPDATE of the same row), which takes the database's write
lock before anything is counted (with settings' IMMEDIATE transaction mode it is already held
from BEGIN).
"""

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from quizzes.draw import draw, new_seed
from quizzes.models import Attempt


def _lock_learner(user_id) -> None:
    """Hold the learner's row lock (the database's write lock on SQLite) until commit."""
    users = get_user_model().objects.filter(pk=user_id)
    if connection.vendor == "sqlite":
        users.update(is_active=F("is_active"))
    else:
        list(users.select_for_update(no_key=True).values_list("pk", flat=True))


@transaction.atomic
def start_attempt(*, user, quiz, pools) -> Attempt | None:
    """The learner's open attempt at the quiz, or a new one drawn from `pools`; None when the
    quiz's attempts allowed are all used.

    `pools` are the active question ids per objective the quiz draws from (not empty).
    """
    _lock_learner(user.pk)
    attempts = Attempt.objects.filter(user_id=user.pk, quiz=quiz, is_practice=False)
    open_attempt = attempts.filter(finished_at__isnull=True).order_by("started_at").first()
    if open_attempt is not None:
        return open_attempt
    if quiz.attempts_allowed is not None and attempts.count() >= quiz.attempts_allowed:
        return None
    seed = new_seed()
    return Attempt.objects.create(
        user=user,
        quiz=quiz,
        seed=seed,
        question_ids=draw(pools, quiz.questions_per_attempt, seed),
        started_at=timezone.now(),
    )
