"""Answers kept as drafts until the learner submits: the review step of "feedback at the end".

A quiz that gives its feedback at the end (the course test) is answered like an exam: each
answer is validated when given and kept as a draft, the learner can go back and change any of
them on the review page, and "Submit my answers" grades them all, stores them with their
mastery updates and finishes the attempt (progress.review.submit). Nothing is graded
before that, so neither the progress page nor the levels give an answer away early.

The drafts live on the server, one AttemptDraft row per answered slot of the attempt: the
answer form's own fields only (anything else posted is dropped), validated before they are kept
and bounded in size (MAX_DRAFT_BYTES), with the answer in words beside them so the review page
shows it without grading. So a draft survives a logout and shows on the learner's other devices,
and nothing of it is in the session.
"""

import contextlib
import json

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from quizzes import questiontypes
from quizzes.forms import AnswerForm
from quizzes.models import AttemptDraft, FeedbackMode, Question

# A draft is the validated answer form's own fields: a typed answer (at most 500 characters),
# option tokens or a matching question's rows. This bound only guards against a form far
# larger than any course has.
MAX_DRAFT_BYTES = 32 * 1024


class DraftTooLarge(ValueError):
    """The answer is larger than a draft may be."""


def uses_review(attempt) -> bool:
    """Whether the attempt's answers are drafts until submitted (feedback at the end)."""
    return not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END


def drafts(attempt) -> dict[int, dict[str, list[str]]]:
    """The attempt's drafts by slot: the answer form's fields as given (name -> values)."""
    return dict(attempt.drafts.values_list("slot", "data"))


def first_open_slot(attempt, answered_ids) -> int | None:
    """The first slot with neither a stored answer nor a draft, or None when all have one."""
    saved = set(attempt.drafts.values_list("slot", flat=True))
    for slot, question_id in enumerate(attempt.question_ids, 1):
        if question_id not in answered_ids and slot not in saved:
            return slot
    return None


def form_fields(form: AnswerForm, post: QueryDict) -> dict[str, list[str]]:
    """The answer form's own fields of `post` (nothing else posted is kept)."""
    return {name: post.getlist(name) for name in form.fields if name in post}


def save_draft(attempt, slot: int, form: AnswerForm, post: QueryDict) -> None:
    """Keep the validated answer `form`'s own input for `slot`, replacing an earlier draft.
    DraftTooLarge when it is over MAX_DRAFT_BYTES."""
    data = form_fields(form, post)
    if len(json.dumps(data).encode()) > MAX_DRAFT_BYTES:
        raise DraftTooLarge(f"an answer is kept up to {MAX_DRAFT_BYTES // 1024} KB")
    values = {
        "data": data,
        "answer_text": _answer_text(form.question_type.name, form.spec, form.grade),
        "saved_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            AttemptDraft.objects.update_or_create(attempt=attempt, slot=slot, defaults=values)
    except IntegrityError:  # the same slot saved at once from another tab: the last one wins
        AttemptDraft.objects.filter(attempt=attempt, slot=slot).update(**values)


def clear(attempt) -> None:
    attempt.drafts.all().delete()


def as_querydict(data: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in data.items():
        query.setlist(name, values)
    return query


def draft_form(attempt, question, data) -> AnswerForm:
    """The answer form bound to a draft (validate it to get its grade)."""
    return AnswerForm(
        as_querydict(data), attempt=attempt, question=question, version=question.current_version
    )


def review_items(attempt, responses, questions) -> list[dict]:
    """One row per slot for the review page: the prompt and the answer given so far (kept in
    words with the draft: nothing is graded here).

    `responses` by question id (answers stored before this step existed stay final),
    `questions` by id with current_version loaded.
    """
    saved = dict(attempt.drafts.values_list("slot", "answer_text"))
    items = []
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = questions[question_id]
        prompt = question.current_version.prompt_text
        item = {"slot": slot, "prompt": prompt, "final": False, "answer": ""}
        if question_id in responses:
            item.update(final=True, answer=responses[question_id].answer_display)
        elif slot in saved:
            item["answer"] = saved[slot]
        items.append(item)
    return items


def _answer_text(qtype, spec, grade) -> str:
    """The answer in words, not marked right or wrong, one part a line (a matching pair)."""
    lines = questiontypes.get(qtype).answer_lines(spec, grade.answer, marked=False)
    return "\n".join(lines) if lines else grade.answer_display


# Drafts that an earlier version kept in the session ({attempt id: {slot: {name: values}}}).
LEGACY_SESSION_KEY = "quiz-drafts"


def adopt_session_drafts(session, attempt) -> None:
    """Move the drafts an earlier version kept in the session onto the attempt, once: only
    the answer form's own fields of those that still validate (never one over a newer draft),
    then remove them from the session."""
    everything = session.get(LEGACY_SESSION_KEY)
    if not isinstance(everything, dict):
        return
    mine = everything.pop(str(attempt.pk), None)
    if everything:
        session[LEGACY_SESSION_KEY] = everything
    else:
        del session[LEGACY_SESSION_KEY]
    if not isinstance(mine, dict) or attempt.finished_at is not None or not uses_review(attempt):
        return
    questions = Question.objects.select_related("current_version").in_bulk(attempt.question_ids)
    existing = set(attempt.drafts.values_list("slot", flat=True))
    for slot_text, data in mine.items():
        slot = int(slot_text) if str(slot_text).isdigit() else 0
        if not 1 <= slot <= len(attempt.question_ids) or slot in existing:
            continue
        question = questions.get(attempt.question_ids[slot - 1])
        if question is None or not isinstance(data, dict):
            continue
        values = {
            str(name): [str(value) for value in given]
            for name, given in data.items()
            if isinstance(given, list)
        }
        form = draft_form(attempt, question, values)
        if form.is_valid():
            with contextlib.suppress(DraftTooLarge):
                save_draft(attempt, slot, form, as_querydict(values))
