"""Numbers read the same everywhere: the learner's feedback and the admin's correct answer both
come from quizzes.grading.format_number (10,000,000, not 10000000.0)."""

import pytest
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt
from tests.factories import make_course, make_question, make_quiz, make_staff_instructor, make_user
from tests.quiz_helpers import answer_url, slot_url, start_url

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_numeric_answer_as_the_learner_sees_it():
    course = make_course("numbers")
    objective = course.objectives.order_by("position").first()
    make_question(course, objective, type="numeric", key="context-window")  # 10,000,000 tokens
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    learner = Client()
    learner.force_login(make_user("nia"))
    learner.post(start_url(quiz))
    attempt = Attempt.objects.get()
    learner.post(answer_url(attempt, 1), {"text": "5"})  # wrong: the feedback gives the answer
    feedback = learner.get(slot_url(attempt, 1)).content.decode()
    assert "10,000,000 tokens" in feedback

    staff = Client()
    staff.force_login(make_staff_instructor())
    page = staff.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk])).content.decode()
    assert "10,000,000 tokens" in page
    assert "10000000.0" not in page
