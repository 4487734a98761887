"""Helpers for the quiz tests: URLs, and the form data a learner's browser would post."""

from django.urls import reverse

from quizzes import questiontypes
from quizzes.forms import AnswerForm

# Every registered question type, in the registry's order: a type added there is tested here.
ALL_TYPES = tuple(questiontypes.names())


def quiz_url(quiz):
    return reverse("quizzes:quiz", args=[quiz.course.slug, quiz.slug])


def start_url(quiz):
    return reverse("quizzes:start", args=[quiz.course.slug, quiz.slug])


def slot_url(attempt, slot):
    quiz = attempt.quiz
    return reverse("quizzes:question", args=[quiz.course.slug, quiz.slug, attempt.pk, slot])


def answer_url(attempt, slot):
    quiz = attempt.quiz
    return reverse("quizzes:answer", args=[quiz.course.slug, quiz.slug, attempt.pk, slot])


def summary_url(attempt):
    quiz = attempt.quiz
    return reverse("quizzes:summary", args=[quiz.course.slug, quiz.slug, attempt.pk])


def finish_url(attempt):
    quiz = attempt.quiz
    return reverse("quizzes:finish", args=[quiz.course.slug, quiz.slug, attempt.pk])


def post_data(attempt, question, *, correct=True):
    """What the browser posts for a fully right (or fully wrong) answer to `question`."""
    form = AnswerForm(attempt=attempt, question=question, version=question.current_version)
    spec = question.current_version.spec
    match question.type:
        case "single" | "multiple":
            wanted = [o["key"] for o in spec["options"] if o["correct"] == correct]
            if question.type == "single" or not correct:
                wanted = wanted[:1]
            tokens = [t for t, key in form.option_keys.items() if key in wanted]
            return {"choice": tokens}
        case "truefalse":
            return {"value": "true" if bool(spec["answer"]) == correct else "false"}
        case "numeric":
            return {"text": "10M" if correct else "5"}
        case "text":
            return {"text": "alexandr WANG." if correct else "Yann LeCun"}
        case "matching":
            by_key = {key: token for token, key in form.right_keys.items()}
            right_of = {p["key"]: p["right_key"] for p in spec["pairs"]}
            lefts = list(form.left_keys.items())
            rights = [right_of[left] for _name, left in lefts]
            if not correct:  # every item matched with its neighbour's fit: all wrong, no repeat
                rights = rights[1:] + rights[:1]
            return {
                name: by_key[right] for (name, _left), right in zip(lefts, rights, strict=True)
            }
    raise ValueError(question.type)
