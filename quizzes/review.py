"""Answers kept as drafts until the learner submits: the review step of "feedback at the end".

A quiz that gives its feedback at the end (the course test) is answered like an exam: each
answer is validated when given and kept as a draft, the learner can go back and change any of
them on the review page, and "Submit my answers" grades them all, stores them with their
mastery updates and finishes the attempt (progress.review.submit). Nothing is graded
before that, so neither the progress page nor the levels give an answer away early.

The drafts live in the learner's session (the raw form input per question slot), like Django's
form wizard keeps its steps: they stay in the browser session that gave them until submission.
"""

from django.http import QueryDict

from quizzes import matching_display
from quizzes.forms import AnswerForm
from quizzes.models import FeedbackMode

SESSION_KEY = "quiz-drafts"


def uses_review(attempt) -> bool:
    """Whether the attempt's answers are drafts until submitted (feedback at the end)."""
    return not attempt.is_practice and attempt.quiz.feedback_mode == FeedbackMode.END


def _all(session) -> dict:
    return session.get(SESSION_KEY, {})


def drafts(session, attempt) -> dict[int, dict[str, list[str]]]:
    """The attempt's drafts by slot: the form input as given (field name -> values)."""
    return {int(slot): data for slot, data in _all(session).get(str(attempt.pk), {}).items()}


def first_open_slot(attempt, session, answered_ids) -> int | None:
    """The first slot with neither a stored answer nor a draft, or None when all have one."""
    saved = drafts(session, attempt)
    for slot, question_id in enumerate(attempt.question_ids, 1):
        if question_id not in answered_ids and slot not in saved:
            return slot
    return None


def save_draft(session, attempt, slot: int, post: QueryDict) -> None:
    """Keep the answer form's input for `slot` (the CSRF token left out)."""
    data = {name: post.getlist(name) for name in post if name != "csrfmiddlewaretoken"}
    everything = _all(session)
    everything.setdefault(str(attempt.pk), {})[str(slot)] = data
    session[SESSION_KEY] = everything  # reassigned so the session is saved


def clear(session, attempt) -> None:
    everything = _all(session)
    if everything.pop(str(attempt.pk), None) is not None:
        session[SESSION_KEY] = everything


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


def review_items(attempt, session, responses, questions) -> list[dict]:
    """One row per slot for the review page: the prompt and the answer given so far.

    `responses` by question id (answers stored before this step existed stay final),
    `questions` by id with current_version loaded.
    """
    saved = drafts(session, attempt)
    items = []
    for slot, question_id in enumerate(attempt.question_ids, 1):
        question = questions[question_id]
        prompt = question.current_version.prompt_text
        item = {"slot": slot, "prompt": prompt, "final": False, "answer": ""}
        if question_id in responses:
            item.update(final=True, answer=responses[question_id].answer_display)
        elif slot in saved:
            form = draft_form(attempt, question, saved[slot])
            if form.is_valid():
                item["answer"] = _answer_text(question, form.grade)
        items.append(item)
    return items


def _answer_text(question, grade) -> str:
    """The answer in words, not marked right or wrong; a matching answer one pair a line."""
    if question.type == "matching":
        rows = matching_display.pair_rows(question.current_version.spec, grade.answer)
        return "\n".join(f"{row['left']} → {row['chosen']}" for row in rows)
    return grade.answer_display
