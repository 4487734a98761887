import re

import pytest
from django.urls import reverse
from django.utils import timezone

from progress import mastery
from progress.models import CourseCompletion, LessonCompletion, Mastery
from quizzes.models import Response
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user

HOUR = DAY / 24


def progress_url(course):
    return reverse("progress:progress", args=[course.slug])


@pytest.fixture
def setup(db):
    """ada: two questions right on objective 1 (Familiar), a retry within 24 h; nothing on 2."""
    course = make_course("progress-course", objectives=2, lessons=3)
    first, second = course.objectives.order_by("position")
    bank1 = make_bank(first, 4)
    make_bank(second, 3)
    ada = make_user("ada")
    answer(ada, bank1[0], 1.0, T0)
    answer(ada, bank1[1], 1.0, T0 + HOUR)
    answer(ada, bank1[1], 0.0, T0 + 2 * HOUR)  # within 24 h of its counted answer
    LessonCompletion.objects.create(user=ada, lesson=course.lessons.get(slug="lesson-1"))
    return course, first, second, bank1, ada


def body_of(client, course):
    response = client.get(progress_url(course))
    assert response.status_code == 200
    return response.content.decode()


def section(body, objective):
    """The HTML of one objective's section."""
    start = body.index(f'id="objective-{objective.key}"')
    end = body.find("</section>", start)
    return body[start:end]


def test_it_needs_a_login_and_a_published_course(client, setup):
    course, *_ = setup
    response = client.get(progress_url(course))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(make_user("bob"))
    assert client.get(reverse("progress:progress", args=["nope"])).status_code == 404


def test_each_objective_shows_its_level_estimate_and_what_is_missing(client, setup):
    course, first, second, bank1, ada = setup
    client.force_login(ada)
    body = body_of(client, course)
    row = Mastery.objects.get(user=ada, objective=first)
    assert row.level == mastery.Level.FAMILIAR
    one = section(body, first)
    assert '<span class="level-badge level-badge--2">Familiar</span>' in one
    percent = int(100 * row.estimate)  # rounded down, never 100
    assert f'<progress class="bar" max="100" value="{percent}"' in one
    assert f'<span class="bar-label">{percent}%</span>' in one
    assert "from 2 counted answers" in one
    assert "<strong>Next:</strong> Answer 1 more different question correctly to reach " in one
    two = section(body, second)
    assert "Not started" in two and "Answer a first question to get an estimate." in two
    assert "no evidence yet" in two and "<progress" not in two  # not the 10 % prior
    assert "No answers yet." in two


def test_the_evidence_lists_counted_and_greyed_uncounted_answers(client, setup):
    course, first, second, bank1, ada = setup
    client.force_login(ada)
    one = section(body_of(client, course), first)
    rows = re.findall(r'<tr class="(is-counted|is-not-counted)">(.*?)</tr>', one, re.S)
    assert [kind for kind, _ in rows] == ["is-counted", "is-counted", "is-not-counted"]
    responses = list(Response.objects.filter(user=ada).order_by("graded_at"))
    first_row = rows[0][1]
    local = timezone.localtime(T0)
    assert f"{local.day} Mar 2026, {local:%H:%M}" in first_row
    assert f"Question {bank1[0].key} &amp; its prompt" in first_row  # tags stripped, escaped once
    assert "100%" in first_row
    assert f"{int(100 * responses[0].p_after)}%" in first_row
    assert "not counted: answered again within 20 h" in rows[2][1]
    assert "0%" in rows[2][1]
    assert "2 answers counted of 3" in one


def test_a_review_due_shows_a_badge(client, setup):
    course, first, second, bank1, ada = setup
    Mastery.objects.filter(user=ada, objective=first).update(
        level=mastery.Level.MASTERED, estimate=0.97, review_box=1,
        review_due_at=timezone.now() - DAY,
    )  # fmt: skip
    client.force_login(ada)
    one = section(body_of(client, course), first)
    assert "Mastered" in one and '<span class="review-badge">Review due</span>' in one
    assert "Review due" not in section(body_of(client, course), second)


def test_lessons_completion_and_the_next_lesson(client, setup):
    course, first, second, bank1, ada = setup
    client.force_login(ada)
    body = body_of(client, course)
    assert "1 of 3 complete" in body
    # 1 lesson done of 3, no objective at Proficient yet of 2: 1 of 5 rules met
    assert 'value="20" aria-labelledby="completion-label"' in body
    assert "Read the next lesson: Lesson 2" in body
    assert course.lessons.get(slug="lesson-2").get_absolute_url() in body


