import pytest
from django.urls import reverse

from progress import mastery
from progress.models import CourseCompletion, LessonCompletion, Mastery
from progress.standing import check_course_completion
from quizzes.models import Attempt, Question
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user
from tests.quiz_helpers import answer_url, post_data

HOUR = DAY / 24
L = mastery.Level


@pytest.fixture
def course(db):
    """One objective with three questions, two lessons."""
    course = make_course("done-course", objectives=1, lessons=2)
    make_bank(course.objectives.get(), 3)
    return course


def complete_lessons(user, course, lessons=None):
    for lesson in lessons or course.lessons.all():
        LessonCompletion.objects.get_or_create(user=user, lesson=lesson)


def reach_proficient(user, course, start=T0):
    objective = course.objectives.get()
    for i, question in enumerate(objective.questions.order_by("position")):
        answer(user, question, 1.0, start + i * HOUR)
    assert Mastery.objects.get(user=user, objective=objective).level == L.PROFICIENT


def test_not_complete_while_a_lesson_is_left(course):
    ada = make_user("ada")
    reach_proficient(ada, course)
    complete_lessons(ada, course, course.lessons.filter(slug="lesson-1"))
    assert check_course_completion(ada, course) is None
    assert not CourseCompletion.objects.exists()


def test_not_complete_while_an_objective_is_below_proficient(course):
    ada = make_user("ada")
    complete_lessons(ada, course)
    Mastery.objects.create(user=ada, objective=course.objectives.get(), level=L.FAMILIAR)
    assert check_course_completion(ada, course) is None
    assert not CourseCompletion.objects.exists()


def test_an_objective_never_answered_blocks_completion(course):
    ada = make_user("ada")
    complete_lessons(ada, course)
    assert check_course_completion(ada, course) is None


def test_retired_lessons_and_objectives_do_not_count(course):
    ada = make_user("ada")
    reach_proficient(ada, course)
    complete_lessons(ada, course, course.lessons.filter(slug="lesson-1"))
    course.lessons.filter(slug="lesson-2").update(retired=True)
    course.objectives.create(key="gone", text="Gone", position=5, retired=True)
    assert check_course_completion(ada, course) is not None


def test_the_last_answer_to_reach_proficient_completes_the_course(course):
    ada = make_user("ada")
    complete_lessons(ada, course)
    reach_proficient(ada, course)  # record_answer checks on reaching Proficient
    completion = CourseCompletion.objects.get(user=ada, course=course)
    assert completion.completed_at == T0 + 2 * HOUR  # the time of the third answer


def test_marking_the_last_lesson_complete_completes_the_course(course, client):
    ada = make_user("ada")
    reach_proficient(ada, course)
    complete_lessons(ada, course, course.lessons.filter(slug="lesson-1"))
    assert not CourseCompletion.objects.exists()
    client.force_login(ada)
    client.post(reverse("courses:complete", args=[course.slug, "lesson-2"]))
    assert CourseCompletion.objects.filter(user=ada, course=course).exists()


def test_completion_through_the_answer_view(course, client):
    ada = make_user("ada")
    complete_lessons(ada, course)
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
    for slot, question in enumerate(questions, 1):
        assert not CourseCompletion.objects.exists()
        response = client.post(answer_url(attempt, slot), post_data(attempt, question))
        assert response.status_code == 302
    assert CourseCompletion.objects.filter(user=ada, course=course).exists()


def test_completion_is_kept_with_its_first_date(course):
    ada = make_user("ada")
    complete_lessons(ada, course)
    reach_proficient(ada, course)
    first = CourseCompletion.objects.get(user=ada).completed_at
    objective = course.objectives.get()
    for i, question in enumerate(objective.questions.all()):  # a bad day, two days later
        answer(ada, question, 0.0, T0 + 2 * DAY + i * HOUR)
    assert Mastery.objects.get(user=ada).level < L.PROFICIENT
    assert check_course_completion(ada, course).completed_at == first
    assert CourseCompletion.objects.count() == 1


def test_only_the_learner_who_did_it_completes(course):
    ada, bob = make_user("ada"), make_user("bob")
    complete_lessons(ada, course)
    reach_proficient(ada, course)
    assert check_course_completion(bob, course) is None
    assert list(CourseCompletion.objects.values_list("user__username", flat=True)) == ["ada"]


def test_course_home_and_certificate_show_the_completion(course, client):
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    client.force_login(ada)
    certificate = reverse("progress:certificate", args=[course.slug])
    response = client.get(certificate)  # not completed yet: back to the progress page
    assert response.status_code == 302
    assert response.url == reverse("progress:progress", args=[course.slug])

    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    home = client.get(course.get_absolute_url()).content.decode()
    assert "You completed this course on 2 March 2026" in home
    assert certificate in home
    page = client.get(certificate).content.decode()
    assert "Certificate of completion" in page
    assert "Ada Lovelace" in page and course.title in page and "2 March 2026" in page
    assert "style=" not in page


def test_the_certificate_is_personal(course, client):
    ada, bob = make_user("ada"), make_user("bob")
    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    client.force_login(bob)
    response = client.get(reverse("progress:certificate", args=[course.slug]))
    assert response.status_code == 302  # bob has not completed it: no certificate
    client.logout()
    response = client.get(reverse("progress:certificate", args=[course.slug]))
    assert "/accounts/login/" in response.url


def test_levels_on_the_course_home_and_lesson_page(course, client):
    ada = make_user("ada")
    objective = course.objectives.get()
    answer(ada, objective.questions.first(), 1.0, T0)
    client.force_login(ada)
    home = client.get(course.get_absolute_url()).content.decode()
    assert "Your level: " in home and ">Attempted</span>" in home
    lesson = course.lessons.get(slug="lesson-1")
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert '<span class="level-badge level-badge--1">Attempted</span>' in page
    client.logout()
    assert "level-badge" not in client.get(lesson.get_absolute_url()).content.decode()


def test_completing_one_course_does_not_complete_another(course):
    other = make_course("other-course", objectives=1, lessons=1)
    ada = make_user("ada")
    complete_lessons(ada, course)
    complete_lessons(ada, other)
    reach_proficient(ada, course)
    assert list(CourseCompletion.objects.values_list("course__slug", flat=True)) == ["done-course"]
