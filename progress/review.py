"""Submitting a course test's drafts (quizzes.review): every draft graded and stored with its
mastery update (progress.services.record_answer), then the attempt finished."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from progress.services import AttemptFinished, close_attempt, record_answer
from quizzes.models import Question
from quizzes.review import clear, draft_form, drafts


def submit(attempt) -> None:
    """Grade and store every draft of the attempt, then finish it with its total score.

    Drafts that no longer validate (the question changed meanwhile) count as unanswered. A
    second submission (another tab) finds the attempt finished and stores nothing.
    """
    saved = drafts(attempt)
    questions = (
        Question.objects.select_related("current_version", "objective")
        .filter(pk__in=attempt.question_ids)
        .in_bulk()
    )
    with transaction.atomic():
        answered = set(attempt.responses.values_list("question_id", flat=True))
        for slot, question_id in enumerate(attempt.question_ids, 1):
            question = questions.get(question_id)
            if question is None or question_id in answered or slot not in saved:
                continue
            form = draft_form(attempt, question, saved[slot])
            if not form.is_valid():
                continue
            try:
                with transaction.atomic():
                    record_answer(attempt=attempt, question=question, grade=form.grade)
            except IntegrityError:  # answered meanwhile (another tab): the first one stands
                continue
            except AttemptFinished:  # submitted meanwhile (another tab): nothing more to store
                break
        close_attempt(attempt, now=timezone.now())
        clear(attempt)