def test_next_step_after_the_lessons_is_the_weakest_objective(client, setup):
    course, first, second, bank1, ada = setup
    for lesson in course.lessons.all():
        LessonCompletion.objects.get_or_create(user=ada, lesson=lesson)
    client.force_login(ada)
    body = body_of(client, course)
    assert "Take the quiz: Objective 2" in body  # not started: its quiz
    assert second.quiz.get_absolute_url() in body
    Mastery.objects.create(user=ada, objective=second, level=mastery.Level.PROFICIENT)
    body = body_of(client, course)
    assert "Practise your weakest objective: Objective 1" in body
    assert reverse("progress:practice", args=[course.slug, first.key]) in body


def test_next_step_is_a_review_once_everything_is_proficient(client, setup):
    course, first, second, bank1, ada = setup
    for lesson in course.lessons.all():
        LessonCompletion.objects.get_or_create(user=ada, lesson=lesson)
    Mastery.objects.filter(user=ada, objective=first).update(
        level=mastery.Level.MASTERED, review_due_at=timezone.now() - HOUR
    )
    Mastery.objects.create(user=ada, objective=second, level=mastery.Level.PROFICIENT)
    CourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    client.force_login(ada)
    body = body_of(client, course)
    assert "Review due: Objective 1" in body
    assert "Course completed on 2 March 2026" in body
    assert reverse("progress:certificate", args=[course.slug]) in body
    assert 'value="100" aria-labelledby="completion-label"' in body


def test_the_page_has_no_inline_styles_and_only_my_data(client, setup):
    course, first, second, bank1, ada = setup
    bob = make_user("bob")
    answer(bob, bank1[3], 1.0, T0)
    client.force_login(ada)
    body = body_of(client, course)
    assert "style=" not in body
    assert bank1[3].key not in body  # bob's answer is not in ada's evidence


def test_query_count_does_not_grow_with_objectives_or_answers(
    client, setup, django_assert_num_queries
):
    course, first, second, bank1, ada = setup
    client.force_login(ada)
    url = progress_url(course)
    client.get("/accounts/settings/")  # warm the session and user caches
    # The first visit: the course's content (course, objectives, lessons, quizzes, questions
    # with their versions) for the process's cache, then the learner's rows (lesson
    # completions, mastery rows, answers, course completion).
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    # The next visit: the content and the learner's standing come from the caches.
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    for i in range(3, 7):
        objective = course.objectives.create(key=f"extra-{i}", text=f"Extra {i}", position=i)
        for j, question in enumerate(make_bank(objective, 3)):
            answer(ada, question, 1.0, T0 + (i * 10 + j) * HOUR)
    for j, question in enumerate(bank1[2:]):
        answer(ada, question, 1.0, T0 + (2 + j) * DAY)
    # New content and new answers: both caches renewed, the same queries whatever their number.
    with django_assert_num_queries(9):
        body = client.get(url).content.decode()
    assert body.count('class="objective-progress card"') == 6


def test_a_sitting_across_midnight_does_not_reach_mastered(client, db):
    """Answers from 23:56 to 00:03 (London): one sitting, though two dates. Mastered needs a
    correct answer a day (20 h) after the first; the page says from when."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    course = make_course("midnight-course", objectives=1, lessons=1)
    objective = course.objectives.get()
    bank = make_bank(objective, 8)
    ada = make_user("ada")
    start = datetime(2026, 12, 6, 23, 56, tzinfo=ZoneInfo("Europe/London"))
    for i, question in enumerate(bank[:7]):
        answer(ada, question, 1.0, start + i * HOUR / 60)
    row = Mastery.objects.get(user=ada, objective=objective)
    assert row.level == mastery.Level.PROFICIENT and row.estimate >= 0.95
    client.force_login(ada)
    text = re.sub(r"\s+", " ", section(body_of(client, course), objective))
    assert "Mastered" not in text.split("Next:")[0]
    assert "correctly on another day to reach Mastered" in text
    assert "from 7 December, 19:56" in text
    answer(ada, bank[7], 1.0, start + 20 * HOUR)
    assert Mastery.objects.get(user=ada, objective=objective).level == mastery.Level.MASTERED
