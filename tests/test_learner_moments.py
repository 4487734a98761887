"""A learner's moments: the welcome after sign-up, the name on the certificate and the
sentence saying what earned it, "My progress", and completing the course (htmx and not)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course
from progress import mastery
from progress.models import CourseCompletion, LessonCompletion, Mastery
from quizzes.models import Attempt, Question
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user
from tests.quiz_helpers import answer_url, post_data, summary_url

HX = {"HTTP_HX_REQUEST": "true"}
HOUR = DAY / 24


@pytest.fixture
def course(db):
    """One objective with three questions, two lessons."""
    course = make_course("moment-course", objectives=1, lessons=2)
    make_bank(course.objectives.get(), 3)
    return course


def reach_proficient(user, course):
    objective = course.objectives.get()
    for i, question in enumerate(objective.questions.order_by("position")):
        answer(user, question, 1.0, T0 + i * HOUR)
    assert Mastery.objects.get(user=user, objective=objective).level == mastery.Level.PROFICIENT


def test_sign_up_welcomes_the_learner_and_takes_an_optional_name(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace@example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "password1": "a long enough pass phrase 42",
            "password2": "a long enough pass phrase 42",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Welcome, Grace! Your account is ready" in body
    assert "My progress" in body
    user = response.context["user"]
    assert user.get_full_name() == "Grace Hopper"


def test_the_account_page_sets_the_name_on_the_certificate(client, course):
    ada = make_user("ada")
    client.force_login(ada)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Your name on certificates" in page and 'name="first_name"' in page
    response = client.post(
        reverse("accounts:settings"), {"first_name": "Ada", "last_name": "Lovelace"}
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.get_full_name() == "Ada Lovelace"
    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    certificate = client.get(reverse("progress:certificate", args=[course.slug]))
    assert "Ada Lovelace" in certificate.content.decode()


def test_without_a_name_the_certificate_shows_the_username_and_says_how_to_add_one(client, course):
    ada = make_user("ada")
    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    client.force_login(ada)
    page = client.get(reverse("progress:certificate", args=[course.slug])).content.decode()
    assert "><bdi>ada</bdi></h1>" in page
    assert "Add your name" in page
    # Separate items (the flex row's gap between them): no "·" to start a wrapped line.
    actions = page.split('class="actions certificate-actions"', 1)[1].split("</p>", 1)[0]
    assert "·" not in actions


def test_the_certificate_says_the_rule_that_granted_completion(client, course):
    ada = make_user("ada")
    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    client.force_login(ada)
    page = client.get(reverse("progress:certificate", args=[course.slug])).content.decode()
    assert "different days" not in page
    assert (
        "having completed all 2 lessons and reached Proficient or above on its learning "
        "objective: an estimated mastery of at least 80% from correct answers to at least 3 "
        "different questions." in page
    )


def test_my_progress_goes_to_the_only_course_progress_page(client, course):
    client.force_login(make_user("ada"))
    response = client.get(reverse("accounts:my_progress"))
    assert response["Location"] == reverse("progress:progress", args=[course.slug])


def test_my_progress_lists_the_courses_when_there_are_several(client, course):
    make_course("other-course")
    client.force_login(make_user("ada"))
    response = client.get(reverse("accounts:my_progress"))
    assert response.status_code == 200
    body = response.content.decode()
    for other in Course.objects.all():
        assert reverse("progress:progress", args=[other.slug]) in body


def _ready_to_complete(client, course):
    ada = make_user("ada")
    reach_proficient(ada, course)
    LessonCompletion.objects.create(user=ada, lesson=course.lessons.get(slug="lesson-1"))
    client.force_login(ada)
    return reverse("courses:complete", args=[course.slug, "lesson-2"])


def test_the_click_that_completes_the_course_says_so_with_htmx(client, course):
    url = _ready_to_complete(client, course)
    body = client.post(url, **HX).content.decode()
    assert "You have completed Course moment-course!" in body
    assert reverse("progress:certificate", args=[course.slug]) in body


def test_the_click_that_completes_the_course_says_so_without_javascript(client, course):
    url = _ready_to_complete(client, course)
    response = client.post(url, follow=True)
    body = response.content.decode()
    assert "You have completed Course moment-course!" in body
    assert reverse("progress:certificate", args=[course.slug]) in body
    # Only that once: the lesson page itself does not keep saying it.
    lesson = course.lessons.get(slug="lesson-2")
    assert (
        "You have completed Course" not in client.get(lesson.get_absolute_url()).content.decode()
    )


def test_marking_an_earlier_lesson_says_nothing_about_the_course(client, course):
    client.force_login(make_user("ada"))
    body = client.post(
        reverse("courses:complete", args=[course.slug, "lesson-1"]), **HX
    ).content.decode()
    assert "Marked complete" in body and "You have completed Course" not in body


def test_the_answer_that_completes_the_course_says_so(client, course):
    ada = make_user("ada")
    for lesson in course.lessons.all():
        LessonCompletion.objects.create(user=ada, lesson=lesson)
    client.force_login(ada)
    objective = course.objectives.get()
    questions = list(
        Question.objects.select_related("current_version").filter(objective=objective)
    )
    attempt = Attempt.objects.create(
        user=ada,
        quiz=objective.quiz,
        seed=7,
        question_ids=[q.pk for q in questions],
        started_at=T0,
    )
    bodies = [
        client.post(answer_url(attempt, slot), post_data(attempt, q), **HX).content.decode()
        for slot, q in enumerate(questions, 1)
    ]
    assert ["You have completed" in body for body in bodies] == [False, False, True]
    # The answer knew it had completed the course: its page asked no completion row. Shown
    # again, the stored answer (at Proficient) is looked up.
    assert "You have completed" in client.get(summary_url(attempt)).content.decode()


def test_an_answer_at_proficient_after_completion_asks_no_completion_row(client, course):
    """record_answer says whether the answer completed the course; the page of an answer that
    did not (the course was completed before) reads no CourseCompletion row to find out."""
    ada = make_user("ada")
    for lesson in course.lessons.all():
        LessonCompletion.objects.create(user=ada, lesson=lesson)
    reach_proficient(ada, course)
    assert CourseCompletion.objects.filter(user=ada).exists()
    client.force_login(ada)
    objective = course.objectives.get()
    question = objective.questions.select_related("current_version").first()
    attempt = Attempt.objects.create(
        user=ada, quiz=objective.quiz, seed=7, question_ids=[question.pk], started_at=T0
    )
    with CaptureQueriesContext(connection) as queries:
        body = client.post(answer_url(attempt, 1), post_data(attempt, question), **HX)
    assert body.status_code == 200 and "You have completed" not in body.content.decode()
    assert Mastery.objects.get(user=ada, objective=objective).level >= mastery.Level.PROFICIENT
    table = CourseCompletion._meta.db_table
    assert [q["sql"] for q in queries if table in q["sql"]] == []
