import pytest
from django.urls import reverse

from progress.models import LessonCompletion
from tests.factories import make_course, make_lesson


def lesson_url(course, slug):
    return reverse("courses:lesson", args=[course.slug, slug])


@pytest.mark.django_db
def test_catalogue_lists_published_courses(client):
    make_course("visible", title="Visible course")
    make_course("hidden", title="Hidden course", retired=True)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visible course" in body
    assert "Hidden course" not in body
    assert "3 lessons" in body


@pytest.mark.django_db
def test_course_home_shows_objectives_lessons_and_start(client, course):
    response = client.get(course.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Objective 1" in body and "Objective 2" in body
    assert "Lesson 1" in body and "Lesson 3" in body
    assert "Start the course" in body
    assert "6 minutes" in body


@pytest.mark.django_db
def test_course_home_continues_after_the_last_completed_lesson(learner_client, learner, course):
    first = course.lessons.get(slug="lesson-1")
    LessonCompletion.objects.create(user=learner, lesson=first)
    body = learner_client.get(course.get_absolute_url()).content.decode()
    assert "Continue: Lesson 2" in body
    assert "1 of 3 complete" in body
    assert 'aria-label="completed"' in body


@pytest.mark.django_db
def test_unknown_course_and_lesson_are_404_in_the_site_layout(client, course):
    response = client.get("/courses/nope/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert client.get(lesson_url(course, "nope")).status_code == 404


@pytest.mark.django_db
def test_retired_lessons_are_hidden(client, course):
    lesson = course.lessons.get(slug="lesson-2")
    lesson.retired = True
    lesson.save()
    assert client.get(lesson_url(course, "lesson-2")).status_code == 404
    assert "Lesson 2" not in client.get(course.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_lesson_page_has_content_outline_toc_and_pager(client, course):
    response = client.get(lesson_url(course, "lesson-2"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "The main point of lesson-2." in body
    assert 'href="#main"' in body  # in-page contents
    assert 'aria-current="page"' in body
    assert 'rel="prev"' in body and 'rel="next"' in body
    assert "Objective 2" in body  # the objective it teaches
    assert "Log in</a> or" in body  # anonymous learners are invited to track progress
    # The lesson's title comes before the course outline's heading in the page's order.
    assert body.index('<h1 id="lesson-title">') < body.index('id="outline-heading"')


@pytest.mark.django_db
def test_lesson_page_queries_do_not_grow_with_lessons(
    django_assert_num_queries, learner_client, course
):
    url = lesson_url(course, "lesson-2")
    learner_client.get(url)  # warm the session cache
    # session and user from caches; course, lesson, its objectives, outline, completions, the
    # learner's mastery rows of those objectives
    with django_assert_num_queries(6):
        assert learner_client.get(url).status_code == 200
    for i in range(4, 20):
        make_lesson(course, f"lesson-{i}", position=i)
    with django_assert_num_queries(6):
        assert learner_client.get(url).status_code == 200


@pytest.mark.django_db
def test_course_home_queries_do_not_grow_with_lessons(
    django_assert_num_queries, learner_client, course
):
    url = course.get_absolute_url()
    learner_client.get(url)
    # course, outline lessons, objectives, mastery rows, completions, course completion (the
    # user from the cache)
    with django_assert_num_queries(6):
        assert learner_client.get(url).status_code == 200
    for i in range(4, 20):
        make_lesson(course, f"lesson-{i}", position=i)
    with django_assert_num_queries(6):
        assert learner_client.get(url).status_code == 200


@pytest.mark.django_db
def test_mark_complete_rejects_get(learner_client, course):
    url = reverse("courses:complete", args=[course.slug, "lesson-1"])
    assert learner_client.get(url).status_code == 405
    assert not LessonCompletion.objects.exists()


@pytest.mark.django_db
def test_mark_complete_plain_post_redirects_back(learner_client, learner, course):
    url = reverse("courses:complete", args=[course.slug, "lesson-1"])
    response = learner_client.post(url)
    assert response.status_code == 302
    assert response.url == lesson_url(course, "lesson-1")
    assert LessonCompletion.objects.filter(user=learner, lesson__slug="lesson-1").count() == 1
    body = learner_client.get(response.url).content.decode()
    assert "You have completed this lesson." in body


@pytest.mark.django_db
def test_mark_complete_with_htmx_swaps_the_fragment(learner_client, learner, course):
    url = reverse("courses:complete", args=[course.slug, "lesson-1"])
    response = learner_client.post(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<div id="completion"')
    assert "Marked complete" in body
    assert "<html" not in body
    # Twice is harmless: still one completion.
    learner_client.post(url, headers={"HX-Request": "true"})
    assert LessonCompletion.objects.filter(user=learner).count() == 1


@pytest.mark.django_db
def test_mark_complete_needs_an_account(client, course):
    url = reverse("courses:complete", args=[course.slug, "lesson-1"])
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/courses/demo-course/lessons/lesson-1/")
    htmx = client.post(url, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/accounts/login/")
    assert not LessonCompletion.objects.exists()


@pytest.mark.django_db
def test_mark_complete_on_unknown_lesson_is_404(learner_client, course):
    url = reverse("courses:complete", args=[course.slug, "nope"])
    assert learner_client.post(url).status_code == 404


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(client, course):
    for url in ("/", course.get_absolute_url(), lesson_url(course, "lesson-1")):
        body = client.get(url).content.decode()
        assert "<script>" not in body and "style=" not in body and " onclick" not in body
        assert "<script src=" in body
